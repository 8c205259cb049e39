import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, countAll, expectError, newUser, type TestUser, uid } from '../helpers'
import { call, connect, newChannel, newThing } from '../things/helpers'
import { counted, newConfig } from './helpers'

const view = (u: TestUser, id: string) => api('GET', `/things/configs/${id}`, { token: u.token })
const setState = (u: TestUser, id: string, json: unknown) =>
  api('PUT', `/things/state/${id}`, { token: u.token, json })
const byKey = (chanId: string, key: string) =>
  api('POST', `/identify/channels/${chanId}/access-by-key`, { json: { token: key } })
/** Allowed three times: by then the answer is served from the access cache (two misses fill it). */
async function cachedByKey(chanId: string, key: string) {
  for (let i = 0; i < 3; i++) expect((await byKey(chanId, key)).status).toBe(200)
}
const thingKeyOf = async (u: TestUser, id: string) =>
  (await api('GET', `/things/${id}`, { token: u.token })).body.key as string

describe('routing', () => {
  it('/things/configs, /things/configs/{id}, /things/state/{id} and /things/bootstrap/{id} reach bootstrap, not things', async () => {
    const u = await newUser()
    const list = await api('GET', '/things/configs', { token: u.token })
    expect(list.status, list.text).toBe(200)
    expect(list.body).toEqual({ total: 0, offset: 0, limit: 10, configs: [] })
    expectError(
      await api('GET', `/things/configs/${crypto.randomUUID()}`, { token: u.token }),
      404,
      'config not found'
    )
    expectError(await setState(u, crypto.randomUUID(), { state: 1 }), 404, 'config not found')
    expectError(await api('GET', '/things/bootstrap/some-gateway'), 401, 'missing external key')
    // The things routes still answer their own paths.
    const t = await newThing(u.token)
    expect((await api('GET', `/things/${t.id}`, { token: u.token })).body.id).toBe(t.id)
  })

  it('every bootstrap route is in the OpenAPI document', async () => {
    const doc = await api('GET', '/openapi.json')
    const paths = Object.keys(doc.body.paths)
    for (const path of [
      '/things/configs',
      '/things/configs/{id}',
      '/things/configs/certs/{id}',
      '/things/configs/connections/{id}',
      '/things/state/{id}',
      '/things/bootstrap/{externalId}',
      '/things/bootstrap/secure/{externalId}',
      '/things/bootstrap/sealed/{externalId}',
    ]) {
      expect(paths).toContain(path)
    }
    expect(doc.body.components.securitySchemes.externalKey.in).toBe('header')
  })
})

