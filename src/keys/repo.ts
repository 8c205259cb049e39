import { and, count, desc, eq, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { apiKeys } from '../db/schema'

export type KeyRow = typeof apiKeys.$inferSelect

export function save(db: Db, row: KeyRow) {
  return db.insert(apiKeys).values(row)
}

export function retrieveById(db: Db, owner: string, id: string) {
  return db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.owner, owner)))
}

/** A page of the owner's keys, newest first, and the total: batch both. */
export function retrieveAll(db: Db, owner: string, offset: number, limit: number) {
  const where = eq(apiKeys.owner, owner)
  return [
    db
      .select()
      .from(apiKeys)
      .where(where)
      .orderBy(desc(apiKeys.issuedAt), desc(apiKeys.id))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(apiKeys).where(where),
  ] as const
}

export function remove(db: Db, owner: string, id: string) {
  return db
    .delete(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.owner, owner)))
    .returning({ id: apiKeys.id })
}

/**
 * Revokes every API key of the owner (a password reset that asks for it). `guard` is an extra SQL
 * condition, so the delete joins another write's batch and applies only if that write did.
 */
export function removeAll(db: Db, owner: string, guard?: SQL) {
  return db
    .delete(apiKeys)
    .where(and(eq(apiKeys.owner, owner), guard))
    .returning({ id: apiKeys.id })
}
