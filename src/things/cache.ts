import { sha256 } from '../lib/crypto'
import { AppError, logError } from '../lib/errors'
import { newEpoch, withRetry } from '../lib/kv'
import { type Guard, guardKeys, readGuards, runGuards } from '../lib/guard'

/*
 * KV cache in front of D1 for identify and access checks. KV is never the authority: an entry can
 * only confirm an answer D1 gave earlier, every miss asks D1, and denials are never cached.
 *
 *   km:<sha256(key)>     key epoch: a random "this key still opens its thing" marker
 *   tk:<sha256(key)>     "<thingId>|<key epoch>": the key's thing, as of that marker
 *   th:<thingId>         thing epoch: a random "this thing is alive" marker
 *   ch:<chanId>          channel epoch: a random "this channel is alive" marker
 *   ac:<chanId>:<thingId>  "<thing epoch>.<channel epoch>": connected, as of those two markers
 *   ak:<chanId>:<sha256(key)>  "<thingId>|<key epoch>.<channel epoch>": the key's thing is
 *                        connected, as of those two markers
 *
 * An entry counts only while the markers it names are still the current ones. Invalidation
 * therefore deletes markers, not the entries that depend on them: removing a channel with 10,000
 * connections is one delete, and ids are never reused so a deleted marker is never seen again.
 * A thing has two markers because a check knows either its id or its key: every entry a check
 * needs is named by what the request carries, so every hit is ONE bulk KV read (identify: tk, km;
 * access by key: km, ch, ak; access by id: th, ch, ac; broker connect: tk, km) and no D1 trip.
 * Whatever ends a thing's access deletes the markers of both names, th by id and km by the key
 * (every such writer reads the key in its own batch): removal, a key change, and a disconnect that
 * drops the things' side; a disconnect that drops the channels' side deletes their ch instead.
 *
 * Upgrading from the design before km/ak: its writers never delete km or ak, so while old and new
 * code run side by side an old writer's disconnect or key change could leave a new entry allowing
 * until its TTL. Deploy at once (not as a gradual deployment), or run the rollout with
 * FLUXGATE_CACHE_TTL=0 (README: Access cache).
 *
 * A request that missed fills entries after answering (waitUntil), so its fill can land after a
 * concurrent write has invalidated. Two rules make such a late fill harmless:
 *  1. An entry is filled only with marker epochs read BEFORE the D1 query that justified it. If the
 *     write committed before that query, D1 said no and nothing is filled; if it committed after,
 *     the write deletes the marker after the epoch was read, so the late entry names a dead epoch.
 *  2. A marker found missing is created with a fresh random epoch, but nothing that depends on it
 *     is filled in the same request (its epoch was not read before the query).
 * So a new key takes two misses before it is served from KV, and no interleaving leaves an allow
 * that D1 would refuse (within one location; see README for KV's cross-location delay).
 */

const tkKey = (hash: string) => `tk:${hash}`
const kmKey = (hash: string) => `km:${hash}`
const akKey = (chanId: string, hash: string) => `ak:${chanId}:${hash}`
const thKey = (thingId: string) => `th:${thingId}`
const chKey = (chanId: string) => `ch:${chanId}`
const acKey = (chanId: string, thingId: string) => `ac:${chanId}:${thingId}`

/** KV key names are limited to 512 bytes; our ids are UUIDs, so anything long cannot exist. */
const MAX_ID = 64
const cacheable = (...ids: string[]) => ids.every((id) => id.length > 0 && id.length <= MAX_ID)

/** What a check read from KV before asking D1; the fill is derived from it. */
export interface Snapshot {
  chanId?: string
  /** sha256 of the key (key-based checks). */
  hash?: string
  /** Raw tk value, null when absent (identify, broker connect). */
  tk?: string | null
  /** The key's marker, read in the same bulk read (key-based checks). */
  km?: string | null
  /** Raw ak value (access by key). */
  ak?: string | null
  /** The thing whose th (and ac) were read before the D1 query. */
  thingId?: string
  th?: string | null
  ch?: string | null
  ac?: string | null
}

/** A cache answer: `id` set on a hit; otherwise `snap` says what the fill may write. */
export interface Lookup {
  id?: string
  snap?: Snapshot
}

/** What D1 said: the thing (if the key or id is known) and whether it is connected. */
export interface Truth {
  thingId?: string
  connected?: boolean
}

function parseTk(raw: string | null | undefined): { thingId: string; epoch?: string } | undefined {
  if (!raw) return undefined
  const bar = raw.indexOf('|')
  if (bar <= 0) return undefined
  const epoch = raw.slice(bar + 1)
  return { thingId: raw.slice(0, bar), epoch: epoch || undefined }
}

