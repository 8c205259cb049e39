import {
  and,
  asc,
  count,
  desc,
  eq,
  exists,
  getTableColumns,
  inArray,
  notExists,
  SQL,
  sql,
} from 'drizzle-orm'
import type { Db } from '../db/client'
import { channels, connections, ownerCounts, things } from '../db/schema'
import { chunks, rowsPerStatement } from '../lib/limits'
import { metadataContains } from '../lib/metadata'
import { effectiveOrder, likeContains } from '../lib/page'

export type ThingRow = typeof things.$inferSelect

/** What the list routes filter and order by (raw `order`/`dir`; '' means the default). */
export interface PageQuery {
  offset: number
  limit: number
  name?: string
  metadata?: Record<string, unknown>
  order: string
  dir: string
}

export type PageWindow = Pick<PageQuery, 'offset' | 'limit' | 'order' | 'dir'>

/** Things and channels share the columns the filters and orderings use. */
type Entity = typeof things | typeof channels

/**
 * The owner guard plus the optional name and metadata filters. The owner equality leads every
 * index on both tables, so the planner searches the owner's range instead of scanning the table.
 */
export function ownedWhere(table: Entity, owner: string, f: Pick<PageQuery, 'name' | 'metadata'>): SQL {
  const conds: SQL[] = [eq(table.owner, owner)]
  // likeContains lower-cases the pattern and escapes % and _; SQLite's LIKE folds ASCII case.
  if (f.name) conds.push(sql`${table.name} LIKE ${likeContains(f.name)} ESCAPE '\\'`)
  if (f.metadata && Object.keys(f.metadata).length > 0) {
    conds.push(metadataContains(table.metadata, f.metadata))
  }
  return and(...conds)!
}

/** ORDER BY for a page: by id, or by name with id as the tie-breaker so paging is stable. */
export function pageOrder(table: Entity, order: string, dir: string): SQL[] {
  const eff = effectiveOrder(order, dir)
  const by = eff.dir === 'asc' ? asc : desc
  return eff.order === 'name' ? [by(table.name), by(table.id)] : [by(table.id)]
}

