import * as channelsRepo from '../channels/repo'
import type { Identity } from '../env'
import type { Deps } from '../lib/context'
import { allSettledOrThrow, batchAll } from '../lib/batch'
import { AppError } from '../lib/errors'
import type { Guard } from '../lib/guard'
import { hooksOf, prepare } from '../lib/hooks'
import { distinct, type PageWindow } from '../lib/query'
import { channelView, thingView } from '../lib/views'
import { dropsThingSide, invalidateAccess, makeThingCache } from '../things/cache'
import * as thingsRepo from '../things/repo'
import * as repo from './repo'

/** A listing of one side of a connection: order and direction apply but are not echoed (0.12.1). */
const page = (q: PageWindow, total: { n: number } | undefined) => ({
  total: total?.n ?? 0,
  offset: q.offset,
  limit: q.limit,
  order: '',
  direction: '',
})

export function makeConnectionsService(deps: Deps) {
  const { db, read, config, env, waitUntil } = deps
  const hooks = hooksOf(deps)
  const cache = makeThingCache(env.CACHE, config.FLUXGATE_CACHE_TTL, waitUntil)

  /**
   * Connects every given channel with every given thing, all in one statement. Pairs already
   * connected are fine (idempotent).
   * @throws AppError('not_found') when any id is unknown to the caller; nothing is connected then.
   */
  async function connect(
    identity: Identity,
    channelIds: readonly string[],
    thingIds: readonly string[]
  ) {
    const owner = identity.userId
    const chans = distinct(channelIds)
    const ths = distinct(thingIds)
    // The counts and the guarded insert share one batch (one snapshot): the insert writes
    // nothing unless every id is the caller's, and the counts say which case happened.
    const [[c], [t]] = await db.batch([
      channelsRepo.countOwned(db, owner, chans),
      thingsRepo.countOwned(db, owner, ths),
      repo.connect(db, owner, chans, ths),
    ])
    if (c?.n !== chans.length) throw new AppError('not_found', 'channel not found')
    if (t?.n !== ths.length) throw new AppError('not_found', 'thing not found')
    // Denials are never cached, so a new connection needs no invalidation; bootstrap answers
    // list config channels, not connections.
  }

  /**
   * Disconnects every given channel from every given thing; pairs not connected are ignored.
   * Access checks refuse the removed pairs from the very next request on.
   * @throws AppError('not_found') when any id is unknown to the caller; nothing changes then.
   */
  async function disconnect(
    identity: Identity,
    channelIds: readonly string[],
    thingIds: readonly string[]
  ) {
    const owner = identity.userId
    const chans = distinct(channelIds)
    const ths = distinct(thingIds)
    // The reactions (a bootstrap config losing a config channel is deactivated) look at the
    // connections being removed, so they come before the disconnect, guarded like it.
    const reactions = await prepare(hooks.disconnected, deps, {
      owner,
      channelIds: chans,
      thingIds: ths,
      requireAll: true,
    })
    const head = [
      channelsRepo.countOwned(db, owner, chans),
      thingsRepo.countOwned(db, owner, ths),
      // The things' keys, for the cache's key-named entries (only the smaller side is dropped).
      thingsRepo.keysOf(db, owner, dropsThingSide(chans.length, ths.length) ? ths : []),
    ] as const
    const results: unknown[] = await batchAll(db, [
      ...head,
      ...reactions.statements,
      repo.disconnectReturningThings(db, owner, chans, ths),
    ])
    const [[c], [t], keys] = results as [{ n: number }[], { n: number }[], { key: string }[]]
    if (c?.n !== chans.length) throw new AppError('not_found', 'channel not found')
    if (t?.n !== ths.length) throw new AppError('not_found', 'thing not found')
    const removed = results.at(-1) as { thingId: string }[]
    const thingKeys = keys.map((k) => k.key)
    await allSettledOrThrow([
      invalidateAccess(env.CACHE, { connections: { channelIds: chans, thingIds: ths, thingKeys } }),
      reactions.after(results.slice(head.length, -1), { thingIds: removed.map((r) => r.thingId) }),
    ])
  }

  /**
   * Disconnects one thing from one channel.
   * @throws AppError('not_found') when they are not connected (or not the caller's).
   */
  async function disconnectThing(identity: Identity, chanId: string, thingId: string) {
    const owner = identity.userId
    const reactions = await prepare(hooks.disconnected, deps, {
      owner,
      channelIds: [chanId],
      thingIds: [thingId],
      requireAll: false,
    })
    const results: unknown[] = await batchAll(db, [
      thingsRepo.retrieveKey(db, owner, thingId),
      ...reactions.statements,
      repo.disconnectPair(db, owner, chanId, thingId),
    ])
    const removed = results.at(-1) as { thingId: string }[]
    if (removed.length === 0) throw new AppError('not_found', 'thing is not connected to channel')
    const thingKeys = (results[0] as { key: string }[]).map((k) => k.key)
    await allSettledOrThrow([
      invalidateAccess(env.CACHE, {
        connections: { channelIds: [chanId], thingIds: [thingId], thingKeys },
      }),
      reactions.after(results.slice(1, -1), { thingIds: [thingId] }),
    ])
  }

  /**
   * A page of the things connected (or, `connected` false, not connected) to one of the caller's
   * channels.
   * @throws AppError('not_found') for an unknown channel or another owner's.
   */
  async function listThingsByChannel(
    identity: Identity,
    chanId: string,
    q: PageWindow,
    connected: boolean
  ) {
    const owner = identity.userId
    const [rows, count] = repo.retrieveByChannel(read, owner, chanId, q, connected)
    const [owned, found, [total]] = await read.batch([
      channelsRepo.retrieveOwnedId(read, owner, chanId),
      rows,
      count,
    ])
    if (owned.length === 0) throw new AppError('not_found', 'channel not found')
    return { ...page(q, total), things: found.map(thingView) }
  }

  /**
   * A page of the channels connected (or, `connected` false, not connected) to one of the
   * caller's things.
   * @throws AppError('not_found') for an unknown thing or another owner's.
   */
  async function listChannelsByThing(
    identity: Identity,
    thingId: string,
    q: PageWindow,
    connected: boolean
  ) {
    const owner = identity.userId
    const [rows, count] = repo.retrieveByThing(read, owner, thingId, q, connected)
    const [owned, found, [total]] = await read.batch([
      thingsRepo.retrieveOwnedId(read, owner, thingId),
      rows,
      count,
    ])
    if (owned.length === 0) throw new AppError('not_found', 'thing not found')
    return { ...page(q, total), channels: found.map(channelView) }
  }

  /**
   * The id of the thing holding `key` if it is connected to the channel: from KV when cached,
   * else one D1 query. `guards` (lock markers of the caller's throttles) are read with the first
   * KV read and checked first.
   * @throws AppError('unauthenticated') missing or unknown key; AppError('forbidden') not
   *   connected (also for an unknown channel: nothing is revealed about other owners' channels);
   *   what a guard throws.
   */
  async function canAccessByKey(
    chanId: string,
    key: string | undefined,
    guards: readonly Guard[] = []
  ) {
    if (!key) throw new AppError('unauthenticated', 'missing thing key')
    const hit = await cache.accessByKey(key, chanId, guards)
    if (hit.id) return hit.id
    const row = await repo.accessByKey(db, key, chanId).get()
    const connected = Boolean(row?.connected)
    cache.fillLater(hit.snap, { thingId: row?.id, connected })
    if (!row) throw new AppError('unauthenticated', 'unknown thing key')
    if (!connected) throw new AppError('forbidden', 'thing is not connected to channel')
    return row.id
  }

  /**
   * Whether the thing is connected to the channel.
   * @throws AppError('forbidden') when not connected, including unknown thing or channel ids
   *   (one answer for all, so the check reveals nothing else); what a guard throws.
   */
  async function canAccessById(chanId: string, thingId: string, guards: readonly Guard[] = []) {
    const hit = await cache.accessById(thingId, chanId, guards)
    if (hit.id) return
    const connected = Boolean(await repo.isConnected(db, chanId, thingId).get())
    cache.fillLater(hit.snap, connected ? { thingId, connected } : {})
    if (!connected) throw new AppError('forbidden', 'thing is not connected to channel')
  }

  return {
    connect,
    disconnect,
    disconnectThing,
    listThingsByChannel,
    listChannelsByThing,
    canAccessByKey,
    canAccessById,
  }
}
