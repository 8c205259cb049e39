import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  type CachedAnswer,
  FANOUT_MAX,
  invalidateAnswers,
  makeAnswerCache,
} from '../../src/bootstrap/cache'
import { api, expectError, newUser, type TestUser, uid } from '../helpers'
import { newChannel } from '../things/helpers'
import { type Config, counted, type Env, fetchConfig, newConfig, warm } from './helpers'

const thingKeyOf = async (u: TestUser, id: string) =>
  (await api('GET', `/things/${id}`, { token: u.token })).body.key as string

/** The next fetch, as a gateway would make it (the Worker's own fetch, same KV). */
const fetchNow = (cfg: Config) =>
  api('GET', `/things/bootstrap/${cfg.externalId}`, { auth: cfg.externalKey })

describe('GET /things/bootstrap/{external_id}', () => {
  it("answers 0.12.1's shape: thing id and key, ordered channels, content and certificates", async () => {
    const u = await newUser()
    const other = await newChannel(u.token, { name: 'export' })
    const data = await newChannel(u.token, { name: 'data-channel', metadata: { type: 'data' } })
    const control = await newChannel(u.token, {
      name: 'control-channel',
      metadata: { type: 'control' },
    })
    const bare = await newChannel(u.token)
    const cfg = await newConfig(u.token, {
      channels: [other, bare, data, control],
      content: '{"agent":{}}',
      client_cert: 'CERT',
      client_key: 'KEY',
      ca_cert: 'CA',
    })
    const res = await fetchConfig(cfg.externalId, cfg.externalKey)
    expect(res.status, res.text).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.text).toBe(
      JSON.stringify({
        mainflux_id: cfg.id,
        mainflux_key: await thingKeyOf(u, cfg.id),
        mainflux_channels: [
          { id: control, name: 'control-channel', metadata: { type: 'control' } },
          { id: data, name: 'data-channel', metadata: { type: 'data' } },
          // The rest by name; an unnamed channel sorts first and shows neither name nor metadata.
          { id: bare },
          { id: other, name: 'export' },
        ],
        content: '{"agent":{}}',
        client_cert: 'CERT',
        client_key: 'KEY',
        ca_cert: 'CA',
      })
    )
  })

  it('mainflux_channels is null without channels; empty fields are omitted; inactive configs are served', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    const res = await fetchConfig(cfg.externalId, cfg.externalKey)
    expect(res.status).toBe(200)
    expect(Object.keys(res.body)).toEqual(['mainflux_id', 'mainflux_key', 'mainflux_channels'])
    expect(res.body.mainflux_channels).toBeNull()
  })

  it('channels of one type are ordered by name, then id', async () => {
    const u = await newUser()
    const made = []
    for (let i = 0; i < 4; i++)
      made.push(await newChannel(u.token, { name: 'same', metadata: { type: 'data' } }))
    const ctl = await newChannel(u.token, { name: 'zzz', metadata: { type: 'control' } })
    const cfg = await newConfig(u.token, { channels: [...made, ctl] })
    const ids = (await fetchConfig(cfg.externalId, cfg.externalKey)).body.mainflux_channels.map(
      (c: { id: string }) => c.id
    )
    expect(ids).toEqual([ctl, ...made.sort()])
  })

  it('takes the key raw or as Thing <key>; 401 without a key or with another scheme', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    expect((await fetchConfig(cfg.externalId, `Thing ${cfg.externalKey}`)).status).toBe(200)
    expectError(await fetchConfig(cfg.externalId, undefined), 401, 'missing external key')
    expectError(await fetchConfig(cfg.externalId, `Bearer ${cfg.externalKey}`), 401)
  })

  it('unknown external id and wrong key give the same 404, from D1 and from KV alike', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    const unknown = await fetchConfig(`nope-${uid()}`, cfg.externalKey)
    const wrong = await fetchConfig(cfg.externalId, `${cfg.externalKey}x`)
    const tooLong = await fetchConfig('x'.repeat(300), cfg.externalKey)
    await warm(cfg)
    const wrongCached = await counted((o) => fetchConfig(cfg.externalId, 'wrong', { env: o }))
    for (const res of [unknown, wrong, tooLong, wrongCached.res]) {
      expectError(res, 404)
      expect(res.text).toBe(unknown.text)
      expect([...res.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort())
    }
    expect(unknown.body.error).toBe(
      'bootstrap configuration not found for this external id and key'
    )
  })

  it('ETag is strong and stable; If-None-Match answers 304 without a body', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token, { content: 'c' })
    const first = await fetchConfig(cfg.externalId, cfg.externalKey)
    const etag = first.headers.get('etag')!
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/)
    expect(first.headers.get('cache-control')).toBe('private, no-cache')
    const again = await fetchConfig(cfg.externalId, cfg.externalKey)
    expect(again.headers.get('etag')).toBe(etag)
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await fetchConfig(cfg.externalId, cfg.externalKey, {
        headers: { 'If-None-Match': inm },
      })
      expect(res.status, inm).toBe(304)
      expect(res.text).toBe('')
      expect(res.headers.get('etag')).toBe(etag)
    }
    const stale = await fetchConfig(cfg.externalId, cfg.externalKey, {
      headers: { 'If-None-Match': '"old"' },
    })
    expect(stale.status).toBe(200)
    // A wrong key never gets a 304, even with the right ETag.
    const wrong = await fetchConfig(cfg.externalId, 'wrong', { headers: { 'If-None-Match': etag } })
    expectError(wrong, 404)
  })
})

