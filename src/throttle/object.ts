import { DurableObject } from 'cloudflare:workers'
import type { Bindings } from '../env'
import {
  type Counter,
  current,
  FORGET_MS,
  lockedFor,
  type Policy,
  type Quota,
  type Tier,
  withFailure,
} from '../lib/lockout'

/*
 * One Durable Object per throttled subject (`login:<e-mail>`, `fetch:<external id>`,
 * `connect:<thing id>`, `mail:<e-mail>`; see ./index.ts). A subject's requests are serialized
 * through its object and every method runs without awaiting (synchronous storage), so counts are
 * exact: of fifty guesses sent at once, the ones past the lock are refused before any is
 * evaluated, because attempts in flight count as failures until they are settled.
 *
 * Storage (the object's own SQLite-backed key-value store):
 *   s            the subject counter (Counter) plus `marked`, until when the KV lock marker the
 *                Worker wrote is valid, and `n`, the number of address entries
 *   a:<address>  the counter of (subject, client address); past MAX_ADDRESSES new addresses share
 *                `a:*`, so a flood from many addresses still locks them as one
 *   g:<address>  an address that succeeded since the failures began: the per-subject lock does not
 *                apply to it (only its own per-address counter does)
 *   q            send times `t` of the quota and its window `w` (mail objects)
 * Everything is deleted a day after the last failure (alarm), and at once when a success leaves no
 * failing address behind: a subject that is not under attack stores nothing.
 */

interface Subject extends Counter {
  /** Until when the KV lock marker is known to be in place (epoch ms, 0: not written). */
  marked: number
  /** Address entries stored. */
  n: number
}

/** Distinct addresses counted one by one per subject; more share one counter. */
export const MAX_ADDRESSES = 1000
const OVERFLOW = '*'
/** Known addresses kept per subject (the oldest goes first). */
export const MAX_KNOWN = 16

export interface Refused {
  ok: false
  /** How long the lock still lasts. */
  retryAfterMs: number
  /** Which counter refused: the address's own, or the subject's. */
  scope: 'address' | 'subject'
}

/** A subject's KV marker as the Worker knows it: read (`seen`), not found (`unseen`), or none in use. */
export type Marker = 'seen' | 'unseen' | 'none'

export type Verdict = ({ ok: true } | Refused) & {
  /** The Worker should (re)write the subject's KV lock marker. */
  mark: boolean
}

export interface Failure {
  /** > 0: the subject was already locked for this address, so the answer is a refusal. */
  retryAfterMs: number
  scope?: Refused['scope']
  mark: boolean
}

export interface AddressState {
  address: string
  failures: number
  lockedForMs: number
  lastFailure: number
}

export interface Status {
  failures: number
  lockedForMs: number
  lastFailure: number | null
  /** Addresses with failures, most recent first (at most 20). */
  addresses: AddressState[]
  /** Addresses that succeeded since the failures began. */
  known: number
}

/** A quota's recent sends. */
interface Sent {
  t: number[]
  w: number
}

const EMPTY_SUBJECT: Subject = { f: 0, until: 0, last: 0, marked: 0, n: 0 }

export class Throttle extends DurableObject<Bindings> {
  private get kv() {
    return this.ctx.storage.kv
  }

  private subject(now: number): Subject {
    const s = this.kv.get<Subject>('s')
    if (!s) return { ...EMPTY_SUBJECT }
    const cur = current(s, now)
    return { ...s, f: cur.f, until: cur.until }
  }

  private addressKey(address: string, s: Subject): string {
    const key = `a:${address}`
    if (s.n < MAX_ADDRESSES || this.kv.get(key) !== undefined) return key
    return `a:${OVERFLOW}`
  }

  private known(address: string | null, now: number): boolean {
    if (address === null) return false
    const t = this.kv.get<number>(`g:${address}`)
    return t !== undefined && now - t < FORGET_MS
  }

  /** Attempts allowed and not yet settled (succeeded / failedAttempt), per address and in all. */
  private readonly pending = new Map<string, number>()

  private pend(address: string | null, delta: 1 | -1) {
    for (const key of address === null ? [''] : ['', address]) {
      const n = (this.pending.get(key) ?? 0) + delta
      if (n > 0) this.pending.set(key, n)
      else this.pending.delete(key)
    }
  }

