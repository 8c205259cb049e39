import { createDb, type Db } from '../db/client'
import type { Bindings } from '../env'
import { type Config, loadConfig } from './config'
import { logError } from './errors'

/** What services need from a request context, without depending on Hono's types. */
export interface Deps {
  db: Db
  config: Config
  env: Bindings
  /** Schedules work after the response (KV fills, audit writes). */
  waitUntil: (p: Promise<unknown>) => void
}

type Ctx = { env: Bindings; executionCtx: { waitUntil(p: Promise<unknown>): void } }

export function deps(c: Ctx): Deps {
  let ctx: Ctx['executionCtx'] | undefined
  try {
    ctx = c.executionCtx
  } catch {
    // app.request() in unit tests has no execution context: run deferred work inline.
  }
  return {
    db: createDb(c.env.DB),
    config: loadConfig(c.env),
    env: c.env,
    waitUntil: ctx ? (p) => ctx.waitUntil(p) : (p) => void p.catch((e) => logError('deferred work failed:', e)),
  }
}
