import { createDb, type Db } from '../db/client'
import type { Bindings } from '../env'
import { type Config, loadConfig } from './config'
import { logError } from './errors'
import { type Hooks, installedHooks } from './hooks'

/** What services need from a request context, without depending on Hono's types. */
export interface Deps {
  db: Db
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
}

/** One Deps per request: the auth middleware and the route handler share it. */
const perRequest = new WeakMap<Request, Deps>()

export function deps(c: Ctx): Deps {
  const raw = c.req?.raw
  const known = raw && perRequest.get(raw)
  if (known && known.env === c.env) return known
  const made: Deps = {
    db: createDb(c.env.DB),
    config: loadConfig(c.env),
    env: c.env,
    waitUntil: waitUntilOf(c),
    hooks: installedHooks(),
  }
  if (raw) perRequest.set(raw, made)
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
