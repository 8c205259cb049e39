import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { Policy } from '../../src/lib/lockout'
import { MAX_ADDRESSES, type Throttle } from '../../src/throttle/object'
import { uid } from '../helpers'
import { ageFailures, endLocks, storedKeys, throttleStub } from './helpers'

const policy: Policy = {
  perAddress: { free: 3, firstMs: 60_000, maxMs: 900_000 },
  perSubject: { free: 10, firstMs: 60_000, maxMs: 900_000 },
}

const subject = () => `test:${uid()}`

describe('Throttle object', () => {
  it('attempts in flight count as failures: the lock refuses the next one before any is settled', async () => {
    const name = subject()
    const t = throttleStub(name)
    for (let i = 0; i < 3; i++)
      expect(await t.attempt('a', policy, 'none')).toMatchObject({ ok: true })
    const refused = await t.attempt('a', policy, 'none')
    expect(refused).toMatchObject({ ok: false, scope: 'address' })
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(59_000)
    expect(await t.attempt('b', policy, 'none')).toMatchObject({ ok: true })
    // Nothing is stored for attempts until they are settled as failures.
    expect(await storedKeys(name)).toEqual([])
    for (let i = 0; i < 3; i++) await t.failedAttempt('a', policy, 'none')
    await t.succeeded('b')
    // Refused attempts are not failures: the status shows three.
    expect((await t.status()).addresses).toEqual([
      expect.objectContaining({ address: 'a', failures: 3 }),
    ])
    expect(await t.attempt('a', policy, 'none')).toMatchObject({ ok: false })
  })

  it('an abandoned attempt is let go uncounted; a success on a clean subject writes nothing', async () => {
    const name = subject()
    const t = throttleStub(name)
    for (let i = 0; i < 3; i++) {
      expect(await t.attempt('a', policy, 'none')).toMatchObject({ ok: true })
      await t.abandoned('a')
    }
    expect(await t.attempt('a', policy, 'none')).toMatchObject({ ok: true })
    expect(await t.succeeded('a')).toEqual({ empty: true })
    expect(await storedKeys(name)).toEqual([])
  })

  it('the subject lock refuses every address that has not succeeded since the failures began', async () => {
    const name = subject()
    const t = throttleStub(name)
    await t.failed('x0', policy, true)
    expect(await t.attempt('known', policy, 'seen')).toMatchObject({ ok: true })
    await t.succeeded('known')
    // A success does not clear the others' failures.
    expect((await t.status()).failures).toBe(1)
    for (let i = 0; i < 9; i++) await t.failed(`x${i + 1}`, policy, true)
    expect(await t.attempt('fresh', policy, 'none')).toMatchObject({ ok: false, scope: 'subject' })
    expect(await t.attempt('known', policy, 'seen')).toMatchObject({ ok: true })
    expect(await t.succeeded('known')).toEqual({ empty: false })
    expect(await t.attempt('fresh', policy, 'none')).toMatchObject({ ok: false, scope: 'subject' })
    const s = await t.status()
    expect(s.failures).toBe(10)
    expect(s.lockedForMs).toBeGreaterThan(0)
    expect(s.known).toBe(1)
  })

  it('failed(): a failure evaluated during a lock is still counted, and says the answer must be a refusal', async () => {
    const t = throttleStub(subject())
    for (let i = 0; i < 3; i++) expect((await t.failed('a', policy, true)).retryAfterMs).toBe(0)
    const late = await t.failed('a', policy, true)
    expect(late.retryAfterMs).toBeGreaterThan(0)
    expect(late.scope).toBe('address')
    expect((await t.status()).addresses[0]!.failures).toBe(4)
  })

  it('asks for the KV marker when the Worker did not see it, and again only when it nears expiry', async () => {
    const t = throttleStub(subject())
    expect((await t.failed('a', policy, false)).mark).toBe(true)
    expect((await t.failed('a', policy, true)).mark).toBe(false)
    expect((await t.failed('a', policy, false)).mark).toBe(true)
    expect((await t.attempt('b', policy, 'seen')).mark).toBe(false)
    expect((await t.failedAttempt('b', policy, 'seen')).mark).toBe(false)
  })

  it('without addresses (a broker that does not say), a success clears the subject', async () => {
    const name = subject()
    const t = throttleStub(name)
    for (let i = 0; i < 9; i++) await t.failed(null, policy, true)
    expect(await t.succeeded(null)).toEqual({ empty: true })
    expect(await storedKeys(name)).toEqual([])
  })

  it('a success that leaves no failing address deletes everything', async () => {
    const name = subject()
    const t = throttleStub(name)
    await t.failed('a', policy, false)
    await t.failed('b', policy, false)
    expect(await t.succeeded('a')).toEqual({ empty: false })
    expect(await storedKeys(name)).toEqual(expect.arrayContaining(['s', 'a:b', 'g:a']))
    expect(await t.succeeded('b')).toEqual({ empty: true })
    expect(await storedKeys(name)).toEqual([])
  })

  it('past MAX_ADDRESSES new addresses share one counter, which locks them together', async () => {
    const name = subject()
    const wide: Policy = { perAddress: policy.perAddress, perSubject: null }
    await runInDurableObject(throttleStub(name), (obj: Throttle) => {
      for (let i = 0; i < MAX_ADDRESSES; i++) obj.failed(`a${i}`, wide, true)
      for (let i = 0; i < 3; i++) obj.failed(`late${i}`, wide, true)
    })
    const t = throttleStub(name)
    expect(await t.attempt('another-new-one', wide, 'none')).toMatchObject({
      ok: false,
      scope: 'address',
    })
    expect(await t.attempt('a1', wide, 'none')).toMatchObject({ ok: true })
    expect((await storedKeys(name)).filter((k) => k.startsWith('a:'))).toHaveLength(
      MAX_ADDRESSES + 1
    )
  })

  it('the alarm forgets a subject a day after its last failure', async () => {
    const name = subject()
    const t = throttleStub(name)
    for (let i = 0; i < 5; i++) await t.failed('a', policy, true)
    await ageFailures(name, 12 * 3600_000)
    expect(await runDurableObjectAlarm(t)).toBe(true)
    expect(await storedKeys(name)).not.toEqual([])
    await ageFailures(name, 12 * 3600_000)
    expect(await runDurableObjectAlarm(t)).toBe(true)
    expect(await storedKeys(name)).toEqual([])
  })

  it('clear() forgets everything at once', async () => {
    const name = subject()
    const t = throttleStub(name)
    for (let i = 0; i < 12; i++) await t.failed(`x${i % 4}`, policy, true)
    await t.clear()
    expect(await storedKeys(name)).toEqual([])
    expect(await t.attempt('x0', policy, 'none')).toMatchObject({ ok: true })
  })

  it('endLocks (the tests’ clock) keeps the counts: the next failure locks for twice as long', async () => {
    const name = subject()
    const t = throttleStub(name)
    for (let i = 0; i < 3; i++) await t.failed('a', policy, true)
    await endLocks(name)
    expect(await t.attempt('a', policy, 'none')).toMatchObject({ ok: true })
    await t.failedAttempt('a', policy, 'none')
    const next = await t.attempt('a', policy, 'none')
    expect((next as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(119_000)
  })

  it('a quota allows `max` in any window', async () => {
    const t = throttleStub(`mail:${uid()}`)
    const quota = { max: 3, windowMs: 3_600_000 }
    const got = []
    for (let i = 0; i < 5; i++) got.push((await t.take(quota)).ok)
    expect(got).toEqual([true, true, true, false, false])
  })
})
