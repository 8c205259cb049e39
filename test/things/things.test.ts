import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, countAll, countRows, expectError, newUser, uid } from '../helpers'
import { newThing, newThings } from './helpers'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('POST /things', () => {
  it('answers 201 with an empty body, Location and the 0.12.1 deprecation header', async () => {
    const u = await newUser()
    const res = await api('POST', '/things', {
      token: u.token,
      json: { name: 't1', metadata: { type: 'sensor', serial: 'abc' } },
    })
    expect(res.status).toBe(201)
    expect(res.text).toBe('')
    const id = res.headers.get('Location')!.replace('/things/', '')
    expect(id).toMatch(UUID)
    expect(res.headers.get('Warning-Deprecated')).toContain('/things/bulk')
    const view = await api('GET', `/things/${id}`, { token: u.token })
    expect(view.status).toBe(200)
    expect(view.body).toEqual({
      id,
      name: 't1',
      key: expect.stringMatching(UUID),
      metadata: { type: 'sensor', serial: 'abc' },
    })
  })

  it('accepts {} and omits empty name and metadata in views (omitempty)', async () => {
    const u = await newUser()
    const t = await newThing(u.token, {})
    const view = await api('GET', `/things/${t.id}`, { token: u.token })
    expect(view.body).toEqual({ id: t.id, key: t.key })
  })

  it('keeps a custom key and generates one for an empty key', async () => {
    const u = await newUser()
    const key = `custom-${uid()}`
    expect((await newThing(u.token, { key })).key).toBe(key)
    expect((await newThing(u.token, { key: '' })).key).toMatch(UUID)
  })

  it('ignores a client-sent id and unknown fields', async () => {
    const u = await newUser()
    const res = await api('POST', '/things', { token: u.token, json: { id: 'mine', foo: 1 } })
    expect(res.status).toBe(201)
    expect(res.headers.get('Location')).toMatch(/^\/things\/[0-9a-f-]{36}$/)
  })

  it('accepts the raw token (0.12.1) as well as Bearer', async () => {
    const u = await newUser()
    const res = await api('POST', '/things', { auth: u.token, json: {} })
    expect(res.status).toBe(201)
  })

  it('refuses a key in use by any owner with 409, writing nothing', async () => {
    const [a, b] = [await newUser(), await newUser()]
    const key = `dup-${uid()}`
    await newThing(a.token, { key })
    const before = await countAll()
    expectError(
      await api('POST', '/things', { token: a.token, json: { key } }),
      409,
      'thing key already in use'
    )
    expectError(await api('POST', '/things', { token: b.token, json: { key } }), 409)
    expect(await countAll()).toEqual(before)
  })

  it.each([
    { desc: 'name of 1025 characters', json: { name: 'n'.repeat(1025) }, msg: /name/ },
    { desc: 'metadata is a string', json: { metadata: 'str' }, msg: /metadata/ },
    { desc: 'metadata is an array', json: { metadata: [1] }, msg: /metadata/ },
    { desc: 'key longer than 4096', json: { key: 'k'.repeat(4097) }, msg: /key/ },
    { desc: 'name is a number', json: { name: 5 }, msg: /name/ },
    { desc: 'an array body', json: [{ name: 'x' }], msg: /malformed/ },
  ])('400 for $desc, writing nothing', async ({ json, msg }) => {
    const u = await newUser()
    const before = await countRows('things')
    expectError(await api('POST', '/things', { token: u.token, json }), 400, msg)
    expect(await countRows('things')).toBe(before)
  })

  it('accepts a name of exactly 1024 characters', async () => {
    const u = await newUser()
    const res = await api('POST', '/things', { token: u.token, json: { name: 'n'.repeat(1024) } })
    expect(res.status).toBe(201)
  })

  it('400 for malformed JSON', async () => {
    const u = await newUser()
    const res = await api('POST', '/things', {
      token: u.token,
      body: '{"name":',
      headers: { 'Content-Type': 'application/json' },
    })
    expectError(res, 400, /JSON/)
  })

  it('401 without a token or with a bad one', async () => {
    expectError(await api('POST', '/things', { json: {} }), 401)
    expectError(await api('POST', '/things', { auth: 'wrong', json: {} }), 401)
  })

  it('415 without a JSON Content-Type', async () => {
    const u = await newUser()
    const res = await api('POST', '/things', { token: u.token, body: '{"name":"x"}' })
    expectError(res, 415, 'unsupported content type')
  })
})

