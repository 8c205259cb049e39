import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { addressKey } from '../lib/address'
import { loadConfig } from '../lib/config'
import { makeThrottles, type RateName } from '.'

/**
 * The client address of a request as a throttle key: `CF-Connecting-IP`, which Cloudflare sets
 * and a client cannot override there (see src/lib/address.ts for IPv6 and missing values).
 */
export const clientAddress = (c: { req: { header(name: string): string | undefined } }) =>
  addressKey(c.req.header('cf-connecting-ip'))

/** Refuses a request (429) once its client address is over the binding's cap, before anything else. */
export const rateCap = (name: RateName) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await makeThrottles(c.env, loadConfig(c.env)).rate(name, clientAddress(c))
    await next()
  })
