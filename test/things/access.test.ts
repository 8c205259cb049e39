import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../src/lib/crypto'
import { makeThingCache, type Snapshot } from '../../src/things/cache'
import { api, expectError, newUser, type TestUser, uid } from '../helpers'
import { countingKv } from '../throttle/counting'
import { call, connect, countingD1, newChannel, newThing } from './helpers'

type Env = Partial<typeof env>

const identify = (key: string, o?: Env) => call('POST', '/identify', { json: { token: key } }, o)
const byKey = (chanId: string, key: string, o?: Env) =>
  call('POST', `/identify/channels/${chanId}/access-by-key`, { json: { token: key } }, o)
const byId = (chanId: string, thingId: string, o?: Env) =>
  call('POST', `/identify/channels/${chanId}/access-by-id`, { json: { thing_id: thingId } }, o)

/** Runs one request against a D1 binding that counts round trips. */
async function counted(run: (o: Env) => ReturnType<typeof call>) {
  const { db, counter } = countingD1(env.DB)
  const res = await run({ DB: db })
  return { res, d1: counter.calls }
}

/** Repeats a check until it is answered from KV alone (0 D1 round trips); returns the D1 counts. */
async function warm(run: (o: Env) => ReturnType<typeof call>, status = 200) {
  const trips: number[] = []
  for (let i = 0; i < 4; i++) {
    const { res, d1 } = await counted(run)
    expect(res.status, res.text).toBe(status)
    trips.push(d1)
    if (d1 === 0) return trips
  }
  throw new Error(`never served from the cache: D1 round trips ${trips.join(', ')}`)
}

async function connectedPair(u?: TestUser) {
  u ??= await newUser()
  const c = await newChannel(u.token)
  const t = await newThing(u.token)
  await connect(u.token, [c], [t.id])
  return { u, c, t }
}

const kvKeys = async () => (await env.CACHE.list()).keys.map((k) => k.name)

describe('POST /identify', () => {
  it('answers the thing id for a key in the body, in Authorization as Thing <key>, or raw', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    expect((await identify(t.key)).body).toEqual({ id: t.id })
    for (const auth of [`Thing ${t.key}`, t.key]) {
      const res = await api('POST', '/identify', { auth })
      expect(res.status, res.text).toBe(200)
      expect(res.body).toEqual({ id: t.id })
    }
  })

  it('401 for an unknown key, a missing key and a user-token scheme', async () => {
    expectError(await identify(`nope-${uid()}`), 401, 'unknown thing key')
    expectError(await api('POST', '/identify'), 401, 'missing thing key')
    expectError(await api('POST', '/identify', { json: {} }), 401)
    expectError(await api('POST', '/identify', { auth: `Bearer ${crypto.randomUUID()}` }), 401)
  })

  it('400 for a non-string token or malformed JSON; 415 for a non-JSON body', async () => {
    expectError(await api('POST', '/identify', { json: { token: 5 } }), 400, /token/)
    expectError(
      await api('POST', '/identify', {
        body: '{"token":',
        headers: { 'Content-Type': 'application/json' },
      }),
      400
    )
    expectError(
      await api('POST', '/identify', { body: 'key', headers: { 'Content-Type': 'text/plain' } }),
      415
    )
  })
})

describe('POST /identify/channels/{chanId}/access-by-key', () => {
  it('200 with the thing id when connected; the key may come from Authorization', async () => {
    const { c, t } = await connectedPair()
    expect((await byKey(c, t.key)).body).toEqual({ id: t.id })
    const res = await api('POST', `/identify/channels/${c}/access-by-key`, {
      auth: `Thing ${t.key}`,
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ id: t.id })
  })

  it("403 for a valid key not connected, also to an unknown or another owner's channel", async () => {
    const { t } = await connectedPair()
    const other = await connectedPair()
    const lone = await newChannel((await newUser()).token)
    for (const chan of [lone, crypto.randomUUID(), other.c]) {
      expectError(await byKey(chan, t.key), 403, 'thing is not connected to channel')
    }
  })

  it('401 for an unknown or missing key', async () => {
    const { c } = await connectedPair()
    expectError(await byKey(c, `nope-${uid()}`), 401)
    expectError(await api('POST', `/identify/channels/${c}/access-by-key`), 401)
  })

  it('a long channel id is simply not connected (no KV key overflow)', async () => {
    const { t } = await connectedPair()
    expectError(await byKey('c'.repeat(600), t.key), 403)
  })
})

