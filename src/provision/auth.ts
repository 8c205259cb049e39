import { createMiddleware } from 'hono/factory'
import type { AppEnv, Bindings, Identity } from '../env'
import { identify, waitUntilOf } from '../auth'
import { bearerToken, verifyToken } from '../lib/auth'
import { type Config, loadConfig } from '../lib/config'
import { deps } from '../lib/context'
import { AppError } from '../lib/errors'
import { createMailer } from '../lib/mail'
import { makeThrottles } from '../throttle'
import { makeUsersService } from '../users/service'

/*
 * Who provisions (0.12.1's createTokenIfEmpty, made explicit):
 *  1. the request's Authorization (a login token or an API key); an invalid one is 401 and never
 *     falls through to the service credentials;
 *  2. else MF_PROVISION_API_KEY, an API key value (checked in D1 on every use, so revoking it
 *     takes effect at once);
 *  3. else MF_PROVISION_USER + MF_PROVISION_PASSWORD, logged in through the users service; the
 *     token is kept per isolate until shortly before it expires, so PBKDF2 does not run per mapping;
 *  4. else 401.
 * With 2 or 3 configured, anyone who can reach POST /mapping provisions as that account.
 */

interface Login {
  identity?: Identity
  /** When to log in again (ms): a few minutes before the token expires. */
  refreshAt: number
  pending?: Promise<Identity>
  /** A refused password is not retried before this (ms), so requests cannot make PBKDF2 spin. */
  failedUntil?: number
}

/** Per config object, i.e. per isolate and set of settings: new credentials log in afresh. */
const logins = new WeakMap<Config, Login>()

const RETRY_AFTER_REFUSAL_MS = 30_000

/** The client address the service account's logins are counted under (never a real address). */
const SERVICE_CLIENT = 'provision-service'

const refused = () => new AppError('unauthenticated')

/** One login through the users service; concurrent requests of an isolate share it. */
async function logIn(
  c: Parameters<typeof deps>[0],
  config: Config,
  state: Login
): Promise<Identity> {
  const d = deps(c)
  const users = makeUsersService({
    ...d,
    mailer: createMailer(d.env, config),
    throttles: makeThrottles(d.env, config),
  })
  try {
    // The service account logs in from the Worker itself: its own per-address counter.
    const token = await users.login(
      config.MF_PROVISION_USER!,
      config.MF_PROVISION_PASSWORD!,
      SERVICE_CLIENT
    )
    const claims = await verifyToken(config, token)
    const expiresAt = (claims.exp ?? Infinity) * 1000
    const lifetime = expiresAt - Date.now()
    state.identity = {
      userId: claims.sub,
      email: claims.email,
      kind: 'login',
      metadata: claims.metadata,
    }
    state.refreshAt = expiresAt - Math.min(5 * 60_000, lifetime / 10)
    state.failedUntil = undefined
    return state.identity
  } catch (e) {
    if (e instanceof AppError && e.code === 'unauthenticated') {
      console.error(
        'provision: MF_PROVISION_USER / MF_PROVISION_PASSWORD were refused by the users service'
      )
      state.failedUntil = Date.now() + RETRY_AFTER_REFUSAL_MS
      state.identity = undefined
      throw refused()
    }
    throw e
  }
}

async function serviceLogin(c: Parameters<typeof deps>[0], config: Config): Promise<Identity> {
  const now = Date.now()
  const state = logins.get(config) ?? { refreshAt: 0 }
  logins.set(config, state)
  if (state.identity && now < state.refreshAt) return state.identity
  if (state.failedUntil !== undefined && now < state.failedUntil) throw refused()
  if (!state.pending) {
    const pending = logIn(c, config, state)
    state.pending = pending
    const clear = () => {
      if (state.pending === pending) state.pending = undefined
    }
    pending.then(clear, clear)
  }
  return state.pending
}

async function serviceApiKey(env: Bindings, config: Config, key: string): Promise<Identity> {
  try {
    return await identify(config, env, key)
  } catch (e) {
    if (e instanceof AppError && e.code === 'unauthenticated') {
      console.error(`provision: MF_PROVISION_API_KEY was refused (${e.message})`)
      throw refused()
    }
    throw e
  }
}

/** POST /mapping's credentials, by the precedence above; sets `c.var.identity`. */
export const provisionAuth = createMiddleware<AppEnv>(async (c, next) => {
  const config = loadConfig(c.env)
  const header = c.req.header('authorization')
  let identity: Identity
  if (header !== undefined && header.trim() !== '') {
    identity = await identify(config, c.env, bearerToken(header), waitUntilOf(c))
  } else if (config.MF_PROVISION_API_KEY) {
    identity = await serviceApiKey(c.env, config, config.MF_PROVISION_API_KEY)
  } else if (config.MF_PROVISION_USER && config.MF_PROVISION_PASSWORD) {
    identity = await serviceLogin(c, config)
  } else {
    throw new AppError('unauthenticated')
  }
  c.set('identity', identity)
  await next()
})