describe('POST /things/bulk', () => {
  it('creates every item and answers them with ids and keys', async () => {
    const u = await newUser()
    const res = await api('POST', '/things/bulk', {
      token: u.token,
      json: [{ name: 'b1', metadata: { type: 'bulk' } }, { name: 'b2', key: `k-${uid()}` }, {}],
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('Location')).toBeNull()
    const things = res.body.things
    expect(things).toHaveLength(3)
    expect(things[0]).toEqual({
      id: expect.stringMatching(UUID),
      name: 'b1',
      key: expect.stringMatching(UUID),
      metadata: { type: 'bulk' },
    })
    expect(things[1].key).toMatch(/^k-/)
    expect(Object.keys(things[2]).sort()).toEqual(['id', 'key'])
    const list = await api('GET', '/things?limit=100', { token: u.token })
    expect(list.body.total).toBe(3)
    expect(list.body.things.map((t: { id: string }) => t.id).sort()).toEqual(
      things.map((t: { id: string }) => t.id).sort()
    )
  })

  it('creates 1000 things in one request (the documented maximum), refuses 1001', async () => {
    const u = await newUser()
    const items = Array.from({ length: 1000 }, (_, i) => ({ name: `many-${i}`, metadata: { i } }))
    const res = await api('POST', '/things/bulk', { token: u.token, json: items })
    expect(res.status, res.text).toBe(201)
    expect(res.body.things).toHaveLength(1000)
    expect((await api('GET', '/things?limit=1', { token: u.token })).body.total).toBe(1000)
    const before = await countRows('things')
    expectError(
      await api('POST', '/things/bulk', { token: u.token, json: [...items, {}] }),
      400,
      /at most 1000/
    )
    expect(await countRows('things')).toBe(before)
  })

  it.each([
    { desc: 'an empty array', json: [], msg: /at least one/ },
    { desc: 'an object instead of an array', json: { name: 'x' }, msg: /malformed/ },
    {
      desc: 'one invalid item (name 1025 chars)',
      json: [{ name: 'ok' }, { name: 'n'.repeat(1025) }],
      msg: /1\.name/,
    },
    {
      desc: 'one item with string metadata',
      json: [{ name: 'ok' }, { metadata: 'x' }],
      msg: /metadata/,
    },
  ])('400 for $desc, writing nothing', async ({ json, msg }) => {
    const u = await newUser()
    const before = await countAll()
    expectError(await api('POST', '/things/bulk', { token: u.token, json }), 400, msg)
    expect(await countAll()).toEqual(before)
  })

  it('409 when one item duplicates an existing key, writing nothing', async () => {
    const u = await newUser()
    const key = `bk-${uid()}`
    await newThing(u.token, { key })
    const before = await countAll()
    const items = [...Array.from({ length: 40 }, (_, i) => ({ name: `ok-${i}` })), { key }]
    expectError(await api('POST', '/things/bulk', { token: u.token, json: items }), 409)
    expect(await countAll()).toEqual(before)
  })

  it('409 when two items share a key, writing nothing', async () => {
    const u = await newUser()
    const key = `twice-${uid()}`
    const before = await countAll()
    expectError(
      await api('POST', '/things/bulk', { token: u.token, json: [{ key }, { key }] }),
      409
    )
    expect(await countAll()).toEqual(before)
  })

  it('401 and 415', async () => {
    expectError(await api('POST', '/things/bulk', { json: [{}] }), 401)
    const u = await newUser()
    expectError(await api('POST', '/things/bulk', { token: u.token, body: '[{}]' }), 415)
  })
})

describe('GET /things/{id}', () => {
  it("404 for an unknown id, a non-UUID id and another owner's thing", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const t = await newThing(a.token)
    expectError(
      await api('GET', `/things/${crypto.randomUUID()}`, { token: a.token }),
      404,
      'thing not found'
    )
    expectError(await api('GET', '/things/not-a-uuid', { token: a.token }), 404)
    expectError(await api('GET', `/things/${t.id}`, { token: b.token }), 404, 'thing not found')
  })

  it('401 without a token', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    expectError(await api('GET', `/things/${t.id}`), 401)
  })
})

