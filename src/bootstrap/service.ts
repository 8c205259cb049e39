import type { BatchItem } from 'drizzle-orm/batch'
import { subjectCommonName } from '../certs/pki'
import type { Identity } from '../env'
import type { Config } from '../lib/config'
import type { Deps } from '../lib/context'
import { keyedHash, timingSafeEqual } from '../lib/crypto'
import { AppError } from '../lib/errors'
import { closeSessionsLater } from '../sessions'
import { makeThrottles } from '../throttle'
import type { Status } from '../throttle/object'
import { invalidateAccess } from '../things/cache'
import * as thingsRepo from '../things/repo'
import { allSettledOrThrow, batchAll } from '../lib/batch'
import { channelView, newThingRow } from '../lib/views'
import { answerBody, etagOf, orderChannels } from './answer'
import {
  type AnswerLookup,
  type CachedAnswer,
  invalidateAnswers,
  makeAnswerCache,
  markNew,
} from './cache'
import { openCfbHeader, openSealedRequest, sealAnswer, sealCfb, sealedKey } from './crypto'
import { claimSuccess, type Outcome, recordFetch, recordUnknown, releaseSuccess } from './record'
import * as repo from './repo'
import type { ConfigsQuery, CreateConfigReq, UpdateCertsReq, UpdateConfigReq } from './schema'
import { isExternalId } from './schema'

/** The one answer for an unknown external id and for a wrong key: nothing tells them apart. */
const NOT_FOUND = 'bootstrap configuration not found for this external id and key'
const notFound = () => new AppError('not_found', NOT_FOUND)

/** Stored external-key hashes name their scheme, so it can change without breaking old rows. */
const KEY_HASH_VERSION = 'v1'
const KEY_HASH_PURPOSE = 'bootstrap-external-key'

/** An encrypted answer body. */
type Sealed = Uint8Array<ArrayBuffer>

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString())

/**
 * What `client_cert_cn` records for a config's client certificate: its subject CN ('' when it is
 * not a certificate with one CN), so that a key rotation can tell in SQL whether the certificate
 * is bound to the key being given up. Exported for provision, which inserts configs itself.
 */
export function certCn(clientCert: string | null): string | null {
  return clientCert === null ? null : subjectCommonName(clientCert)
}

const seconds = (ms: number) => (ms > 0 ? Math.ceil(ms / 1000) : undefined)

/** A throttle's state on the wire. */
function throttleView(s: Status) {
  return {
    locked: s.lockedForMs > 0,
    retry_after: seconds(s.lockedForMs),
    failures: s.failures,
    last_failure_at: iso(s.lastFailure),
    known_addresses: s.known,
    addresses: s.addresses.map((a) => ({
      address: a.address,
      failures: a.failures,
      locked: a.lockedForMs > 0,
      retry_after: seconds(a.lockedForMs),
      last_failure_at: new Date(a.lastFailure).toISOString(),
    })),
  }
}

/** A config on the wire, in 0.12.1's field order; the list leaves out channels. */
function configFields(row: repo.ConfigWithKey, channels?: repo.ChannelRow[]) {
  return {
    mainflux_id: row.thingId,
    mainflux_key: row.thingKey,
    mainflux_channels:
      channels && channels.length > 0 ? orderChannels(channels).map(channelView) : undefined,
    external_id: row.externalId,
    content: row.content || undefined,
    name: row.name || undefined,
    state: row.state,
    client_cert: row.clientCert || undefined,
    client_key: row.clientKey || undefined,
    ca_cert: row.caCert || undefined,
    last_bootstrap_at: iso(row.lastBootstrapAt),
    last_failure_at: iso(row.lastFailureAt),
    last_failure: row.lastFailure || undefined,
  }
}

/**
 * What D1 stores for an external key: `v1:` + HMAC-SHA256 (base64url) keyed by
 * FLUXGATE_BOOTSTRAP_KEY_SECRET (else MF_AUTH_SECRET). Exported for provision, which inserts
 * configs in its own batch.
 */
