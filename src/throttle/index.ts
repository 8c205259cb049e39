import type { Bindings } from '../env'
import type { Config } from '../lib/config'
import { AppError, logError, ThrottledError } from '../lib/errors'
import type { Guard } from '../lib/guard'
import { FORGET_MS, type Policy } from '../lib/lockout'
import type { Status, Throttle } from './object'

/*
 * The Worker side of the throttles (README: Security, Throttles).
 *
 *  - Subjects (an account's logins, a gateway's bootstrap fetches, a thing's broker connects) have
 *    two lockout tiers, per (subject, client address) and per subject, counted exactly in one
 *    Durable Object per subject (./object.ts). A login always asks its object first. Fetches and
 *    connects are hot paths that must not pay a Durable Object call per request, so their object
 *    is asked only once it has counted a failure: its KV lock marker (`bsl:<external id>`,
 *    `tl:<thing id>`) is read in the same bulk KV read the cache lookup already makes, and while it
 *    is absent a request is evaluated directly and only a failure reaches the object.
 *  - Per client address, Workers rate-limiting bindings cap requests (sign-up, login, reset
 *    request, mapping) and failed credential checks (identify, access checks, fetches). They are
 *    cheap and fixed-period (10 or 60 s), per Cloudflare location and approximate, which is fine
 *    for a cap; an address over its failure budget gets an `ipl:<address>` KV marker for a minute,
 *    read with the same bulk read, so its further checks are refused before they are evaluated.
 */

export type SubjectKind = 'login' | 'fetch' | 'connect'

/** KV lock marker of a subject whose object has counted failures. */
const MARKER_PREFIX: Record<Exclude<SubjectKind, 'login'>, string> = {
  fetch: 'bsl:',
  connect: 'tl:',
}

/** KV lock marker of a client address over its failure budget. */
export const addressLockKey = (address: string) => `ipl:${address}`

/** How long an address over its failure budget is refused (the binding's longest period). */
export const ADDRESS_LOCK_MS = 60_000

/** The rate-limit bindings (wrangler.toml `[[ratelimits]]`). */
export type RateName = 'RATE_LOGIN' | 'RATE_SIGNUP' | 'RATE_RESET' | 'RATE_MAPPING'

const MESSAGES = {
  subject: 'too many failed attempts; retry later',
  address: 'too many failed attempts from this address; retry later',
  rate: 'too many requests from this address; retry later',
}

/**
 * A subject's throttle for one request from one address. As a Guard it reads the subject's KV
 * marker with the caller's cache lookup and, when the marker is there, asks the object first.
 */
export interface Gate extends Guard {
  /**
   * Asks the object first, whatever the marker says (logins, which have no marker).
   * @throws ThrottledError while locked.
   */
  begin(): Promise<void>
  /** After a success (settles an attempt; nothing to do without one). */
  passed(): Promise<void>
  /**
   * After a failed credential check: settles the attempt, or (none was made: no marker) counts
   * the failure.
   * @throws ThrottledError when a lock already applied, so the answer must be the refusal.
   */
  failed(): Promise<void>
  /** After the request ended otherwise (bad input, a storage error): lets an attempt go uncounted. */
  abandon(): Promise<void>
}

type Stub = DurableObjectStub<Throttle>

/** A Durable Object call that failed: refuse (fail closed) rather than evaluate unthrottled. */
function unavailable(e: unknown): never {
  if (e instanceof AppError) throw e
  throw new AppError('unavailable', 'the throttle is unavailable; retry later', { cause: e })
}

