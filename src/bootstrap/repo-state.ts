import { and, eq, ne, sql, type SQL } from 'drizzle-orm'
import { bootstrapChannels, bootstrapConfigs, connections } from '../db/schema'
import type { Db } from '../db/client'
import * as connectionsRepo from '../connections/repo'
import { idList } from '../lib/query'

/*
 * A config's state and its thing's connections: while a config is active (whitelisted) its thing
 * is connected to exactly its config channels. Re-exported by ./repo.
 */

/** The owner's config `id` (configs are keyed by their thing's id). */
export const owned = (owner: string, id: string) =>
  and(eq(bootstrapConfigs.thingId, id), eq(bootstrapConfigs.owner, owner))

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

/** Sets the state unless it already is that; returns the external id when it changed. */
export function updateState(db: Db, owner: string, id: string, state: 0 | 1) {
  return db
    .update(bootstrapConfigs)
    .set({ state })
    .where(and(owned(owner, id), ne(bootstrapConfigs.state, state)))
    .returning({ externalId: bootstrapConfigs.externalId })
}

/**
 * The connect / disconnect statements that keep an active config's thing connected to exactly its
 * config channels, for a batch that replaces the channel list with `next`: connect the new ones,
 * disconnect the ones dropped. Both do nothing while the config is inactive; the disconnect returns
 * the channels it removed (for `invalidateAccess`). Place them before the link replacement.
 */
export function followConnections(
  db: Db,
  owner: string,
  configId: string,
  next: readonly string[]
) {
  const active = stateIs(configId, owner, 1)
  const dropped = connectionsRepo
    .disconnect(
      db,
      owner,
      configChannelIds(configId),
      [configId],
      false,
      and(sql`${connections.channelId} NOT IN ${idList(next)}`, active)
    )
    .returning({ channelId: connections.channelId })
  const added =
    next.length > 0
      ? connectionsRepo.connect(db, owner, next, [configId], false, active)
      : undefined
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
      stateIs(configId, owner, 0)
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
      .disconnect(
        db,
        owner,
        configChannelIds(configId),
        [configId],
        false,
        stateIs(configId, owner, 1)
      )
      .returning({ channelId: connections.channelId }),
    updateState(db, owner, configId, 0),
  ] as const
}