describe('POST /identify/channels/{chanId}/access-by-id', () => {
  it('200 with an empty body when connected', async () => {
    const { c, t } = await connectedPair()
    const res = await byId(c, t.id)
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
  })

  it('403 when not connected, for an unknown thing and an unknown channel alike', async () => {
    const { c, t } = await connectedPair()
    const lone = await newThing((await newUser()).token)
    expectError(await byId(c, lone.id), 403)
    expectError(await byId(c, crypto.randomUUID()), 403)
    expectError(await byId(crypto.randomUUID(), t.id), 403)
    expectError(await byId(c, 't'.repeat(600)), 403)
  })

  it('400 without thing_id, 415 without JSON', async () => {
    const { c } = await connectedPair()
    expectError(
      await api('POST', `/identify/channels/${c}/access-by-id`, { json: {} }),
      400,
      /thing_id/
    )
    expectError(await api('POST', `/identify/channels/${c}/access-by-id`, { body: '{}' }), 415)
  })
})

describe('access cache: served from KV', () => {
  it('a key is served from KV after two misses; a miss costs 1 D1 round trip, a hit 0', async () => {
    const { c, t } = await connectedPair()
    expect(await warm((o) => byKey(c, t.key, o))).toEqual([1, 1, 0])
    const hash = await sha256(t.key)
    const km = await env.CACHE.get(`km:${hash}`)
    const ch = await env.CACHE.get(`ch:${c}`)
    expect(await env.CACHE.get(`ak:${c}:${hash}`)).toBe(`${t.id}|${km}.${ch}`)
    const hit = await counted((o) => byKey(c, t.key, o))
    expect(hit.res.body).toEqual({ id: t.id })
    expect(hit.d1).toBe(0)
  })

  it('every hit is one KV call (a bulk get of the names the request carries) and no D1 trip', async () => {
    const { c, t } = await connectedPair()
    await warm((o) => byKey(c, t.key, o))
    await warm((o) => identify(t.key, o))
    await warm((o) => byId(c, t.id, o))
    const hash = await sha256(t.key)
    const cases = [
      { run: (o: Env) => identify(t.key, o), keys: [`tk:${hash}`, `km:${hash}`] },
      {
        run: (o: Env) => byKey(c, t.key, o),
        keys: [`km:${hash}`, `ch:${c}`, `ak:${c}:${hash}`],
      },
      { run: (o: Env) => byId(c, t.id, o), keys: [`th:${t.id}`, `ch:${c}`, `ac:${c}:${t.id}`] },
    ]
    for (const { run, keys } of cases) {
      const { kv, counter } = countingKv()
      const { db, counter: d1 } = countingD1(env.DB)
      const res = await run({ CACHE: kv, DB: db })
      expect(res.status, res.text).toBe(200)
      expect(d1.calls).toBe(0)
      expect(counter.ops).toBe(1)
      // The request's own names first, then the throttles' lock markers (read in the same call).
      expect((counter.gets[0] as string[]).slice(0, keys.length)).toEqual(keys)
    }
  })

  it('identify and access-by-id are served from KV too', async () => {
    const { c, t } = await connectedPair()
    expect(await warm((o) => identify(t.key, o))).toEqual([1, 1, 0])
    const trips = await warm((o) => byId(c, t.id, o))
    expect(trips.at(-1)).toBe(0)
    expect(trips.length).toBeLessThanOrEqual(3)
  })

  it('never puts a raw key into a KV key name', async () => {
    const u = await newUser()
    const key = `raw-secret-${uid()}`
    const t = await newThing(u.token, { key })
    const c = await newChannel(u.token)
    await connect(u.token, [c], [t.id])
    await warm((o) => byKey(c, key, o))
    await warm((o) => identify(key, o))
    const names = await kvKeys()
    expect(names).toContain(`tk:${await sha256(key)}`)
    expect(names.some((name) => name.includes(key))).toBe(false)
  })

  it('denials are not cached: connecting allows on the very next call', async () => {
    const u = await newUser()
    const [c, t] = [await newChannel(u.token), await newThing(u.token)]
    for (let i = 0; i < 3; i++) expectError(await byKey(c, t.key), 403)
    for (let i = 0; i < 3; i++) expectError(await byId(c, t.id), 403)
    await connect(u.token, [c], [t.id])
    expect((await byKey(c, t.key)).status).toBe(200)
    expect((await byId(c, t.id)).status).toBe(200)
  })

  it('FLUXGATE_CACHE_TTL=0 turns the cache off: every check asks D1, nothing is written to KV', async () => {
    const { c, t } = await connectedPair()
    const off = { FLUXGATE_CACHE_TTL: '0' } as Env
    for (let i = 0; i < 3; i++) {
      const { res, d1 } = await counted((o) => byKey(c, t.key, { ...o, ...off }))
      expect(res.status).toBe(200)
      expect(d1).toBe(1)
    }
    expect(await env.CACHE.get(`th:${t.id}`)).toBeNull()
    expect(await env.CACHE.get(`tk:${await sha256(t.key)}`)).toBeNull()
  })

  it('an invalid FLUXGATE_CACHE_TTL (below the KV minimum) is a configuration error', async () => {
    const res = await identify('x', { FLUXGATE_CACHE_TTL: '30' } as Env)
    expectError(res, 500, 'server misconfigured')
  })
})