describe('PUT /things/{id}', () => {
  it('replaces name and metadata; omitted fields are cleared; the key stays', async () => {
    const u = await newUser()
    const t = await newThing(u.token, { name: 'old', metadata: { a: 1 } })
    const res = await api('PUT', `/things/${t.id}`, {
      token: u.token,
      json: { name: 'new', metadata: { b: 2 } },
    })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect((await api('GET', `/things/${t.id}`, { token: u.token })).body).toEqual({
      id: t.id,
      name: 'new',
      key: t.key,
      metadata: { b: 2 },
    })
    expect(
      (await api('PUT', `/things/${t.id}`, { token: u.token, json: { name: 'only' } })).status
    ).toBe(200)
    expect((await api('GET', `/things/${t.id}`, { token: u.token })).body).toEqual({
      id: t.id,
      name: 'only',
      key: t.key,
    })
    expect((await api('PUT', `/things/${t.id}`, { token: u.token, json: {} })).status).toBe(200)
    expect((await api('GET', `/things/${t.id}`, { token: u.token })).body).toEqual({
      id: t.id,
      key: t.key,
    })
  })

  it("404 for unknown and another owner's thing, which stays unchanged", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const t = await newThing(a.token, { name: 'mine' })
    expectError(
      await api('PUT', `/things/${crypto.randomUUID()}`, { token: a.token, json: { name: 'x' } }),
      404
    )
    expectError(
      await api('PUT', `/things/${t.id}`, { token: b.token, json: { name: 'stolen' } }),
      404
    )
    expect((await api('GET', `/things/${t.id}`, { token: a.token })).body.name).toBe('mine')
  })

  it('400, 401 and 415', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    expectError(
      await api('PUT', `/things/${t.id}`, { token: u.token, json: { name: 'n'.repeat(1025) } }),
      400,
      /name/
    )
    expectError(
      await api('PUT', `/things/${t.id}`, { token: u.token, json: { metadata: 7 } }),
      400,
      /metadata/
    )
    expectError(await api('PUT', `/things/${t.id}`, { json: { name: 'x' } }), 401)
    expectError(await api('PUT', `/things/${t.id}`, { token: u.token, body: '{}' }), 415)
  })
})

describe('PATCH /things/{id}/key', () => {
  it('replaces the key', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    const key = `new-${uid()}`
    const res = await api('PATCH', `/things/${t.id}/key`, { token: u.token, json: { key } })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect((await api('GET', `/things/${t.id}`, { token: u.token })).body.key).toBe(key)
  })

  it('409 for a key held by another thing (any owner), key unchanged', async () => {
    const [a, b] = [await newUser(), await newUser()]
    const t = await newThing(a.token)
    const other = await newThing(b.token)
    expectError(
      await api('PATCH', `/things/${t.id}/key`, { token: a.token, json: { key: other.key } }),
      409
    )
    expect((await api('GET', `/things/${t.id}`, { token: a.token })).body.key).toBe(t.key)
  })

  it("404 for unknown and another owner's thing", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const t = await newThing(a.token)
    expectError(
      await api('PATCH', `/things/${crypto.randomUUID()}/key`, {
        token: a.token,
        json: { key: `k-${uid()}` },
      }),
      404
    )
    expectError(
      await api('PATCH', `/things/${t.id}/key`, { token: b.token, json: { key: `k-${uid()}` } }),
      404
    )
    expect((await api('GET', `/things/${t.id}`, { token: a.token })).body.key).toBe(t.key)
  })

  it.each([
    { desc: 'an empty key', json: { key: '' } },
    { desc: 'a missing key', json: {} },
    { desc: 'a key longer than 4096', json: { key: 'k'.repeat(4097) } },
  ])('400 for $desc', async ({ json }) => {
    const u = await newUser()
    const t = await newThing(u.token)
    expectError(await api('PATCH', `/things/${t.id}/key`, { token: u.token, json }), 400, /key/)
  })

  it('401 and 415', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    expectError(await api('PATCH', `/things/${t.id}/key`, { json: { key: 'x' } }), 401)
    expectError(
      await api('PATCH', `/things/${t.id}/key`, { token: u.token, body: '{"key":"x"}' }),
      415
    )
  })
})

