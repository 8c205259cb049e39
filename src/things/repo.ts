import { and, count, eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/client'
import { ownerCounts, things } from '../db/schema'
import { insertAll } from '../lib/json-insert'
import { idList, isFiltered, ownedRow, ownedWhere, type PageQuery, pageOrder } from '../lib/query'

export type ThingRow = typeof things.$inferSelect

/** Inserts, the rows bound as one JSON parameter (lib/json-insert); batch them with the write. */
export function save(db: Db, rows: ThingRow[]) {
  return insertAll(db, things, rows)
}

export function retrieveById(db: Db, owner: string, id: string) {
  return db
    .select()
    .from(things)
    .where(ownedRow(things, owner, id))
}

/** The id, if the thing exists and belongs to `owner` (for ownership checks inside a batch). */
export function retrieveOwnedId(db: Db, owner: string, id: string) {
  return db
    .select({ id: things.id })
    .from(things)
    .where(ownedRow(things, owner, id))
}

/**
 * The keys of those of `ids` that belong to `owner`: batch it with a disconnect, so the access
 * cache's key-named entries of exactly those things are dropped (things/cache.ts).
 */
export function keysOf(db: Db, owner: string, ids: readonly string[]) {
  return db
    .select({ key: things.key })
    .from(things)
    .where(and(eq(things.owner, owner), inArray(things.id, idList(ids))))
}

/** How many of `ids` (distinct) exist and belong to `owner`. */
export function countOwned(db: Db, owner: string, ids: readonly string[]) {
  return db
    .select({ n: count() })
    .from(things)
    .where(and(eq(things.owner, owner), inArray(things.id, idList(ids))))
}

/** A page of the owner's things and the total matching the same filters: batch both. */
export function retrieveAll(db: Db, owner: string, q: PageQuery) {
  const where = ownedWhere(things, owner, q)
  // Without filters the total is the owner's counter (kept by triggers), not a COUNT over the
  // owner's whole index range, so a page costs the same at 1,000 and 100,000 rows.
  const filtered = isFiltered(q)
  return [
    db
      .select()
      .from(things)
      .where(where)
      .orderBy(...pageOrder(things, q.order, q.dir))
      .limit(q.limit)
      .offset(q.offset),
    filtered
      ? db.select({ n: count() }).from(things).where(where)
      : db.select({ n: ownerCounts.things }).from(ownerCounts).where(eq(ownerCounts.owner, owner)),
  ] as const
}

/** Full replace of name and metadata, guarded by owner. */
export function update(
  db: Db,
  owner: string,
  id: string,
  fields: { name: string; metadata: Record<string, unknown> | null }
) {
  return db
    .update(things)
    .set(fields)
    .where(ownedRow(things, owner, id))
    .returning({ id: things.id })
}

/** The current key; batch it before `updateKey` to learn the key being replaced. */
export function retrieveKey(db: Db, owner: string, id: string) {
  return db
    .select({ key: things.key })
    .from(things)
    .where(ownedRow(things, owner, id))
}

export function updateKey(db: Db, owner: string, id: string, key: string) {
  return db
    .update(things)
    .set({ key })
    .where(ownedRow(things, owner, id))
    .returning({ id: things.id })
}

/** Deletes a thing (its connections and bootstrap config cascade) and returns its key. */
export function remove(db: Db, owner: string, id: string) {
  return db
    .delete(things)
    .where(ownedRow(things, owner, id))
    .returning({ key: things.key })
}

/** Identify: the thing holding a key (the unique key index). */
export function retrieveByKey(db: Db, key: string) {
  return db.select({ id: things.id }).from(things).where(eq(things.key, key))
}
