import type { BatchItem } from 'drizzle-orm/batch'
import { allSettledOrThrow, invalidateAnswers } from '../bootstrap/cache'
import * as bootstrapRepo from '../bootstrap/repo'
import { subjectCommonName } from '../certs/pki'
import * as certsRepo from '../certs/repo'
import { makeCertsService } from '../certs/service'
import * as channelsRepo from '../channels/repo'
import { type Db, isUniqueViolation } from '../db/client'
import type { Identity } from '../env'
import type { Deps } from '../lib/context'
import { AppError } from '../lib/errors'
import { type CnSource, newKeyProblem } from '../lib/thingkey'
import type { Guard } from '../lib/guard'
import { closeSessionsLater } from '../sessions'
import { invalidateAccess, makeThingCache } from './cache'
import * as repo from './repo'
import type { CreateThingReq, UpdateThingReq } from './schema'

export interface ThingView {
  id: string
  name?: string
  key: string
  metadata?: Record<string, unknown>
}

/** Metadata on the wire: omitted when empty (0.12.1's omitempty). */
export function metadataView(m: Record<string, unknown> | null): Record<string, unknown> | undefined {
  return m && Object.keys(m).length > 0 ? m : undefined
}

export function thingView(row: repo.ThingRow): ThingView {
  return { id: row.id, name: row.name || undefined, key: row.key, metadata: metadataView(row.metadata) }
}

/** Runs a non-empty list of statements as one D1 batch (one round trip, all or nothing). */
export function batchAll(db: Db, statements: BatchItem<'sqlite'>[]) {
  if (statements.length === 0) throw new AppError('internal', 'empty batch')
  return db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
}

const distinct = (ids: readonly string[]) => [...new Set(ids)]

/** A new thing row: a random UUID id and, unless given, a random UUID key (0.12.1). */
export function newThingRow(owner: string, req: Partial<CreateThingReq>, createdAt: number): repo.ThingRow {
  return {
    id: crypto.randomUUID(),
    owner,
    name: req.name ?? '',
    key: req.key ?? crypto.randomUUID(),
    metadata: req.metadata ?? null,
    createdAt,
  }
}

const externalIds = (rows: { externalId: string }[]) => rows.map((r) => r.externalId)

/**
 * New keys follow `newKeyProblem` for the configured CN (the schemas check what does not depend
 * on it). `at` names the item of a bulk request, as zod's issue paths do.
 * @throws AppError('malformed_entity')
 */
function checkNewKey(key: string, cn: CnSource, at?: number) {
  const problem = newKeyProblem(key, cn)
  if (problem) {
    const path = at === undefined ? 'key' : `${at}.key`
    throw new AppError('malformed_entity', `malformed entity specification: ${path}: ${problem}`)
  }
}

/** Thing keys are unique across all owners (the unique index decides, also within one batch). */
function keyTaken(e: unknown): never {
  if (isUniqueViolation(e)) throw new AppError('conflict', 'thing key already in use')
  throw e
}

