import { describe, expect, it } from 'vitest'
import { api, countAll, countRows, expectError, newUser } from '../helpers'
import { connect, newChannel, newThing } from './helpers'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('POST /channels', () => {
  it('answers 201 with an empty body, Location and the deprecation header', async () => {
    const u = await newUser()
    const res = await api('POST', '/channels', {
      token: u.token,
      json: { name: 'c1', metadata: { k: 'v' } },
    })
    expect(res.status).toBe(201)
    expect(res.text).toBe('')
    expect(res.headers.get('Warning-Deprecated')).toContain('/channels/bulk')
    const id = res.headers.get('Location')!.replace('/channels/', '')
    expect(id).toMatch(UUID)
    expect((await api('GET', `/channels/${id}`, { token: u.token })).body).toEqual({
      id,
      name: 'c1',
      metadata: { k: 'v' },
    })
  })

  it('accepts {} and omits empty fields', async () => {
    const u = await newUser()
    const id = await newChannel(u.token)
    expect((await api('GET', `/channels/${id}`, { token: u.token })).body).toEqual({ id })
  })

  it.each([
    { desc: 'name of 1025 characters', json: { name: 'n'.repeat(1025) }, msg: /name/ },
    { desc: 'metadata is a string', json: { metadata: 'x' }, msg: /metadata/ },
    { desc: 'an array body', json: [], msg: /malformed/ },
  ])('400 for $desc, writing nothing', async ({ json, msg }) => {
    const u = await newUser()
    const before = await countRows('channels')
    expectError(await api('POST', '/channels', { token: u.token, json }), 400, msg)
    expect(await countRows('channels')).toBe(before)
  })

  it('401 and 415', async () => {
    expectError(await api('POST', '/channels', { json: {} }), 401)
    const u = await newUser()
    expectError(await api('POST', '/channels', { token: u.token, body: '{}' }), 415)
  })
})

describe('POST /channels/bulk', () => {
  it('creates all and answers them with ids', async () => {
    const u = await newUser()
    const res = await api('POST', '/channels/bulk', {
      token: u.token,
      json: [{ name: 'c2' }, { name: 'c3', metadata: { a: 1 } }],
    })
    expect(res.status).toBe(201)
    expect(res.body.channels).toEqual([
      { id: expect.stringMatching(UUID), name: 'c2' },
      { id: expect.stringMatching(UUID), name: 'c3', metadata: { a: 1 } },
    ])
    expect((await api('GET', '/channels', { token: u.token })).body.total).toBe(2)
  })

  it('creates 1000 in one request and refuses 1001', async () => {
    const u = await newUser()
    const items = Array.from({ length: 1000 }, (_, i) => ({ name: `c-${i}` }))
    const res = await api('POST', '/channels/bulk', { token: u.token, json: items })
    expect(res.status, res.text).toBe(201)
    expect((await api('GET', '/channels?limit=1', { token: u.token })).body.total).toBe(1000)
    expectError(
      await api('POST', '/channels/bulk', { token: u.token, json: [...items, {}] }),
      400,
      /at most 1000/
    )
  })

  it.each([
    { desc: 'an empty array', json: [] },
    { desc: 'an object', json: { name: 'x' } },
    { desc: 'one invalid item', json: [{ name: 'ok' }, { name: 'n'.repeat(1025) }] },
  ])('400 for $desc, writing nothing', async ({ json }) => {
    const u = await newUser()
    const before = await countAll()
    expectError(await api('POST', '/channels/bulk', { token: u.token, json }), 400)
    expect(await countAll()).toEqual(before)
  })

  it('401 and 415', async () => {
    expectError(await api('POST', '/channels/bulk', { json: [{}] }), 401)
    const u = await newUser()
    expectError(await api('POST', '/channels/bulk', { token: u.token, body: '[{}]' }), 415)
  })
})

describe('GET /channels/{id}', () => {
  it("404 for unknown and another owner's channel; 401 without a token", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const id = await newChannel(a.token)
    expectError(
      await api('GET', `/channels/${crypto.randomUUID()}`, { token: a.token }),
      404,
      'channel not found'
    )
    expectError(await api('GET', `/channels/${id}`, { token: b.token }), 404)
    expectError(await api('GET', `/channels/${id}`), 401)
  })
})

