import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { outbox } from '../../src/lib/mail'
import { api, call, expectError, newUser, PASSWORD, uid } from '../helpers'
import { address, endLocks, from, storedKeys, withinOneWindow } from '../throttle/helpers'

const login = (email: string, password: string, ip: string) =>
  api('POST', '/tokens', { json: { email, password }, headers: from(ip) })

/** Status and Retry-After of each answer. */
const statuses = (answers: { status: number }[]) => answers.map((r) => r.status)

function expectLocked(res: Awaited<ReturnType<typeof api>>, maxSeconds: number) {
  expectError(res, 429, /too many/)
  const after = Number(res.headers.get('Retry-After'))
  expect(after).toBeGreaterThan(0)
  expect(after).toBeLessThanOrEqual(maxSeconds)
  return after
}

describe('POST /tokens: failures per account', () => {
  it('50 wrong passwords from one address: 5 answered 401, then 429 with Retry-After, the right password included', async () => {
    const u = await newUser()
    const ip = address()
    const answers = []
    for (let i = 0; i < 50; i++) answers.push(await login(u.email, `wrong-${i}`, ip))
    expect(statuses(answers.slice(0, 5))).toEqual([401, 401, 401, 401, 401])
    for (const r of answers.slice(5)) expect(r.status).toBe(429)
    expectLocked(answers[5]!, 60)
    expectError(answers[5]!, 429, /too many failed attempts/)
    // The right password during the lock learns nothing: it gets what a wrong one gets.
    const [wrong, right] = [
      await login(u.email, 'wrong-again', ip),
      await login(u.email, u.password, ip),
    ]
    expectLocked(right, 60)
    expect([right.status, right.body]).toEqual([wrong.status, wrong.body])
  })

  it('50 wrong passwords from 50 addresses: the account locks after 20, for every new address', async () => {
    const u = await newUser()
    const answers = []
    for (let i = 0; i < 50; i++) answers.push(await login(u.email, `wrong-${i}`, address()))
    expect(statuses(answers.slice(0, 20))).toEqual(Array(20).fill(401))
    for (const r of answers.slice(20)) expect(r.status).toBe(429)
    expectLocked(await login(u.email, u.password, address()), 60)
  })

  it('concurrent guesses are counted exactly: of 50 sent at once, 5 are evaluated', async () => {
    const u = await newUser()
    const ip = address()
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(u.email, `wrong-${i}`, ip))
    )
    expect(answers.filter((r) => r.status === 401)).toHaveLength(5)
    expect(answers.filter((r) => r.status === 429)).toHaveLength(45)
  })

  it('other accounts are unaffected, from the same address too', async () => {
    const [victim, other] = [await newUser(), await newUser()]
    const ip = address()
    for (let i = 0; i < 5; i++) await login(victim.email, 'wrong-password', ip)
    expectLocked(await login(victim.email, victim.password, ip), 60)
    expect((await login(other.email, other.password, ip)).status).toBe(201)
  })

  it('the lock is per account and address first: the owner elsewhere still logs in', async () => {
    const u = await newUser()
    const attacker = address()
    for (let i = 0; i < 5; i++) await login(u.email, 'wrong-password', attacker)
    expectLocked(await login(u.email, u.password, attacker), 60)
    expect((await login(u.email, u.password, address())).status).toBe(201)
  })

  it('a success resets the count', async () => {
    const u = await newUser()
    const ip = address()
    for (let i = 0; i < 4; i++)
      expect((await login(u.email, 'wrong-password', ip)).status).toBe(401)
    expect((await login(u.email, u.password, ip)).status).toBe(201)
    for (let i = 0; i < 4; i++)
      expect((await login(u.email, 'wrong-password', ip)).status).toBe(401)
    expect((await login(u.email, u.password, ip)).status).toBe(201)
    // Nothing is kept for an account that is not under attack.
    expect(await storedKeys(`login:${u.email}`)).toEqual([])
  })

  it('each lock doubles, up to 15 minutes, and a success ends it all', async () => {
    const u = await newUser()
    const ip = address()
    for (let i = 0; i < 5; i++) await login(u.email, 'wrong-password', ip)
    const windows = [expectLocked(await login(u.email, u.password, ip), 60)]
    for (let i = 0; i < 6; i++) {
      await endLocks(`login:${u.email}`)
      // The lock has ended: one more failure is evaluated (401) and starts a longer lock.
      expect((await login(u.email, 'wrong-password', ip)).status).toBe(401)
      windows.push(expectLocked(await login(u.email, u.password, ip), 900))
    }
    // Retry-After is the whole seconds left, a little under each window by the time it is read.
    const expected = [60, 120, 240, 480, 900, 900, 900]
    windows.forEach((w, i) => expect(w).toBeGreaterThan(expected[i]! - 5))
    await endLocks(`login:${u.email}`)
    expect((await login(u.email, u.password, ip)).status).toBe(201)
    for (let i = 0; i < 4; i++)
      expect((await login(u.email, 'wrong-password', ip)).status).toBe(401)
  })

  it('an address that succeeded during an attack is not locked out by the per-account lock', async () => {
    const u = await newUser()
    const home = address()
    await login(u.email, 'wrong-password', address())
    expect((await login(u.email, u.password, home)).status).toBe(201)
    for (let i = 0; i < 20; i++) await login(u.email, 'wrong-password', address())
    expectLocked(await login(u.email, u.password, address()), 60)
    expect((await login(u.email, u.password, home)).status).toBe(201)
  })

  it('an unknown e-mail is throttled exactly as an account: the answers do not tell them apart', async () => {
    const u = await newUser()
    const ghost = `ghost-${uid()}@example.com`
    const run = async (email: string) => {
      const ip = address()
      const answers = []
      for (let i = 0; i < 7; i++) answers.push(await login(email, `wrong-${i}`, ip))
      return answers.map((r) => [r.status, r.body, r.headers.has('Retry-After')])
    }
    expect(await run(ghost)).toEqual(await run(u.email))
  })

  it('e-mail case does not open a second counter', async () => {
    const u = await newUser()
    const ip = address()
    for (let i = 0; i < 5; i++)
      await login(i % 2 ? u.email.toUpperCase() : u.email, 'wrong-password', ip)
    expectLocked(await login(u.email.toUpperCase(), u.password, ip), 60)
  })
})