/** `(SELECT value FROM json_each(?))`: a whole id list as one bound parameter (D1 allows 100). */
export function idList(ids: readonly string[]): SQL {
  return sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`
}

const THINGS_PER_INSERT = rowsPerStatement(Object.keys(getTableColumns(things)).length)

/** Inserts, chunked so each statement stays under D1's 100 bound parameters; batch them all. */
export function save(db: Db, rows: ThingRow[]) {
  return chunks(rows, THINGS_PER_INSERT).map((c) => db.insert(things).values(c))
}

export function retrieveById(db: Db, owner: string, id: string) {
  return db
    .select()
    .from(things)
    .where(and(eq(things.id, id), eq(things.owner, owner)))
}

/** The id, if the thing exists and belongs to `owner` (for ownership checks inside a batch). */
export function retrieveOwnedId(db: Db, owner: string, id: string) {
  return db
    .select({ id: things.id })
    .from(things)
    .where(and(eq(things.id, id), eq(things.owner, owner)))
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
  const filtered = Boolean(q.name) || (q.metadata !== undefined && Object.keys(q.metadata).length > 0)
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

/**
 * A page of the things connected (or, with `connected` false, not connected) to a channel, and
 * the total. The caller checks in the same batch that the channel belongs to `owner`; the composite
 * foreign keys guarantee that every connection of that channel joins a thing of the same owner, so
 * the connected case reads the connections primary key (channel_id, thing_id) alone.
 */
export function retrieveByChannel(
  db: Db,
  owner: string,
  chanId: string,
  q: PageWindow,
  connected: boolean,
) {
  if (connected) {
    const where = eq(connections.channelId, chanId)
    const eff = effectiveOrder(q.order, q.dir)
    const by = eff.dir === 'asc' ? asc : desc
    // Ordering by connections.thing_id (equal to things.id) walks the primary key in order.
    const orderBy = eff.order === 'name' ? [by(things.name), by(things.id)] : [by(connections.thingId)]
    return [
      db
        .select(getTableColumns(things))
        .from(connections)
        .innerJoin(things, eq(things.id, connections.thingId))
        .where(where)
        .orderBy(...orderBy)
        .limit(q.limit)
        .offset(q.offset),
      db.select({ n: count() }).from(connections).where(where),
    ] as const
  }
  const where = and(
    eq(things.owner, owner),
    notExists(
      db
        .select({ one: sql`1` })
        .from(connections)
        .where(and(eq(connections.channelId, chanId), eq(connections.thingId, things.id))),
    ),
  )
  return [
    db
      .select()
      .from(things)
      .where(where)
      .orderBy(...pageOrder(things, q.order, q.dir))
      .limit(q.limit)
      .offset(q.offset),
    db.select({ n: count() }).from(things).where(where),
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
    .update(things)
    .set(fields)
    .where(and(eq(things.id, id), eq(things.owner, owner)))
    .returning({ id: things.id })
}

/** The current key; batch it before `updateKey` to learn the key being replaced. */
export function retrieveKey(db: Db, owner: string, id: string) {
  return db
    .select({ key: things.key })
    .from(things)
    .where(and(eq(things.id, id), eq(things.owner, owner)))
}

export function updateKey(db: Db, owner: string, id: string, key: string) {
  return db
    .update(things)
    .set({ key })
    .where(and(eq(things.id, id), eq(things.owner, owner)))
    .returning({ id: things.id })
}

/** Deletes a thing (its connections and bootstrap config cascade) and returns its key. */
export function remove(db: Db, owner: string, id: string) {
  return db
    .delete(things)
    .where(and(eq(things.id, id), eq(things.owner, owner)))
    .returning({ key: things.key })
}

/**
 * True when every id in `ids` (distinct) exists and belongs to `owner`: the guard of all-or-nothing
 * writes. Exported for bootstrap, whose statements in the same batch need the same guard.
 */
export function allOwned(table: Entity, owner: string, ids: readonly string[]): SQL {
  return sql`(SELECT count(*) FROM ${table} WHERE ${table.owner} = ${owner} AND ${table.id} IN ${idList(ids)}) = ${ids.length}`
}

/** Ids as a list, or as a subquery yielding one id per row (e.g. a bootstrap config's channels). */
export type IdSet = readonly string[] | SQL

const idSet = (ids: IdSet): SQL => (ids instanceof SQL ? sql`(${ids})` : idList(ids))

function requireAllOwned(owner: string, channelIds: IdSet, thingIds: IdSet): SQL[] {
  if (channelIds instanceof SQL || thingIds instanceof SQL) {
    throw new Error('requireAll needs id lists, not subqueries')
  }
  return [allOwned(channels, owner, channelIds), allOwned(things, owner, thingIds)]
}

/**
 * Connects every channel in `channelIds` with every thing in `thingIds` (both lists distinct), in
 * one statement whatever their length. With `requireAll` (the default) it inserts nothing unless
 * every id exists and belongs to `owner`; otherwise it connects the owner's ids and skips the rest.
 * Pairs already connected are left as they are. Batch it with `countOwned` of both sides to learn
 * whether all ids were known. Exported for bootstrap, which connects a thing to its config channels
 * in its own batch: it passes the channels as a subquery and an `extra` condition (the config's
 * state, read in the same statement). A new connection needs no cache invalidation (denials are
 * never cached).
 */
export function connect(
  db: Db,
  owner: string,
  channelIds: IdSet,
  thingIds: IdSet,
  requireAll = true,
  extra?: SQL,
) {
  const conds: SQL[] = [
    eq(channels.owner, owner),
    inArray(channels.id, idSet(channelIds)),
    inArray(things.id, idSet(thingIds)),
  ]
  if (requireAll) conds.push(...requireAllOwned(owner, channelIds, thingIds))
  if (extra) conds.push(extra)
  return db
    .insert(connections)
    .select(
      db
        .select({ channelId: channels.id, thingId: things.id, owner: channels.owner })
        .from(channels)
        .innerJoin(things, eq(things.owner, channels.owner))
        .where(and(...conds)),
    )
    .onConflictDoNothing()
}

/**
 * Connects explicit (channel, thing) pairs of one owner in one statement, the pairs bound as one
 * JSON parameter; pairs already connected are left as they are. Both ends must be the owner's
 * (the join drops anything else), which includes rows inserted earlier in the same batch: for
 * provision, whose layout connects each thing to its own list of channels.
 */
export function connectPairs(db: Db, owner: string, pairs: readonly (readonly [string, string])[]) {
  return db
    .insert(connections)
    .select(
      // CROSS JOIN fixes the loop order: the pairs outside, primary-key lookups inside. Left to
      // itself the planner walks the owner's whole index range for both tables.
      sql`SELECT ${channels.id}, ${things.id}, ${channels.owner}
        FROM json_each(${JSON.stringify(pairs)}) AS p
        CROSS JOIN ${channels} ON ${channels.id} = json_extract(p.value, '$[0]')
        CROSS JOIN ${things} ON ${things.id} = json_extract(p.value, '$[1]')
        WHERE ${channels.owner} = ${owner} AND ${things.owner} = ${owner}`,
    )
    .onConflictDoNothing()
}

/**
 * Removes every connection between `channelIds` and `thingIds` (both distinct) owned by `owner`;
 * pairs that are not connected are ignored. With `requireAll` it removes nothing unless every id
 * exists for the owner; `extra` narrows it further (bootstrap: only while its config is active).
 * Exported for bootstrap; call `invalidateAccess` with the same ids after the batch succeeds.
 */
export function disconnect(
  db: Db,
  owner: string,
  channelIds: IdSet,
  thingIds: IdSet,
  requireAll = true,
  extra?: SQL,
) {
  const conds: SQL[] = [
    eq(connections.owner, owner),
    inArray(connections.channelId, idSet(channelIds)),
    inArray(connections.thingId, idSet(thingIds)),
  ]
  if (requireAll) conds.push(...requireAllOwned(owner, channelIds, thingIds))
  if (extra) conds.push(extra)
  return db.delete(connections).where(and(...conds))
}

/** `disconnect` that returns the thing of every connection it removed. */
export function disconnectReturningThings(db: Db, owner: string, channelIds: IdSet, thingIds: IdSet) {
  return disconnect(db, owner, channelIds, thingIds).returning({ thingId: connections.thingId })
}

/** The things connected to one of the owner's channels (read before the channel goes). */
export function connectedThingIds(db: Db, owner: string, chanId: string) {
  return db
    .selectDistinct({ thingId: connections.thingId })
    .from(connections)
    .where(and(eq(connections.channelId, chanId), eq(connections.owner, owner)))
}

/** Removes one connection; empty result means it did not exist for this owner. */
export function disconnectPair(db: Db, owner: string, chanId: string, thingId: string) {
  return db
    .delete(connections)
    .where(
      and(
        eq(connections.channelId, chanId),
        eq(connections.thingId, thingId),
        eq(connections.owner, owner),
      ),
    )
    .returning({ thingId: connections.thingId })
}

/** Identify: the thing holding a key (the unique key index). */
export function retrieveByKey(db: Db, key: string) {
  return db.select({ id: things.id }).from(things).where(eq(things.key, key))
}

/** Access by key: the thing holding the key and whether it is connected to the channel. */
export function accessByKey(db: Db, key: string, chanId: string) {
  return db
    .select({
      id: things.id,
      connected: sql<number>`${exists(
        db
          .select({ one: sql`1` })
          .from(connections)
          .where(and(eq(connections.channelId, chanId), eq(connections.thingId, things.id))),
      )}`,
    })
    .from(things)
    .where(eq(things.key, key))
}

/** Access by id: whether the pair is connected (the connections primary key). */
export function isConnected(db: Db, chanId: string, thingId: string) {
  return db
    .select({ one: sql<number>`1` })
    .from(connections)
    .where(and(eq(connections.channelId, chanId), eq(connections.thingId, thingId)))
}