const connectedEntry = (th: string, ch: string) => `${th}.${ch}`
const keyEntry = (thingId: string, km: string) => `${thingId}|${km}`

/** What a write changed, so the cache entries that could still say "allowed" are dropped. */
export interface Invalidation {
  /** Removed things, or things whose key changed: `key` is the key that stops working. */
  things?: { id: string; key: string }[]
  /** Removed channels. */
  channels?: string[]
  /**
   * Connections removed between these channels and things (any subset of the product).
   * `thingKeys` are the current keys of `thingIds` (any order; read in the writer's batch): the
   * key-named entries of the things are dropped with their id-named ones.
   */
  connections?: {
    channelIds: readonly string[]
    thingIds: readonly string[]
    thingKeys: readonly string[]
  }
}

/**
 * Whether a disconnect of these many channels and things drops the things' markers (th, km) rather
 * than the channels' (ch): the smaller side. A disconnect reads the things' keys only then.
 */
export const dropsThingSide = (channels: number, things: number) => things <= channels

/** The KV key names an invalidation deletes (at most 200 for the largest disconnect). */
export async function invalidationKeys(inv: Invalidation): Promise<string[]> {
  const keys = new Set<string>()
  for (const t of inv.things ?? []) {
    const hash = await sha256(t.key)
    keys.add(thKey(t.id))
    keys.add(kmKey(hash))
    keys.add(tkKey(hash))
  }
  for (const c of inv.channels ?? []) keys.add(chKey(c))
  if (inv.connections) {
    const { channelIds, thingIds, thingKeys } = inv.connections
    // Killing the markers of the smaller side makes every ac and ak entry of the pairs
    // unreachable; with at most 10,000 pairs per request that is at most 100 channels, or 100
    // things with two markers each, within Workers' KV op budget.
    if (dropsThingSide(channelIds.length, thingIds.length)) {
      for (const t of thingIds) keys.add(thKey(t))
      for (const k of thingKeys) keys.add(kmKey(await sha256(k)))
    } else for (const c of channelIds) keys.add(chKey(c))
    if (channelIds.length === 1 && thingIds.length === 1) {
      keys.add(acKey(channelIds[0]!, thingIds[0]!))
      if (thingKeys.length === 1) keys.add(akKey(channelIds[0]!, await sha256(thingKeys[0]!)))
    }
  }
  return [...keys].filter((k) => k.length <= 512)
}

/**
 * Drops every cache entry a committed write made stale. Call it after the D1 batch succeeds and
 * await it before answering, so the next request in this location already sees the change.
 * @throws AppError('unavailable') when KV keeps failing: the write is saved, but the cache may
 *   still allow the old state until its TTL; the client learns that it did not fully apply.
 */
export async function invalidateAccess(kv: KVNamespace, inv: Invalidation): Promise<void> {
  const keys = await invalidationKeys(inv)
  try {
    await Promise.all(keys.map((k) => withRetry(() => kv.delete(k))))
  } catch (e) {
    throw new AppError(
      'unavailable',
      'saved, but the access cache could not be invalidated; it expires on its own within the cache TTL',
      { cause: e }
    )
  }
}

/**
 * The read and fill side of the cache. `ttlSec` 0 disables reads and fills (invalidation still
 * runs, so entries written while it was on cannot outlive a write).
 */