describe('bootstrap cache (KV)', () => {
  it('a miss costs one D1 round trip, a hit none; a 304 and a cached wrong key none either', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const cfg = await newConfig(u.token, { channels: [c] })
    // The config's creation wrote its marker, so the first miss fills and the second fetch hits.
    expect(await warm(cfg)).toEqual([1, 0])
    const etag = (await fetchConfig(cfg.externalId, cfg.externalKey)).headers.get('etag')!
    const notModified = await counted((o) =>
      fetchConfig(cfg.externalId, cfg.externalKey, { env: o, headers: { 'If-None-Match': etag } })
    )
    expect(notModified.res.status).toBe(304)
    expect(notModified.d1).toBe(0)
    // The first wrong key records a failure (one write); later ones within the window cost nothing.
    await fetchConfig(cfg.externalId, 'wrong')
    const wrong = await counted((o) => fetchConfig(cfg.externalId, 'wrong', { env: o }))
    expect(wrong.res.status).toBe(404)
    expect(wrong.d1).toBe(0)
  })

  it('KV holds the answer with a keyed hash of the external key, never the key itself', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    await warm(cfg)
    const raw = await env.CACHE.get(`bs:${cfg.externalId}`)
    expect(raw).not.toBeNull()
    expect(raw).not.toContain(cfg.externalKey)
    expect(JSON.parse(raw!).h).toMatch(/^v1:/)
    const names = (await env.CACHE.list()).keys.map((k) => k.name)
    expect(names.some((n) => n.includes(cfg.externalKey))).toBe(false)
  })

  it('FLUXGATE_BOOTSTRAP_CACHE_TTL=0 turns it off: every fetch asks D1 and nothing is cached', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    const off = { FLUXGATE_BOOTSTRAP_CACHE_TTL: '0' } as Env
    for (let i = 0; i < 3; i++) {
      const { res, d1 } = await counted(
        (o) => fetchConfig(cfg.externalId, cfg.externalKey, { env: o }),
        off
      )
      expect(res.status).toBe(200)
      expect(d1).toBe(1)
    }
    expect(await env.CACHE.get(`bs:${cfg.externalId}`)).toBeNull()
  })

  it('an invalid FLUXGATE_BOOTSTRAP_CACHE_TTL is a configuration error', async () => {
    for (const ttl of ['30', '7200', 'x']) {
      const res = await fetchConfig('x', 'k', { env: { FLUXGATE_BOOTSTRAP_CACHE_TTL: ttl } as Env })
      expectError(res, 500, 'server misconfigured')
    }
  })
})

