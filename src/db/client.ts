import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1'

/**
 * Query builders only (`db.select()`, `db.insert()`, ..., `db.batch`): no relational `db.query`
 * API, so the primary and a D1 session (db/session.ts) are the same type and the same SQL.
 */
export type Db = DrizzleD1Database

const cache = new WeakMap<D1Database, Db>()

/** One drizzle instance per D1 binding object (per isolate). */
export function createDb(d1: D1Database): Db {
  let db = cache.get(d1)
  if (!db) {
    db = drizzle(d1, { casing: 'snake_case' })
    cache.set(d1, db)
  }
  return db
}

/** True when a D1/drizzle error (anywhere in its cause chain) is a UNIQUE constraint violation. */
export function isUniqueViolation(err: unknown): boolean {
  return causeChainIncludes(err, 'UNIQUE constraint failed')
}

/** True for FOREIGN KEY constraint failures (an owner mismatch or a missing parent row). */
export function isForeignKeyViolation(err: unknown): boolean {
  return causeChainIncludes(err, 'FOREIGN KEY constraint failed')
}

/** True when the error (anywhere in its cause chain) mentions `text`, e.g. a named NOT NULL column. */
export function errorMentions(err: unknown, text: string): boolean {
  return causeChainIncludes(err, text)
}

function causeChainIncludes(err: unknown, text: string): boolean {
  for (let e = err, depth = 0; e && depth < 8; depth++) {
    if (e instanceof Error) {
      if (e.message.includes(text)) return true
      e = e.cause
    } else return false
  }
  return false
}
