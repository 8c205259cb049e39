import { and, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { bootstrapChannels, bootstrapConfigs, channels, connections, things } from '../db/schema'
import { allOwned, idList } from '../lib/query'
import { owned } from './repo-state'

// Statements other domains add to their own batches (things, channels), so the bootstrap answers
// they affect are found in the same D1 round trip.

/**
 * Key rotation: clears the client certificate and key of the owner's config for the thing when
 * the certificate's CN is the thing's current key and that is not `newKey`. Batch it BEFORE the
 * key update: the subquery must read the key being replaced. The CA certificate stays (it still
 * verifies other certificates). Returns the external id when it cleared something.
 */
export function clearKeyBoundCert(db: Db, owner: string, thingId: string, newKey: string) {
  return db
    .update(bootstrapConfigs)
    .set({ clientCert: null, clientKey: null, clientCertCn: null })
    .where(
      and(
        owned(owner, thingId),
        sql`${bootstrapConfigs.clientCertCn} = (SELECT ${things.key} FROM ${things}
          WHERE ${things.id} = ${thingId} AND ${things.owner} = ${owner} AND ${things.key} <> ${newKey})`
      )
    )
    .returning({ externalId: bootstrapConfigs.externalId })
}

/**
 * A client certificate stored before `client_cert_cn` existed (its CN unknown to SQL): batch it
 * with the key rotation, then `settleUntrackedCert` once the CN has been read.
 */
export function retrieveUntrackedCert(db: Db, owner: string, thingId: string) {
  return db
    .select({ clientCert: bootstrapConfigs.clientCert })
    .from(bootstrapConfigs)
    .where(
      and(
        owned(owner, thingId),
        isNotNull(bootstrapConfigs.clientCert),
        isNull(bootstrapConfigs.clientCertCn)
      )
    )
}

/**
 * For such a certificate, unchanged since it was read: clears it with its key (`clear`), or records
 * its CN so the next rotation decides in SQL.
 */
export function settleUntrackedCert(
  db: Db,
  owner: string,
  thingId: string,
  clientCert: string,
  outcome: { clear: true } | { clear: false; cn: string }
) {
  const set = outcome.clear
    ? { clientCert: null, clientKey: null, clientCertCn: null }
    : { clientCertCn: outcome.cn }
  return db
    .update(bootstrapConfigs)
    .set(set)
    .where(
      and(
        owned(owner, thingId),
        eq(bootstrapConfigs.clientCert, clientCert),
        isNull(bootstrapConfigs.clientCertCn)
      )
    )
    .returning({ externalId: bootstrapConfigs.externalId })
}

/** External id of a thing's config, if it has one. Batch it BEFORE a delete that cascades. */
export function externalIdsOfThing(db: Db, owner: string, thingId: string) {
  return db
    .select({ externalId: bootstrapConfigs.externalId })
    .from(bootstrapConfigs)
    .where(owned(owner, thingId))
}

/**
 * External ids of the configs that list a channel, from the bootstrap_channels channel index. No
 * owner filter: links only ever join a channel and a config of one owner (`saveChannels`), and an
 * owner term would lead SQLite to walk the owner's configs instead. Callers use the result only
 * after their owner-guarded write on the channel succeeded.
 */
export function externalIdsOfChannel(db: Db, channelId: string) {
  return db
    .select({ externalId: bootstrapConfigs.externalId })
    .from(bootstrapChannels)
    .innerJoin(bootstrapConfigs, eq(bootstrapConfigs.thingId, bootstrapChannels.configId))
    .where(eq(bootstrapChannels.channelId, channelId))
}

/**
 * A scoped `thing.disconnect`: a thing disconnected from one of its config channels has its
 * config deactivated, that config only (0.12.1's statement deactivated every config). Batch it
 * BEFORE the disconnect: it looks at the connections being removed. With `requireAll` it changes
 * nothing unless every id is the owner's, like the bulk disconnect it accompanies.
 */
export function deactivateOnDisconnect(
  db: Db,
  owner: string,
  channelIds: readonly string[],
  thingIds: readonly string[],
  requireAll: boolean
) {
  const conds: SQL[] = [
    eq(bootstrapConfigs.owner, owner),
    eq(bootstrapConfigs.state, 1),
    sql`${bootstrapConfigs.thingId} IN ${idList(thingIds)}`,
    sql`EXISTS (SELECT 1 FROM ${bootstrapChannels} INNER JOIN ${connections}
      ON ${connections.channelId} = ${bootstrapChannels.channelId}
        AND ${connections.thingId} = ${bootstrapChannels.configId}
      WHERE ${bootstrapChannels.configId} = ${bootstrapConfigs.thingId}
        AND ${bootstrapChannels.channelId} IN ${idList(channelIds)})`,
  ]
  if (requireAll) {
    conds.push(allOwned(channels, owner, channelIds), allOwned(things, owner, thingIds))
  }
  return db
    .update(bootstrapConfigs)
    .set({ state: 0 })
    .where(and(...conds))
}
