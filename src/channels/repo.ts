import { and, asc, count, desc, eq, getTableColumns, inArray, notExists, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { channels, connections, ownerCounts } from '../db/schema'
import { chunks, rowsPerStatement } from '../lib/limits'
import { effectiveOrder } from '../lib/page'
import { idList, ownedWhere, type PageQuery, type PageWindow, pageOrder } from '../things/repo'

export type ChannelRow = typeof channels.$inferSelect

const CHANNELS_PER_INSERT = rowsPerStatement(Object.keys(getTableColumns(channels)).length)

/** Inserts, chunked so each statement stays under D1's 100 bound parameters; batch them all. */
export function save(db: Db, rows: ChannelRow[]) {
  return chunks(rows, CHANNELS_PER_INSERT).map((c) => db.insert(channels).values(c))
}

export function retrieveById(db: Db, owner: string, id: string) {
  return db
    .select()
    .from(channels)
    .where(and(eq(channels.id, id), eq(channels.owner, owner)))
}

/** The id, if the channel exists and belongs to `owner` (for ownership checks inside a batch). */
export function retrieveOwnedId(db: Db, owner: string, id: string) {
  return db
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.id, id), eq(channels.owner, owner)))
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
  const filtered = Boolean(q.name) || (q.metadata !== undefined && Object.keys(q.metadata).length > 0)
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
      : db.select({ n: ownerCounts.channels }).from(ownerCounts).where(eq(ownerCounts.owner, owner)),
  ] as const
}

/**
 * A page of the channels connected (or not) to a thing, and the total. The caller checks in the
 * same batch that the thing belongs to `owner` (the composite foreign keys keep both ends of a
 * connection with one owner), so the connected case reads the (thing_id, channel_id) index alone.
 */
export function retrieveByThing(
  db: Db,
  owner: string,
  thingId: string,
  q: PageWindow,
  connected: boolean,
) {
  if (connected) {
    const where = eq(connections.thingId, thingId)
    const eff = effectiveOrder(q.order, q.dir)
    const by = eff.dir === 'asc' ? asc : desc
    const orderBy =
      eff.order === 'name' ? [by(channels.name), by(channels.id)] : [by(connections.channelId)]
    return [
      db
        .select(getTableColumns(channels))
        .from(connections)
        .innerJoin(channels, eq(channels.id, connections.channelId))
        .where(where)
        .orderBy(...orderBy)
        .limit(q.limit)
        .offset(q.offset),
      db.select({ n: count() }).from(connections).where(where),
    ] as const
  }
  const where = and(
    eq(channels.owner, owner),
    notExists(
      db
        .select({ one: sql`1` })
        .from(connections)
        .where(and(eq(connections.channelId, channels.id), eq(connections.thingId, thingId))),
    ),
  )
  return [
    db
      .select()
      .from(channels)
      .where(where)
      .orderBy(...pageOrder(channels, q.order, q.dir))
      .limit(q.limit)
      .offset(q.offset),
    db.select({ n: count() }).from(channels).where(where),
  ] as const
}

/** Full replace of name and metadata, guarded by owner. */
export function update(
  db: Db,
  owner: string,
  id: string,
  fields: { name: string; metadata: Record<string, unknown> | null },
) {
  return db
    .update(channels)
    .set(fields)
    .where(and(eq(channels.id, id), eq(channels.owner, owner)))
    .returning({ id: channels.id })
}

/** Deletes a channel; its connections (and bootstrap config links) cascade. */
export function remove(db: Db, owner: string, id: string) {
  return db
    .delete(channels)
    .where(and(eq(channels.id, id), eq(channels.owner, owner)))
    .returning({ id: channels.id })
}
