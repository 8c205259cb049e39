import {
  and,
  asc,
  count,
  eq,
  getTableColumns,
  isNotNull,
  isNull,
  ne,
  sql,
  type SQL,
} from 'drizzle-orm'
import { type Db, errorMentions, isUniqueViolation } from '../db/client'
import { bootstrapChannels, bootstrapConfigs, channels, connections, things } from '../db/schema'
import { AppError } from '../lib/errors'
import { likeContains } from '../lib/page'
import * as connectionsRepo from '../connections/repo'
import { allOwned, idList } from '../lib/query'

export type ConfigRow = typeof bootstrapConfigs.$inferSelect

/** A config with its thing's current key (what views and answers are made of). */
export type ConfigWithKey = ConfigRow & { thingKey: string }

/** The channel fields a config shows and a gateway receives. */
export interface ChannelRow {
  id: string
  name: string
  metadata: Record<string, unknown> | null
}

const withKey = { ...getTableColumns(bootstrapConfigs), thingKey: things.key }

/** `(SELECT channel_id FROM bootstrap_channels WHERE config_id = ?)`: a config's channels. */
export function configChannelIds(configId: string): SQL {
  const { channelId, configId: config } = bootstrapChannels
  return sql`SELECT ${channelId} FROM ${bootstrapChannels} WHERE ${config} = ${configId}`
}

/** True while the owner's config is in `state` (evaluated inside the statement that uses it). */
export function stateIs(configId: string, owner: string, state: 0 | 1): SQL {
  const c = bootstrapConfigs
  return sql`EXISTS (SELECT 1 FROM ${c}
    WHERE ${c.thingId} = ${configId} AND ${c.owner} = ${owner} AND ${c.state} = ${state})`
}

/**
 * Inserts a config. The thing id is resolved in SQL among the owner's things, so a thing that is
 * unknown or someone else's leaves it NULL and the NOT NULL constraint fails the whole batch (see
 * `mapSaveError`); a thing inserted earlier in the same batch is found.
 */
export function save(db: Db, row: Omit<ConfigRow, 'lastBootstrapAt' | 'lastFailureAt' | 'lastFailure'>) {
  return db.insert(bootstrapConfigs).values({
    ...row,
    thingId: sql`(SELECT id FROM things WHERE id = ${row.thingId} AND owner = ${row.owner})`,
  })
}

/**
 * Links a config to channels. Each channel id is resolved among the owner's channels and the
 * config among the owner's configs: anything unknown or foreign becomes NULL, the NOT NULL
 * constraint fails the batch, and nothing of it is written. Duplicates are ignored. (`WHERE true`
 * is SQLite's documented way to keep `ON CONFLICT` from parsing as a join constraint.)
 */
export function saveChannels(db: Db, owner: string, configId: string, channelIds: readonly string[]) {
  return db
    .insert(bootstrapChannels)
    .select(
      sql`SELECT
        (SELECT thing_id FROM bootstrap_configs WHERE thing_id = ${configId} AND owner = ${owner}),
        (SELECT id FROM channels WHERE id = ids.value AND owner = ${owner})
        FROM json_each(${JSON.stringify(channelIds)}) AS ids WHERE true`,
    )
    .onConflictDoNothing()
}

/** Removes every channel link of the owner's config. */
export function removeChannels(db: Db, owner: string, configId: string) {
  return db
    .delete(bootstrapChannels)
    .where(
      sql`${bootstrapChannels.configId} =
        (SELECT thing_id FROM bootstrap_configs WHERE thing_id = ${configId} AND owner = ${owner})`,
    )
}

/**
 * Maps a failed config write to the error the caller should see.
 * @throws AppError('not_found' | 'conflict'), or the original error.
 */
export function mapSaveError(e: unknown): never {
  if (errorMentions(e, 'NOT NULL constraint failed: bootstrap_configs.thing_id')) {
    throw new AppError('not_found', 'thing not found')
  }
  if (errorMentions(e, 'NOT NULL constraint failed: bootstrap_channels.channel_id')) {
    throw new AppError('not_found', 'channel not found')
  }
  if (errorMentions(e, 'NOT NULL constraint failed: bootstrap_channels.config_id')) {
    throw new AppError('not_found', 'config not found')
  }
  if (isUniqueViolation(e)) {
    if (errorMentions(e, 'bootstrap_configs.external_id')) {
      throw new AppError('conflict', 'external_id already in use')
    }
    if (errorMentions(e, 'bootstrap_configs.thing_id')) {
      throw new AppError('conflict', 'thing already has a bootstrap config')
    }
    throw new AppError('conflict')
  }
  throw e
}

