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
import { channels, connections, things } from '../db/schema'
import { effectiveOrder } from '../lib/page'
import { allOwned, type IdSet, idSet, pageOrder, type PageWindow } from '../lib/query'

/*
 * Connections: which things may publish and subscribe on which channels. Both ends are one owner's
 * (composite foreign keys), and a connection goes with either end by cascade.
 */

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
  extra?: SQL
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
        .where(and(...conds))
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
        WHERE ${channels.owner} = ${owner} AND ${things.owner} = ${owner}`
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
  extra?: SQL
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
export function disconnectReturningThings(
  db: Db,
  owner: string,
  channelIds: IdSet,
  thingIds: IdSet
) {
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
        eq(connections.owner, owner)
      )
    )
    .returning({ thingId: connections.thingId })
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
  connected: boolean
) {
  if (connected) {
    const where = eq(connections.channelId, chanId)
    const eff = effectiveOrder(q.order, q.dir)
    const by = eff.dir === 'asc' ? asc : desc
    // Ordering by connections.thing_id (equal to things.id) walks the primary key in order.
    const orderBy =
      eff.order === 'name' ? [by(things.name), by(things.id)] : [by(connections.thingId)]
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
        .where(and(eq(connections.channelId, chanId), eq(connections.thingId, things.id)))
    )
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
  connected: boolean
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
        .where(and(eq(connections.channelId, channels.id), eq(connections.thingId, thingId)))
    )
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

/** Access by key: the thing holding the key and whether it is connected to the channel. */
export function accessByKey(db: Db, key: string, chanId: string) {
  return db
    .select({
      id: things.id,
      connected: sql<number>`${exists(
        db
          .select({ one: sql`1` })
          .from(connections)
          .where(and(eq(connections.channelId, chanId), eq(connections.thingId, things.id)))
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
