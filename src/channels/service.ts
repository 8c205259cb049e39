import type { Identity } from '../env'
import { allSettledOrThrow, batchAll } from '../lib/batch'
import type { Deps } from '../lib/context'
import { AppError } from '../lib/errors'
import { hooksOf, prepare } from '../lib/hooks'
import type { PageQuery } from '../lib/query'
import { channelView, type ChannelView } from '../lib/views'
import { invalidateAccess } from '../things/cache'
import * as repo from './repo'
import type { CreateChannelReq, UpdateChannelReq } from './schema'

// Shared with bootstrap and provision; it lives in lib (kept here for existing importers).
export { channelView, type ChannelView } from '../lib/views'

export function makeChannelsService(deps: Deps) {
  const { db, read, env } = deps
  const hooks = hooksOf(deps)

  /** Creates channels for the caller, all or nothing (one D1 batch), and returns them. */
  async function createChannels(
    identity: Identity,
    reqs: CreateChannelReq[]
  ): Promise<ChannelView[]> {
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
  }

  /**
   * One of the caller's channels.
   * @throws AppError('not_found') for an unknown id or another owner's channel.
   */
  async function viewChannel(identity: Identity, id: string): Promise<ChannelView> {
    const row = await repo.retrieveById(read, identity.userId, id).get()
    if (!row) throw new AppError('not_found', 'channel not found')
    return channelView(row)
  }

  /** A page of the caller's channels with the name and metadata filters (one D1 round trip). */
  async function listChannels(identity: Identity, q: PageQuery) {
    const [rows, [total]] = await read.batch(repo.retrieveAll(read, identity.userId, q))
    return {
      total: total?.n ?? 0,
      offset: q.offset,
      limit: q.limit,
      order: q.order,
      direction: q.dir,
      channels: rows.map(channelView),
    }
  }

  /**
   * Replaces name and metadata of one of the caller's channels (omitted fields are cleared).
   * @throws AppError('not_found')
   */
  async function updateChannel(identity: Identity, id: string, req: UpdateChannelReq) {
    const owner = identity.userId
    // Other domains' statements share the batch (bootstrap answers carry channel names and
    // metadata: the configs listing this channel are found and their answers renewed).
    const reactions = await prepare(hooks.channelChanged, deps, { owner, channelId: id })
    const fields = { name: req.name ?? '', metadata: req.metadata ?? null }
    const results: unknown[] = await batchAll(db, [
      repo.update(db, owner, id, fields),
      ...reactions.statements,
    ])
    if ((results[0] as unknown[]).length === 0) throw new AppError('not_found', 'channel not found')
    await reactions.after(results.slice(1))
  }

  /**
   * Removes one of the caller's channels; its connections go with it, and access checks on it
   * fail from the very next request on.
   * @throws AppError('not_found')
   */
  async function removeChannel(identity: Identity, id: string) {
    const owner = identity.userId
    // One batch: the other domains' statements first (they read what the cascade takes: the
    // bootstrap configs listing the channel, the connected things), then the channel, with its
    // connections and bootstrap config links by cascade.
    const reactions = await prepare(hooks.channelRemoved, deps, { owner, channelId: id })
    const results: unknown[] = await batchAll(db, [
      ...reactions.statements,
      repo.remove(db, owner, id),
    ])
    if ((results.at(-1) as unknown[]).length === 0)
      throw new AppError('not_found', 'channel not found')
    await allSettledOrThrow([
      invalidateAccess(env.CACHE, { channels: [id] }),
      reactions.after(results.slice(0, -1)),
    ])
  }

  return {
    createChannels,
    viewChannel,
    listChannels,
    updateChannel,
    removeChannel,
  }
}