export function makeThrottles(env: Bindings, config: Config) {
  const policies: Record<SubjectKind, Policy> = {
    login: {
      perAddress: config.FLUXGATE_THROTTLE_LOGIN_IP,
      perSubject: config.FLUXGATE_THROTTLE_LOGIN,
    },
    fetch: {
      perAddress: config.FLUXGATE_THROTTLE_FETCH_IP,
      perSubject: config.FLUXGATE_THROTTLE_FETCH,
    },
    connect: {
      perAddress: config.FLUXGATE_THROTTLE_CONNECT_IP,
      perSubject: config.FLUXGATE_THROTTLE_CONNECT,
    },
  }
  const trusted = config.FLUXGATE_THROTTLE_TRUSTED_IPS

  function stub(name: string): Stub {
    const ns = env.THROTTLES as DurableObjectNamespace<Throttle> | undefined
    if (!ns)
      throw new AppError('internal', 'server misconfigured', {
        cause: new Error('the THROTTLES binding is missing'),
      })
    return ns.get(ns.idFromName(name))
  }

  const markerOf = (kind: SubjectKind, name: string) =>
    kind === 'login' ? undefined : `${MARKER_PREFIX[kind]}${name}`

  async function writeMarker(key: string) {
    try {
      await env.CACHE.put(key, '1', { expirationTtl: FORGET_MS / 1000 })
    } catch (e) {
      // KV takes one write per key per second: a concurrent failure is writing the same marker.
      logError(`throttle marker ${key.slice(0, 4)} not written:`, e)
    }
  }

  async function deleteMarker(key: string) {
    await env.CACHE.delete(key).catch((e) => logError('throttle marker not deleted:', e))
  }

  /**
   * The gate of one request to a subject. `address` is the client address for the per-address
   * tier, `null` when the caller has none (a broker that does not say where a device is).
   */
  function gate(kind: SubjectKind, name: string, address: string | null): Gate {
    const policy = policies[kind]
    const marker = markerOf(kind, name)
    const s = stub(`${kind}:${name}`)
    let seen: string | null = null
    let attempted = false

    async function attempt() {
      const v = await s.attempt(address, policy, marker ? 'seen' : 'none').catch(unavailable)
      if (v.mark && marker) await writeMarker(marker)
      if (!v.ok) throw new ThrottledError(v.retryAfterMs, MESSAGES.subject)
      attempted = true
    }

    return {
      // Logins have no marker; their gate is never read as a guard (they call begin()).
      key: marker ?? `-:${kind}`,
      async check(value) {
        seen = value
        if (value !== null) await attempt()
      },
      begin: attempt,
      async passed() {
        if (!attempted) return
        attempted = false
        let r: { empty: boolean }
        try {
          r = await s.succeeded(address)
        } catch (e) {
          // The credential was right: the answer stands. At worst the object goes on counting the
          // attempt as in flight (in memory only) until it restarts.
          logError('throttle success not reported:', e)
          return
        }
        // Rare (the end of an attack), so awaited: the next hit then skips the object again.
        if (r.empty && marker && seen !== null) await deleteMarker(marker)
      },
      async failed() {
        if (attempted) {
          attempted = false
          const r = await s
            .failedAttempt(address, policy, marker ? 'seen' : 'none')
            .catch(unavailable)
          if (r.mark && marker) await writeMarker(marker)
          return
        }
        const r = await s.failed(address, policy, seen !== null).catch(unavailable)
        if (r.mark && marker) await writeMarker(marker)
        if (r.retryAfterMs > 0) throw new ThrottledError(r.retryAfterMs, MESSAGES.subject)
      },
      async abandon() {
        if (!attempted) return
        attempted = false
        // Best effort: the request is failing anyway, and an object restart forgets it too.
        await s.abandoned(address).catch((e) => logError('throttle attempt not released:', e))
      },
    }
  }

  return {
    gate,

    /** What the owner sees of a subject's throttle. */
    async status(kind: SubjectKind, name: string): Promise<Status> {
      return stub(`${kind}:${name}`).status().catch(unavailable)
    },

    /** Clears a subject's counters and locks, and its marker. */
    async clear(kind: SubjectKind, name: string): Promise<void> {
      await stub(`${kind}:${name}`).clear().catch(unavailable)
      const marker = markerOf(kind, name)
      if (marker) await deleteMarker(marker)
    },

    /**
     * A cap on requests per client address (a rate-limit binding).
     * @throws ThrottledError over the cap; AppError('internal') without the binding.
     */
    async rate(name: RateName, address: string): Promise<void> {
      if (trusted.has(address)) return
      const binding = env[name] as RateLimit | undefined
      if (!binding)
        throw new AppError('internal', 'server misconfigured', {
          cause: new Error(`the ${name} binding is missing`),
        })
      const { success } = await binding.limit({ key: address })
      if (!success) throw new ThrottledError(ADDRESS_LOCK_MS, MESSAGES.rate)
    },

    /** The address's failure-budget marker, as a Guard for the caller's first KV round (none for a trusted address). */
    addressGuard(address: string): Guard | undefined {
      if (trusted.has(address)) return undefined
      return {
        key: addressLockKey(address),
        check(value) {
          const until = Number(value)
          const now = Date.now()
          if (value !== null && until > now) throw new ThrottledError(until - now, MESSAGES.address)
        },
      }
    },

    /**
     * Counts a failed credential check against the address's budget (RATE_GUESSES).
     * @throws ThrottledError once the budget is spent (the marker is then set for a minute).
     */
    async countGuess(address: string): Promise<void> {
      if (trusted.has(address)) return
      const binding = env.RATE_GUESSES as RateLimit | undefined
      if (!binding)
        throw new AppError('internal', 'server misconfigured', {
          cause: new Error('the RATE_GUESSES binding is missing'),
        })
      const { success } = await binding.limit({ key: address })
      if (success) return
      const until = Date.now() + ADDRESS_LOCK_MS
      try {
        await env.CACHE.put(addressLockKey(address), String(until), {
          expirationTtl: ADDRESS_LOCK_MS / 1000,
        })
      } catch (e) {
        // One write per key per second: a concurrent failure of the same address wrote it.
        logError('address lock marker not written:', e)
      }
      throw new ThrottledError(ADDRESS_LOCK_MS, MESSAGES.address)
    },

    /** Takes one password-reset mail of an address's quota; false when it is used up. */
    async mailAllowed(email: string): Promise<boolean> {
      const quota = config.FLUXGATE_THROTTLE_RESET_MAIL
      if (!quota) return true
      const r = await stub(`mail:${email}`).take(quota)
      return r.ok
    },
  }
}

export type Throttles = ReturnType<typeof makeThrottles>