describe('PUT /channels/{id}', () => {
  it('replaces name and metadata (omitted fields cleared)', async () => {
    const u = await newUser()
    const id = await newChannel(u.token, { name: 'old', metadata: { a: 1 } })
    expect(
      (await api('PUT', `/channels/${id}`, { token: u.token, json: { name: 'new' } })).status
    ).toBe(200)
    expect((await api('GET', `/channels/${id}`, { token: u.token })).body).toEqual({
      id,
      name: 'new',
    })
  })

  it("404 for unknown and another owner's channel, which stays unchanged", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const id = await newChannel(a.token, { name: 'mine' })
    expectError(
      await api('PUT', `/channels/${crypto.randomUUID()}`, { token: a.token, json: {} }),
      404
    )
    expectError(await api('PUT', `/channels/${id}`, { token: b.token, json: { name: 'x' } }), 404)
    expect((await api('GET', `/channels/${id}`, { token: a.token })).body.name).toBe('mine')
  })

  it('400, 401 and 415', async () => {
    const u = await newUser()
    const id = await newChannel(u.token)
    expectError(
      await api('PUT', `/channels/${id}`, { token: u.token, json: { metadata: [] } }),
      400
    )
    expectError(await api('PUT', `/channels/${id}`, { json: {} }), 401)
    expectError(await api('PUT', `/channels/${id}`, { token: u.token, body: '{}' }), 415)
  })
})

describe('DELETE /channels/{id}', () => {
  it('204 and its connections go; a repeat is 404', async () => {
    const u = await newUser()
    const id = await newChannel(u.token)
    const [t1, t2] = [await newThing(u.token), await newThing(u.token)]
    await connect(u.token, [id], [t1.id, t2.id])
    const before = await countRows('connections')
    expect((await api('DELETE', `/channels/${id}`, { token: u.token })).status).toBe(204)
    expect(await countRows('connections')).toBe(before - 2)
    expectError(
      await api('DELETE', `/channels/${id}`, { token: u.token }),
      404,
      'channel not found'
    )
    expect((await api('GET', `/things/${t1.id}`, { token: u.token })).status).toBe(200)
  })

  it("404 for another owner's channel, which survives; 401 without a token", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const id = await newChannel(a.token)
    expectError(await api('DELETE', `/channels/${id}`, { token: b.token }), 404)
    expect((await api('GET', `/channels/${id}`, { token: a.token })).status).toBe(200)
    expectError(await api('DELETE', `/channels/${id}`), 401)
  })
})

describe('GET /channels', () => {
  it('pages, filters by name and metadata, echoes order and dir', async () => {
    const u = await newUser()
    await api('POST', '/channels/bulk', {
      token: u.token,
      json: [
        { name: 'Alpha', metadata: { zone: { id: 1 } } },
        { name: 'alpine', metadata: { zone: { id: 2 } } },
        { name: 'beta' },
        { name: '100%' },
      ],
    })
    const all = await api('GET', '/channels', { token: u.token })
    expect(all.body).toMatchObject({ total: 4, offset: 0, limit: 10, order: '', direction: '' })
    const byName = await api('GET', '/channels?name=ALP&order=name&dir=asc', { token: u.token })
    expect(byName.body).toMatchObject({ total: 2, order: 'name', direction: 'asc' })
    expect(byName.body.channels.map((c: { name: string }) => c.name)).toEqual(['Alpha', 'alpine'])
    const pct = await api('GET', `/channels?name=${encodeURIComponent('0%')}`, { token: u.token })
    expect(pct.body.channels.map((c: { name: string }) => c.name)).toEqual(['100%'])
    const meta = await api('GET', `/channels?metadata=${encodeURIComponent('{"zone":{"id":2}}')}`, {
      token: u.token,
    })
    expect(meta.body.channels.map((c: { name: string }) => c.name)).toEqual(['alpine'])
    const page = await api('GET', '/channels?limit=1&offset=3&order=name&dir=desc', {
      token: u.token,
    })
    expect(page.body.channels.map((c: { name: string }) => c.name)).toEqual(['100%'])
  })

  it.each(['limit=101', 'offset=-1', 'order=bogus', 'dir=up', 'metadata=nope'])(
    '400 for %s',
    async (q) => {
      const u = await newUser()
      expectError(await api('GET', `/channels?${q}`, { token: u.token }), 400)
    }
  )

  it("lists only the caller's channels; 401 without a token", async () => {
    const [a, b] = [await newUser(), await newUser()]
    await newChannel(a.token)
    await newChannel(b.token)
    expect((await api('GET', '/channels', { token: a.token })).body.total).toBe(1)
    expectError(await api('GET', '/channels'), 401)
  })
})
