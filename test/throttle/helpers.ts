import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import type { Counter } from '../../src/lib/lockout'
import type { Throttle } from '../../src/throttle/object'

/** The throttle object of a subject (`login:<e-mail>`, `fetch:<external id>`, `connect:<thing id>`, `mail:<e-mail>`). */
export function throttleStub(name: string): DurableObjectStub<Throttle> {
  return env.THROTTLES.get(env.THROTTLES.idFromName(name))
}

/**
 * Ends every running lock of a subject, as if its time had passed: the stored counters keep their
 * failure counts and only their lock ends move to the past. The object's real storage, rewritten
 * in place (no clock is faked).
 */
export async function endLocks(name: string): Promise<void> {
  await runInDurableObject(throttleStub(name), (_obj, state) => {
    const kv = state.storage.kv
    for (const [k, v] of [...kv.list<Counter>()]) {
      if ((k === 's' || k.startsWith('a:')) && v.until > 0)
        kv.put(k, { ...v, until: Date.now() - 1 })
    }
  })
}

/** Moves a subject's last failures back by `ms` (its counts age towards being forgotten). */
export async function ageFailures(name: string, ms: number): Promise<void> {
  await runInDurableObject(throttleStub(name), (_obj, state) => {
    const kv = state.storage.kv
    for (const [k, v] of [...kv.list<Counter>()]) {
      if (k === 's' || k.startsWith('a:'))
        kv.put(k, { ...v, last: v.last - ms, until: Math.min(v.until, Date.now() - 1) })
    }
  })
}

/** Every key the subject's object stores. */
export async function storedKeys(name: string): Promise<string[]> {
  return runInDurableObject(throttleStub(name), (_obj, state) =>
    [...state.storage.kv.list()].map(([k]) => k)
  )
}

/**
 * Waits, if needed, so that at least `marginMs` of the current rate-limit window remain. Local
 * rate-limit windows are aligned to the clock (every `periodS` seconds), so a count that must not
 * be split by a window change starts early enough in one.
 */
export async function withinOneWindow(periodS = 60, marginMs = 15_000): Promise<void> {
  const left = periodS * 1000 - (Date.now() % (periodS * 1000))
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 50))
}

/** A fresh private address (10.0.0.0/8), for one test's client. */
export const address = () => {
  const b = crypto.getRandomValues(new Uint8Array(3))
  return `10.${b[0]}.${b[1]}.${b[2]}`
}

/** `CF-Connecting-IP` for a request from `ip`. */
export const from = (ip: string) => ({ 'CF-Connecting-IP': ip })