describe('DELETE /things/{id}', () => {
  it('204, then 404 on a repeat; its connections go with it', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    const ch = (await api('POST', '/channels/bulk', { token: u.token, json: [{}, {}] })).body
      .channels
    const conn = await api('POST', '/connect', {
      token: u.token,
      json: { channel_ids: ch.map((c: { id: string }) => c.id), thing_ids: [t.id] },
    })
    expect(conn.status).toBe(200)
    const connectionsBefore = await countRows('connections')
    const res = await api('DELETE', `/things/${t.id}`, { token: u.token })
    expect(res.status).toBe(204)
    expect(await countRows('connections')).toBe(connectionsBefore - 2)
    expectError(await api('GET', `/things/${t.id}`, { token: u.token }), 404)
    expectError(await api('DELETE', `/things/${t.id}`, { token: u.token }), 404, 'thing not found')
  })

  it("404 for another owner's thing, which survives", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const t = await newThing(a.token)
    expectError(await api('DELETE', `/things/${t.id}`, { token: b.token }), 404)
    expect((await api('GET', `/things/${t.id}`, { token: a.token })).status).toBe(200)
  })

  it('401 without a token', async () => {
    expectError(await api('DELETE', `/things/${crypto.randomUUID()}`), 401)
  })
})

describe('GET /things (paging)', () => {
  it('defaults: limit 10, offset 0, order id desc; order and direction echo the raw input', async () => {
    const u = await newUser()
    const made = await newThings(
      u.token,
      Array.from({ length: 12 }, (_, i) => ({ name: `p${i}` }))
    )
    const res = await api('GET', '/things', { token: u.token })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ total: 12, offset: 0, limit: 10, order: '', direction: '' })
    const ids = made
      .map((t) => t.id)
      .sort()
      .reverse()
    expect(res.body.things.map((t: { id: string }) => t.id)).toEqual(ids.slice(0, 10))
    const zero = await api('GET', '/things?limit=0', { token: u.token })
    expect(zero.body.limit).toBe(10)
    expect(zero.body.things).toHaveLength(10)
    const asc = await api('GET', '/things?order=id&dir=asc&limit=3&offset=1', { token: u.token })
    expect(asc.body).toMatchObject({
      order: 'id',
      direction: 'asc',
      offset: 1,
      limit: 3,
      total: 12,
    })
    expect(asc.body.things.map((t: { id: string }) => t.id)).toEqual([...ids].reverse().slice(1, 4))
  })

  it('limit=100 is allowed; an offset past the end gives an empty page with the total', async () => {
    const u = await newUser()
    await newThings(u.token, [{}, {}])
    expect((await api('GET', '/things?limit=100', { token: u.token })).body.things).toHaveLength(2)
    const far = await api('GET', '/things?offset=100000', { token: u.token })
    expect(far.body).toEqual({
      total: 2,
      offset: 100000,
      limit: 10,
      order: '',
      direction: '',
      things: [],
    })
  })

  it('order=name pages stably: every thing exactly once even with equal names', async () => {
    const u = await newUser()
    const made = await newThings(
      u.token,
      Array.from({ length: 23 }, (_, i) => ({ name: `same-${i % 3}` }))
    )
    for (const dir of ['asc', 'desc']) {
      const seen: { id: string; name: string }[] = []
      for (let offset = 0; offset < 23; offset += 5) {
        const page = await api('GET', `/things?order=name&dir=${dir}&limit=5&offset=${offset}`, {
          token: u.token,
        })
        expect(page.body).toMatchObject({ order: 'name', direction: dir })
        seen.push(...page.body.things)
      }
      expect(seen.map((t) => t.id).sort()).toEqual(made.map((t) => t.id).sort())
      const expected = [...seen].sort((x, y) =>
        x.name === y.name ? (x.id < y.id ? -1 : 1) : x.name < y.name ? -1 : 1
      )
      if (dir === 'desc') expected.reverse()
      expect(seen).toEqual(expected)
    }
  })

  it.each([
    { desc: 'limit=101', q: 'limit=101', msg: /limit/ },
    { desc: 'limit=abc', q: 'limit=abc', msg: /limit/ },
    { desc: 'offset=-1', q: 'offset=-1', msg: /offset/ },
    { desc: 'offset=1.5', q: 'offset=1.5', msg: /offset/ },
    { desc: 'dir=sideways', q: 'dir=sideways', msg: /dir/ },
    { desc: 'order=bogus', q: 'order=bogus', msg: /order/ },
    { desc: 'metadata=notjson', q: 'metadata=notjson', msg: /metadata/ },
    { desc: 'metadata as an array', q: `metadata=${encodeURIComponent('[1]')}`, msg: /metadata/ },
    { desc: 'a repeated key', q: 'limit=1&limit=2', msg: /limit/ },
    { desc: 'a name over 1024 characters', q: `name=${'n'.repeat(1025)}`, msg: /name/ },
  ])('400 for $desc', async ({ q, msg }) => {
    const u = await newUser()
    expectError(await api('GET', `/things?${q}`, { token: u.token }), 400, msg)
  })

  it("lists only the caller's things", async () => {
    const [a, b] = [await newUser(), await newUser()]
    await newThing(a.token, { name: 'a-thing' })
    await newThing(b.token, { name: 'b-thing' })
    const res = await api('GET', '/things', { token: a.token })
    expect(res.body.total).toBe(1)
    expect(res.body.things[0].name).toBe('a-thing')
  })

  it('401 without a token', async () => {
    expectError(await api('GET', '/things'), 401, 'missing or invalid credentials provided')
  })
})