describe('bootstrap cache: every change is in the very next fetch', () => {
  /** A config whose answer is cached (the next fetch would be a hit). */
  async function cached(u: TestUser, body: Record<string, unknown> = {}) {
    const cfg = await newConfig(u.token, body)
    await warm(cfg)
    return cfg
  }

  it('config update (content)', async () => {
    const u = await newUser()
    const cfg = await cached(u, { content: 'v1' })
    await api('PUT', `/things/configs/${cfg.id}`, { token: u.token, json: { content: 'v2' } })
    expect((await fetchNow(cfg)).body.content).toBe('v2')
  })

  it('config removal → 404', async () => {
    const u = await newUser()
    const cfg = await cached(u)
    await api('DELETE', `/things/configs/${cfg.id}`, { token: u.token })
    expectError(await fetchNow(cfg), 404)
    expect(await env.CACHE.get(`bs:${cfg.externalId}`)).toBeNull()
  })

  it('certificates', async () => {
    const u = await newUser()
    const cfg = await cached(u, { client_cert: 'old' })
    await api('PATCH', `/things/configs/certs/${cfg.id}`, {
      token: u.token,
      json: { client_cert: 'new', ca_cert: 'ca' },
    })
    expect((await fetchNow(cfg)).body).toMatchObject({ client_cert: 'new', ca_cert: 'ca' })
  })

  it('connections (channel list)', async () => {
    const u = await newUser()
    const [c1, c2] = [await newChannel(u.token), await newChannel(u.token)]
    const cfg = await cached(u, { channels: [c1] })
    await api('PUT', `/things/configs/connections/${cfg.id}`, {
      token: u.token,
      json: { channels: [c2] },
    })
    expect((await fetchNow(cfg)).body.mainflux_channels).toEqual([{ id: c2 }])
    await api('PUT', `/things/configs/connections/${cfg.id}`, {
      token: u.token,
      json: { channels: [] },
    })
    expect((await fetchNow(cfg)).body.mainflux_channels).toBeNull()
  })

  it('state: the answer does not depend on it and stays served (only access checks change)', async () => {
    const u = await newUser()
    const cfg = await cached(u)
    const before = await fetchNow(cfg)
    await api('PUT', `/things/state/${cfg.id}`, { token: u.token, json: { state: 1 } })
    const after = await counted((o) => fetchConfig(cfg.externalId, cfg.externalKey, { env: o }))
    expect(after.res.status).toBe(200)
    expect(after.res.text).toBe(before.text)
    expect(after.d1).toBe(0)
  })

  it('thing key rotation → the new mainflux_key', async () => {
    const u = await newUser()
    const cfg = await cached(u)
    const key = `rotated-${uid()}`
    expect(
      (await api('PATCH', `/things/${cfg.id}/key`, { token: u.token, json: { key } })).status
    ).toBe(200)
    expect((await fetchNow(cfg)).body.mainflux_key).toBe(key)
  })

  it('thing removal → 404', async () => {
    const u = await newUser()
    const cfg = await cached(u)
    expect((await api('DELETE', `/things/${cfg.id}`, { token: u.token })).status).toBe(204)
    expectError(await fetchNow(cfg), 404)
  })

  it('channel rename and metadata (which can change the order)', async () => {
    const u = await newUser()
    const a = await newChannel(u.token, { name: 'a' })
    const b = await newChannel(u.token, { name: 'b' })
    const cfg = await cached(u, { channels: [a, b] })
    await api('PUT', `/channels/${b}`, {
      token: u.token,
      json: { name: 'b2', metadata: { type: 'control' } },
    })
    expect((await fetchNow(cfg)).body.mainflux_channels).toEqual([
      { id: b, name: 'b2', metadata: { type: 'control' } },
      { id: a, name: 'a' },
    ])
  })

  it('channel removal, for every config listing it', async () => {
    const u = await newUser()
    const [a, b] = [await newChannel(u.token), await newChannel(u.token)]
    const one = await cached(u, { channels: [a, b] })
    const two = await cached(u, { channels: [a] })
    expect((await api('DELETE', `/channels/${a}`, { token: u.token })).status).toBe(204)
    expect((await fetchNow(one)).body.mainflux_channels).toEqual([{ id: b }])
    expect((await fetchNow(two)).body.mainflux_channels).toBeNull()
  })

  it('a change touching more configs than the fanout limit renews the global generation', async () => {
    const u = await newUser()
    const cfg = await cached(u)
    const others = Array.from({ length: FANOUT_MAX }, () => `other-${uid()}`)
    await invalidateAnswers(env.CACHE, [...others, cfg.externalId], 'changed')
    const next = await counted((o) => fetchConfig(cfg.externalId, cfg.externalKey, { env: o }))
    expect(next.res.status).toBe(200)
    expect(next.d1).toBe(1)
  })

  it('a new config with the external id of a removed one never gets the old answer', async () => {
    const u = await newUser()
    const old = await cached(u, { content: 'old' })
    await api('DELETE', `/things/configs/${old.id}`, { token: u.token })
    const fresh = await newConfig(u.token, {
      external_id: old.externalId,
      external_key: old.externalKey,
      content: 'new',
    })
    expect((await fetchNow(fresh)).body).toMatchObject({ mainflux_id: fresh.id, content: 'new' })
  })
})