describe('POST /things/configs', () => {
  it('201 with Location; creates an inactive config and a new thing, connects nothing', async () => {
    const u = await newUser()
    const c = await newChannel(u.token, { name: 'control', metadata: { type: 'control' } })
    const externalId = `gw-${uid()}`
    const res = await api('POST', '/things/configs', {
      token: u.token,
      json: {
        external_id: externalId,
        external_key: 'secret-1',
        channels: [c, c],
        name: 'gw',
        content: '{"a":1}',
      },
    })
    expect(res.status, res.text).toBe(201)
    expect(res.text).toBe('')
    const id = res.headers.get('Location')!.replace('/things/configs/', '')
    const thing = await api('GET', `/things/${id}`, { token: u.token })
    expect(thing.status).toBe(200)
    const cfg = await view(u, id)
    expect(cfg.body).toEqual({
      mainflux_id: id,
      mainflux_key: thing.body.key,
      mainflux_channels: [{ id: c, name: 'control', metadata: { type: 'control' } }],
      external_id: externalId,
      content: '{"a":1}',
      name: 'gw',
      state: 0,
    })
    const chans = await api('GET', `/things/${id}/channels`, { token: u.token })
    expect(chans.body.total).toBe(0)
  })

  it('for an existing thing of the caller (thing_id), and with an API key', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    const key = await api('POST', '/keys', { token: u.token, json: { type: 2, duration: 3600 } })
    const res = await api('POST', '/things/configs', {
      auth: key.body.value,
      json: { external_id: `gw-${uid()}`, external_key: 'k', thing_id: t.id },
    })
    expect(res.status, res.text).toBe(201)
    expect(res.headers.get('Location')).toBe(`/things/configs/${t.id}`)
    expect((await view(u, t.id)).body.mainflux_key).toBe(t.key)
  })

  it('stores certificates and never the external key', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token, { client_cert: 'CERT', client_key: 'KEY', ca_cert: 'CA' })
    const body = (await view(u, cfg.id)).body
    expect(body).toMatchObject({ client_cert: 'CERT', client_key: 'KEY', ca_cert: 'CA' })
    expect(body.external_key).toBeUndefined()
    const row = await env.DB.prepare(
      'SELECT external_key_hash AS h FROM bootstrap_configs WHERE thing_id = ?'
    )
      .bind(cfg.id)
      .first<{ h: string }>()
    expect(row!.h).toMatch(/^v1:[A-Za-z0-9_-]{43}$/)
    expect(row!.h).not.toContain(cfg.externalKey)
  })

  it("404 for an unknown or another owner's thing or channel; nothing is written", async () => {
    const u = await newUser()
    const other = await newUser()
    const foreignThing = await newThing(other.token)
    const foreignChan = await newChannel(other.token)
    const mine = await newChannel(u.token)
    const cases: [Record<string, unknown>, string][] = [
      [{ thing_id: crypto.randomUUID() }, 'thing not found'],
      [{ thing_id: foreignThing.id }, 'thing not found'],
      [{ channels: [mine, crypto.randomUUID()] }, 'channel not found'],
      [{ channels: [foreignChan] }, 'channel not found'],
    ]
    for (const [extra, message] of cases) {
      const before = await countAll()
      const res = await api('POST', '/things/configs', {
        token: u.token,
        json: { external_id: `gw-${uid()}`, external_key: 'k', ...extra },
      })
      expectError(res, 404, message)
      expect(await countAll()).toEqual(before)
    }
  })

  it('409 for an external id in use (any owner) or a thing that has a config; nothing is written', async () => {
    const u = await newUser()
    const first = await newConfig(u.token)
    const other = await newUser()
    let before = await countAll()
    const dup = await api('POST', '/things/configs', {
      token: other.token,
      json: { external_id: first.externalId, external_key: 'k' },
    })
    expectError(dup, 409, 'external_id already in use')
    expect(await countAll()).toEqual(before)
    before = await countAll()
    const again = await api('POST', '/things/configs', {
      token: u.token,
      json: { external_id: `gw-${uid()}`, external_key: 'k', thing_id: first.id },
    })
    expectError(again, 409, 'thing already has a bootstrap config')
    expect(await countAll()).toEqual(before)
  })

  it.each([
    { desc: 'missing external_id', json: { external_key: 'k' }, message: /external_id/ },
    {
      desc: 'empty external_id',
      json: { external_id: '', external_key: 'k' },
      message: /external_id/,
    },
    { desc: 'missing external_key', json: { external_id: 'x' }, message: /external_key/ },
    {
      desc: 'empty external_key',
      json: { external_id: 'x', external_key: '' },
      message: /external_key/,
    },
    {
      desc: 'external_id with a slash',
      json: { external_id: 'a/b', external_key: 'k' },
      message: /external_id/,
    },
    {
      desc: 'external_id with a control character',
      json: { external_id: 'a\nb', external_key: 'k' },
      message: /external_id/,
    },
    {
      desc: 'external_id over 256 bytes',
      json: { external_id: 'é'.repeat(129), external_key: 'k' },
      message: /256 bytes/,
    },
    {
      desc: 'channels not an array',
      json: { external_id: 'x', external_key: 'k', channels: 'c' },
      message: /channels/,
    },
    {
      desc: 'an empty channel id',
      json: { external_id: 'x', external_key: 'k', channels: [''] },
      message: /channels/,
    },
    {
      desc: 'name too long',
      json: { external_id: 'x', external_key: 'k', name: 'n'.repeat(1025) },
      message: /name/,
    },
    {
      desc: 'content not a string',
      json: { external_id: 'x', external_key: 'k', content: { a: 1 } },
      message: /content/,
    },
  ])('400 for $desc; nothing is written', async ({ json, message }) => {
    const u = await newUser()
    const before = await countAll()
    expectError(await api('POST', '/things/configs', { token: u.token, json }), 400, message)
    expect(await countAll()).toEqual(before)
  })

  it.each([
    { desc: '"."', id: '.', message: /must not be "\." or "\.\."/ },
    { desc: '".."', id: '..', message: /must not be "\." or "\.\."/ },
    { desc: 'a space', id: ' ', message: /blank/ },
    { desc: 'only white space', id: ' \t\u3000 ', message: /blank/ },
    { desc: 'a leading space', id: ' gw', message: /white space/ },
    { desc: 'a trailing no-break space', id: 'gw\u00a0', message: /white space/ },
    { desc: 'NEL (U+0085, a C1 control)', id: 'gw\u0085x', message: /U\+0085 at offset 2/ },
    { desc: 'LINE SEPARATOR (U+2028)', id: 'gw\u2028x', message: /U\+2028/ },
    { desc: 'PARAGRAPH SEPARATOR (U+2029)', id: 'gw\u2029x', message: /U\+2029/ },
    { desc: 'ZERO WIDTH SPACE (U+200B)', id: 'gw\u200bx', message: /U\+200B/ },
    { desc: 'a byte-order mark (U+FEFF)', id: '\ufeffgw', message: /U\+FEFF/ },
    { desc: 'a bidi override (U+202E)', id: 'gw\u202ex', message: /U\+202E/ },
    { desc: 'a private-use character', id: 'gw\ue000', message: /U\+E000/ },
    { desc: 'a noncharacter (U+FFFF)', id: 'gw\uffff', message: /U\+FFFF/ },
    { desc: 'DEL', id: 'gw\u007f', message: /U\+007F/ },
  ])(
    '400 for an external_id that could never be fetched: $desc; nothing is written',
    async ({ id, message }) => {
      const u = await newUser()
      const before = await countAll()
      const res = await api('POST', '/things/configs', {
        token: u.token,
        json: { external_id: id, external_key: 'k' },
      })
      expectError(res, 400, message)
      expect(res.body.error).toMatch(
        /^malformed entity specification: external_id: external_id must/
      )
      expect(await countAll()).toEqual(before)
    }
  )

  it.each([
    '...',
    '.gw',
    'gw.',
    'my gateway',
    'gw\u00a0one',
    'Ünïcödé-網關',
    '02:42:ac:11:00:02',
    '%2E',
    'a\\b',
  ])('accepts the external_id %j, and the gateway can fetch it', async (id) => {
    const u = await newUser()
    // Each id is used once in this file (external ids are unique across owners).
    const cfg = await newConfig(u.token, { external_id: id })
    const res = await call('GET', `/things/bootstrap/${encodeURIComponent(cfg.externalId)}`, {
      auth: cfg.externalKey,
    })
    expect(res.status, res.text).toBe(200)
    expect(res.body.mainflux_id).toBe(cfg.id)
  })

  it('400 for malformed JSON, 415 without JSON, 401 without or with a bad token', async () => {
    const u = await newUser()
    const headers = { 'Content-Type': 'application/json' }
    expectError(await api('POST', '/things/configs', { token: u.token, body: '{', headers }), 400)
    expectError(await api('POST', '/things/configs', { token: u.token, body: '{}' }), 415)
    expectError(
      await api('POST', '/things/configs', { json: { external_id: 'x', external_key: 'k' } }),
      401
    )
    expectError(
      await api('POST', '/things/configs', {
        token: 'nope',
        json: { external_id: 'x', external_key: 'k' },
      }),
      401
    )
  })
})