export async function externalKeyHash(config: Config, externalKey: string): Promise<string> {
  const secret = config.FLUXGATE_BOOTSTRAP_KEY_SECRET ?? config.MF_AUTH_SECRET
  return `${KEY_HASH_VERSION}:${await keyedHash(secret, KEY_HASH_PURPOSE, externalKey)}`
}

export function makeBootstrapService(deps: Deps) {
  const { db, config, env, waitUntil } = deps
  const cache = makeAnswerCache(env.CACHE, config.FLUXGATE_BOOTSTRAP_CACHE_TTL, waitUntil)
  const hashKey = (externalKey: string) => externalKeyHash(config, externalKey)

  const throttles = makeThrottles(env, config)

  const record = (externalId: string, outcome: Outcome) =>
    recordFetch(db, waitUntil, externalId, outcome)

  /**
   * One fetch under the throttles (README: Security): the client address's failure budget and the
   * gateway's lock marker are read in the same bulk KV read as the cached answer; while the
   * marker is there the gateway's throttle object is asked before anything is evaluated. A wrong
   * key or unknown external id (`not_found`) counts against both, and is refused (429) instead
   * when a lock already applied. `evaluate` may throw anything else (400, 401) uncounted.
   * @throws ThrottledError; whatever `evaluate` throws.
   */
  async function throttled<T>(
    externalId: string,
    client: string,
    evaluate: (look: AnswerLookup) => Promise<T>,
  ): Promise<T> {
    const gate = throttles.gate('fetch', externalId, client)
    const byAddress = throttles.addressGuard(client)
    // A refusal here costs no D1 round trip: nothing is read, nor recorded (the id may not exist).
    const look = await cache.lookup(externalId, byAddress ? [byAddress, gate] : [gate])
    let answer: T
    try {
      answer = await evaluate(look)
    } catch (e) {
      if (e instanceof AppError && e.code === 'not_found') {
        // The gate first: an attempt is settled even when the address budget then refuses.
        await gate.failed()
        await throttles.countGuess(client)
      } else {
        await gate.abandon()
      }
      throw e
    }
    await gate.passed()
    return answer
  }

  /**
   * The answer for a gateway, checked against its key: from KV when cached (no D1), otherwise one
   * D1 round trip, after which KV is filled. Records the outcome.
   * @throws AppError('not_found') for an unknown external id or a wrong key (one answer for both).
   */
  async function answerFor(
    externalId: string,
    hashing: Promise<string>,
    look: AnswerLookup,
  ): Promise<CachedAnswer> {
    const hash = await hashing
    if (look.hit) {
      if (!timingSafeEqual(look.hit.keyHash, hash)) {
        record(externalId, { ok: false, reason: 'wrong external key' })
        throw notFound()
      }
      record(externalId, { ok: true })
      return look.hit
    }
    // A miss reads in one batch, and records the success there too (only if the key is right),
    // so it stays one D1 round trip.
    const now = Date.now()
    const [select, selectChannels] = repo.retrieveByExternalId(db, externalId)
    const recording = claimSuccess(externalId, now)
    const [[row], chans] = recording
      ? await db.batch([select, selectChannels, repo.recordSuccessIfKey(db, externalId, hash, now)])
      : await db.batch([select, selectChannels])
    if (!row) {
      if (recording) releaseSuccess(externalId)
      recordUnknown(externalId)
      throw notFound()
    }
    const body = answerBody(row, chans)
    const etag = await etagOf(body)
    const answer = { thingId: row.thingId, keyHash: row.externalKeyHash, body, etag }
    // Filled even when the key is wrong: the entry holds only the hash, and the next wrong key is
    // then refused without D1.
    cache.fillLater(externalId, look.snap, answer)
    if (!timingSafeEqual(answer.keyHash, hash)) {
      if (recording) releaseSuccess(externalId)
      record(externalId, { ok: false, reason: 'wrong external key' })
      throw notFound()
    }
    return answer
  }

  return {
    /**
     * Adds a config for one of the caller's things, or for a new thing created in the same batch
     * when `thing_id` is absent. The config starts inactive; nothing is connected yet.
     * @throws AppError('not_found') unknown or another owner's thing or channel;
     *   AppError('conflict') external id in use, or the thing already has a config.
     */
    async addConfig(identity: Identity, req: CreateConfigReq): Promise<string> {
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
        }),
      )
      const chans = [...new Set(req.channels)]
      if (chans.length > 0) statements.push(repo.saveChannels(db, owner, thingId, chans))
      await batchAll(db, statements).catch(repo.mapSaveError)
      // A marker lets the first fetch fill KV; it also retires any entry left from an old config
      // with the same external id. Failing costs one extra miss.
      if (cache.enabled) waitUntil(markNew(env.CACHE, req.external_id).catch(() => undefined))
      return thingId
    },

    /**
     * One of the caller's configs with its channels (in the order gateways receive them).
     * @throws AppError('not_found')
     */
    async viewConfig(identity: Identity, id: string) {
      const [[row], chans] = await db.batch([
        repo.retrieveById(db, identity.userId, id),
        repo.retrieveChannels(db, id),
      ])
      if (!row) throw new AppError('not_found', 'config not found')
      return configFields(row, chans)
    },

    /** A page of the caller's configs (without channels), by thing id; one D1 round trip. */
    async listConfigs(identity: Identity, q: ConfigsQuery) {
      const filter: repo.ListFilter = {
        state: q.state,
        externalId: q.external_id,
        thingId: q.mainflux_id,
        thingKey: q.mainflux_key,
        name: q.name,
      }
      const page = repo.retrieveAll(db, identity.userId, filter, q.offset, q.limit)
      const [rows, [total]] = await db.batch(page)
      const configs = rows.map((r) => configFields(r))
      return { total: total?.n ?? 0, offset: q.offset, limit: q.limit, configs }
    },

    /**
     * Replaces name and content (omitted fields are cleared); the next fetch sees the change.
     * @throws AppError('not_found')
     */
    async updateConfig(identity: Identity, id: string, req: UpdateConfigReq) {
      const [row] = await repo.update(db, identity.userId, id, { name: req.name, content: req.content })
      if (!row) throw new AppError('not_found', 'config not found')
      await invalidateAnswers(env.CACHE, [row.externalId], 'changed')
    },

    /**
     * Replaces the certificate fields served to the gateway (omitted fields are cleared).
     * @throws AppError('not_found')
     */
    async updateCerts(identity: Identity, id: string, req: UpdateCertsReq) {
      const [row] = await repo.updateCerts(db, identity.userId, id, {
        clientCert: req.client_cert,
        clientKey: req.client_key,
        caCert: req.ca_cert,
        clientCertCn: certCn(req.client_cert),
      })
      if (!row) throw new AppError('not_found', 'config not found')
      await invalidateAnswers(env.CACHE, [row.externalId], 'changed')
    },

    /**
     * Replaces the config's channels (an empty list clears them). While the config is active its
     * thing's connections follow in the same batch: new channels connected, dropped ones
     * disconnected.
     * @throws AppError('not_found') unknown config or channel (nothing changes then).
     */
    async updateConnections(identity: Identity, id: string, channelIds: readonly string[]) {
      const owner = identity.userId
      const next = [...new Set(channelIds)]
      const { dropped, added } = repo.followConnections(db, owner, id, next)
      const statements: BatchItem<'sqlite'>[] = [repo.retrieveState(db, owner, id), dropped]
      if (added) statements.push(added)
      statements.push(repo.removeChannels(db, owner, id))
      if (next.length > 0) statements.push(repo.saveChannels(db, owner, id, next))
      const results = (await batchAll(db, statements).catch(repo.mapSaveError)) as unknown[]
      const [config] = results[0] as { externalId: string }[]
      if (!config) throw new AppError('not_found', 'config not found')
      const removed = (results[1] as { channelId: string }[]).map((r) => r.channelId)
      await allSettledOrThrow([
        invalidateAnswers(env.CACHE, [config.externalId], 'changed'),
        removed.length > 0
          ? invalidateAccess(env.CACHE, { connections: { channelIds: removed, thingIds: [id] } })
          : Promise.resolve(),
      ])
      if (removed.length > 0) closeSessionsLater(deps, [id])
    },

    /**
     * Whitelisting: 1 connects the config's thing to every config channel, 0 disconnects it from
     * them (that thing only); the same state again changes nothing. The fetch answer does not
     * depend on the state (0.12.1 serves inactive configs), so it stays cached.
     * @throws AppError('not_found')
     */
    async changeState(identity: Identity, id: string, state: 0 | 1) {
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
      const [[before], removed] = await db.batch([
        repo.retrieveState(db, owner, id),
        ...repo.deactivate(db, owner, id),
      ])
      if (!before) throw new AppError('not_found', 'config not found')
      if (removed.length > 0) {
        await invalidateAccess(env.CACHE, {
          connections: { channelIds: removed.map((r) => r.channelId), thingIds: [id] },
        })
        closeSessionsLater(deps, [id])
      }
    },

    /**
     * Removes one of the caller's configs (its thing and connections stay, as in 0.12.1); the
     * next fetch answers 404.
     * @throws AppError('not_found')
     */
    async removeConfig(identity: Identity, id: string) {
      const [row] = await repo.remove(db, identity.userId, id)
      if (!row) throw new AppError('not_found', 'config not found')
      await invalidateAnswers(env.CACHE, [row.externalId], 'removed')
    },

    /**
     * The throttles of one of the caller's gateways: its bootstrap fetches (by external id) and
     * its thing's broker connects, with the failing client addresses.
     * @throws AppError('not_found') unknown or another owner's config.
     */
    async viewLock(identity: Identity, id: string) {
      const [row] = await repo.externalIdsOfThing(db, identity.userId, id)
      if (!row) throw new AppError('not_found', 'config not found')
      const [fetch, connect] = await Promise.all([
        throttles.status('fetch', row.externalId),
        throttles.status('connect', id),
      ])
      return { external_id: row.externalId, fetch: throttleView(fetch), connect: throttleView(connect) }
    },

    /**
     * Clears both throttles of one of the caller's gateways: counts, locks and markers. The next
     * fetch or connect is evaluated as if no failure had happened.
     * @throws AppError('not_found') unknown or another owner's config.
     */
    async clearLock(identity: Identity, id: string) {
      const [row] = await repo.externalIdsOfThing(db, identity.userId, id)
      if (!row) throw new AppError('not_found', 'config not found')
      await Promise.all([throttles.clear('fetch', row.externalId), throttles.clear('connect', id)])
    },

    /**
     * Plain fetch: the gateway's answer for its external id and key (0.12.1's shape). State is not
     * checked (0.12.1): an inactive gateway gets its configuration but cannot publish yet.
     * `client` is the client address (throttles).
     * @throws AppError('unauthenticated') no key; AppError('not_found') unknown id or wrong key;
     *   ThrottledError while the gateway or the address is locked.
     */
    async bootstrap(externalId: string, externalKey: string | undefined, client: string): Promise<CachedAnswer> {
      if (!externalKey) throw new AppError('unauthenticated', 'missing external key')
      // External ids that cannot exist are refused without touching the throttles.
      if (!isExternalId(externalId)) throw notFound()
      const hashing = hashKey(externalKey)
      // Started early, awaited only if the throttles let the fetch through.
      hashing.catch(() => undefined)
      return throttled(externalId, client, (look) => answerFor(externalId, hashing, look))
    },

    /**
     * Secure fetch as 0.12.1: the header is hex(IV || AES-CFB(external key)), the
     * answer IV || AES-CFB(JSON) under MF_BOOTSTRAP_ENCRYPT_KEY.
     * @throws AppError('unauthenticated') no header; AppError('not_found') bad hex, unknown id or
     *   wrong key; AppError('malformed_entity') fewer than 16 bytes; AppError('unavailable') no key
     *   configured; ThrottledError while the gateway or the address is locked.
     */
    async bootstrapSecure(externalId: string, header: string | undefined, client: string): Promise<Sealed> {
      const key = config.MF_BOOTSTRAP_ENCRYPT_KEY
      if (!key) {
        throw new AppError('unavailable', 'secure bootstrap is off: MF_BOOTSTRAP_ENCRYPT_KEY is not set')
      }
      if (!header) throw new AppError('unauthenticated', 'missing encrypted external key')
      if (!isExternalId(externalId)) throw notFound()
      const opening = openCfbHeader(key, header)
      opening.catch(() => undefined)
      return throttled(externalId, client, async (look) => {
        const externalKey = await opening
        // Bad hex is a wrong key like any other: counted.
        if (externalKey === 'bad_hex') throw notFound()
        if (externalKey === 'too_short') {
          throw new AppError('malformed_entity', 'encrypted external key must be at least 16 bytes')
        }
        const answer = await answerFor(externalId, hashKey(externalKey), look)
        return sealCfb(key, answer.body)
      })
    },

    /**
     * Sealed fetch: an AES-GCM request (timestamp, nonce, external key; the external id as
     * associated data) under the gateway's derived key, answered with an AES-GCM body bound to
     * the request nonce. Replays and timestamps outside the window are refused.
     * @throws AppError('unauthenticated') no header, stale timestamp or replayed nonce;
     *   AppError('malformed_entity') not a sealed request; AppError('not_found') unknown id,
     *   wrong key or a request that fails authentication; AppError('unavailable') not configured;
     *   ThrottledError while the gateway or the address is locked.
     */
    async bootstrapSealed(externalId: string, header: string | undefined, client: string): Promise<Sealed> {
      const master = config.FLUXGATE_BOOTSTRAP_SEALED_KEY
      if (!master) {
        const why = 'sealed bootstrap is off: FLUXGATE_BOOTSTRAP_SEALED_KEY is not set'
        throw new AppError('unavailable', why)
      }
      if (!header) throw new AppError('unauthenticated', 'missing sealed request')
      if (!isExternalId(externalId)) throw notFound()
      const opening = sealedKey(master, externalId).then(async (key) => ({
        key,
        req: await openSealedRequest(key, externalId, header),
      }))
      opening.catch(() => undefined)
      return throttled(externalId, client, async (look) => {
        const { key, req } = await opening
        if (req === 'malformed') throw new AppError('malformed_entity', 'not a sealed bootstrap request')
        if (req === 'invalid') {
          // Someone without the gateway key: a guess, counted like a wrong external key.
          record(externalId, { ok: false, reason: 'sealed request failed authentication' })
          throw notFound()
        }
        const windowMs = config.FLUXGATE_BOOTSTRAP_SEALED_WINDOW
        if (Math.abs(Date.now() - req.ts * 1000) > windowMs) {
          record(externalId, { ok: false, reason: 'sealed request timestamp outside the window' })
          throw new AppError('unauthenticated', 'request timestamp outside the allowed window')
        }
        const nonceKey = `bsn:${externalId}:${req.nonce}`
        if ((await env.CACHE.get(nonceKey)) !== null) {
          record(externalId, { ok: false, reason: 'sealed request replayed' })
          throw new AppError('unauthenticated', 'replayed request')
        }
        const answer = await answerFor(externalId, hashKey(req.key), look)
        // Remembered before answering, for as long as its timestamp could still be accepted.
        const ttl = Math.max(60, Math.ceil((2 * windowMs) / 1000))
        try {
          await env.CACHE.put(nonceKey, '1', { expirationTtl: ttl })
        } catch (e) {
          // KV refuses a second write of one key within a second: a concurrent replay.
          throw new AppError('unavailable', 'could not record the request nonce; retry with a new one', {
            cause: e,
          })
        }
        return sealAnswer(key, externalId, req.nonce, answer.body)
      })
    },
  }
}