  /** A counter as it will stand if the `pending` attempts in flight all fail. */
  private ahead(
    c: Counter | undefined,
    tier: Tier,
    pending: number,
    now: number
  ): Counter | undefined {
    let out = c
    for (let i = 0; i < pending; i++) out = withFailure(out, tier, now)
    return out
  }

  /**
   * How long this address is refused now (0: not at all), and by which counter. Attempts still in
   * flight count as failures here, so concurrent guesses cannot all slip in before the first one
   * is settled.
   */
  private refusal(
    address: string | null,
    policy: Policy,
    s: Subject,
    now: number
  ): Omit<Refused, 'ok'> | null {
    let own = 0
    if (address !== null && policy.perAddress) {
      const c = this.kv.get<Counter>(this.addressKey(address, s))
      own = lockedFor(this.ahead(c, policy.perAddress, this.pending.get(address) ?? 0, now), now)
    }
    let all = 0
    if (policy.perSubject && !this.known(address, now)) {
      all = lockedFor(this.ahead(s, policy.perSubject, this.pending.get('') ?? 0, now), now)
    }
    if (own === 0 && all === 0) return null
    return own >= all
      ? { retryAfterMs: own, scope: 'address' }
      : { retryAfterMs: all, scope: 'subject' }
  }

  /** Counts one failure of this address and the subject, and keeps the cleanup alarm due. */
  private count(address: string | null, policy: Policy, s: Subject, now: number): Subject {
    let next: Subject = {
      ...s,
      ...(policy.perSubject ? withFailure(s, policy.perSubject, now) : {}),
      last: now,
    }
    if (address !== null && policy.perAddress) {
      const key = this.addressKey(address, s)
      const before = this.kv.get<Counter>(key)
      if (before === undefined) next = { ...next, n: next.n + 1 }
      this.kv.put(key, withFailure(before, policy.perAddress, now))
    }
    this.kv.put('s', next)
    void this.ctx.storage.setAlarm(now + FORGET_MS)
    return next
  }

  /**
   * Whether the Worker should write the subject's KV marker now (it did not see it, or it nears
   * its expiry); notes that it will be. `none`: the subject has no marker (logins).
   */
  private markDue(s: Subject, now: number, marker: Marker): boolean {
    if (marker === 'none' || (marker === 'seen' && s.marked - now > FORGET_MS / 2)) return false
    this.kv.put('s', { ...s, marked: now + FORGET_MS })
    return true
  }

  /**
   * An attempt about to be evaluated: refused while a lock applies to this address (attempts in
   * flight counted as failures), otherwise let through and held as pending, in memory, until the
   * Worker settles it with `succeeded` or `failedAttempt`. A success therefore writes nothing
   * while the subject has no failures stored. (Should the object restart between an attempt and
   * its settling, that one attempt is no longer pending; its failure is still counted when it is
   * settled.) `marker`: `seen` when the Worker read the subject's KV marker, `none` without one.
   */
  attempt(address: string | null, policy: Policy, marker: Marker): Verdict {
    const now = Date.now()
    const stored = this.kv.get<Subject>('s') !== undefined
    const s = this.subject(now)
    const refused = this.refusal(address, policy, s, now)
    const mark = stored && this.markDue(s, now, marker)
    if (refused) return { ok: false, ...refused, mark }
    this.pend(address, 1)
    return { ok: true, mark }
  }

  /** An attempt let through turned out a failure: counted. */
  failedAttempt(address: string | null, policy: Policy, marker: Marker): { mark: boolean } {
    this.pend(address, -1)
    const now = Date.now()
    const next = this.count(address, policy, this.subject(now), now)
    return { mark: this.markDue(next, now, marker) }
  }

  /** An attempt let through ended neither way (the request failed for another reason): let go. */
  abandoned(address: string | null): void {
    this.pend(address, -1)
  }

