import { createDb, type Db } from '../db/client'
import type { RequestSession } from '../db/session'
import type { Bindings } from '../env'
import { type Config, loadConfig } from './config'
import { logError } from './errors'
import { type Hooks, installedHooks } from './hooks'

/** What services need from a request context, without depending on Hono's types. */
export interface Deps {
  /**
   * The primary: every write, and every read that decides an access, checks a credential or fills
   * a cache. On a route with a D1 session (`d1` in defineRoute, see db/session.ts) its statements
   * still run on the primary and count toward the answer's `x-d1-bookmark`.
   */
  db: Db
  /**
   * Replica-eligible reads, for listings and GET of the caller's own entities only: on a
   * `d1: 'read'` route the request's D1 session (first-primary, or the client's bookmark);
   * anywhere else the same object as `db`. Never for an access decision or a cache fill.
   */
  read: Db
  config: Config
  env: Bindings
  /** Schedules work after the response (KV fills, audit writes). */
  waitUntil: (p: Promise<unknown>) => void
  /** Reactions of other domains to a change; absent: the ones installed at assembly. */
  hooks?: Hooks
}

type Ctx = {
  env: Bindings
  executionCtx: { waitUntil(p: Promise<unknown>): void }
  req?: { raw: Request }
  /** Hono's context variables: `d1` is set by the session middleware of a route declaring `d1`. */
  var?: { d1?: RequestSession }
}

/** One Deps per request: the auth middleware and the route handler share it. */
const perRequest = new WeakMap<Request, { made: Deps; session: RequestSession | undefined }>()

export function deps(c: Ctx): Deps {
  const raw = c.req?.raw
  const session = c.var?.d1
  const known = raw && perRequest.get(raw)
  if (known && known.made.env === c.env && known.session === session) return known.made
  const primary = session?.db ?? createDb(c.env.DB)
  const made: Deps = {
    db: primary,
    read: session?.read ?? primary,
    config: loadConfig(c.env),
    env: c.env,
    waitUntil: waitUntilOf(c),
    hooks: installedHooks(),
  }
  if (raw) perRequest.set(raw, { made, session })
  return made
}

/** The request's waitUntil; without an execution context (app.request()) work runs detached. */
export function waitUntilOf(c: Pick<Ctx, 'executionCtx'>): (p: Promise<unknown>) => void {
  let ctx: Ctx['executionCtx'] | undefined
  try {
    ctx = c.executionCtx
  } catch {
    // app.request() in unit tests has no execution context: run deferred work inline.
  }
  return ctx
    ? (p) => ctx.waitUntil(p)
    : (p) => void p.catch((e) => logError('deferred work failed:', e))
}