describe('GET /things (name filter)', () => {
  it('is a case-insensitive substring match', async () => {
    const u = await newUser()
    await newThings(u.token, [{ name: 'Boiler-1' }, { name: 'boiler-2' }, { name: 'pump' }, {}])
    const res = await api('GET', '/things?name=BOIL', { token: u.token })
    expect(res.body.total).toBe(2)
    expect(res.body.things.map((t: { name: string }) => t.name).sort()).toEqual([
      'Boiler-1',
      'boiler-2',
    ])
  })

  it('treats % and _ literally', async () => {
    const u = await newUser()
    await newThings(u.token, [
      { name: '50%_off' },
      { name: '50 percent' },
      { name: 'a_b' },
      { name: 'axb' },
    ])
    const pct = await api('GET', `/things?name=${encodeURIComponent('%')}`, { token: u.token })
    expect(pct.body.things.map((t: { name: string }) => t.name)).toEqual(['50%_off'])
    const us = await api('GET', '/things?name=_', { token: u.token })
    expect(us.body.things.map((t: { name: string }) => t.name).sort()).toEqual(['50%_off', 'a_b'])
    const bs = await api('GET', `/things?name=${encodeURIComponent('\\')}`, { token: u.token })
    expect(bs.body.total).toBe(0)
  })

  it('combines with paging: total counts all matches', async () => {
    const u = await newUser()
    await newThings(
      u.token,
      Array.from({ length: 7 }, (_, i) => ({ name: i < 5 ? `hit-${i}` : `miss-${i}` }))
    )
    const res = await api('GET', '/things?name=hit&limit=2', { token: u.token })
    expect(res.body.total).toBe(5)
    expect(res.body.things).toHaveLength(2)
  })
})