/** One of the owner's configs with its thing's key. */
export function retrieveById(db: Db, owner: string, id: string) {
  return db
    .select(withKey)
    .from(bootstrapConfigs)
    .innerJoin(things, eq(things.id, bootstrapConfigs.thingId))
    .where(and(eq(bootstrapConfigs.thingId, id), eq(bootstrapConfigs.owner, owner)))
}

/** The channels of a config (unordered: the caller orders them for the agent). */
export function retrieveChannels(db: Db, configId: string) {
  return db
    .select({ id: channels.id, name: channels.name, metadata: channels.metadata })
    .from(bootstrapChannels)
    .innerJoin(channels, eq(channels.id, bootstrapChannels.channelId))
    .where(eq(bootstrapChannels.configId, configId))
}

/**
 * What a gateway fetch needs, by external id: the config with its thing key, and its channels.
 * Batch both: one D1 round trip. Both use the external_id unique index.
 */
export function retrieveByExternalId(db: Db, externalId: string) {
  return [
    db
      .select({
        thingId: bootstrapConfigs.thingId,
        externalKeyHash: bootstrapConfigs.externalKeyHash,
        content: bootstrapConfigs.content,
        clientCert: bootstrapConfigs.clientCert,
        clientKey: bootstrapConfigs.clientKey,
        caCert: bootstrapConfigs.caCert,
        thingKey: things.key,
      })
      .from(bootstrapConfigs)
      .innerJoin(things, eq(things.id, bootstrapConfigs.thingId))
      .where(eq(bootstrapConfigs.externalId, externalId)),
    db
      .select({ id: channels.id, name: channels.name, metadata: channels.metadata })
      .from(bootstrapConfigs)
      .innerJoin(bootstrapChannels, eq(bootstrapChannels.configId, bootstrapConfigs.thingId))
      .innerJoin(channels, eq(channels.id, bootstrapChannels.channelId))
      .where(eq(bootstrapConfigs.externalId, externalId)),
  ] as const
}

export interface ListFilter {
  state?: number
  externalId?: string
  thingId?: string
  thingKey?: string
  name?: string
}

/** A page of the owner's configs (by thing id, as 0.12.1) and the total: batch both. */
export function retrieveAll(db: Db, owner: string, f: ListFilter, offset: number, limit: number) {
  const conds: SQL[] = [eq(bootstrapConfigs.owner, owner)]
  if (f.state !== undefined) conds.push(eq(bootstrapConfigs.state, f.state))
  if (f.externalId !== undefined) conds.push(eq(bootstrapConfigs.externalId, f.externalId))
  if (f.thingId !== undefined) conds.push(eq(bootstrapConfigs.thingId, f.thingId))
  if (f.thingKey !== undefined) conds.push(eq(things.key, f.thingKey))
  if (f.name) conds.push(sql`${bootstrapConfigs.name} LIKE ${likeContains(f.name)} ESCAPE '\\'`)
  const where = and(...conds)
  return [
    db
      .select(withKey)
      .from(bootstrapConfigs)
      .innerJoin(things, eq(things.id, bootstrapConfigs.thingId))
      .where(where)
      .orderBy(asc(bootstrapConfigs.thingId))
      .limit(limit)
      .offset(offset),
    db
      .select({ n: count() })
      .from(bootstrapConfigs)
      .innerJoin(things, eq(things.id, bootstrapConfigs.thingId))
      .where(where),
  ] as const
}

const owned = (owner: string, id: string) =>
  and(eq(bootstrapConfigs.thingId, id), eq(bootstrapConfigs.owner, owner))

/** Full replace of name and content; returns the external id (empty: not the owner's). */
export function update(
  db: Db,
  owner: string,
  id: string,
  f: { name: string | null; content: string | null },
) {
  return db
    .update(bootstrapConfigs)
    .set(f)
    .where(owned(owner, id))
    .returning({ externalId: bootstrapConfigs.externalId })
}

/** Full replace of the certificate fields; returns the external id (empty: not the owner's). */
export function updateCerts(
  db: Db,
  owner: string,
  id: string,
  f: {
    clientCert: string | null
    clientKey: string | null
    caCert: string | null
    clientCertCn: string | null
  },
) {
  return db
    .update(bootstrapConfigs)
    .set(f)
    .where(owned(owner, id))
    .returning({ externalId: bootstrapConfigs.externalId })
}