describe('GET /things/configs/{id}', () => {
  it('lists channels control, data, then the rest by name', async () => {
    const u = await newUser()
    const b = await newChannel(u.token, { name: 'b-extra' })
    const data = await newChannel(u.token, { name: 'zz-data', metadata: { type: 'data' } })
    const a = await newChannel(u.token, { name: 'a-extra' })
    const control = await newChannel(u.token, { name: 'zz-control', metadata: { type: 'control' } })
    const cfg = await newConfig(u.token, { channels: [b, data, a, control] })
    const ids = (await view(u, cfg.id)).body.mainflux_channels.map((c: { id: string }) => c.id)
    expect(ids).toEqual([control, data, a, b])
  })

  it("404 for an unknown or another owner's config; 401 without a token", async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    const other = await newUser()
    expectError(await view(other, cfg.id), 404, 'config not found')
    expectError(await view(u, crypto.randomUUID()), 404)
    expectError(await api('GET', `/things/configs/${cfg.id}`), 401)
  })
})

describe('GET /things/configs', () => {
  it('pages by thing id; limit 0 → 10, above 100 → 100; total independent of paging; no channels', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const made = []
    for (let i = 0; i < 12; i++)
      made.push(await newConfig(u.token, { channels: [c], name: `n${i}` }))
    const sorted = made.map((m) => m.id).sort()
    const first = await api('GET', '/things/configs', { token: u.token })
    expect(first.body.total).toBe(12)
    expect(first.body.limit).toBe(10)
    expect(first.body.configs.map((x: { mainflux_id: string }) => x.mainflux_id)).toEqual(
      sorted.slice(0, 10)
    )
    expect(first.body.configs[0].mainflux_channels).toBeUndefined()
    expect(first.body.configs[0].external_key).toBeUndefined()
    const second = await api('GET', '/things/configs?offset=10&limit=0', { token: u.token })
    expect(second.body).toMatchObject({ total: 12, offset: 10, limit: 10 })
    expect(second.body.configs.map((x: { mainflux_id: string }) => x.mainflux_id)).toEqual(
      sorted.slice(10)
    )
    const big = await api('GET', '/things/configs?limit=500', { token: u.token })
    expect(big.body.limit).toBe(100)
    expect(big.body.configs).toHaveLength(12)
  })

  it('filters by state, external_id, mainflux_id, mainflux_key and name (literal, case-insensitive)', async () => {
    const u = await newUser()
    const tag = uid()
    const a = await newConfig(u.token, { name: `Alpha_${tag}` })
    const b = await newConfig(u.token, { name: `beta%${tag}` })
    expect((await setState(u, b.id, { state: 1 })).status).toBe(200)
    const ids = async (q: string) =>
      (await api('GET', `/things/configs?${q}`, { token: u.token })).body.configs.map(
        (x: { mainflux_id: string }) => x.mainflux_id
      )
    expect(await ids('state=1')).toEqual([b.id])
    expect(await ids('state=0')).toEqual([a.id])
    expect(await ids(`external_id=${a.externalId}`)).toEqual([a.id])
    expect(await ids(`mainflux_id=${b.id}`)).toEqual([b.id])
    expect(await ids(`mainflux_key=${await thingKeyOf(u, a.id)}`)).toEqual([a.id])
    expect(await ids(`name=ALPHA_${tag}`)).toEqual([a.id])
    expect(await ids(`name=${encodeURIComponent(`%${tag}`)}`)).toEqual([b.id])
    expect(await ids('name=a_')).toEqual([a.id])
    expect(await ids(`external_id=nope-${tag}`)).toEqual([])
  })

  it("shows only the caller's configs", async () => {
    const u = await newUser()
    const other = await newUser()
    await newConfig(other.token)
    const mine = await newConfig(u.token)
    const res = await api('GET', '/things/configs', { token: u.token })
    expect(res.body.configs.map((x: { mainflux_id: string }) => x.mainflux_id)).toEqual([mine.id])
  })

  it('400 for a bad offset, limit or state; 401 without a token', async () => {
    const u = await newUser()
    for (const q of [
      'offset=-1',
      'offset=x',
      'limit=abc',
      'state=2',
      'state=on',
      'state=0&state=1',
    ]) {
      expectError(
        await api('GET', `/things/configs?${q}`, { token: u.token }),
        400,
        /invalid query parameters/
      )
    }
    expectError(await api('GET', '/things/configs'), 401)
  })
})

