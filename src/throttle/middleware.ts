import { createMiddleware } from 'hono/factory'
import type { AppEnv, Bindings } from '../env'
import { addressKey } from '../lib/address'
import { loadConfig } from '../lib/config'
import { AppError } from '../lib/errors'
import type { Guard } from '../lib/guard'
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

/**
 * An identify or access check under the per-address failure budget (README: Security): the
 * address's lock marker is read with the check's first KV read, and a refused check (401, 403)
 * counts against the budget, so guessing keys or ids from one address stops after a few a minute.
 */
export async function guessing<T>(
  c: { env: Bindings; req: { header(name: string): string | undefined } },
  check: (guards: Guard[]) => Promise<T>
): Promise<T> {
  const throttles = makeThrottles(c.env, loadConfig(c.env))
  const client = clientAddress(c)
  const guard = throttles.addressGuard(client)
  try {
    return await check(guard ? [guard] : [])
  } catch (e) {
    if (e instanceof AppError && (e.code === 'unauthenticated' || e.code === 'forbidden')) {
      await throttles.countGuess(client)
    }
    throw e
  }
}
