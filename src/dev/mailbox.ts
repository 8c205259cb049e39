import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { isLoopbackUrl, loadConfig } from '../lib/config'
import { AppError, notFoundJson } from '../lib/errors'
import { readDevMailbox } from '../lib/mail'

/**
 * `GET /dev/mailbox?to=<address>`: the mail "sent" to an address while FLUXGATE_DEV_MAILBOX is
 * on (local development and the console's browser tests read reset links here), newest first.
 * No authentication: the setting is refused unless FLUXGATE_PUBLIC_URL is a loopback URL, and the
 * route answers only requests that arrived on a loopback host (so settings copied from .dev.vars
 * into a deployment still expose nothing). Otherwise the route does not exist (404). Left out of the OpenAPI document on purpose.
 */
export const devMailbox = new Hono<AppEnv>({ strict: false })

// Every method, so that while the setting is off nothing (not even a 405) tells the route apart
// from an unknown one.
devMailbox.all('/dev/mailbox', async (c) => {
  if (!loadConfig(c.env).FLUXGATE_DEV_MAILBOX || !isLoopbackUrl(c.req.url)) return notFoundJson(c)
  if (c.req.method !== 'GET') {
    c.header('Allow', 'GET')
    return c.json({ error: 'method not allowed' }, 405)
  }
  const to = c.req.query('to')
  if (!to || !to.includes('@'))
    throw new AppError('malformed_entity', 'to: an e-mail address is required')
  c.header('Cache-Control', 'no-store')
  return c.json({ messages: await readDevMailbox(c.env.CACHE, to) }, 200)
})