export function makeThingCache(
  kv: KVNamespace,
  ttlSec: number,
  waitUntil: (p: Promise<unknown>) => void
) {
  const enabled = ttlSec > 0

  async function put(key: string, value: string) {
    await kv.put(key, value, { expirationTtl: ttlSec })
  }

  /** Writes what the snapshot and D1's answer justify (the two rules above). */
  async function fill(snap: Snapshot, truth: Truth) {
    const y = truth.thingId
    const writes: Promise<unknown>[] = []
    if (snap.hash !== undefined) {
      if (!y) {
        // The key is unknown: leftover entries for it are useless, drop them.
        if (snap.tk) writes.push(kv.delete(tkKey(snap.hash)))
        if (snap.ak) writes.push(kv.delete(akKey(snap.chanId!, snap.hash)))
        await Promise.all(writes)
        return
      }
      if (!snap.km) writes.push(put(kmKey(snap.hash), newEpoch()))
      else if (snap.tk !== undefined && snap.tk !== keyEntry(y, snap.km)) {
        writes.push(put(tkKey(snap.hash), keyEntry(y, snap.km)))
      }
    }
    if (y) {
      // The id-named marker matters only to checks by id, whose own misses create it: a key-based
      // fill leaves it alone (no extra KV read after a key-based miss).
      if (snap.thingId === y && snap.th === null) writes.push(put(thKey(y), newEpoch()))
      if (truth.connected && snap.chanId !== undefined) {
        if (snap.ch === null) writes.push(put(chKey(snap.chanId), newEpoch()))
        if (snap.thingId === y && snap.th && snap.ch) {
          const wanted = connectedEntry(snap.th, snap.ch)
          if (snap.ac !== wanted) writes.push(put(acKey(snap.chanId, y), wanted))
        }
        if (snap.hash !== undefined && snap.km && snap.ch) {
          const wanted = keyEntry(y, connectedEntry(snap.km, snap.ch))
          if (snap.ak !== wanted) writes.push(put(akKey(snap.chanId, snap.hash), wanted))
        }
      }
    }
    await Promise.all(writes)
  }

  /** Identify: a hit needs the key's tk entry naming the key's live marker. One bulk read. */
  async function identify(key: string, guards: readonly Guard[] = []): Promise<Lookup> {
    if (!enabled) {
      await readGuards(kv, guards)
      return {}
    }
    const hash = await sha256(key)
    const keys = [tkKey(hash), kmKey(hash)]
    const got = await kv.get([...keys, ...guardKeys(guards)])
    await runGuards(guards, got)
    const [tk = null, km = null] = keys.map((k) => got.get(k) ?? null)
    const named = parseTk(tk)
    if (named?.epoch && named.epoch === km) return { id: named.thingId }
    return { snap: { hash, tk, km } }
  }

  function fillLater(snap: Snapshot | undefined, truth: Truth) {
    if (!enabled || !snap) return
    // A failed fill only costs a later miss; never fail the request for it.
    waitUntil(fill(snap, truth).catch((e) => logError('thing cache fill failed:', e)))
  }

  return {
    enabled,

    /*
     * Every lookup takes `guards`: lock markers of the caller's throttles (README: Security), read
     * in the lookup's first bulk KV read and checked before anything else; a refusal throws. When
     * the cache is not used they cost one bulk read of their own.
     */

    identify,

    /**
     * Access by key: a hit needs the key's marker, the channel's marker and an ak entry naming
     * both. One bulk read.
     */
    async accessByKey(key: string, chanId: string, guards: readonly Guard[] = []): Promise<Lookup> {
      if (!enabled || !cacheable(chanId)) {
        await readGuards(kv, guards)
        return {}
      }
      const hash = await sha256(key)
      const keys = [kmKey(hash), chKey(chanId), akKey(chanId, hash)]
      const got = await kv.get([...keys, ...guardKeys(guards)])
      await runGuards(guards, got)
      const [km = null, ch = null, ak = null] = keys.map((k) => got.get(k) ?? null)
      const named = parseTk(ak)
      if (km && ch && named?.epoch === connectedEntry(km, ch)) return { id: named.thingId }
      return { snap: { chanId, hash, km, ch, ak } }
    },

    /**
     * Access by id: a hit needs both markers and an ac entry naming them. One bulk KV read (the
     * broker's publish and subscribe checks take this path on every message-level check).
     */
    async accessById(
      thingId: string,
      chanId: string,
      guards: readonly Guard[] = []
    ): Promise<Lookup> {
      if (!enabled || !cacheable(chanId, thingId)) {
        await readGuards(kv, guards)
        return {}
      }
      const keys = [thKey(thingId), chKey(chanId), acKey(chanId, thingId)]
      const got = await kv.get([...keys, ...guardKeys(guards)])
      await runGuards(guards, got)
      const [th = null, ch = null, ac = null] = keys.map((k) => got.get(k) ?? null)
      if (th && ch && ac === connectedEntry(th, ch)) return { id: thingId }
      return { snap: { chanId, thingId, th, ch, ac } }
    },

    /**
     * A broker connect: does `key` belong to the thing `thingId`? The identify entries, in one
     * bulk read: a hit needs the key's tk entry to name this thing with the key's live marker.
     * The snapshot is an identify snapshot, so `fillLater` applies unchanged.
     */
    async keyOfThing(thingId: string, key: string, guards: readonly Guard[] = []): Promise<Lookup> {
      if (!enabled || !cacheable(thingId)) {
        await readGuards(kv, guards)
        return {}
      }
      const lookup = await identify(key, guards)
      // A live entry naming another thing is correct as it is: no fill, D1 answers false.
      return lookup.id === undefined || lookup.id === thingId ? lookup : {}
    },

    /** After a miss: schedule the fill D1's answer justifies. */
    fillLater,
  }
}