describe('access cache: every write that changes the answer takes effect on the next call', () => {
  it('single disconnect → 403 by key and by id', async () => {
    const { u, c, t } = await connectedPair()
    await warm((o) => byKey(c, t.key, o))
    await warm((o) => byId(c, t.id, o))
    expect((await api('DELETE', `/channels/${c}/things/${t.id}`, { token: u.token })).status).toBe(
      204
    )
    expectError(await byKey(c, t.key), 403)
    expectError(await byId(c, t.id), 403)
  })

  it('bulk disconnect (thing side smaller) → 403 for every removed pair, others still allowed', async () => {
    const u = await newUser()
    const chans = [await newChannel(u.token), await newChannel(u.token), await newChannel(u.token)]
    const t = await newThing(u.token)
    await connect(u.token, chans, [t.id])
    for (const c of chans) await warm((o) => byKey(c, t.key, o))
    const res = await api('POST', '/disconnect', {
      token: u.token,
      json: { channel_ids: chans.slice(0, 2), thing_ids: [t.id] },
    })
    expect(res.status).toBe(200)
    expectError(await byKey(chans[0]!, t.key), 403)
    expectError(await byKey(chans[1]!, t.key), 403)
    expect((await byKey(chans[2]!, t.key)).status).toBe(200)
  })

  it('bulk disconnect (channel side smaller) → 403 for every removed pair', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const things = [await newThing(u.token), await newThing(u.token), await newThing(u.token)]
    await connect(
      u.token,
      [c],
      things.map((t) => t.id)
    )
    for (const t of things) await warm((o) => byId(c, t.id, o))
    const res = await api('POST', '/disconnect', {
      token: u.token,
      json: { channel_ids: [c], thing_ids: things.map((t) => t.id) },
    })
    expect(res.status).toBe(200)
    for (const t of things) {
      expectError(await byId(c, t.id), 403)
      expectError(await byKey(c, t.key), 403)
    }
  })

  it('thing removal → 401 by key and on identify, 403 by id; its entries are gone', async () => {
    const { u, c, t } = await connectedPair()
    await warm((o) => byKey(c, t.key, o))
    await warm((o) => identify(t.key, o))
    await warm((o) => byId(c, t.id, o))
    expect((await api('DELETE', `/things/${t.id}`, { token: u.token })).status).toBe(204)
    expectError(await byKey(c, t.key), 401)
    expectError(await identify(t.key), 401)
    expectError(await byId(c, t.id), 403)
    expect(await env.CACHE.get(`tk:${await sha256(t.key)}`)).toBeNull()
    expect(await env.CACHE.get(`th:${t.id}`)).toBeNull()
  })

  it('key rotation → the old key is 401 at once, the new key works', async () => {
    const { u, c, t } = await connectedPair()
    await warm((o) => byKey(c, t.key, o))
    await warm((o) => identify(t.key, o))
    const key = `rotated-${uid()}`
    expect(
      (await api('PATCH', `/things/${t.id}/key`, { token: u.token, json: { key } })).status
    ).toBe(200)
    expect(await env.CACHE.get(`tk:${await sha256(t.key)}`)).toBeNull()
    expectError(await identify(t.key), 401)
    expectError(await byKey(c, t.key), 401)
    expect((await identify(key)).body).toEqual({ id: t.id })
    expect((await byKey(c, key)).body).toEqual({ id: t.id })
    await warm((o) => byKey(c, key, o))
    expectError(await byKey(c, t.key), 401)
  })

  it('an old key handed to another thing identifies the new holder at once', async () => {
    const { u, c, t } = await connectedPair()
    await warm((o) => byKey(c, t.key, o))
    const oldKey = t.key
    expect(
      (
        await api('PATCH', `/things/${t.id}/key`, {
          token: u.token,
          json: { key: `moved-${uid()}` },
        })
      ).status
    ).toBe(200)
    const heir = await newThing(u.token, { key: oldKey })
    expect((await identify(oldKey)).body).toEqual({ id: heir.id })
    expectError(await byKey(c, oldKey), 403)
  })

  it('channel removal → 403 by key and by id', async () => {
    const { u, c, t } = await connectedPair()
    await warm((o) => byKey(c, t.key, o))
    await warm((o) => byId(c, t.id, o))
    expect((await api('DELETE', `/channels/${c}`, { token: u.token })).status).toBe(204)
    expectError(await byKey(c, t.key), 403)
    expectError(await byId(c, t.id), 403)
    expect(await env.CACHE.get(`ch:${c}`)).toBeNull()
  })
})

