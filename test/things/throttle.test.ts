import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, callRaw, countingD1, expectError, newUser } from '../helpers'
import { countingKv, countingThrottles } from '../throttle/counting'
import { address, from, withinOneWindow } from '../throttle/helpers'
import { connect, newChannel, newThing } from './helpers'

const identify = (key: string, ip: string) =>
  api('POST', '/identify', { json: { token: key }, headers: from(ip) })
const byKey = (chan: string, key: string, ip: string) =>
  api('POST', `/identify/channels/${chan}/access-by-key`, {
    json: { token: key },
    headers: from(ip),
  })
const byId = (chan: string, thingId: string, ip: string) =>
  api('POST', `/identify/channels/${chan}/access-by-id`, {
    json: { thing_id: thingId },
    headers: from(ip),
  })

async function world() {
  const u = await newUser()
  const t = await newThing(u.token)
  const chan = await newChannel(u.token)
  await connect(u.token, [chan], [t.id])
  return { u, t, chan }
}

describe('identify and access checks: failures per client address', () => {
  it(
    '20 failed identifies a minute from one address, then 429, the right key included; other addresses unaffected',
    { timeout: 60_000 },
    async () => {
      await withinOneWindow()
      const { t } = await world()
      const ip = address()
      for (let i = 0; i < 20; i++)
        expectError(await identify(`guess-${crypto.randomUUID()}`, ip), 401)
      const over = await identify(`guess-${crypto.randomUUID()}`, ip)
      expectError(over, 429, /too many failed attempts from this address/)
      expect(Number(over.headers.get('Retry-After'))).toBe(60)
      const right = await identify(t.key, ip)
      expectError(right, 429)
      expect(Number(right.headers.get('Retry-After'))).toBeGreaterThan(50)
      expect((await identify(t.key, address())).body).toEqual({ id: t.id })
    }
  )

  it(
    'the budget is shared by identify, access-by-key (401 and 403) and access-by-id (403)',
    { timeout: 60_000 },
    async () => {
      await withinOneWindow()
      const { u, t, chan } = await world()
      const other = await newChannel(u.token)
      const ip = address()
      for (let i = 0; i < 5; i++) expectError(await identify(`guess-${i}`, ip), 401)
      for (let i = 0; i < 5; i++) expectError(await byKey(chan, `guess-${i}`, ip), 401)
      for (let i = 0; i < 5; i++) expectError(await byKey(other, t.key, ip), 403)
      for (let i = 0; i < 5; i++) expectError(await byId(chan, crypto.randomUUID(), ip), 403)
      // The 21st failure is the one refused; from then on the address is refused before any check.
      expectError(await byId(chan, crypto.randomUUID(), ip), 429)
      expectError(await byId(chan, t.id, ip), 429)
      expectError(await byKey(chan, t.key, ip), 429)
      expect((await byKey(chan, t.key, address())).body).toEqual({ id: t.id })
      expect((await byId(chan, t.id, address())).status).toBe(200)
    }
  )

  it('successes do not count', { timeout: 60_000 }, async () => {
    await withinOneWindow()
    const { t, chan } = await world()
    const ip = address()
    for (let i = 0; i < 30; i++) expect((await identify(t.key, ip)).status).toBe(200)
    for (let i = 0; i < 10; i++) expect((await byKey(chan, t.key, ip)).status).toBe(200)
  })

  it(
    'FLUXGATE_THROTTLE_TRUSTED_IPS (e.g. a protocol adapter) are exempt',
    { timeout: 60_000 },
    async () => {
      await withinOneWindow()
      const ip = address()
      const trusted = { FLUXGATE_THROTTLE_TRUSTED_IPS: ip }
      for (let i = 0; i < 25; i++) {
        const res = await callRaw(
          'POST',
          '/identify',
          { json: { token: `guess-${i}` }, headers: from(ip) },
          trusted
        )
        expect(res.status).toBe(401)
      }
    }
  )
})

describe('identify storage budget', () => {
  it('a cached identify reads the address marker in its one KV read: 1 KV operation, no D1, no throttle object', async () => {
    const { t } = await world()
    for (let i = 0; i < 3; i++) await identify(t.key, address())
    const d1 = countingD1(env.DB)
    const kv = countingKv()
    const throttles = countingThrottles()
    const res = await callRaw(
      'POST',
      '/identify',
      { json: { token: t.key }, headers: from(address()) },
      {
        DB: d1.db,
        CACHE: kv.kv,
        THROTTLES: throttles.ns,
      }
    )
    expect(res.status).toBe(200)
    expect([d1.counter.calls, kv.counter.ops, throttles.counter.calls]).toEqual([0, 1, 0])
    expect(kv.counter.gets[0]).toEqual([
      expect.stringMatching(/^tk:/),
      expect.stringMatching(/^km:/),
      expect.stringMatching(/^ipl:/),
    ])
  })
})
