// The KV key names of the app's caches (src/things/cache.ts, src/bootstrap/cache.ts,
// src/throttle/index.ts), for reference rows that read exactly what an endpoint's cache hit reads.
import { createHash } from 'node:crypto'

/** base64url SHA-256, as src/lib/crypto.ts `sha256`. */
export const sha256 = (text) => createHash('sha256').update(text).digest('base64url')

export const keys = {
  tk: (key) => `tk:${sha256(key)}`,
  km: (key) => `km:${sha256(key)}`,
  ak: (chanId, key) => `ak:${chanId}:${sha256(key)}`,
  th: (thingId) => `th:${thingId}`,
  ch: (chanId) => `ch:${chanId}`,
  ac: (chanId, thingId) => `ac:${chanId}:${thingId}`,
  bs: (externalId) => `bs:${externalId}`,
  bsm: (externalId) => `bsm:${externalId}`,
  bsg: () => 'bsg',
  /** Throttle lock markers: a gateway's fetches, a thing's broker connects, a client address. */
  bsl: (externalId) => `bsl:${externalId}`,
  tl: (thingId) => `tl:${thingId}`,
  ipl: (address) => `ipl:${address}`,
}

/** The floor Worker's path that makes one bulk KV read of `names` in the app's namespace. */
export const kvBulk = (names) =>
  `/kv-bulk?${names.map((k) => `k=${encodeURIComponent(k)}`).join('&')}`