describe('access cache: a fill that lands after a concurrent write never allows', () => {
  /** The cache as a request sees it; fills are collected so the test can await them. */
  function requestCache() {
    const pending: Promise<unknown>[] = []
    const cache = makeThingCache(env.CACHE, 300, (p) => pending.push(p))
    return { cache, flush: () => Promise.all(pending) }
  }

  /** Puts the markers in place without the ac and ak entries: one check of each kind. */
  async function markersOnly(c: string, t: { id: string; key: string }) {
    expect((await byKey(c, t.key)).status).toBe(200)
    expect((await byId(c, t.id)).status).toBe(200)
    expect(await env.CACHE.get(`ac:${c}:${t.id}`)).toBeNull()
    const hash = await sha256(t.key)
    expect(await env.CACHE.get(`km:${hash}`)).not.toBeNull()
    expect(await env.CACHE.get(`th:${t.id}`)).not.toBeNull()
    expect(await env.CACHE.get(`ak:${c}:${hash}`)).toBeNull()
  }

  it('disconnect between the D1 read and the fill', async () => {
    const { u, c, t } = await connectedPair()
    await markersOnly(c, t)
    const { cache, flush } = requestCache()
    const look = await cache.accessByKey(t.key, c)
    expect(look.id).toBeUndefined()
    // D1 said "connected" here; then the disconnect commits and invalidates; then the fill lands.
    expect((await api('DELETE', `/channels/${c}/things/${t.id}`, { token: u.token })).status).toBe(
      204
    )
    cache.fillLater(look.snap, { thingId: t.id, connected: true })
    await flush()
    // The late entry landed, but it names the key marker the disconnect deleted.
    expect(await env.CACHE.get(`ak:${c}:${await sha256(t.key)}`)).not.toBeNull()
    expectError(await byKey(c, t.key), 403)
    expectError(await byId(c, t.id), 403)
  })

  it('key rotation between the D1 read and the fill', async () => {
    const { u, c, t } = await connectedPair()
    await markersOnly(c, t)
    const { cache, flush } = requestCache()
    const look = await cache.accessByKey(t.key, c)
    const idLook = await cache.identify(t.key)
    expect(
      (await api('PATCH', `/things/${t.id}/key`, { token: u.token, json: { key: `r-${uid()}` } }))
        .status
    ).toBe(200)
    cache.fillLater(look.snap, { thingId: t.id, connected: true })
    cache.fillLater(idLook.snap, { thingId: t.id })
    await flush()
    expect(await env.CACHE.get(`tk:${await sha256(t.key)}`)).toMatch(new RegExp(`^${t.id}\\|.+`))
    expectError(await identify(t.key), 401)
    expectError(await byKey(c, t.key), 401)
  })

  it('channel removal between the D1 read and the fill', async () => {
    const { u, c, t } = await connectedPair()
    await markersOnly(c, t)
    const { cache, flush } = requestCache()
    const look = await cache.accessById(t.id, c)
    expect((await api('DELETE', `/channels/${c}`, { token: u.token })).status).toBe(204)
    cache.fillLater(look.snap, { thingId: t.id, connected: true })
    await flush()
    expectError(await byId(c, t.id), 403)
    expectError(await byKey(c, t.key), 403)
  })

  it('thing removal between the D1 read and the fill', async () => {
    const { u, c, t } = await connectedPair()
    await markersOnly(c, t)
    await identify(t.key)
    const { cache, flush } = requestCache()
    const look = await cache.identify(t.key)
    const acc = await cache.accessById(t.id, c)
    expect((await api('DELETE', `/things/${t.id}`, { token: u.token })).status).toBe(204)
    cache.fillLater(look.snap, { thingId: t.id })
    cache.fillLater(acc.snap, { thingId: t.id, connected: true })
    await flush()
    expectError(await identify(t.key), 401)
    expectError(await byId(c, t.id), 403)
  })

  it('a first check racing a disconnect (nothing cached yet) creates markers only', async () => {
    const { u, c, t } = await connectedPair()
    const { cache, flush } = requestCache()
    const look = await cache.accessByKey(t.key, c)
    expect(look.snap as Snapshot).toMatchObject({ km: null, ch: null })
    expect(
      (
        await api('POST', '/disconnect', {
          token: u.token,
          json: { channel_ids: [c], thing_ids: [t.id] },
        })
      ).status
    ).toBe(200)
    cache.fillLater(look.snap, { thingId: t.id, connected: true })
    await flush()
    expect(await env.CACHE.get(`ak:${c}:${await sha256(t.key)}`)).toBeNull()
    expectError(await byKey(c, t.key), 403)
  })
})

