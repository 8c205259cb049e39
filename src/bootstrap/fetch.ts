import type { Deps } from '../lib/context'
import { timingSafeEqual } from '../lib/crypto'
import { AppError } from '../lib/errors'
import { makeThrottles } from '../throttle'
import { answerBody, etagOf } from './answer'
import { type AnswerLookup, type CachedAnswer, makeAnswerCache } from './cache'
import { openCfbHeader, openSealedRequest, sealAnswer, sealCfb, sealedKey } from './crypto'
import { claimSuccess, type Outcome, recordFetch, recordUnknown, releaseSuccess } from './record'
import * as repo from './repo'
import { isExternalId } from './schema'
import { externalKeyHash } from './views'

/*
 * What gateways call: the plain, secure (0.12.1's AES-CFB) and sealed (AES-GCM) fetches of a
 * bootstrap answer, under the throttles, from the answer cache or D1.
 */

/** The one answer for an unknown external id and for a wrong key: nothing tells them apart. */
const NOT_FOUND = 'bootstrap configuration not found for this external id and key'
const notFound = () => new AppError('not_found', NOT_FOUND)

/** An encrypted answer body. */
type Sealed = Uint8Array<ArrayBuffer>

export function makeGatewayFetch(deps: Deps) {
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
    evaluate: (look: AnswerLookup) => Promise<T>
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
    look: AnswerLookup
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

  /**
   * Plain fetch: the gateway's answer for its external id and key (0.12.1's shape). State is not
   * checked (0.12.1): an inactive gateway gets its configuration but cannot publish yet.
   * `client` is the client address (throttles).
   * @throws AppError('unauthenticated') no key; AppError('not_found') unknown id or wrong key;
   *   ThrottledError while the gateway or the address is locked.
   */
  async function bootstrap(
    externalId: string,
    externalKey: string | undefined,
    client: string
  ): Promise<CachedAnswer> {
    if (!externalKey) throw new AppError('unauthenticated', 'missing external key')
    // External ids that cannot exist are refused without touching the throttles.
    if (!isExternalId(externalId)) throw notFound()
    const hashing = hashKey(externalKey)
    // Started early, awaited only if the throttles let the fetch through.
    hashing.catch(() => undefined)
    return throttled(externalId, client, (look) => answerFor(externalId, hashing, look))
  }

  /**
   * Secure fetch as 0.12.1: the header is hex(IV || AES-CFB(external key)), the
   * answer IV || AES-CFB(JSON) under MF_BOOTSTRAP_ENCRYPT_KEY.
   * @throws AppError('unauthenticated') no header; AppError('not_found') bad hex, unknown id or
   *   wrong key; AppError('malformed_entity') fewer than 16 bytes; AppError('unavailable') no key
   *   configured; ThrottledError while the gateway or the address is locked.
   */
  async function bootstrapSecure(
    externalId: string,
    header: string | undefined,
    client: string
  ): Promise<Sealed> {
    const key = config.MF_BOOTSTRAP_ENCRYPT_KEY
    if (!key) {
      throw new AppError(
        'unavailable',
        'secure bootstrap is off: MF_BOOTSTRAP_ENCRYPT_KEY is not set'
      )
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
  }

  /**
   * Sealed fetch: an AES-GCM request (timestamp, nonce, external key; the external id as
   * associated data) under the gateway's derived key, answered with an AES-GCM body bound to
   * the request nonce. Replays and timestamps outside the window are refused.
   * @throws AppError('unauthenticated') no header, stale timestamp or replayed nonce;
   *   AppError('malformed_entity') not a sealed request; AppError('not_found') unknown id,
   *   wrong key or a request that fails authentication; AppError('unavailable') not configured;
   *   ThrottledError while the gateway or the address is locked.
   */
  async function bootstrapSealed(
    externalId: string,
    header: string | undefined,
    client: string
  ): Promise<Sealed> {
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
      if (req === 'malformed')
        throw new AppError('malformed_entity', 'not a sealed bootstrap request')
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
        throw new AppError(
          'unavailable',
          'could not record the request nonce; retry with a new one',
          {
            cause: e,
          }
        )
      }
      return sealAnswer(key, externalId, req.nonce, answer.body)
    })
  }

  return {
    bootstrap,
    bootstrapSecure,
    bootstrapSealed,
  }
}
