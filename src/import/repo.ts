import { and, inArray } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { Db } from '../db/client'
import { bootstrapConfigs, certs, channels, connections, things, users } from '../db/schema'
import { chunks } from '../lib/limits'

/** Values per `IN (...)` list: D1 binds at most 100 parameters per statement. */
const IN_MAX = 90

/** Selects split so each `IN` list stays under D1's parameter cap; results are concatenated. */
function inLists<T>(
  values: readonly string[],
  build: (part: string[]) => BatchItem<'sqlite'>
): BatchItem<'sqlite'>[] {
  return chunks([...new Set(values)], IN_MAX).map(build)
}

/** Runs the reads of one chunk as one D1 batch (one round trip) and concatenates each group. */
export async function readAll(db: Db, groups: BatchItem<'sqlite'>[][]): Promise<unknown[][]> {
  const flat = groups.flat()
  if (flat.length === 0) return groups.map(() => [])
  const results = (await db.batch(
    flat as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]
  )) as unknown[][]
  const out: unknown[][] = []
  let at = 0
  for (const g of groups) {
    out.push(results.slice(at, at + g.length).flat())
    at += g.length
  }
  return out
}

export const usersById = (db: Db, ids: readonly string[]) =>
  inLists(ids, (p) =>
    db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.id, p))
  )

export const usersByEmail = (db: Db, emails: readonly string[]) =>
  inLists(emails, (p) =>
    db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.email, p))
  )

export const thingsById = (db: Db, ids: readonly string[]) =>
  inLists(ids, (p) => db.select().from(things).where(inArray(things.id, p)))

export const thingsByKey = (db: Db, keys: readonly string[]) =>
  inLists(keys, (p) =>
    db.select({ id: things.id, key: things.key }).from(things).where(inArray(things.key, p))
  )

export const channelsById = (db: Db, ids: readonly string[]) =>
  inLists(ids, (p) => db.select().from(channels).where(inArray(channels.id, p)))

/** The connections among these things and channels (a superset of the pairs asked about). */
export function connectionsAmong(
  db: Db,
  thingIds: readonly string[],
  channelIds: readonly string[]
) {
  const ts = chunks([...new Set(thingIds)], 45)
  const cs = chunks([...new Set(channelIds)], 45)
  return ts.flatMap((t) =>
    cs.map((c) =>
      db
        .select()
        .from(connections)
        .where(and(inArray(connections.thingId, t), inArray(connections.channelId, c)))
    )
  )
}

export const configsById = (db: Db, ids: readonly string[]) =>
  inLists(ids, (p) =>
    db.select().from(bootstrapConfigs).where(inArray(bootstrapConfigs.thingId, p))
  )

export const configsByExternalId = (db: Db, ids: readonly string[]) =>
  inLists(ids, (p) =>
    db
      .select({ thingId: bootstrapConfigs.thingId, externalId: bootstrapConfigs.externalId })
      .from(bootstrapConfigs)
      .where(inArray(bootstrapConfigs.externalId, p))
  )

export const certsBySerial = (db: Db, serials: readonly string[]) =>
  inLists(serials, (p) => db.select().from(certs).where(inArray(certs.serial, p)))