describe('GET /things (metadata filter: Postgres @> containment)', () => {
  async function setup() {
    const u = await newUser()
    const made = await newThings(u.token, [
      {
        name: 'nested',
        metadata: { type: 'sensor', loc: { site: 'a', floor: 2, room: { n: 1 } } },
      },
      { name: 'array', metadata: { tags: ['red', 'green', 7, { k: 'v' }], type: 'sensor' } },
      { name: 'string-one', metadata: { v: '1' } },
      { name: 'number-one', metadata: { v: 1 } },
      { name: 'float', metadata: { v: 1.5 } },
      { name: 'bools', metadata: { on: true, off: false, none: null } },
      { name: 'no-metadata' },
      { name: 'empty-metadata', metadata: {} },
      { name: 'odd-keys', metadata: { 'a.b': 1, 'we"ird': 'x', 'sp ace': { 'in ner': true } } },
    ])
    const search = async (filter: unknown) => {
      const res = await api(
        'GET',
        `/things?limit=100&metadata=${encodeURIComponent(JSON.stringify(filter))}`,
        { token: u.token }
      )
      expect(res.status, res.text).toBe(200)
      expect(res.body.total).toBe(res.body.things.length)
      return res.body.things.map((t: { name: string }) => t.name).sort()
    }
    return { u, made, search }
  }

  it('matches nested objects as subsets', async () => {
    const { search } = await setup()
    expect(await search({ type: 'sensor' })).toEqual(['array', 'nested'])
    expect(await search({ loc: { site: 'a' } })).toEqual(['nested'])
    expect(await search({ loc: { room: { n: 1 } }, type: 'sensor' })).toEqual(['nested'])
    expect(await search({ loc: { site: 'b' } })).toEqual([])
    expect(await search({ loc: { site: 'a', extra: 1 } })).toEqual([])
    expect(await search({ loc: 'a' })).toEqual([])
    // An object or array filter meeting a text value is a non-match, never an SQL error.
    expect(await search({ v: { x: 1 } })).toEqual([])
    expect(await search({ type: { a: 'sensor' } })).toEqual([])
    expect(await search({ v: ['1'] })).toEqual([])
    expect(await search({ tags: { red: 1 } })).toEqual([])
  })

  it('matches keys that cannot be written in a JSON path', async () => {
    const { search } = await setup()
    expect(await search({ 'a.b': 1 })).toEqual(['odd-keys'])
    expect(await search({ 'we"ird': 'x' })).toEqual(['odd-keys'])
    expect(await search({ 'sp ace': { 'in ner': true } })).toEqual(['odd-keys'])
    expect(await search({ 'sp ace': { 'in ner': false } })).toEqual([])
    expect(await search({ a: { b: 1 } })).toEqual([])
  })

  it('matches arrays by element containment, ignoring order', async () => {
    const { search } = await setup()
    expect(await search({ tags: ['green'] })).toEqual(['array'])
    expect(await search({ tags: ['green', 'red'] })).toEqual(['array'])
    expect(await search({ tags: [7] })).toEqual(['array'])
    expect(await search({ tags: [{ k: 'v' }] })).toEqual(['array'])
    expect(await search({ tags: ['blue'] })).toEqual([])
    expect(await search({ tags: ['7'] })).toEqual([])
    expect(await search({ tags: [] })).toEqual(['array'])
    expect(await search({ tags: 'red' })).toEqual([])
  })

  it('matches scalars by value and JSON type ("1" is not 1)', async () => {
    const { search } = await setup()
    expect(await search({ v: '1' })).toEqual(['string-one'])
    expect(await search({ v: 1 })).toEqual(['number-one'])
    expect(await search({ v: 1.5 })).toEqual(['float'])
    expect(await search({ on: true })).toEqual(['bools'])
    expect(await search({ off: false })).toEqual(['bools'])
    expect(await search({ on: false })).toEqual([])
    expect(await search({ none: null })).toEqual(['bools'])
    expect(await search({ on: 1 })).toEqual([])
  })

  it('never matches things without metadata; an empty filter is no filter', async () => {
    const { search } = await setup()
    expect(await search({ missing: null })).toEqual([])
    expect(await search({})).toHaveLength(9)
  })

  it('treats filter keys and values as data, never SQL', async () => {
    const { search } = await setup()
    expect(await search({ "v' OR 1=1 --": 1 })).toEqual([])
    expect(await search({ v: "1' OR '1'='1" })).toEqual([])
  })

  it('combines with the name filter and POST /things/search', async () => {
    const { u } = await setup()
    const get = await api(
      'GET',
      `/things?name=ARR&metadata=${encodeURIComponent('{"type":"sensor"}')}`,
      { token: u.token }
    )
    expect(get.body.things.map((t: { name: string }) => t.name)).toEqual(['array'])
    const post = await api('POST', '/things/search', {
      token: u.token,
      json: { name: 'ARR', metadata: { type: 'sensor' } },
    })
    expect(post.body).toEqual({ ...get.body })
  })

  it('refuses a filter too large to bind (400)', async () => {
    const u = await newUser()
    const big = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]))
    expectError(
      await api('GET', `/things?metadata=${encodeURIComponent(JSON.stringify(big))}`, {
        token: u.token,
      }),
      400,
      /metadata filter too large/
    )
  })

  it.each([
    { desc: 'an array of 50 booleans', filter: { a: Array(50).fill(true) }, msg: /too large/ },
    { desc: '3,000 empty objects', filter: { a: Array(3000).fill({}) }, msg: /too large/ },
    { desc: 'arrays nested 6 deep', filter: { a: [[[[[[1]]]]]] }, msg: /nested too deeply/ },
    {
      desc: 'unusual keys nested 6 deep',
      filter: { 'a.1': { 'b.2': { 'c.3': { 'd.4': { 'e.5': { 'f.6': 1 } } } } } },
      msg: /nested too deeply/,
    },
  ])('refuses $desc with 400, never a database error', async ({ filter, msg }) => {
    const u = await newUser()
    expectError(
      await api('POST', '/things/search', { token: u.token, json: { metadata: filter } }),
      400,
      msg
    )
  })

  it('refuses stored metadata nested deeper than 32 levels; 32 is fine', async () => {
    const u = await newUser()
    const nested = (d: number) => JSON.parse(`${'{"a":'.repeat(d)}1${'}'.repeat(d)}`)
    expectError(
      await api('POST', '/things', { token: u.token, json: { metadata: nested(40) } }),
      400,
      /nest at most 32/
    )
    expectError(
      await api('POST', '/channels', { token: u.token, json: { metadata: nested(1100) } }),
      400,
      /nest at most 32/
    )
    expect(
      (await api('POST', '/things', { token: u.token, json: { metadata: nested(31) } })).status
    ).toBe(201)
  })

  it('answers the largest filters it accepts (40 nodes, 5 levels) without a database error', async () => {
    const u = await newUser()
    const wide = { a: Array(38).fill(true) }
    const deep = { 'a.1': { 'b.2': { 'c.3': { 'd.4': { 'e.5': 1 } } } } }
    const arrays = { a: [[[[1]]]] }
    for (const filter of [wide, deep, arrays]) {
      const res = await api('POST', '/things/search', {
        token: u.token,
        json: { metadata: filter },
      })
      expect(res.status, res.text).toBe(200)
    }
  })
})

