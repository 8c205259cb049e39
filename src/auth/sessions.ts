import type { Db } from '../db/client'
import { b64url, randomBytes } from '../lib/crypto'
import { AppError, logError } from '../lib/errors'
import { MARKER_TTL, newEpoch, withRetry } from '../lib/kv'
import * as repo from './repo'

/*
 * Which login tokens are still good. D1 is the authority: a login token names its user's session
 * generation (`gen`, users.session_gen when it was issued) and its own id (`jti`); it is good while
 * the generation is still the user's and the id is not in revoked_sessions. A password change, a
 * reset or "sign out everywhere" adds 1 to the generation in the statement that changes the row;
 * signing out one token inserts its id (kept until the token expires).
 *
 * KV mirrors that state per user, so a login-token request costs one bulk KV read and no D1 call:
 *
 *   sm:<user id>   random epoch: the user's session state has not changed since it was set
 *   ss:<user id>   {"m","g","r"}: generation g and the signed-out token ids r, valid while sm is m
 *
 * Every write renews sm (and drops ss) after its D1 batch and before answering, so the next request
 * in that location reads D1. A miss fills after answering (waitUntil), and as in the access cache
 * (src/things/cache.ts) a late fill is harmless by two rules:
 *  1. ss is filled only with the marker epoch read BEFORE the D1 query that produced its content.
 *     A write committed after that query renews the marker after the epoch was read, so the late
 *     entry names a dead epoch; a write committed before it is in the content.
 *  2. A missing marker is created with a fresh epoch, but no entry is filled in the same request.
 *
 * Other locations see a renewed marker within KV's propagation delay (about 60 s), and never later
 * than the entry's TTL: until then an ended token may still pass there (README: Security, Sessions).
 * A token newer than the cached generation is never refused from KV; it is checked in D1.
 */

const markerKey = (userId: string) => `sm:${userId}`
const entryKey = (userId: string) => `ss:${userId}`

/** A new login token's id: 128 random bits. */
export const newSessionId = () => b64url(randomBytes(16))

export const SESSION_ENDED =
  'login token no longer valid (signed out or password changed); log in again'

interface Stored {
  m: string
  g: number
  r: string[]
}

function parse(raw: string | null): Stored | undefined {
  if (!raw) return undefined
  try {
    const v = JSON.parse(raw) as Partial<Stored>
    if (typeof v.m === 'string' && Number.isSafeInteger(v.g) && Array.isArray(v.r))
      return v as Stored
  } catch {
    // A damaged entry is a miss.
  }
  return undefined
}

function decide(gen: number, sid: string, current: number, revoked: readonly string[]) {
  if (gen !== current || revoked.includes(sid)) throw new AppError('unauthenticated', SESSION_ENDED)
}

export interface SessionDeps {
  db: Db
  kv: KVNamespace
  /** Seconds a mirrored entry lives in KV; 0: every check reads D1. */
  ttlSec: number
  waitUntil: (p: Promise<unknown>) => void
}

/**
 * Accepts a login token's generation and id, or refuses them. One bulk KV read on a hit; on a miss
 * one D1 query, and KV is filled after answering.
 * @throws AppError('unauthenticated') when the token was ended or its account is gone.
 */
export async function checkSession(deps: SessionDeps, userId: string, gen: number, sid: string) {
  const { db, kv, ttlSec } = deps
  let marker: string | null | undefined
  if (ttlSec > 0) {
    const keys = [markerKey(userId), entryKey(userId)]
    const got = await kv.get(keys)
    marker = got.get(keys[0]!) ?? null
    const entry = parse(got.get(keys[1]!) ?? null)
    // A generation above the cached one is a token issued after a change this location has not
    // seen yet (KV lags between locations): D1 decides it.
    if (marker !== null && entry?.m === marker && gen <= entry.g)
      return decide(gen, sid, entry.g, entry.r)
  }
  const state = repo.sessionState(await repo.retrieveSessionState(db, userId, Date.now()).get())
  if (!state) throw new AppError('unauthenticated', SESSION_ENDED)
  if (marker !== undefined) {
    const m = marker
    const fill =
      m === null
        ? kv.put(markerKey(userId), newEpoch(), { expirationTtl: MARKER_TTL })
        : kv.put(
            entryKey(userId),
            JSON.stringify({ m, g: state.gen, r: state.revoked } satisfies Stored),
            {
              expirationTtl: ttlSec,
            }
          )
    // A failed fill (KV's one-write-per-second limit under a burst) only costs a later miss.
    deps.waitUntil(fill.catch((e) => logError('session cache fill failed:', e)))
  }
  decide(gen, sid, state.gen, state.revoked)
}

/**
 * Makes the user's mirrored session state dead: a new marker, the entry dropped. Call it after the
 * D1 batch commits and await it before answering: the next request in this location reads D1.
 * The new marker is what matters (a late fill names the old one); the entry is only dropped to save
 * a dead read, so failing to delete it is logged, not reported.
 * @throws AppError('unavailable') when KV keeps refusing the marker: the change is saved, but an
 *   ended token may still be accepted until the cached entry expires (FLUXGATE_SESSION_CACHE_TTL).
 */
export async function invalidateSessions(kv: KVNamespace, userId: string) {
  const [marker, entry] = await Promise.allSettled([
    withRetry(() => kv.put(markerKey(userId), newEpoch(), { expirationTtl: MARKER_TTL })),
    withRetry(() => kv.delete(entryKey(userId))),
  ])
  if (entry.status === 'rejected') logError('session cache entry delete failed:', entry.reason)
  if (marker.status === 'rejected') {
    throw new AppError(
      'unavailable',
      'saved, but the session cache could not be refreshed; ended login tokens may be accepted ' +
        'until its entry expires (FLUXGATE_SESSION_CACHE_TTL)',
      { cause: marker.reason }
    )
  }
}
