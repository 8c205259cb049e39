import type { BatchItem } from 'drizzle-orm/batch'
import type { Identity } from '../env'
import { allSettledOrThrow, batchAll } from '../lib/batch'
import type { Deps } from '../lib/context'
import { AppError } from '../lib/errors'
import { newThingRow } from '../lib/views'
import { closeSessionsLater } from '../sessions'
import { makeThrottles } from '../throttle'
import { invalidateAccess } from '../things/cache'
import * as thingsRepo from '../things/repo'
import { invalidateAnswers, makeAnswerCache, markNew } from './cache'
import { makeGatewayFetch } from './fetch'
import * as repo from './repo'
import type { ConfigsQuery, CreateConfigReq, UpdateCertsReq, UpdateConfigReq } from './schema'
import { certCn, configFields, externalKeyHash, throttleView } from './views'

// Provision inserts configs in its own batch with these.
export { certCn, externalKeyHash } from './views'

/** The configs of a user's gateways (admin side), and the gateways' own fetches (./fetch). */
export function makeBootstrapService(deps: Deps) {
  const { db, read, config, env, waitUntil } = deps
  const cache = makeAnswerCache(env.CACHE, config.FLUXGATE_BOOTSTRAP_CACHE_TTL, waitUntil)
  const hashKey = (externalKey: string) => externalKeyHash(config, externalKey)
  const throttles = makeThrottles(env, config)

  /**
   * Adds a config for one of the caller's things, or for a new thing created in the same batch
   * when `thing_id` is absent. The config starts inactive; nothing is connected yet.
   * @throws AppError('not_found') unknown or another owner's thing or channel;
   *   AppError('conflict') external id in use, or the thing already has a config.
   */
  async function addConfig(identity: Identity, req: CreateConfigReq): Promise<string> {
    const owner = identity.userId
    const createdAt = Date.now()
    const statements: BatchItem<'sqlite'>[] = []
    let thingId = req.thing_id
    if (!thingId) {
      const thing = newThingRow(owner, {}, createdAt)
      statements.push(...thingsRepo.save(db, [thing]))
      thingId = thing.id
    }
    statements.push(
      repo.save(db, {
        thingId,
        owner,
        name: req.name,
        externalId: req.external_id,
        externalKeyHash: await hashKey(req.external_key),
        content: req.content,
        clientCert: req.client_cert,
        clientKey: req.client_key,
        caCert: req.ca_cert,
        clientCertCn: certCn(req.client_cert),
        state: 0,
        createdAt,
      })
    )
    const chans = [...new Set(req.channels)]
    if (chans.length > 0) statements.push(repo.saveChannels(db, owner, thingId, chans))
    await batchAll(db, statements).catch(repo.mapSaveError)
    // A marker lets the first fetch fill KV; it also retires any entry left from an old config
    // with the same external id. Failing costs one extra miss.
    if (cache.enabled) waitUntil(markNew(env.CACHE, req.external_id).catch(() => undefined))
    return thingId
  }

  /**
   * One of the caller's configs with its channels (in the order gateways receive them).
   * @throws AppError('not_found')
   */
  async function viewConfig(identity: Identity, id: string) {
    const [[row], chans] = await read.batch([
      repo.retrieveById(read, identity.userId, id),
      repo.retrieveChannels(read, id),
    ])
    if (!row) throw new AppError('not_found', 'config not found')
    return configFields(row, chans)
  }

  /** A page of the caller's configs (without channels), by thing id; one D1 round trip. */
  async function listConfigs(identity: Identity, q: ConfigsQuery) {
    const filter: repo.ListFilter = {
      state: q.state,
      externalId: q.external_id,
      thingId: q.mainflux_id,
      thingKey: q.mainflux_key,
      name: q.name,
    }
    const page = repo.retrieveAll(read, identity.userId, filter, q.offset, q.limit)
    const [rows, [total]] = await read.batch(page)
    const configs = rows.map((r) => configFields(r))
    return { total: total?.n ?? 0, offset: q.offset, limit: q.limit, configs }
  }

  /**
   * Replaces name and content (omitted fields are cleared); the next fetch sees the change.
   * @throws AppError('not_found')
   */
  async function updateConfig(identity: Identity, id: string, req: UpdateConfigReq) {
    const [row] = await repo.update(db, identity.userId, id, {
      name: req.name,
      content: req.content,
    })
    if (!row) throw new AppError('not_found', 'config not found')
    await invalidateAnswers(env.CACHE, [row.externalId], 'changed')
  }

  /**
   * Replaces the certificate fields served to the gateway (omitted fields are cleared).
   * @throws AppError('not_found')
   */
  async function updateCerts(identity: Identity, id: string, req: UpdateCertsReq) {
    const [row] = await repo.updateCerts(db, identity.userId, id, {
      clientCert: req.client_cert,
      clientKey: req.client_key,
      caCert: req.ca_cert,
      clientCertCn: certCn(req.client_cert),
    })
    if (!row) throw new AppError('not_found', 'config not found')
    await invalidateAnswers(env.CACHE, [row.externalId], 'changed')
  }

  /**
   * Replaces the config's channels (an empty list clears them). While the config is active its
   * thing's connections follow in the same batch: new channels connected, dropped ones
   * disconnected.
   * @throws AppError('not_found') unknown config or channel (nothing changes then).
   */
  async function updateConnections(identity: Identity, id: string, channelIds: readonly string[]) {
    const owner = identity.userId
    const next = [...new Set(channelIds)]
    const { dropped, added } = repo.followConnections(db, owner, id, next)
    const statements: BatchItem<'sqlite'>[] = [
      repo.retrieveState(db, owner, id),
      dropped,
      thingsRepo.retrieveKey(db, owner, id),
    ]
    if (added) statements.push(added)
    statements.push(repo.removeChannels(db, owner, id))
    if (next.length > 0) statements.push(repo.saveChannels(db, owner, id, next))
    const results = (await batchAll(db, statements).catch(repo.mapSaveError)) as unknown[]
    const [config] = results[0] as { externalId: string }[]
    if (!config) throw new AppError('not_found', 'config not found')
    const removed = (results[1] as { channelId: string }[]).map((r) => r.channelId)
    const thingKeys = (results[2] as { key: string }[]).map((r) => r.key)
    await allSettledOrThrow([
      invalidateAnswers(env.CACHE, [config.externalId], 'changed'),
      removed.length > 0
        ? invalidateAccess(env.CACHE, {
            connections: { channelIds: removed, thingIds: [id], thingKeys },
          })
        : Promise.resolve(),
    ])
    if (removed.length > 0) closeSessionsLater(deps, [id])
  }

  /**
   * Whitelisting: 1 connects the config's thing to every config channel, 0 disconnects it from
   * them (that thing only); the same state again changes nothing. The fetch answer does not
   * depend on the state (0.12.1 serves inactive configs), so it stays cached.
   * @throws AppError('not_found')
   */
  async function changeState(identity: Identity, id: string, state: 0 | 1) {
    const owner = identity.userId
    // The connect/disconnect runs only while the config is still in the other state, so a
    // repeated state is a no-op; the state update comes last in the same batch.
    if (state === 1) {
      const [[before]] = await db.batch([
        repo.retrieveState(db, owner, id),
        ...repo.activate(db, owner, id),
      ])
      if (!before) throw new AppError('not_found', 'config not found')
      return
    }
    const [[before], keys, removed] = await db.batch([
      repo.retrieveState(db, owner, id),
      thingsRepo.retrieveKey(db, owner, id),
      ...repo.deactivate(db, owner, id),
    ])
    if (!before) throw new AppError('not_found', 'config not found')
    if (removed.length > 0) {
      await invalidateAccess(env.CACHE, {
        connections: {
          channelIds: removed.map((r) => r.channelId),
          thingIds: [id],
          thingKeys: keys.map((k) => k.key),
        },
      })
      closeSessionsLater(deps, [id])
    }
  }

  /**
   * Removes one of the caller's configs (its thing and connections stay, as in 0.12.1); the
   * next fetch answers 404.
   * @throws AppError('not_found')
   */
  async function removeConfig(identity: Identity, id: string) {
    const [row] = await repo.remove(db, identity.userId, id)
    if (!row) throw new AppError('not_found', 'config not found')
    await invalidateAnswers(env.CACHE, [row.externalId], 'removed')
  }

  /**
   * The throttles of one of the caller's gateways: its bootstrap fetches (by external id) and
   * its thing's broker connects, with the failing client addresses.
   * @throws AppError('not_found') unknown or another owner's config.
   */
  async function viewLock(identity: Identity, id: string) {
    const [row] = await repo.externalIdsOfThing(read, identity.userId, id)
    if (!row) throw new AppError('not_found', 'config not found')
    const [fetch, connect] = await Promise.all([
      throttles.status('fetch', row.externalId),
      throttles.status('connect', id),
    ])
    return {
      external_id: row.externalId,
      fetch: throttleView(fetch),
      connect: throttleView(connect),
    }
  }

  /**
   * Clears both throttles of one of the caller's gateways: counts, locks and markers. The next
   * fetch or connect is evaluated as if no failure had happened.
   * @throws AppError('not_found') unknown or another owner's config.
   */
  async function clearLock(identity: Identity, id: string) {
    const [row] = await repo.externalIdsOfThing(db, identity.userId, id)
    if (!row) throw new AppError('not_found', 'config not found')
    await Promise.all([throttles.clear('fetch', row.externalId), throttles.clear('connect', id)])
  }

  return {
    ...makeGatewayFetch(deps),
    addConfig,
    viewConfig,
    listConfigs,
    updateConfig,
    updateCerts,
    updateConnections,
    changeState,
    removeConfig,
    viewLock,
    clearLock,
  }
}
