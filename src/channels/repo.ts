import { and, count, eq, inArray } from 'drizzle-orm'
import type { Db } from '../db/client'
import { channels, ownerCounts } from '../db/schema'
import { insertAll } from '../lib/json-insert'
import { idList, isFiltered, ownedRow, ownedWhere, type PageQuery, pageOrder } from '../lib/query'

export type ChannelRow = typeof channels.$inferSelect

/** Inserts, the rows bound as one JSON parameter (lib/json-insert); batch them with the write. */
export function save(db: Db, rows: ChannelRow[]) {
  return insertAll(db, channels, rows)
}

export function retrieveById(db: Db, owner: string, id: string) {
  return db
    .select()
    .from(channels)
    .where(ownedRow(channels, owner, id))
}

/** The id, if the channel exists and belongs to `owner` (for ownership checks inside a batch). */
export function retrieveOwnedId(db: Db, owner: string, id: string) {
  return db
    .select({ id: channels.id })
    .from(channels)
    .where(ownedRow(channels, owner, id))
}

/** How many of `ids` (distinct) exist and belong to `owner`. */
export function countOwned(db: Db, owner: string, ids: readonly string[]) {
  return db
    .select({ n: count() })
    .from(channels)
    .where(and(eq(channels.owner, owner), inArray(channels.id, idList(ids))))
}

/** A page of the owner's channels and the total matching the same filters: batch both. */
export function retrieveAll(db: Db, owner: string, q: PageQuery) {
  const where = ownedWhere(channels, owner, q)
  // Without filters the total is the owner's counter (kept by triggers), not a COUNT over the
  // owner's whole index range, so a page costs the same at 1,000 and 100,000 rows.
  const filtered = isFiltered(q)
  return [
    db
      .select()
      .from(channels)
      .where(where)
      .orderBy(...pageOrder(channels, q.order, q.dir))
      .limit(q.limit)
      .offset(q.offset),
    filtered
      ? db.select({ n: count() }).from(channels).where(where)
      : db
          .select({ n: ownerCounts.channels })
          .from(ownerCounts)
          .where(eq(ownerCounts.owner, owner)),
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
    .update(channels)
    .set(fields)
    .where(ownedRow(channels, owner, id))
    .returning({ id: channels.id })
}

/** Deletes a channel; its connections (and bootstrap config links) cascade. */
export function remove(db: Db, owner: string, id: string) {
  return db
    .delete(channels)
    .where(ownedRow(channels, owner, id))
    .returning({ id: channels.id })
}
