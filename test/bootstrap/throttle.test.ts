import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { cfbEncrypt, sealedKey } from '../../src/bootstrap/crypto'
import { b64url } from '../../src/lib/crypto'
import { api, callRaw, countingD1, expectError, newUser, uid } from '../helpers'
import { countingKv, countingThrottles } from '../throttle/counting'
import { address, from, storedKeys, withinOneWindow } from '../throttle/helpers'
import { type Config, type Env, hex, newConfig, warm } from './helpers'

const enc = new TextEncoder()
const CFB_KEY = '000102030405060708090a0b0c0d0e0f'
const SEALED_MASTER = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'
const overrides = {
  MF_BOOTSTRAP_ENCRYPT_KEY: CFB_KEY,
  FLUXGATE_BOOTSTRAP_SEALED_KEY: SEALED_MASTER,
} as Env

interface Answer {
  status: number
  text: string
  headers: Headers
}

async function get(
  path: string,
  auth: string,
  ip: string,
  extra: Record<string, unknown> = {}
): Promise<Answer> {
  const res = await callRaw('GET', path, { auth, headers: from(ip) }, { ...overrides, ...extra })
  return {
    status: res.status,
    text: new TextDecoder().decode(await res.arrayBuffer()),
    headers: res.headers,
  }
}

/** The three fetches, each given the external key (or a guess at it) to present. */
const FETCHES = {
  plain: (id: string, key: string, ip: string) => get(`/things/bootstrap/${id}`, key, ip),
  secure: async (id: string, key: string, ip: string) => {
    const iv = crypto.getRandomValues(new Uint8Array(16))
    const ct = await cfbEncrypt(
      Uint8Array.from(CFB_KEY.match(/../g)!.map((h) => parseInt(h, 16))),
      iv,
      enc.encode(key)
    )
    return get(`/things/bootstrap/secure/${id}`, hex(iv) + hex(ct), ip)
  },
  sealed: async (id: string, key: string, ip: string) => {
    const master = Uint8Array.from(SEALED_MASTER.match(/../g)!.map((h) => parseInt(h, 16)))
    const gcm = await sealedKey(master, id)
    const body = JSON.stringify({
      ts: Math.floor(Date.now() / 1000),
      nonce: b64url(crypto.getRandomValues(new Uint8Array(16))),
      key,
    })
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const aad = enc.encode(`fluxgate-bootstrap-v1 request ${id}`)
    const ct = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: aad },
        gcm,
        enc.encode(body)
      )
    )
    return get(`/things/bootstrap/sealed/${id}`, b64url(new Uint8Array([...iv, ...ct])), ip)
  },
}

function expectLocked(res: Answer, maxSeconds = 60) {
  expect(res.status, res.text).toBe(429)
  expect(JSON.parse(res.text)).toEqual({ error: expect.stringMatching(/too many failed attempts/) })
  const after = Number(res.headers.get('Retry-After'))
  expect(after).toBeGreaterThan(0)
  expect(after).toBeLessThanOrEqual(maxSeconds)
}

async function gateway() {
  const u = await newUser()
  return { u, cfg: await newConfig(u.token) }
}

describe.each(Object.entries(FETCHES))('%s fetch: failures per gateway', (_name, fetch) => {
  it('50 wrong keys from one address: 5 answered 404, then 429, the right key included', async () => {
    const { cfg } = await gateway()
    const ip = address()
    const statuses = []
    for (let i = 0; i < 50; i++)
      statuses.push((await fetch(cfg.externalId, `guess-${i}`, ip)).status)
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404])
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]))
    expectLocked(await fetch(cfg.externalId, cfg.externalKey, ip))
  })

  it('the lock is per gateway and address first: the gateway elsewhere still fetches; other gateways are unaffected', async () => {
    const { cfg } = await gateway()
    const other = await gateway()
    const attacker = address()
    for (let i = 0; i < 5; i++) await fetch(cfg.externalId, `guess-${i}`, attacker)
    expectLocked(await fetch(cfg.externalId, cfg.externalKey, attacker))
    expect((await fetch(cfg.externalId, cfg.externalKey, address())).status).toBe(200)
    expect((await fetch(other.cfg.externalId, other.cfg.externalKey, attacker)).status).toBe(200)
  })
})