describe('POST /things/search', () => {
  it('filters and pages like GET /things, echoing order and dir', async () => {
    const u = await newUser()
    await newThings(u.token, [
      { name: 'b1', metadata: { type: 'bulk' } },
      { name: 'b2', metadata: { type: 'bulk' } },
      { name: 'c1', metadata: { type: 'bulk' } },
      { name: 'b3' },
    ])
    const res = await api('POST', '/things/search', {
      token: u.token,
      json: {
        name: 'b',
        metadata: { type: 'bulk' },
        order: 'name',
        dir: 'asc',
        limit: 1,
        offset: 1,
      },
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      total: 2,
      offset: 1,
      limit: 1,
      order: 'name',
      direction: 'asc',
    })
    expect(res.body.things.map((t: { name: string }) => t.name)).toEqual(['b2'])
    const defaults = await api('POST', '/things/search', { token: u.token, json: { limit: 0 } })
    expect(defaults.body).toMatchObject({
      total: 4,
      offset: 0,
      limit: 10,
      order: '',
      direction: '',
    })
  })

  it.each([
    { desc: 'limit 101', json: { limit: 101 }, msg: /limit/ },
    { desc: 'negative offset', json: { offset: -1 }, msg: /offset/ },
    { desc: 'limit as a string', json: { limit: '5' }, msg: /limit/ },
    { desc: 'bad dir', json: { dir: 'up' }, msg: /dir/ },
    { desc: 'bad order', json: { order: 'key' }, msg: /order/ },
    { desc: 'metadata as a string', json: { metadata: '{"a":1}' }, msg: /metadata/ },
  ])('400 for $desc', async ({ json, msg }) => {
    const u = await newUser()
    expectError(await api('POST', '/things/search', { token: u.token, json }), 400, msg)
  })

  it('401 and 415', async () => {
    expectError(await api('POST', '/things/search', { json: {} }), 401)
    const u = await newUser()
    expectError(await api('POST', '/things/search', { token: u.token, body: '{}' }), 415)
  })
})

describe('storage', () => {
  it('stores metadata as JSON text and times as integer ms', async () => {
    const u = await newUser()
    const t = await newThing(u.token, { metadata: { a: [1, 2] } })
    const row = await env.DB.prepare('SELECT owner, metadata, created_at FROM things WHERE id = ?')
      .bind(t.id)
      .first<{ owner: string; metadata: string; created_at: number }>()
    expect(row!.owner).toBe(u.id)
    expect(JSON.parse(row!.metadata)).toEqual({ a: [1, 2] })
    expect(Number.isInteger(row!.created_at)).toBe(true)
  })
})
