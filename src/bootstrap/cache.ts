import { AppError, logError } from '../lib/errors'
import { MARKER_TTL, newEpoch, withRetry } from '../lib/kv'
import { type Guard, guardKeys, readGuards, runGuards } from '../lib/guard'

/*
 * KV cache of gateway answers, in front of D1. KV is never the authority: an entry only repeats an
 * answer D1 gave, and a miss asks D1.
 *
 *   bs:<external_id>    {"m","g","t","h","e","b"}: the answer (body b, ETag e) for thing t, the
 *                       keyed hash h of the external key, valid only while the markers below
 *                       still hold the epochs m and g
 *   bsm:<external_id>   random epoch: this config's answer has not changed since
 *   bsg                 random epoch: global generation, renewed when one write touches more
 *                       configs than it may rewrite markers for (a channel in hundreds of configs)
 *
 * A hit reads the three keys in one bulk KV read and makes no D1 call. A write renews the
 * markers of every config whose answer it changed (a new random epoch; deleting config, thing or
 * marker deletes it), so every entry naming the old epoch is dead at once.
 *
 * A miss fills after answering (waitUntil), so a fill may land after a concurrent write. It is
 * harmless because of two rules, as in the access cache (src/things/cache.ts):
 *  1. An entry is filled only with epochs read BEFORE the D1 query that produced the answer. A
 *     write committed after that query renews the marker after the epoch was read, so the late
 *     entry names a dead epoch; a write committed before it is in the answer.
 *  2. A missing marker is created with a fresh epoch, but no entry is filled in the same request
 *     (nothing was read before the query). Writers create the marker of a new config, so a new
 *     config is served from KV from its second fetch on.
 */

const entryKey = (externalId: string) => `bs:${externalId}`
const markerKey = (externalId: string) => `bsm:${externalId}`
const GEN_KEY = 'bsg'

/**
 * A write touching more configs than this renews the global generation instead of each marker
 * (Workers allow about 1,000 KV operations per request).
 */
export const FANOUT_MAX = 200

/** A cached answer. */
export interface CachedAnswer {
  thingId: string
  /** Versioned keyed hash of the external key (`v1:...`), as stored in D1. */
  keyHash: string
  body: string
  etag: string
}

interface Stored {
  m: string
  g: string
  t: string
  h: string
  e: string
  b: string
}

/** The marker epochs read before the D1 query (null: absent); the fill is derived from them. */
export interface AnswerSnapshot {
  m: string | null
  g: string | null
}

export interface AnswerLookup {
  hit?: CachedAnswer
  snap?: AnswerSnapshot
}

function parse(raw: string | null): Stored | undefined {
  if (!raw) return undefined
  try {
    const v = JSON.parse(raw) as Partial<Stored>
    if ([v.m, v.g, v.t, v.h, v.e, v.b].every((x) => typeof x === 'string')) return v as Stored
  } catch {
    // A damaged entry is a miss.
  }
  return undefined
}

/**
 * Makes the cached answers of these configs dead and drops their entries. `removed`: the configs
 * are gone (their markers are deleted); otherwise their answers changed (new markers, so the next
 * miss can fill at once). Call it after the D1 batch commits and await it before answering: the
 * next fetch in this location already sees the change.
 * @throws AppError('unavailable') when KV keeps failing: the write is saved, but a cached answer
 *   may be served until its TTL.
 */
export async function invalidateAnswers(
  kv: KVNamespace,
  externalIds: readonly string[],
  how: 'changed' | 'removed'
): Promise<void> {
  const ids = [...new Set(externalIds)]
  if (ids.length === 0) return
  const ops: Promise<unknown>[] = []
  if (ids.length > FANOUT_MAX) {
    ops.push(withRetry(() => kv.put(GEN_KEY, newEpoch())))
  } else {
    for (const id of ids) {
      ops.push(
        how === 'removed'
          ? withRetry(() => kv.delete(markerKey(id)))
          : withRetry(() => kv.put(markerKey(id), newEpoch(), { expirationTtl: MARKER_TTL })),
        withRetry(() => kv.delete(entryKey(id)))
      )
    }
  }
  const results = await Promise.allSettled(ops)
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) {
    throw new AppError(
      'unavailable',
      'saved, but the bootstrap cache could not be refreshed; cached answers expire on their ' +
        'own within the cache TTL',
      { cause: (failed as PromiseRejectedResult).reason }
    )
  }
}

/**
 * Gives a new config its marker, so its first miss can fill (waitUntil; failing costs one miss).
 */
export function markNew(kv: KVNamespace, externalId: string): Promise<unknown> {
  return kv.put(markerKey(externalId), newEpoch(), { expirationTtl: MARKER_TTL })
}

/**
 * The read and fill side. `ttlSec` 0 turns reads and fills off (invalidation still runs, so
 * entries written while it was on cannot outlive a write).
 */
export function makeAnswerCache(
  kv: KVNamespace,
  ttlSec: number,
  waitUntil: (p: Promise<unknown>) => void
) {
  const enabled = ttlSec > 0

  async function fill(externalId: string, snap: AnswerSnapshot, answer: CachedAnswer) {
    const writes: Promise<unknown>[] = []
    if (snap.m === null) writes.push(markNew(kv, externalId))
    if (snap.g === null) writes.push(kv.put(GEN_KEY, newEpoch()))
    if (snap.m !== null && snap.g !== null) {
      const stored: Stored = {
        m: snap.m,
        g: snap.g,
        t: answer.thingId,
        h: answer.keyHash,
        e: answer.etag,
        b: answer.body,
      }
      writes.push(kv.put(entryKey(externalId), JSON.stringify(stored), { expirationTtl: ttlSec }))
    }
    await Promise.all(writes)
  }

  return {
    enabled,

    /**
     * A hit needs an entry whose epochs are both current markers (one bulk KV read). The guards'
     * lock markers are read in the same bulk read and checked before anything else (a refusal
     * throws); with the cache off they cost one bulk read of their own.
     */
    async lookup(externalId: string, guards: readonly Guard[] = []): Promise<AnswerLookup> {
      if (!enabled) {
        await readGuards(kv, guards)
        return {}
      }
      // One bulk read (a single KV operation) for the entry, both markers and the lock markers.
      const keys = [entryKey(externalId), markerKey(externalId), GEN_KEY]
      const got = await kv.get([...keys, ...guardKeys(guards)])
      await runGuards(guards, got)
      const [raw = null, m = null, g = null] = keys.map((k) => got.get(k) ?? null)
      const entry = parse(raw)
      if (entry && m !== null && g !== null && entry.m === m && entry.g === g) {
        return { hit: { thingId: entry.t, keyHash: entry.h, body: entry.b, etag: entry.e } }
      }
      return { snap: { m, g } }
    },

    /** After a miss that found the config: schedule the fill its snapshot allows. */
    fillLater(externalId: string, snap: AnswerSnapshot | undefined, answer: CachedAnswer) {
      if (!enabled || !snap) return
      // A failed fill (KV's one-write-per-second limit under a burst) only costs a later miss.
      const done = fill(externalId, snap, answer)
      waitUntil(done.catch((e) => logError('bootstrap cache fill failed:', e)))
    },
  }
}