describe('bootstrap fetch: the per-gateway cap above the per-address one', () => {
  it('20 failures from 20 addresses lock the gateway for new addresses, not for one that fetched during the attack', async () => {
    const { cfg } = await gateway()
    const device = address()
    await FETCHES.plain(cfg.externalId, 'first-guess', address())
    // The device's success does not clear the others' failures: 1 + 19 = 20.
    expect((await FETCHES.plain(cfg.externalId, cfg.externalKey, device)).status).toBe(200)
    const statuses = []
    for (let i = 0; i < 19; i++)
      statuses.push((await FETCHES.plain(cfg.externalId, `guess-${i}`, address())).status)
    expect(new Set(statuses)).toEqual(new Set([404]))
    expectLocked(await FETCHES.plain(cfg.externalId, cfg.externalKey, address()))
    expect((await FETCHES.plain(cfg.externalId, cfg.externalKey, device)).status).toBe(200)
  })

  it('an unknown external id is throttled exactly as a known one: the answers do not tell them apart', async () => {
    const { cfg } = await gateway()
    const run = async (id: string) => {
      const ip = address()
      const out = []
      for (let i = 0; i < 7; i++) {
        const r = await FETCHES.plain(id, `guess-${i}`, ip)
        out.push([r.status, r.text])
      }
      return out
    }
    expect(await run(`ghost-${uid()}`)).toEqual(await run(cfg.externalId))
  })

  it('with the answer cache off, the lock holds the same', async () => {
    const { cfg } = await gateway()
    const ip = address()
    const off = { FLUXGATE_BOOTSTRAP_CACHE_TTL: '0' }
    for (let i = 0; i < 5; i++)
      expect((await get(`/things/bootstrap/${cfg.externalId}`, `g${i}`, ip, off)).status).toBe(404)
    expectLocked(await get(`/things/bootstrap/${cfg.externalId}`, cfg.externalKey, ip, off))
  })

  it('a refused fetch costs no D1 round trip and reaches the object only to be refused', async () => {
    const { cfg } = await gateway()
    const ip = address()
    for (let i = 0; i < 5; i++) await FETCHES.plain(cfg.externalId, `guess-${i}`, ip)
    const d1 = countingD1(env.DB)
    const throttles = countingThrottles()
    const res = await callRaw(
      'GET',
      `/things/bootstrap/${cfg.externalId}`,
      { auth: cfg.externalKey, headers: from(ip) },
      {
        DB: d1.db,
        THROTTLES: throttles.ns,
      }
    )
    expect(res.status).toBe(429)
    expect([d1.counter.calls, throttles.counter.methods]).toEqual([0, ['attempt']])
  })
})

describe('bootstrap fetch: failed checks per client address', () => {
  it(
    '20 failures a minute from one address, on any gateways; then that address is refused, the right key included',
    { timeout: 60_000 },
    async () => {
      await withinOneWindow()
      const ip = address()
      const mine = await gateway()
      for (let i = 0; i < 20; i++) {
        expect((await FETCHES.plain(`ghost-${uid()}`, 'k', ip)).status).toBe(404)
      }
      const over = await FETCHES.plain(`ghost-${uid()}`, 'k', ip)
      expect(over.status).toBe(429)
      expect(over.text).toContain('from this address')
      expect((await FETCHES.plain(mine.cfg.externalId, mine.cfg.externalKey, ip)).status).toBe(429)
      expect(
        (await FETCHES.plain(mine.cfg.externalId, mine.cfg.externalKey, address())).status
      ).toBe(200)
    }
  )

  it('FLUXGATE_THROTTLE_TRUSTED_IPS are exempt from it', { timeout: 60_000 }, async () => {
    await withinOneWindow()
    const ip = address()
    const trusted = { FLUXGATE_THROTTLE_TRUSTED_IPS: `192.0.2.1, ${ip}` }
    for (let i = 0; i < 22; i++) {
      expect((await get(`/things/bootstrap/ghost-${uid()}`, 'k', ip, trusted)).status).toBe(404)
    }
  })
})

