import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, callRaw, countingD1, newUser } from '../helpers'
import { newThing } from '../things/helpers'
import { countingKv, countingThrottles } from '../throttle/counting'
import { address, storedKeys } from '../throttle/helpers'
import { SECRET, type Thing } from './helpers'

type Overrides = Record<string, unknown>

const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
})

/** One connect check per broker, answering whether the broker would let the client in. */
const CONNECTS = {
  async rabbitmq(t: Thing, password: string, _peer?: string, o: Overrides = {}) {
    const res = await callRaw(
      'POST',
      `/broker/rabbitmq/${SECRET}/user`,
      form({ username: t.id, password, client_id: `agent-${t.id}` }),
      o
    )
    const text = await res.text()
    expect(res.status).toBe(200)
    expect(['allow', 'deny']).toContain(text)
    return text === 'allow'
  },
  async mosquitto(t: Thing, password: string, _peer?: string, o: Overrides = {}) {
    const res = await callRaw(
      'POST',
      `/broker/mosquitto/${SECRET}/status/user`,
      { json: { username: t.id, password, clientid: `agent-${t.id}` } },
      o
    )
    await res.arrayBuffer()
    expect([200, 403]).toContain(res.status)
    return res.status === 200
  },
  async emqx(t: Thing, password: string, peer?: string, o: Overrides = {}) {
    const json: Record<string, string> = { username: t.id, password, clientid: `agent-${t.id}` }
    if (peer) json.peerhost = peer
    const res = await callRaw(
      'POST',
      '/broker/emqx/authn',
      { json, headers: { Authorization: `Bearer ${SECRET}` } },
      o
    )
    // EMQX reads any other status as "ignore": a throttled connect is a 200 deny too.
    expect(res.status).toBe(200)
    const body = (await res.json()) as { result: string }
    expect(['allow', 'deny']).toContain(body.result)
    return body.result === 'allow'
  },
}

async function thing() {
  const u = await newUser()
  return { u, t: await newThing(u.token) }
}

describe.each(Object.entries(CONNECTS))('%s connect: failures per thing', (_name, connect) => {
  it('50 wrong passwords, then the right one: denied (the thing locks after 20)', async () => {
    const { t } = await thing()
    const allowed = []
    for (let i = 0; i < 50; i++) allowed.push(await connect(t, `guess-${i}`))
    expect(allowed.every((a) => !a)).toBe(true)
    expect(await connect(t, t.key)).toBe(false)
  })

  it('other things are unaffected, and 19 failures do not lock', async () => {
    const [{ t: victim }, { t: other }] = [await thing(), await thing()]
    for (let i = 0; i < 19; i++) await connect(victim, `guess-${i}`)
    expect(await connect(victim, victim.key)).toBe(true)
    for (let i = 0; i < 20; i++) await connect(victim, `guess-${i}`)
    expect(await connect(victim, victim.key)).toBe(false)
    expect(await connect(other, other.key)).toBe(true)
  })
})

describe('EMQX connect with ${peerhost}: per (thing, device address) first', () => {
  it('5 failures lock that address only; the device elsewhere still connects', async () => {
    const { t } = await thing()
    const attacker = address()
    for (let i = 0; i < 5; i++) expect(await CONNECTS.emqx(t, `guess-${i}`, attacker)).toBe(false)
    expect(await CONNECTS.emqx(t, t.key, attacker)).toBe(false)
    expect(await CONNECTS.emqx(t, t.key, address())).toBe(true)
  })

  it('a device that connected during an attack keeps connecting while the thing is locked for others', async () => {
    const { t } = await thing()
    const device = address()
    await CONNECTS.emqx(t, 'first-guess', address())
    expect(await CONNECTS.emqx(t, t.key, device)).toBe(true)
    for (let i = 0; i < 20; i++) await CONNECTS.emqx(t, `guess-${i}`, address())
    expect(await CONNECTS.emqx(t, t.key, address())).toBe(false)
    expect(await CONNECTS.emqx(t, t.key, device)).toBe(true)
    // Brokers that do not say where a client is: only the per-thing lock, which holds.
    expect(await CONNECTS.rabbitmq(t, t.key)).toBe(false)
  })
})

describe('connect storage budget', () => {
  it('a cached connect makes one bulk KV read, no D1 round trip and no throttle call', async () => {
    const { t } = await thing()
    for (let i = 0; i < 3; i++) expect(await CONNECTS.rabbitmq(t, t.key)).toBe(true)
    const d1 = countingD1(env.DB)
    const kv = countingKv()
    const throttles = countingThrottles()
    const o = { DB: d1.db, CACHE: kv.kv, THROTTLES: throttles.ns }
    for (const connect of Object.values(CONNECTS)) {
      const before = kv.counter.ops
      expect(await connect(t, t.key, address(), o)).toBe(true)
      expect(kv.counter.ops - before).toBe(1)
    }
    expect([d1.counter.calls, throttles.counter.calls]).toEqual([0, 0])
    // A failure reaches the object (and writes the marker); then the object is asked first, and
    // a success that leaves no failure behind ends that.
    expect(await CONNECTS.rabbitmq(t, 'guess', undefined, o)).toBe(false)
    expect(throttles.counter.methods).toEqual(['failed'])
    expect(await env.CACHE.get(`tl:${t.id}`)).toBe('1')
    expect(await CONNECTS.rabbitmq(t, t.key, undefined, o)).toBe(true)
    expect(throttles.counter.methods).toEqual(['failed', 'attempt', 'succeeded'])
    expect(await storedKeys(`connect:${t.id}`)).toEqual([])
    expect(await env.CACHE.get(`tl:${t.id}`)).toBeNull()
  })

  it('a user name that cannot be a thing id is denied without a throttle object', async () => {
    const throttles = countingThrottles()
    const long = { id: 'x'.repeat(65), key: 'k' }
    expect(await CONNECTS.rabbitmq(long, 'k', undefined, { THROTTLES: throttles.ns })).toBe(false)
    expect(throttles.counter.calls).toBe(0)
  })
})

describe('the owner sees and clears a connect lock (GET/DELETE /things/configs/{id}/lock)', () => {
  it('shows the failures and the device addresses; DELETE lets the thing connect again', async () => {
    const u = await newUser()
    const made = await api('POST', '/things/configs', {
      token: u.token,
      json: { external_id: `gw-${crypto.randomUUID()}`, external_key: 'k' },
    })
    const id = made.headers.get('Location')!.replace('/things/configs/', '')
    const t = {
      id,
      key: (await api('GET', `/things/${id}`, { token: u.token })).body.key as string,
    }
    const peer = address()
    for (let i = 0; i < 20; i++) await CONNECTS.emqx(t, `guess-${i}`, i < 5 ? peer : address())
    expect(await CONNECTS.emqx(t, t.key, address())).toBe(false)
    const lock = await api('GET', `/things/configs/${id}/lock`, { token: u.token })
    expect(lock.status).toBe(200)
    expect(lock.body.connect).toMatchObject({ locked: true, failures: 20 })
    expect(lock.body.connect.retry_after).toBeGreaterThan(0)
    expect(lock.body.connect.addresses).toContainEqual(
      expect.objectContaining({ address: peer, failures: 5, locked: true })
    )
    expect(lock.body.fetch.failures).toBe(0)
    expect((await api('DELETE', `/things/configs/${id}/lock`, { token: u.token })).status).toBe(204)
    expect(await CONNECTS.emqx(t, t.key, peer)).toBe(true)
  })
})