export function makeThingsService(deps: Deps) {
  const { db, config, env, waitUntil } = deps
  const cache = makeThingCache(env.CACHE, config.FLUXGATE_CACHE_TTL, waitUntil)

  return {
    /**
     * Creates things for the caller (all or nothing, one D1 batch) and returns them with their
     * generated ids and keys. `bulk` says the request was a list (errors then name the item).
     * @throws AppError('conflict') when a key is already in use (also within the request);
     *   AppError('malformed_entity') for a key the configured CN does not allow.
     */
    async createThings(identity: Identity, reqs: CreateThingReq[], bulk = false): Promise<ThingView[]> {
      reqs.forEach((r, i) => r.key && checkNewKey(r.key, config.MF_CERTS_CN, bulk ? i : undefined))
      const createdAt = Date.now()
      const rows = reqs.map((r) => newThingRow(identity.userId, r, createdAt))
      await batchAll(db, repo.save(db, rows)).catch(keyTaken)
      return rows.map(thingView)
    },

    /**
     * One of the caller's things.
     * @throws AppError('not_found') for an unknown id or another owner's thing.
     */
    async viewThing(identity: Identity, id: string): Promise<ThingView> {
      const row = await repo.retrieveById(db, identity.userId, id).get()
      if (!row) throw new AppError('not_found', 'thing not found')
      return thingView(row)
    },

    /** A page of the caller's things with the name and metadata filters (one D1 round trip). */
    async listThings(identity: Identity, q: repo.PageQuery) {
      const [rows, [total]] = await db.batch(repo.retrieveAll(db, identity.userId, q))
      return {
        total: total?.n ?? 0,
        offset: q.offset,
        limit: q.limit,
        order: q.order,
        direction: q.dir,
        things: rows.map(thingView),
      }
    },

    /**
     * A page of the things connected (or, `connected` false, not connected) to one of the caller's
     * channels. Order and direction apply but are not echoed (0.12.1).
     * @throws AppError('not_found') for an unknown channel or another owner's.
     */
    async listThingsByChannel(
      identity: Identity,
      chanId: string,
      q: repo.PageWindow,
      connected: boolean,
    ) {
      const owner = identity.userId
      const [page, count] = repo.retrieveByChannel(db, owner, chanId, q, connected)
      const [owned, rows, [total]] = await db.batch([
        channelsRepo.retrieveOwnedId(db, owner, chanId),
        page,
        count,
      ])
      if (owned.length === 0) throw new AppError('not_found', 'channel not found')
      return {
        total: total?.n ?? 0,
        offset: q.offset,
        limit: q.limit,
        order: '',
        direction: '',
        things: rows.map(thingView),
      }
    },

    /**
     * Replaces name and metadata of one of the caller's things (omitted fields are cleared).
     * @throws AppError('not_found')
     */
    async updateThing(identity: Identity, id: string, req: UpdateThingReq) {
      const updated = await repo.update(db, identity.userId, id, {
        name: req.name ?? '',
        metadata: req.metadata ?? null,
      })
      if (updated.length === 0) throw new AppError('not_found', 'thing not found')
    },

    /**
     * Gives a thing a new key. The old key fails identify and access checks from the very next
     * request on: its cache entries are gone before this returns. What authenticates with the old
     * key goes too, as the old key may be given to another thing: the thing's live certificates
     * whose CN is the old key are revoked in the same batch (in Vault right after it), and its
     * bootstrap config stops serving a client certificate whose CN is the old key (cleared with
     * its private key). Giving a thing the key it has changes nothing.
     * @throws AppError('not_found'); AppError('conflict') when the key belongs to another thing;
     *   AppError('malformed_entity') for a key the configured CN does not allow.
     */
    async updateKey(identity: Identity, id: string, key: string) {
      checkNewKey(key, config.MF_CERTS_CN)
      const owner = identity.userId
      // One batch, in this order: the old key is read, the certificates and the bootstrap
      // certificate bound to it are revoked / cleared (both compare with the key before the
      // update, and both are guarded by the thing being the caller's), the key is replaced, and
      // the thing's bootstrap external id is read (its answer carries the key). Other domains
      // append their statements here.
      const statements = [
        repo.retrieveKey(db, owner, id),
        certsRepo.revokeKeyBound(db, owner, id, key, Date.now()),
        bootstrapRepo.clearKeyBoundCert(db, owner, id, key),
        bootstrapRepo.retrieveUntrackedCert(db, owner, id),
        repo.updateKey(db, owner, id, key),
        bootstrapRepo.externalIdsOfThing(db, owner, id),
      ] as const
      const [[before], revoked, , untracked, updated, configs] = await db
        .batch(statements)
        .catch(keyTaken)
      if (!before || updated.length === 0) throw new AppError('not_found', 'thing not found')
      // A bootstrap certificate stored before its CN was recorded is read here, once: cleared if
      // it names the old key, otherwise its CN is recorded for the next rotation.
      const legacy = untracked[0]?.clientCert
      if (legacy && before.key !== key) {
        const cn = subjectCommonName(legacy)
        const outcome = cn === before.key ? { clear: true as const } : { clear: false as const, cn }
        await bootstrapRepo.settleUntrackedCert(db, owner, id, legacy, outcome)
      }
      await allSettledOrThrow([
        invalidateAccess(env.CACHE, { things: [{ id, key: before.key }] }),
        invalidateAnswers(env.CACHE, externalIds(configs), 'changed'),
      ])
      closeSessionsLater(deps, [id])
      // As for removal: Vault learns of the revocations after answering (best effort, logged);
      // the built-in CA's CRL is read from D1.
      if (revoked.length > 0) {
        waitUntil(makeCertsService(deps).syncRevocations(revoked.map((r) => r.serial)))
      }
    },

    /**
     * Removes one of the caller's things; its connections go with it and its cache entries are
     * gone before this returns.
     * @throws AppError('not_found')
     */
    async removeThing(identity: Identity, id: string) {
      const owner = identity.userId
      // One batch: the thing's certificates are revoked (guarded by the thing being the caller's,
      // so it runs first), its bootstrap config's external id is read (before the cascade takes
      // it), and the thing goes, with connections and bootstrap config by cascade.
      const statements = [
        certsRepo.revokeByOwnedThing(db, owner, id, Date.now()),
        bootstrapRepo.externalIdsOfThing(db, owner, id),
        repo.remove(db, owner, id),
      ] as const
      const [revoked, configs, removed] = await db.batch(statements)
      const row = removed[0]
      if (!row) throw new AppError('not_found', 'thing not found')
      await allSettledOrThrow([
        invalidateAccess(env.CACHE, { things: [{ id, key: row.key }] }),
        invalidateAnswers(env.CACHE, externalIds(configs), 'removed'),
      ])
      closeSessionsLater(deps, [id])
      // With Vault PKI the serials are revoked there too (best effort, after answering); the
      // built-in CA needs nothing more: the CRL is built from D1.
      if (revoked.length > 0) {
        waitUntil(makeCertsService(deps).syncRevocations(revoked.map((r) => r.serial)))
      }
    },

    /**
     * Connects every given channel with every given thing, all in one statement. Pairs already
     * connected are fine (idempotent).
     * @throws AppError('not_found') when any id is unknown to the caller; nothing is connected then.
     */
    async connect(identity: Identity, channelIds: readonly string[], thingIds: readonly string[]) {
      const owner = identity.userId
      const chans = distinct(channelIds)
      const ths = distinct(thingIds)
      // The counts and the guarded insert share one batch (one snapshot): the insert writes
      // nothing unless every id is the caller's, and the counts say which case happened.
      const statements = [
        channelsRepo.countOwned(db, owner, chans),
        repo.countOwned(db, owner, ths),
        repo.connect(db, owner, chans, ths),
      ] as const
      const [[c], [t]] = await db.batch(statements)
      if (c?.n !== chans.length) throw new AppError('not_found', 'channel not found')
      if (t?.n !== ths.length) throw new AppError('not_found', 'thing not found')
      // Denials are never cached, so a new connection needs no invalidation; bootstrap answers
      // list config channels, not connections. Other domains' cache refreshes go here.
    },

    /**
     * Disconnects every given channel from every given thing; pairs not connected are ignored.
     * Access checks refuse the removed pairs from the very next request on.
     * @throws AppError('not_found') when any id is unknown to the caller; nothing changes then.
     */
    async disconnect(identity: Identity, channelIds: readonly string[], thingIds: readonly string[]) {
      const owner = identity.userId
      const chans = distinct(channelIds)
      const ths = distinct(thingIds)
      // A thing losing one of its bootstrap config channels has that config deactivated (0.12.1's
      // thing.disconnect handler, scoped to that thing); that statement looks at the connections,
      // so it goes first. The bootstrap answer lists config channels, not connections: it does not
      // change.
      const statements = [
        channelsRepo.countOwned(db, owner, chans),
        repo.countOwned(db, owner, ths),
        bootstrapRepo.deactivateOnDisconnect(db, owner, chans, ths, true),
        repo.disconnectReturningThings(db, owner, chans, ths),
      ] as const
      const [[c], [t], , removed] = await db.batch(statements)
      if (c?.n !== chans.length) throw new AppError('not_found', 'channel not found')
      if (t?.n !== ths.length) throw new AppError('not_found', 'thing not found')
      // Cache invalidations of other domains go here too.
      await invalidateAccess(env.CACHE, { connections: { channelIds: chans, thingIds: ths } })
      closeSessionsLater(deps, removed.map((r) => r.thingId))
    },

    /**
     * Disconnects one thing from one channel.
     * @throws AppError('not_found') when they are not connected (or not the caller's).
     */
    async disconnectThing(identity: Identity, chanId: string, thingId: string) {
      // Deactivating the thing's bootstrap config first: it checks that the pair is connected.
      const statements = [
        bootstrapRepo.deactivateOnDisconnect(db, identity.userId, [chanId], [thingId], false),
        repo.disconnectPair(db, identity.userId, chanId, thingId),
      ] as const
      const [, removed] = await db.batch(statements)
      if (removed.length === 0) throw new AppError('not_found', 'thing is not connected to channel')
      // Cache invalidations of other domains go here too.
      await invalidateAccess(env.CACHE, { connections: { channelIds: [chanId], thingIds: [thingId] } })
      closeSessionsLater(deps, [thingId])
    },

    /**
     * The id of the thing holding `key`: from KV when cached, else one D1 query. `guards` (lock
     * markers of the caller's throttles) are read with the first KV read and checked first.
     * @throws AppError('unauthenticated') for a missing or unknown key; what a guard throws.
     */
    async identify(key: string | undefined, guards: readonly Guard[] = []): Promise<string> {
      if (!key) throw new AppError('unauthenticated', 'missing thing key')
      const hit = await cache.identify(key, guards)
      if (hit.id) return hit.id
      const row = await repo.retrieveByKey(db, key).get()
      cache.fillLater(hit.snap, { thingId: row?.id })
      if (!row) throw new AppError('unauthenticated', 'unknown thing key')
      return row.id
    },

    /**
     * The id of the thing holding `key` if it is connected to the channel.
     * @throws AppError('unauthenticated') missing or unknown key; AppError('forbidden') not
     *   connected (also for an unknown channel: nothing is revealed about other owners' channels);
     *   what a guard throws (see identify).
     */
    async canAccessByKey(chanId: string, key: string | undefined, guards: readonly Guard[] = []): Promise<string> {
      if (!key) throw new AppError('unauthenticated', 'missing thing key')
      const hit = await cache.accessByKey(key, chanId, guards)
      if (hit.id) return hit.id
      const row = await repo.accessByKey(db, key, chanId).get()
      const connected = Boolean(row?.connected)
      cache.fillLater(hit.snap, { thingId: row?.id, connected })
      if (!row) throw new AppError('unauthenticated', 'unknown thing key')
      if (!connected) throw new AppError('forbidden', 'thing is not connected to channel')
      return row.id
    },

    /**
     * Whether `key` is the key of the thing `thingId` (a broker connect): from KV when cached
     * (one bulk read, guards included), else one D1 query. Unknown keys and another thing's key
     * are both false.
     * @throws what a guard throws (see identify).
     */
    async isKeyOf(thingId: string, key: string, guards: readonly Guard[] = []): Promise<boolean> {
      if (!key || !thingId) return false
      const hit = await cache.keyOfThing(thingId, key, guards)
      if (hit.id) return true
      const row = await repo.retrieveByKey(db, key).get()
      cache.fillLater(hit.snap, { thingId: row?.id })
      return row?.id === thingId
    },

    /**
     * Whether the thing is connected to the channel.
     * @throws AppError('forbidden') when not connected, including unknown thing or channel ids
     *   (one answer for all, so the check reveals nothing else); what a guard throws (see identify).
     */
    async canAccessById(chanId: string, thingId: string, guards: readonly Guard[] = []): Promise<void> {
      const hit = await cache.accessById(thingId, chanId, guards)
      if (hit.id) return
      const connected = Boolean(await repo.isConnected(db, chanId, thingId).get())
      cache.fillLater(hit.snap, connected ? { thingId, connected } : {})
      if (!connected) throw new AppError('forbidden', 'thing is not connected to channel')
    },
  }
}