  /**
   * A failure evaluated without an attempt (the Worker saw no marker, so it did not ask first).
   * Counted; if a lock already applied to this address, the answer must be the refusal, as if
   * it had asked. `sawMarker` false makes the Worker write the marker.
   */
  failed(address: string | null, policy: Policy, sawMarker: boolean): Failure {
    const now = Date.now()
    const s = this.subject(now)
    const refused = this.refusal(address, policy, s, now)
    const next = this.count(address, policy, s, now)
    return {
      retryAfterMs: refused?.retryAfterMs ?? 0,
      scope: refused?.scope,
      mark: this.markDue(next, now, sawMarker ? 'seen' : 'unseen'),
    }
  }

  /**
   * An attempt let through turned out a success. Nothing is written while the subject has no
   * failures stored. Otherwise this address's counter is cleared and the address remembered as
   * known (the subject lock no longer applies to it); the subject's counter is cleared, with
   * everything else, once no failing address is left: a success proves this address, not the
   * others, so while someone else's failures stand the victim's own successes must not earn them
   * fresh guesses. Without addresses (a broker that does not say) a success clears it all.
   * Returns `empty` when nothing is stored (the Worker then deletes a KV marker it saw).
   */
  succeeded(address: string | null): { empty: boolean } {
    this.pend(address, -1)
    const now = Date.now()
    if (this.kv.get<Subject>('s') === undefined) return { empty: true }
    const s = this.subject(now)
    let n = s.n
    if (address !== null) {
      if (this.kv.delete(`a:${address}`)) n--
      this.kv.put(`g:${address}`, now)
      const known = [...this.kv.list<number>({ prefix: 'g:' })]
      if (known.length > MAX_KNOWN) {
        known.sort((x, y) => x[1] - y[1])
        for (const [k] of known.slice(0, known.length - MAX_KNOWN)) this.kv.delete(k)
      }
    }
    if (n <= 0) {
      this.wipe()
      return { empty: true }
    }
    this.kv.put('s', { ...s, n })
    return { empty: false }
  }

  /** What the owner sees: the subject's counter and the failing addresses. */
  status(): Status {
    const now = Date.now()
    const s = this.kv.get<Subject>('s')
    const addresses: AddressState[] = []
    for (const [k, c] of this.kv.list<Counter>({ prefix: 'a:' })) {
      const cur = current(c, now)
      if (cur.f === 0) continue
      addresses.push({
        address: k.slice(2),
        failures: cur.f,
        lockedForMs: lockedFor(cur, now),
        lastFailure: cur.last,
      })
    }
    addresses.sort((x, y) => y.lastFailure - x.lastFailure)
    const known = [...this.kv.list({ prefix: 'g:' })].length
    const cur = current(s, now)
    return {
      failures: cur.f,
      lockedForMs: lockedFor(cur, now),
      lastFailure: s && s.last > 0 && now - s.last < FORGET_MS ? s.last : null,
      addresses: addresses.slice(0, 20),
      known,
    }
  }

  /** Forgets everything (an owner clearing a lock). */
  clear(): void {
    this.wipe()
  }

  /**
   * Takes one unit of a quota (at most `max` in any `windowMs`): false, with the wait, when it is
   * used up.
   */
  take(quota: Quota): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = Date.now()
    const times = (this.kv.get<Sent>('q')?.t ?? []).filter((t) => now - t < quota.windowMs)
    if (times.length >= quota.max) {
      this.kv.put('q', { t: times, w: quota.windowMs } satisfies Sent)
      return { ok: false, retryAfterMs: times[0]! + quota.windowMs - now }
    }
    times.push(now)
    this.kv.put('q', { t: times, w: quota.windowMs } satisfies Sent)
    void this.ctx.storage.setAlarm(now + quota.windowMs)
    return { ok: true }
  }

  override async alarm(): Promise<void> {
    const now = Date.now()
    const s = this.kv.get<Subject>('s')
    const q = this.kv.get<Sent>('q')
    const liveUntil = Math.max(
      s ? s.last + FORGET_MS : 0,
      q && q.t.length > 0 ? Math.max(...q.t) + q.w : 0
    )
    if (liveUntil <= now) {
      this.wipe()
      return
    }
    await this.ctx.storage.setAlarm(liveUntil)
  }

  private wipe() {
    for (const [k] of [...this.kv.list()]) this.kv.delete(k)
    void this.ctx.storage.deleteAlarm()
  }
}
