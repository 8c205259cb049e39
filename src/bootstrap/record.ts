import type { Db } from '../db/client'
import { logError } from '../lib/errors'
import * as repo from './repo'

/*
 * Fetch recording (0.12.1 emitted a `thing.bootstrap` event per fetch). Each outcome updates the
 * config row after the answer (waitUntil), coalesced per isolate so that a gateway polling from
 * the KV cache, or a flood of wrong keys, does not turn into a D1 write per request:
 *  - success: at most one write per config per RECORD_WINDOW_MS, so `last_bootstrap_at` may lag
 *    the latest fetch by up to that window (it never runs ahead). A fetch that misses the cache
 *    writes it in the same D1 batch as its read (guarded by the key hash), so a miss stays one
 *    round trip;
 *  - failure: the same per config, and at most FAILURE_BUDGET failure writes per window per
 *    isolate across all configs;
 *  - unknown external ids have no row: they are logged (at most one line per window per isolate,
 *    with a count of the rest), never written to D1, which an attacker could otherwise fill.
 * The maps are per isolate: several isolates (or locations) may each write once per window.
 */

export const RECORD_WINDOW_MS = 60_000
export const FAILURE_BUDGET = 20
const MAX_TRACKED = 10_000

const lastWrite = new Map<string, number>()
let failureWindow = { start: 0, used: 0 }
let unknownLog = { start: 0, suppressed: 0 }

function due(key: string, now: number): boolean {
  const last = lastWrite.get(key)
  if (last !== undefined && now - last < RECORD_WINDOW_MS) return false
  if (lastWrite.size >= MAX_TRACKED) {
    for (const [k, t] of lastWrite) if (now - t >= RECORD_WINDOW_MS) lastWrite.delete(k)
    // Still full of recent entries: drop the oldest half rather than grow without bound.
    if (lastWrite.size >= MAX_TRACKED) {
      let n = 0
      for (const k of lastWrite.keys()) if (n++ < MAX_TRACKED / 2) lastWrite.delete(k)
    }
  }
  lastWrite.set(key, now)
  return true
}

export type Outcome = { ok: true } | { ok: false; reason: string }

/**
 * Takes this isolate's slot for writing a success of `externalId` now: false when one was written
 * within the window. A miss uses it to put the write into its own D1 batch (no extra round trip);
 * `releaseSuccess` gives the slot back when that fetch turned out to fail.
 */
export function claimSuccess(externalId: string, now = Date.now()): boolean {
  return due(`s:${externalId}`, now)
}

export function releaseSuccess(externalId: string) {
  lastWrite.delete(`s:${externalId}`)
}

/** Records a fetch of a config after the answer (waitUntil); coalesced as described above. */
export function recordFetch(
  db: Db,
  waitUntil: (p: Promise<unknown>) => void,
  externalId: string,
  outcome: Outcome,
  now = Date.now()
) {
  if (outcome.ok) {
    if (!claimSuccess(externalId, now)) return
    waitUntil(repo.recordSuccess(db, externalId, now).run().catch(recordingFailed))
    return
  }
  if (now - failureWindow.start >= RECORD_WINDOW_MS) failureWindow = { start: now, used: 0 }
  if (failureWindow.used >= FAILURE_BUDGET) return
  if (!due(`f:${externalId}`, now)) return
  failureWindow.used++
  waitUntil(repo.recordFailure(db, externalId, now, outcome.reason).run().catch(recordingFailed))
}

/** A fetch for an external id that has no config: logged, rate-limited, never stored. */
export function recordUnknown(externalId: string, now = Date.now()) {
  if (now - unknownLog.start < RECORD_WINDOW_MS) {
    unknownLog.suppressed++
    return
  }
  const more = unknownLog.suppressed
  unknownLog = { start: now, suppressed: 0 }
  console.warn(
    `bootstrap: fetch for unknown external id ${JSON.stringify(externalId.slice(0, 64))}` +
      (more > 0 ? ` (and ${more} more in the last minute)` : '')
  )
}

function recordingFailed(e: unknown) {
  logError('bootstrap: recording a fetch failed:', e)
}