describe('bootstrap fetch: storage on the hot path', () => {
  /** One fetch with D1, KV and the throttle objects counted. */
  async function counted(cfg: Config, key: string, ip: string) {
    const d1 = countingD1(env.DB)
    const kv = countingKv()
    const throttles = countingThrottles()
    const res = await callRaw(
      'GET',
      `/things/bootstrap/${cfg.externalId}`,
      { auth: key, headers: from(ip) },
      {
        DB: d1.db,
        CACHE: kv.kv,
        THROTTLES: throttles.ns,
      }
    )
    return {
      status: res.status,
      d1: d1.counter.calls,
      kv: kv.counter.ops,
      objects: throttles.counter.methods,
    }
  }

  it('a KV hit makes one bulk KV read, no D1 round trip and no throttle call; only failures reach the object', async () => {
    const { cfg } = await gateway()
    await warm(cfg)
    const ip = address()
    expect(await counted(cfg, cfg.externalKey, ip)).toEqual({
      status: 200,
      d1: 0,
      kv: 1,
      objects: [],
    })
    // A wrong key on a hit: the object counts it and its marker is written (the one D1 write is
    // the failure's recording on the config, coalesced as before).
    const wrong = await counted(cfg, 'guess', ip)
    expect(wrong).toMatchObject({ status: 404, objects: ['failed'] })
    expect(await env.CACHE.get(`bsl:${cfg.externalId}`)).toBe('1')
    // While the marker is there, the object is asked first, and told of the success.
    expect(await counted(cfg, cfg.externalKey, ip)).toMatchObject({
      status: 200,
      d1: 0,
      objects: ['attempt', 'succeeded'],
    })
    // That success left no failing address: marker and object state are gone; hits are free again.
    expect(await storedKeys(`fetch:${cfg.externalId}`)).toEqual([])
    expect(await counted(cfg, cfg.externalKey, address())).toEqual({
      status: 200,
      d1: 0,
      kv: 1,
      objects: [],
    })
  })
})

describe('GET and DELETE /things/configs/{id}/lock', () => {
  it("shows the gateway's fetch and connect throttles, with the failing addresses", async () => {
    const { u, cfg } = await gateway()
    const ip = address()
    const fresh = await api('GET', `/things/configs/${cfg.id}/lock`, { token: u.token })
    expect(fresh.status).toBe(200)
    expect(fresh.body).toEqual({
      external_id: cfg.externalId,
      fetch: { locked: false, failures: 0, known_addresses: 0, addresses: [] },
      connect: { locked: false, failures: 0, known_addresses: 0, addresses: [] },
    })
    for (let i = 0; i < 6; i++) await FETCHES.plain(cfg.externalId, `guess-${i}`, ip)
    const res = await api('GET', `/things/configs/${cfg.id}/lock`, { token: u.token })
    expect(res.body.fetch).toMatchObject({
      locked: false,
      failures: 5,
      addresses: [{ address: ip, failures: 5, locked: true }],
    })
    expect(res.body.fetch.addresses[0].retry_after).toBeGreaterThan(0)
    expect(Date.parse(res.body.fetch.last_failure_at)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('DELETE clears the lock: the right key works again at once from the locked address', async () => {
    const { u, cfg } = await gateway()
    const ip = address()
    for (let i = 0; i < 5; i++) await FETCHES.plain(cfg.externalId, `guess-${i}`, ip)
    expectLocked(await FETCHES.plain(cfg.externalId, cfg.externalKey, ip))
    const del = await api('DELETE', `/things/configs/${cfg.id}/lock`, { token: u.token })
    expect(del.status).toBe(204)
    expect(del.text).toBe('')
    expect(await env.CACHE.get(`bsl:${cfg.externalId}`)).toBeNull()
    expect((await FETCHES.plain(cfg.externalId, cfg.externalKey, ip)).status).toBe(200)
    expect(
      (await api('GET', `/things/configs/${cfg.id}/lock`, { token: u.token })).body.fetch.failures
    ).toBe(0)
  })

  it.each(['GET', 'DELETE'])(
    "%s: 401 without a token, 404 for another owner's config or an unknown one",
    async (method) => {
      const { u, cfg } = await gateway()
      const stranger = await newUser()
      expectError(await api(method, `/things/configs/${cfg.id}/lock`), 401)
      expectError(
        await api(method, `/things/configs/${cfg.id}/lock`, { token: 'not-a-token' }),
        401
      )
      expectError(
        await api(method, `/things/configs/${cfg.id}/lock`, { token: stranger.token }),
        404
      )
      expectError(
        await api(method, `/things/configs/${crypto.randomUUID()}/lock`, { token: u.token }),
        404
      )
    }
  )

  it("another owner's DELETE changes nothing", async () => {
    const { u, cfg } = await gateway()
    const stranger = await newUser()
    const ip = address()
    for (let i = 0; i < 5; i++) await FETCHES.plain(cfg.externalId, `guess-${i}`, ip)
    expectError(
      await api('DELETE', `/things/configs/${cfg.id}/lock`, { token: stranger.token }),
      404
    )
    expectLocked(await FETCHES.plain(cfg.externalId, cfg.externalKey, ip))
    expect(
      (await api('GET', `/things/configs/${cfg.id}/lock`, { token: u.token })).body.fetch.failures
    ).toBe(5)
  })
})
