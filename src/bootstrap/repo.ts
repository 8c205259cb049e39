import { and, asc, count, eq, getTableColumns, sql, type SQL } from 'drizzle-orm'
import { type Db, errorMentions, isUniqueViolation } from '../db/client'
import { bootstrapChannels, bootstrapConfigs, channels, things } from '../db/schema'
import { AppError } from '../lib/errors'
import { likeContains } from '../lib/page'
import { owned } from './repo-state'

export * from './repo-reactions'
export * from './repo-state'

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

/**
 * Inserts a config. The thing id is resolved in SQL among the owner's things, so a thing that is
 * unknown or someone else's leaves it NULL and the NOT NULL constraint fails the whole batch (see
 * `mapSaveError`); a thing inserted earlier in the same batch is found.
 */
export function save(
  db: Db,
  row: Omit<ConfigRow, 'lastBootstrapAt' | 'lastFailureAt' | 'lastFailure'>
) {
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
export function saveChannels(
  db: Db,
  owner: string,
  configId: string,
  channelIds: readonly string[]
) {
  return db
    .insert(bootstrapChannels)
    .select(
      sql`SELECT
        (SELECT thing_id FROM bootstrap_configs WHERE thing_id = ${configId} AND owner = ${owner}),
        (SELECT id FROM channels WHERE id = ids.value AND owner = ${owner})
        FROM json_each(${JSON.stringify(channelIds)}) AS ids WHERE true`
    )
    .onConflictDoNothing()
}

/** Removes every channel link of the owner's config. */
export function removeChannels(db: Db, owner: string, configId: string) {
  return db.delete(bootstrapChannels).where(
    sql`${bootstrapChannels.configId} =
        (SELECT thing_id FROM bootstrap_configs WHERE thing_id = ${configId} AND owner = ${owner})`
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

/** Full replace of name and content; returns the external id (empty: not the owner's). */
export function update(
  db: Db,
  owner: string,
  id: string,
  f: { name: string | null; content: string | null }
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
  }
) {
  return db
    .update(bootstrapConfigs)
    .set(f)
    .where(owned(owner, id))
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
      and(
        eq(bootstrapConfigs.externalId, externalId),
        eq(bootstrapConfigs.externalKeyHash, keyHash)
      )
    )
}

export function recordFailure(db: Db, externalId: string, at: number, reason: string) {
  return db
    .update(bootstrapConfigs)
    .set({ lastFailureAt: at, lastFailure: reason })
    .where(eq(bootstrapConfigs.externalId, externalId))
}