describe('bootstrap cache: a fill that lands after a concurrent write is never served', () => {
  /** The cache as one fetch sees it; its fills are collected so the test decides when they land. */
  function requestCache() {
    const pending: Promise<unknown>[] = []
    const cache = makeAnswerCache(env.CACHE, 300, (p) => pending.push(p))
    return { cache, flush: () => Promise.all(pending) }
  }

  /** What D1 answers right now for a config (read through an uncached fetch). */
  async function d1Answer(cfg: Config): Promise<CachedAnswer> {
    const res = await fetchConfig(cfg.externalId, cfg.externalKey, {
      env: { FLUXGATE_BOOTSTRAP_CACHE_TTL: '0' } as Env,
    })
    expect(res.status).toBe(200)
    const row = await env.DB.prepare(
      'SELECT external_key_hash AS h FROM bootstrap_configs WHERE external_id = ?'
    )
      .bind(cfg.externalId)
      .first<{ h: string }>()
    return { thingId: cfg.id, keyHash: row!.h, body: res.text, etag: res.headers.get('etag')! }
  }

  /** Miss → D1 read → the write commits → the late fill lands → the next fetch must be fresh. */
  async function race(cfg: Config, write: () => Promise<unknown>) {
    const { cache, flush } = requestCache()
    const look = await cache.lookup(cfg.externalId)
    expect(look.hit).toBeUndefined()
    const stale = await d1Answer(cfg)
    await write()
    cache.fillLater(cfg.externalId, look.snap, stale)
    await flush()
    return stale
  }

  it('config update between the D1 read and the fill', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token, { content: 'before' })
    const stale = await race(cfg, () =>
      api('PUT', `/things/configs/${cfg.id}`, { token: u.token, json: { content: 'after' } })
    )
    // The late fill did land in KV, yet it names a dead marker.
    expect(JSON.parse((await env.CACHE.get(`bs:${cfg.externalId}`))!).b).toBe(stale.body)
    expect((await fetchNow(cfg)).body.content).toBe('after')
  })

  it('config removal between the D1 read and the fill', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    await race(cfg, () => api('DELETE', `/things/configs/${cfg.id}`, { token: u.token }))
    expectError(await fetchNow(cfg), 404)
  })

  it('thing key rotation between the D1 read and the fill', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    const key = `k-${uid()}`
    await race(cfg, () => api('PATCH', `/things/${cfg.id}/key`, { token: u.token, json: { key } }))
    expect((await fetchNow(cfg)).body.mainflux_key).toBe(key)
  })

  it('channel rename between the D1 read and the fill', async () => {
    const u = await newUser()
    const c = await newChannel(u.token, { name: 'before' })
    const cfg = await newConfig(u.token, { channels: [c] })
    await race(cfg, () => api('PUT', `/channels/${c}`, { token: u.token, json: { name: 'after' } }))
    expect((await fetchNow(cfg)).body.mainflux_channels).toEqual([{ id: c, name: 'after' }])
  })

  it('a fetch that found no marker creates one but fills nothing', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token, { content: 'before' })
    await env.CACHE.delete(`bsm:${cfg.externalId}`)
    await race(cfg, () =>
      api('PUT', `/things/configs/${cfg.id}`, { token: u.token, json: { content: 'after' } })
    )
    expect(await env.CACHE.get(`bs:${cfg.externalId}`)).toBeNull()
    expect(await env.CACHE.get(`bsm:${cfg.externalId}`)).not.toBeNull()
    expect((await fetchNow(cfg)).body.content).toBe('after')
  })
})
