import { createMiddleware } from 'hono/factory'
import { createDb } from '../db/client'
import type { AppEnv, Bindings, Identity } from '../env'
import { bearerToken, TokenType, verifyToken } from '../lib/auth'
import type { Config } from '../lib/config'
import { deps, waitUntilOf } from '../lib/context'
import { sha256, timingSafeEqual } from '../lib/crypto'
import { AppError } from '../lib/errors'
import { guard } from '../lib/openapi'
import { retrieveKeyForAuth } from './repo'
import { checkSession } from './sessions'

/*
 * User authentication: resolving a login token or an API key to an identity, and the route
 * middleware. It reads the api_keys and users tables through its own two statements (./repo) and
 * owns the login-session state (./sessions), so keys and users, whose routes use the middleware,
 * sit above it without a cycle. Token signing and verification, which read nothing, are in lib/auth.
 */

export { waitUntilOf }

/** Schedules work after the answer. */
type WaitUntil = (p: Promise<unknown>) => void
const detached: WaitUntil = (p) => void p.catch(() => undefined)

/**
 * Resolves a user credential (login token or API key) to an identity. API keys are checked against
 * D1 on every use so that revocation takes effect on the next request (0.12.1 never checked). Login
 * tokens are checked against the user's session state (one KV read, D1 on a miss), so a password
 * change, a reset or a sign-out ends them on the next request in that location.
 * Recovery tokens are refused here: they are good only for PUT /password/reset.
 * @throws AppError('unauthenticated')
 */
export async function identify(
  config: Config,
  env: Pick<Bindings, 'DB' | 'CACHE'>,
  token: string | undefined,
  waitUntil: WaitUntil = detached
): Promise<Identity> {
  if (!token) throw new AppError('unauthenticated')
  const claims = await verifyToken(config, token)
  const db = createDb(env.DB)
  if (claims.type === TokenType.login) {
    const sessionDeps = { db, kv: env.CACHE, ttlSec: config.FLUXGATE_SESSION_CACHE_TTL, waitUntil }
    await checkSession(sessionDeps, claims.sub, claims.gen!, claims.jti!)
    return {
      userId: claims.sub,
      email: claims.email,
      kind: 'login',
      metadata: claims.metadata,
      session: { id: claims.jti!, expiresAt: claims.exp! * 1000 },
    }
  }
  if (claims.type === TokenType.apiKey) {
    const key = await retrieveKeyForAuth(db, claims.jti!).get()
    if (
      !key ||
      key.owner !== claims.sub ||
      !timingSafeEqual(key.secretHash, await sha256(token)) ||
      (key.expiresAt !== null && key.expiresAt <= Date.now())
    ) {
      throw new AppError('unauthenticated', 'API key revoked, expired or unknown')
    }
    return { userId: claims.sub, email: claims.email, kind: 'api_key', keyId: key.id }
  }
  throw new AppError('unauthenticated', 'recovery tokens are accepted only by PUT /password/reset')
}

/** The identity of a request's bearer credential, with the request's one set of dependencies. */
function identifyRequest(
  c: Parameters<typeof deps>[0] & { req: { header(name: string): string | undefined } }
) {
  const d = deps(c)
  return identify(d.config, d.env, bearerToken(c.req.header('authorization')), d.waitUntil)
}

/** Requires a login token or an API key; sets `c.var.identity`. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  c.set('identity', await identifyRequest(c))
  await next()
})

/** Requires a login token (API keys cannot mint API keys); sets `c.var.identity`. */
export const requireLogin = createMiddleware<AppEnv>(async (c, next) => {
  const identity = await identifyRequest(c)
  if (identity.kind !== 'login') {
    throw new AppError('forbidden', 'API keys cannot issue API keys; use a login token')
  }
  c.set('identity', identity)
  await next()
})

/** Route guards (see defineRoute in lib/openapi): the documented security with its middleware. */
export const userGuard = guard([{ bearerAuth: [] }], requireUser)
export const loginGuard = guard([{ bearerAuth: [] }], requireLogin)
