import { b64url, randomBytes } from './crypto'

/**
 * Runs a KV write, retrying briefly: KV allows one write per second per key, so a second write to
 * the same key soon after the first can fail. Three attempts, 200 ms then 400 ms apart.
 * @throws the last attempt's error.
 */
export async function withRetry<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op()
    } catch (e) {
      if (attempt >= 2) throw e
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)))
    }
  }
}

/** A fresh random epoch for a cache marker (72 bits, base64url). */
export const newEpoch = () => b64url(randomBytes(9))

/** Cache markers outlive entries by far; one that expires costs a single extra miss. */
export const MARKER_TTL = 30 * 24 * 3600