describe('PUT /things/configs/{id} and PATCH /things/configs/certs/{id}', () => {
  it('replace name and content; omitted fields are cleared', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token, { name: 'old', content: 'old' })
    const res = await api('PUT', `/things/configs/${cfg.id}`, {
      token: u.token,
      json: { name: 'new', content: 'c2' },
    })
    expect(res.status, res.text).toBe(200)
    expect(res.text).toBe('')
    expect((await view(u, cfg.id)).body).toMatchObject({ name: 'new', content: 'c2' })
    expect(
      (await api('PUT', `/things/configs/${cfg.id}`, { token: u.token, json: {} })).status
    ).toBe(200)
    const cleared = (await view(u, cfg.id)).body
    expect(cleared.name).toBeUndefined()
    expect(cleared.content).toBeUndefined()
  })

  it('replace the certificate fields', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token, { client_cert: 'A', client_key: 'B', ca_cert: 'C' })
    const res = await api('PATCH', `/things/configs/certs/${cfg.id}`, {
      token: u.token,
      json: { client_cert: 'A2', ca_cert: 'C2' },
    })
    expect(res.status, res.text).toBe(200)
    const body = (await view(u, cfg.id)).body
    expect(body).toMatchObject({ client_cert: 'A2', ca_cert: 'C2' })
    expect(body.client_key).toBeUndefined()
  })

  it("404 for an unknown or another owner's config; 400; 415; 401", async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token, { name: 'keep' })
    const other = await newUser()
    for (const [method, path] of [
      ['PUT', `/things/configs/${cfg.id}`],
      ['PATCH', `/things/configs/certs/${cfg.id}`],
    ] as const) {
      expectError(
        await api(method, path, { token: other.token, json: {} }),
        404,
        'config not found'
      )
      expectError(
        await api(method, path.replace(cfg.id, crypto.randomUUID()), { token: u.token, json: {} }),
        404
      )
      expectError(await api(method, path, { token: u.token, body: '{}' }), 415)
      expectError(await api(method, path, { json: {} }), 401)
    }
    expectError(
      await api('PUT', `/things/configs/${cfg.id}`, { token: u.token, json: { name: 5 } }),
      400,
      /name/
    )
    expectError(
      await api('PATCH', `/things/configs/certs/${cfg.id}`, {
        token: u.token,
        json: { ca_cert: [] },
      }),
      400,
      /ca_cert/
    )
    expect((await view(u, cfg.id)).body.name).toBe('keep')
  })
})