describe('caps per client address', () => {
  it(
    'POST /tokens: 30 per minute, then 429 before anything is checked',
    { timeout: 60_000 },
    async () => {
      await withinOneWindow()
      const ip = address()
      for (let i = 0; i < 30; i++) {
        expectError(await api('POST', '/tokens', { json: {}, headers: from(ip) }), 400)
      }
      const res = await api('POST', '/tokens', { json: {}, headers: from(ip) })
      expectError(res, 429, /too many requests from this address/)
      expect(res.headers.get('Retry-After')).toBe('60')
      expect((await api('POST', '/tokens', { json: {}, headers: from(address()) })).status).toBe(
        400
      )
    }
  )

  it('POST /users (sign-up): 10 per minute', { timeout: 60_000 }, async () => {
    await withinOneWindow()
    const ip = address()
    const signUp = () =>
      api('POST', '/users', {
        json: { email: `s-${uid()}@example.com`, password: PASSWORD },
        headers: from(ip),
      })
    for (let i = 0; i < 10; i++) expect((await signUp()).status).toBe(201)
    expectError(await signUp(), 429, /too many requests/)
  })

  it('POST /password/reset-request: 5 per minute', { timeout: 60_000 }, async () => {
    await withinOneWindow()
    const ip = address()
    const ask = () =>
      api('POST', '/password/reset-request', {
        json: { email: `r-${uid()}@example.com` },
        headers: from(ip),
      })
    for (let i = 0; i < 5; i++) expect((await ask()).status).toBe(201)
    expectError(await ask(), 429)
  })

  it('requests without CF-Connecting-IP share one bucket', { timeout: 60_000 }, async () => {
    await withinOneWindow()
    const req = () =>
      new Request('http://fluxgate.test/password/reset-request', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: `n-${uid()}@example.com` }),
      })
    const codes = []
    for (let i = 0; i < 6; i++) codes.push((await exports.default.fetch(req())).status)
    expect(codes.at(-1)).toBe(429)
  })
})

describe('password reset mails per address', () => {
  const ask = (email: string) => call('POST', '/password/reset-request', { json: { email } })

  it('at most 3 per address per hour; the answer never changes', async () => {
    const u = await newUser()
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await ask(u.email))
    expect(new Set(answers.map((r) => `${r.status} ${r.text}`)).size).toBe(1)
    expect(answers[0]!.status).toBe(201)
    expect(outbox.filter((m) => m.to === u.email)).toHaveLength(3)
  })

  it('an unknown address gets the same answer and no mail, and stores nothing', async () => {
    const ghost = `ghost-${uid()}@example.com`
    const known = await newUser()
    const a = await ask(ghost)
    const b = await ask(known.email)
    expect([a.status, a.text]).toEqual([b.status, b.text])
    expect(outbox.some((m) => m.to === ghost)).toBe(false)
    expect(await storedKeys(`mail:${ghost}`)).toEqual([])
  })

  it('FLUXGATE_THROTTLE_RESET_MAIL sets the quota', async () => {
    const u = await newUser()
    for (let i = 0; i < 3; i++)
      await call(
        'POST',
        '/password/reset-request',
        { json: { email: u.email } },
        { FLUXGATE_THROTTLE_RESET_MAIL: '1,1h' }
      )
    expect(outbox.filter((m) => m.to === u.email)).toHaveLength(1)
  })
})
