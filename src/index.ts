// @peculiar/x509 relies on decorator metadata: load the polyfill before anything imports it.
import 'reflect-metadata'
import { createApp } from './app'

export { BrokerSessions } from './sessions/queue'
export { Throttle } from './throttle/object'

export default createApp()