describe('PUT /things/state/{id}', () => {
  it('1 connects the thing to every config channel; 0 disconnects them; access by key follows', async () => {
    const u = await newUser()
    const [c1, c2] = [await newChannel(u.token), await newChannel(u.token)]
    const cfg = await newConfig(u.token, { channels: [c1, c2] })
    const key = await thingKeyOf(u, cfg.id)
    expectError(await byKey(c1, key), 403)
    const on = await setState(u, cfg.id, { state: 1 })
    expect(on.status, on.text).toBe(200)
    expect(on.text).toBe('')
    expect((await view(u, cfg.id)).body.state).toBe(1)
    await cachedByKey(c1, key)
    await cachedByKey(c2, key)
    expect((await setState(u, cfg.id, { state: 0 })).status).toBe(200)
    expect((await view(u, cfg.id)).body.state).toBe(0)
    expectError(await byKey(c1, key), 403)
    expectError(await byKey(c2, key), 403)
  })

  it('the same state again is a no-op; {} and null mean 0 (the Go SDK omits a zero state)', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const cfg = await newConfig(u.token, { channels: [c] })
    const key = await thingKeyOf(u, cfg.id)
    // Inactive, but connected by hand: repeating 0 must not disconnect it.
    await connect(u.token, [c], [cfg.id])
    for (const body of [{ state: 0 }, {}, { state: null }]) {
      expect((await setState(u, cfg.id, body)).status).toBe(200)
      expect((await byKey(c, key)).status).toBe(200)
    }
    expect((await setState(u, cfg.id, { state: 1 })).status).toBe(200)
    expect((await setState(u, cfg.id, { state: 1 })).status).toBe(200)
    expect((await byKey(c, key)).status).toBe(200)
    expect((await setState(u, cfg.id, {})).status).toBe(200)
    expect((await view(u, cfg.id)).body.state).toBe(0)
    expectError(await byKey(c, key), 403)
  })

  it('deactivating disconnects only that thing: another config on the same channel stays connected', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const a = await newConfig(u.token, { channels: [c] })
    const b = await newConfig(u.token, { channels: [c] })
    await setState(u, a.id, { state: 1 })
    await setState(u, b.id, { state: 1 })
    await setState(u, a.id, { state: 0 })
    expectError(await byKey(c, await thingKeyOf(u, a.id)), 403)
    expect((await byKey(c, await thingKeyOf(u, b.id))).status).toBe(200)
    expect((await view(u, b.id)).body.state).toBe(1)
  })

  it("400 for other values; 404 unknown or another owner's; 415; 401", async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    for (const state of [2, -1, '1', true, 0.5]) {
      expectError(await setState(u, cfg.id, { state }), 400, /state must be 0 or 1/)
    }
    const other = await newUser()
    expectError(await setState(other, cfg.id, { state: 1 }), 404, 'config not found')
    expect((await view(u, cfg.id)).body.state).toBe(0)
    expectError(
      await api('PUT', `/things/state/${cfg.id}`, { token: u.token, body: '{"state":1}' }),
      415
    )
    expectError(await api('PUT', `/things/state/${cfg.id}`, { json: { state: 1 } }), 401)
  })
})

