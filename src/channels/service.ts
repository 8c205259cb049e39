import { allSettledOrThrow, invalidateAnswers } from '../bootstrap/cache'
import * as bootstrapRepo from '../bootstrap/repo'
import type { Identity } from '../env'
import type { Deps } from '../lib/context'
import { AppError } from '../lib/errors'
import { adminSettings } from '../sessions/admin'
import { closeSessionsLater } from '../sessions'
import { invalidateAccess } from '../things/cache'
import type { PageQuery, PageWindow } from '../things/repo'
import * as thingsRepo from '../things/repo'
import { batchAll, metadataView } from '../things/service'
import * as repo from './repo'
import type { CreateChannelReq, UpdateChannelReq } from './schema'

export interface ChannelView {
  id: string
  name?: string
  metadata?: Record<string, unknown>
}

export function channelView(row: repo.ChannelRow): ChannelView {
  return { id: row.id, name: row.name || undefined, metadata: metadataView(row.metadata) }
}

export function makeChannelsService(deps: Deps) {
  const { db, env } = deps

  return {
    /** Creates channels for the caller, all or nothing (one D1 batch), and returns them. */
    async createChannels(identity: Identity, reqs: CreateChannelReq[]): Promise<ChannelView[]> {
      const createdAt = Date.now()
      const rows: repo.ChannelRow[] = reqs.map((r) => ({
        id: crypto.randomUUID(),
        owner: identity.userId,
        name: r.name ?? '',
        metadata: r.metadata ?? null,
        createdAt,
      }))
      await batchAll(db, repo.save(db, rows))
      return rows.map(channelView)
    },

    /**
     * One of the caller's channels.
     * @throws AppError('not_found') for an unknown id or another owner's channel.
     */
    async viewChannel(identity: Identity, id: string): Promise<ChannelView> {
      const row = await repo.retrieveById(db, identity.userId, id).get()
      if (!row) throw new AppError('not_found', 'channel not found')
      return channelView(row)
    },

    /** A page of the caller's channels with the name and metadata filters (one D1 round trip). */
    async listChannels(identity: Identity, q: PageQuery) {
      const [rows, [total]] = await db.batch(repo.retrieveAll(db, identity.userId, q))
      return {
        total: total?.n ?? 0,
        offset: q.offset,
        limit: q.limit,
        order: q.order,
        direction: q.dir,
        channels: rows.map(channelView),
      }
    },

    /**
     * A page of the channels connected (or, `connected` false, not connected) to one of the
     * caller's things. Order and direction apply but are not echoed (0.12.1).
     * @throws AppError('not_found') for an unknown thing or another owner's.
     */
    async listChannelsByThing(identity: Identity, thingId: string, q: PageWindow, connected: boolean) {
      const owner = identity.userId
      const [page, count] = repo.retrieveByThing(db, owner, thingId, q, connected)
      const [owned, rows, [total]] = await db.batch([
        thingsRepo.retrieveOwnedId(db, owner, thingId),
        page,
        count,
      ])
      if (owned.length === 0) throw new AppError('not_found', 'thing not found')
      return {
        total: total?.n ?? 0,
        offset: q.offset,
        limit: q.limit,
        order: '',
        direction: '',
        channels: rows.map(channelView),
      }
    },

    /**
     * Replaces name and metadata of one of the caller's channels (omitted fields are cleared).
     * @throws AppError('not_found')
     */
    async updateChannel(identity: Identity, id: string, req: UpdateChannelReq) {
      // Bootstrap answers carry channel names and metadata: the configs listing this channel are
      // found in the same batch (bootstrap_channels' channel index) and their answers renewed.
      const statements = [
        repo.update(db, identity.userId, id, { name: req.name ?? '', metadata: req.metadata ?? null }),
        bootstrapRepo.externalIdsOfChannel(db, id),
      ] as const
      const [updated, configs] = await db.batch(statements)
      if (updated.length === 0) throw new AppError('not_found', 'channel not found')
      await invalidateAnswers(env.CACHE, configs.map((r) => r.externalId), 'changed')
    },

    /**
     * Removes one of the caller's channels; its connections go with it, and access checks on it
     * fail from the very next request on.
     * @throws AppError('not_found')
     */
    async removeChannel(identity: Identity, id: string) {
      // One batch: the channel, with its connections and bootstrap config links by cascade; the
      // configs that listed it are read first, before the cascade. Other domains append here.
      // With broker session closing on, the connected things are read first too (before the
      // cascade), so their open sessions can be closed after the commit.
      const closing = adminSettings(deps.config) !== undefined
      const statements = [
        bootstrapRepo.externalIdsOfChannel(db, id),
        thingsRepo.connectedThingIds(db, identity.userId, closing ? id : ''),
        repo.remove(db, identity.userId, id),
      ] as const
      const [configs, connected, removed] = await db.batch(statements)
      if (removed.length === 0) throw new AppError('not_found', 'channel not found')
      await allSettledOrThrow([
        invalidateAccess(env.CACHE, { channels: [id] }),
        invalidateAnswers(env.CACHE, configs.map((r) => r.externalId), 'changed'),
      ])
      closeSessionsLater(deps, connected.map((r) => r.thingId))
    },
  }
}
