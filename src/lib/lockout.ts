import { parseDuration } from './duration'

/*
 * The lockout rule every credential throttle applies, as pure functions (the Durable Object in
 * src/throttle/object.ts keeps the counters; this file decides what they mean):
 *  - a counter allows `free` failures; the failure that reaches `free` starts a lock of `firstMs`,
 *    and each further failure (one can only be made once a lock has ended) doubles it, up to
 *    `maxMs`: with 5, 1m, 15m the 5th failure locks for 1 min, the 6th for 2, then 4, 8, 15, 15 ...;
 *  - attempts refused during a lock are not failures (they were never evaluated);
 *  - a success resets the counter; a counter without a failure for FORGET_MS is forgotten.
 */

/** One throttle tier: failures allowed before the first lock, first lock, longest lock. */
export interface Tier {
  free: number
  firstMs: number
  maxMs: number
}

/**
 * The two tiers of a subject (an account, a gateway, a thing): per (subject, client address) and
 * per subject. `null` turns a tier off.
 */
export interface Policy {
  perAddress: Tier | null
  perSubject: Tier | null
}

/** A failure counter: failures, end of the current lock (epoch ms, 0 none), last failure. */
export interface Counter {
  f: number
  until: number
  last: number
}

/** Counts are forgotten a day after their last failure (the lock itself never lasts that long). */
export const FORGET_MS = 24 * 3600_000

/** The longest lock any tier may be configured with. */
export const MAX_LOCK_MS = 24 * 3600_000

const EMPTY: Counter = { f: 0, until: 0, last: 0 }

/** The counter as it stands at `now`: one older than FORGET_MS counts as empty. */
export function current(c: Counter | undefined, now: number): Counter {
  return c && now - c.last < FORGET_MS ? c : EMPTY
}

/** How long the lock started by the `failures`-th failure lasts (0: none yet). */
export function lockMs(tier: Tier, failures: number): number {
  if (failures < tier.free) return 0
  // Capped exponent: 2^40 ms is far past any maximum, and never Infinity.
  return Math.min(tier.maxMs, tier.firstMs * 2 ** Math.min(failures - tier.free, 40))
}

/** The counter after one more failure at `now`. */
export function withFailure(c: Counter | undefined, tier: Tier, now: number): Counter {
  const base = current(c, now)
  const f = base.f + 1
  const ms = lockMs(tier, f)
  return { f, until: ms > 0 ? Math.max(base.until, now + ms) : base.until, last: now }
}

/** Milliseconds left of the counter's lock (0: not locked). */
export function lockedFor(c: Counter | undefined, now: number): number {
  const cur = current(c, now)
  return cur.until > now ? cur.until - now : 0
}

/**
 * A tier setting: `<failures>,<first lock>,<longest lock>` with Go durations (`5,1m,15m`), or
 * `off`. Returns a message instead when the text is not one.
 */
export function parseTier(text: string): Tier | null | string {
  const s = text.trim()
  if (s === 'off') return null
  const parts = s.split(',').map((p) => p.trim())
  if (parts.length !== 3)
    return `"${text}" is not <failures>,<first lock>,<longest lock> (e.g. 5,1m,15m) or off`
  const free = Number(parts[0])
  const firstMs = parseDuration(parts[1]!)
  const maxMs = parseDuration(parts[2]!)
  if (!Number.isInteger(free) || free < 1 || free > 1000)
    return `"${parts[0]}": failures must be 1 to 1000`
  if (firstMs === undefined || firstMs < 1000)
    return `"${parts[1]}": the first lock must be a duration of at least 1s`
  if (maxMs === undefined || maxMs < firstMs || maxMs > MAX_LOCK_MS) {
    return `"${parts[2]}": the longest lock must be a duration from the first lock to 24h`
  }
  return { free, firstMs, maxMs }
}

/** A message quota: at most `max` in any `windowMs`. */
export interface Quota {
  max: number
  windowMs: number
}

/** A quota setting: `<count>,<window>` (`3,1h`), or `off`. */
export function parseQuota(text: string): Quota | null | string {
  const s = text.trim()
  if (s === 'off') return null
  const parts = s.split(',').map((p) => p.trim())
  if (parts.length !== 2) return `"${text}" is not <count>,<window> (e.g. 3,1h) or off`
  const max = Number(parts[0])
  const windowMs = parseDuration(parts[1]!)
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    return `"${parts[0]}": count must be 1 to 1000`
  if (windowMs === undefined || windowMs < 60_000 || windowMs > 7 * 24 * 3600_000) {
    return `"${parts[1]}": the window must be a duration from 1m to 168h`
  }
  return { max, windowMs }
}