describe('PUT /things/configs/connections/{id}', () => {
  it('replaces the channels; an empty list clears them (0.12.1 kept them)', async () => {
    const u = await newUser()
    const [c1, c2, c3] = [
      await newChannel(u.token),
      await newChannel(u.token),
      await newChannel(u.token),
    ]
    const cfg = await newConfig(u.token, { channels: [c1, c2] })
    const path = `/things/configs/connections/${cfg.id}`
    const res = await api('PUT', path, { token: u.token, json: { channels: [c2, c3] } })
    expect(res.status, res.text).toBe(200)
    const ids = async () =>
      ((await view(u, cfg.id)).body.mainflux_channels ?? []).map((c: { id: string }) => c.id).sort()
    expect(await ids()).toEqual([c2, c3].sort())
    expect((await api('PUT', path, { token: u.token, json: { channels: [] } })).status).toBe(200)
    expect(await ids()).toEqual([])
  })

  it("while active, the thing's connections follow: added connected, dropped disconnected", async () => {
    const u = await newUser()
    const [c1, c2, c3] = [
      await newChannel(u.token),
      await newChannel(u.token),
      await newChannel(u.token),
    ]
    const cfg = await newConfig(u.token, { channels: [c1, c2] })
    await setState(u, cfg.id, { state: 1 })
    const key = await thingKeyOf(u, cfg.id)
    await cachedByKey(c1, key)
    await api('PUT', `/things/configs/connections/${cfg.id}`, {
      token: u.token,
      json: { channels: [c2, c3] },
    })
    expectError(await byKey(c1, key), 403)
    expect((await byKey(c2, key)).status).toBe(200)
    expect((await byKey(c3, key)).status).toBe(200)
  })

  it('while inactive, connections are left alone', async () => {
    const u = await newUser()
    const [c1, c2] = [await newChannel(u.token), await newChannel(u.token)]
    const cfg = await newConfig(u.token, { channels: [c1] })
    await connect(u.token, [c1], [cfg.id])
    const key = await thingKeyOf(u, cfg.id)
    await api('PUT', `/things/configs/connections/${cfg.id}`, {
      token: u.token,
      json: { channels: [c2] },
    })
    expect((await byKey(c1, key)).status).toBe(200)
    expectError(await byKey(c2, key), 403)
  })

  it('404 for an unknown or foreign channel or config, and nothing changes; 400 without channels; 415; 401', async () => {
    const u = await newUser()
    const c1 = await newChannel(u.token)
    const cfg = await newConfig(u.token, { channels: [c1] })
    await setState(u, cfg.id, { state: 1 })
    const other = await newUser()
    const foreign = await newChannel(other.token)
    const path = `/things/configs/connections/${cfg.id}`
    for (const channels of [[crypto.randomUUID()], [foreign]]) {
      const before = await countAll()
      expectError(
        await api('PUT', path, { token: u.token, json: { channels } }),
        404,
        'channel not found'
      )
      expect(await countAll()).toEqual(before)
    }
    expectError(await api('PUT', path, { token: other.token, json: { channels: [foreign] } }), 404)
    expectError(
      await api('PUT', path, { token: other.token, json: { channels: [] } }),
      404,
      'config not found'
    )
    expect((await view(u, cfg.id)).body.mainflux_channels).toHaveLength(1)
    expect((await byKey(c1, await thingKeyOf(u, cfg.id))).status).toBe(200)
    expectError(await api('PUT', path, { token: u.token, json: {} }), 400, /channels is required/)
    expectError(
      await api('PUT', path, { token: u.token, json: { channels: 'x' } }),
      400,
      /channels/
    )
    expectError(await api('PUT', path, { token: u.token, body: '{"channels":[]}' }), 415)
    expectError(await api('PUT', path, { json: { channels: [] } }), 401)
  })
})