describe('D1 round trips', () => {
  it('each single write, read and list is exactly one round trip', async () => {
    const u = await newUser()
    const auth = { token: u.token }
    const t = await newThing(u.token, { metadata: { kind: 'x' } })
    const c = await newChannel(u.token)
    const cases: [string, string, unknown?][] = [
      ['POST', '/things', { name: 'one' }],
      ['POST', '/things/bulk', Array.from({ length: 100 }, (_, i) => ({ name: `b${i}` }))],
      ['GET', '/things?limit=100'],
      ['GET', `/things?limit=100&name=b&metadata=${encodeURIComponent('{"kind":"x"}')}`],
      ['POST', '/things/search', { metadata: { kind: 'x' } }],
      ['GET', `/things/${t.id}`],
      ['PUT', `/things/${t.id}`, { name: 'renamed', metadata: { kind: 'x' } }],
      ['PATCH', `/things/${t.id}/key`, { key: `k-${uid()}` }],
      ['POST', '/channels', {}],
      ['POST', '/channels/bulk', [{}, {}]],
      ['GET', '/channels'],
      ['GET', `/channels/${c}`],
      ['PUT', `/channels/${c}`, { name: 'c' }],
      ['PUT', `/channels/${c}/things/${t.id}`],
      ['POST', '/connect', { channel_ids: [c], thing_ids: [t.id] }],
      ['GET', `/channels/${c}/things`],
      ['GET', `/channels/${c}/things?connected=false`],
      ['GET', `/things/${t.id}/channels`],
      ['GET', `/things/${t.id}/channels?disconnected=true`],
      ['DELETE', `/channels/${c}/things/${t.id}`],
      ['POST', '/disconnect', { channel_ids: [c], thing_ids: [t.id] }],
      ['DELETE', `/channels/${c}`],
      ['DELETE', `/things/${t.id}`],
    ]
    for (const [method, path, json] of cases) {
      const { res, d1 } = await counted((o) => call(method, path, { ...auth, json }, o))
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300)
      expect(d1, `${method} ${path}`).toBe(1)
    }
  })
})