/** Sets the state unless it already is that; returns the external id when it changed. */
export function updateState(db: Db, owner: string, id: string, state: 0 | 1) {
  return db
    .update(bootstrapConfigs)
    .set({ state })
    .where(and(owned(owner, id), ne(bootstrapConfigs.state, state)))
    .returning({ externalId: bootstrapConfigs.externalId })
}

/** State and external id of the owner's config (batch it first to learn the state before). */
export function retrieveState(db: Db, owner: string, id: string) {
  return db
    .select({ state: bootstrapConfigs.state, externalId: bootstrapConfigs.externalId })
    .from(bootstrapConfigs)
    .where(owned(owner, id))
}

/** Deletes the owner's config (its channel links cascade); returns its external id. */
export function remove(db: Db, owner: string, id: string) {
  return db
    .delete(bootstrapConfigs)
    .where(owned(owner, id))
    .returning({ externalId: bootstrapConfigs.externalId })
}

/**
 * The connect / disconnect statements that keep an active config's thing connected to exactly its
 * config channels, for a batch that replaces the channel list with `next`: connect the new ones,
 * disconnect the ones dropped. Both do nothing while the config is inactive; the disconnect returns
 * the channels it removed (for `invalidateAccess`). Place them before the link replacement.
 */
export function followConnections(db: Db, owner: string, configId: string, next: readonly string[]) {
  const active = stateIs(configId, owner, 1)
  const dropped = connectionsRepo
    .disconnect(
      db,
      owner,
      configChannelIds(configId),
      [configId],
      false,
      and(sql`${connections.channelId} NOT IN ${idList(next)}`, active),
    )
    .returning({ channelId: connections.channelId })
  const added =
    next.length > 0 ? connectionsRepo.connect(db, owner, next, [configId], false, active) : undefined
  return { dropped, added }
}

/**
 * Whitelisting as batch statements: connect the config's thing to every config channel and set
 * the state to 1. Both act only while the config is inactive, so repeating them is a no-op. Usable
 * in the batch that inserts the config (provision). The update returns the external id when the
 * state changed.
 */
export function activate(db: Db, owner: string, configId: string) {
  return [
    connectionsRepo.connect(
      db,
      owner,
      configChannelIds(configId),
      [configId],
      false,
      stateIs(configId, owner, 0),
    ),
    updateState(db, owner, configId, 1),
  ] as const
}

/**
 * The reverse: disconnect the thing from its config channels (returning the channels it left, for
 * `invalidateAccess`) and set the state to 0; only while the config is active.
 */
export function deactivate(db: Db, owner: string, configId: string) {
  return [
    connectionsRepo
      .disconnect(db, owner, configChannelIds(configId), [configId], false, stateIs(configId, owner, 1))
      .returning({ channelId: connections.channelId }),
    updateState(db, owner, configId, 0),
  ] as const
}

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
          WHERE ${things.id} = ${thingId} AND ${things.owner} = ${owner} AND ${things.key} <> ${newKey})`,
      ),
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
        isNull(bootstrapConfigs.clientCertCn),
      ),
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
  outcome: { clear: true } | { clear: false; cn: string },
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
        isNull(bootstrapConfigs.clientCertCn),
      ),
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
  requireAll: boolean,
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
    conds.push(
      allOwned(channels, owner, channelIds),
      allOwned(things, owner, thingIds),
    )
  }
  return db
    .update(bootstrapConfigs)
    .set({ state: 0 })
    .where(and(...conds))
}

/** Records a fetch outcome on a config (by external id; nothing happens for an unknown one). */
export function recordSuccess(db: Db, externalId: string, at: number) {
  return db
    .update(bootstrapConfigs)
    .set({ lastBootstrapAt: at })
    .where(eq(bootstrapConfigs.externalId, externalId))
}

/** `recordSuccess` for a fetch whose key is not checked yet: writes only if `keyHash` is right. */
export function recordSuccessIfKey(db: Db, externalId: string, keyHash: string, at: number) {
  return db
    .update(bootstrapConfigs)
    .set({ lastBootstrapAt: at })
    .where(
      and(eq(bootstrapConfigs.externalId, externalId), eq(bootstrapConfigs.externalKeyHash, keyHash)),
    )
}

export function recordFailure(db: Db, externalId: string, at: number, reason: string) {
  return db
    .update(bootstrapConfigs)
    .set({ lastFailureAt: at, lastFailure: reason })
    .where(eq(bootstrapConfigs.externalId, externalId))
}