describe('DELETE /things/configs/{id}', () => {
  it('204; the config is gone, its thing and connections stay', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const cfg = await newConfig(u.token, { channels: [c] })
    await setState(u, cfg.id, { state: 1 })
    const res = await api('DELETE', `/things/configs/${cfg.id}`, { token: u.token })
    expect(res.status, res.text).toBe(204)
    expectError(await view(u, cfg.id), 404)
    expect((await api('GET', `/things/${cfg.id}`, { token: u.token })).status).toBe(200)
    expect((await byKey(c, await thingKeyOf(u, cfg.id))).status).toBe(200)
    expectError(await api('DELETE', `/things/configs/${cfg.id}`, { token: u.token }), 404)
  })

  it("404 for another owner's config; 401", async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    expectError(
      await api('DELETE', `/things/configs/${cfg.id}`, { token: (await newUser()).token }),
      404
    )
    expectError(await api('DELETE', `/things/configs/${cfg.id}`), 401)
    expect((await view(u, cfg.id)).status).toBe(200)
  })
})

describe('things and channels changes reach configs', () => {
  it('deleting a thing deletes its config; deleting a channel removes it from configs', async () => {
    const u = await newUser()
    const [c1, c2] = [await newChannel(u.token), await newChannel(u.token)]
    const cfg = await newConfig(u.token, { channels: [c1, c2] })
    expect((await api('DELETE', `/channels/${c1}`, { token: u.token })).status).toBe(204)
    expect((await view(u, cfg.id)).body.mainflux_channels.map((c: { id: string }) => c.id)).toEqual(
      [c2]
    )
    expect((await api('DELETE', `/things/${cfg.id}`, { token: u.token })).status).toBe(204)
    expectError(await view(u, cfg.id), 404)
    const rows = await env.DB.prepare(
      'SELECT count(*) AS n FROM bootstrap_channels WHERE config_id = ?'
    )
      .bind(cfg.id)
      .first<{ n: number }>()
    expect(rows!.n).toBe(0)
  })

  it('disconnecting a thing from a config channel deactivates that config only (scoped thing.disconnect)', async () => {
    const u = await newUser()
    const [c, plain] = [await newChannel(u.token), await newChannel(u.token)]
    const a = await newConfig(u.token, { channels: [c] })
    const b = await newConfig(u.token, { channels: [c] })
    await setState(u, a.id, { state: 1 })
    await setState(u, b.id, { state: 1 })
    // A channel that is not in the config: no effect.
    await connect(u.token, [plain], [a.id])
    expect(
      (await api('DELETE', `/channels/${plain}/things/${a.id}`, { token: u.token })).status
    ).toBe(204)
    expect((await view(u, a.id)).body.state).toBe(1)
    expect((await api('DELETE', `/channels/${c}/things/${a.id}`, { token: u.token })).status).toBe(
      204
    )
    expect((await view(u, a.id)).body.state).toBe(0)
    expect((await view(u, b.id)).body.state).toBe(1)
  })

  it('bulk /disconnect deactivates too, and changes nothing when an id is unknown', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const a = await newConfig(u.token, { channels: [c] })
    await setState(u, a.id, { state: 1 })
    const bad = await api('POST', '/disconnect', {
      token: u.token,
      json: { channel_ids: [c], thing_ids: [a.id, crypto.randomUUID()] },
    })
    expectError(bad, 404)
    expect((await view(u, a.id)).body.state).toBe(1)
    const ok = await api('POST', '/disconnect', {
      token: u.token,
      json: { channel_ids: [c], thing_ids: [a.id] },
    })
    expect(ok.status, ok.text).toBe(200)
    expect((await view(u, a.id)).body.state).toBe(0)
  })

  it('a failed single disconnect (not connected) leaves the state alone', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const a = await newConfig(u.token, { channels: [c] })
    await setState(u, a.id, { state: 1 })
    // Disconnected behind the config's back (POST /disconnect deactivates; reactivate by SQL).
    await env.DB.prepare('DELETE FROM connections WHERE thing_id = ?').bind(a.id).run()
    expectError(await api('DELETE', `/channels/${c}/things/${a.id}`, { token: u.token }), 404)
    expect((await view(u, a.id)).body.state).toBe(1)
  })
})

describe('D1 round trips', () => {
  it('every config route is one round trip', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const cfg = await newConfig(u.token, { channels: [c] })
    const auth = { token: u.token }
    const cases: [string, string, unknown?][] = [
      ['POST', '/things/configs', { external_id: `gw-${uid()}`, external_key: 'k', channels: [c] }],
      ['GET', '/things/configs?name=x&state=0'],
      ['GET', `/things/configs/${cfg.id}`],
      ['PUT', `/things/configs/${cfg.id}`, { name: 'x', content: 'y' }],
      ['PATCH', `/things/configs/certs/${cfg.id}`, { client_cert: 'c' }],
      ['PUT', `/things/state/${cfg.id}`, { state: 1 }],
      ['PUT', `/things/configs/connections/${cfg.id}`, { channels: [] }],
      ['PUT', `/things/state/${cfg.id}`, { state: 0 }],
      ['DELETE', `/things/configs/${cfg.id}`],
    ]
    for (const [method, path, json] of cases) {
      const { res, d1 } = await counted((o) => call(method, path, { ...auth, json }, o))
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300)
      expect(d1, `${method} ${path}`).toBe(1)
    }
  })
})
