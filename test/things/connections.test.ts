import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, countAll, countRows, expectError, newUser } from '../helpers'
import { connect, newChannel, newThing, newThings } from './helpers'

async function connectionsOf(chanId: string): Promise<string[]> {
  const rows = await env.DB.prepare(
    'SELECT thing_id FROM connections WHERE channel_id = ? ORDER BY thing_id'
  )
    .bind(chanId)
    .all<{ thing_id: string }>()
  return rows.results.map((r) => r.thing_id)
}

const ids = (page: { things?: { id: string }[]; channels?: { id: string }[] }) =>
  (page.things ?? page.channels ?? []).map((x) => x.id)

describe('PUT /channels/{chanId}/things/{thingId}', () => {
  it('connects with 200, an empty body and the deprecation header; repeating is fine', async () => {
    const u = await newUser()
    const [c, t] = [await newChannel(u.token), await newThing(u.token)]
    const res = await api('PUT', `/channels/${c}/things/${t.id}`, { token: u.token })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect(res.headers.get('Warning-Deprecated')).toContain('/connect')
    expect((await api('PUT', `/channels/${c}/things/${t.id}`, { token: u.token })).status).toBe(200)
    expect(await connectionsOf(c)).toEqual([t.id])
  })

  it("404 for an unknown thing or channel, and for another owner's on either side; nothing written", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const [c, t] = [await newChannel(a.token), await newThing(a.token)]
    const [cb, tb] = [await newChannel(b.token), await newThing(b.token)]
    const before = await countAll()
    for (const [chan, thing] of [
      [c, crypto.randomUUID()],
      [crypto.randomUUID(), t.id],
      [c, tb.id],
      [cb, t.id],
    ]) {
      expectError(await api('PUT', `/channels/${chan}/things/${thing}`, { token: a.token }), 404)
    }
    // b cannot connect a's pair either.
    expectError(await api('PUT', `/channels/${c}/things/${t.id}`, { token: b.token }), 404)
    expect(await countAll()).toEqual(before)
  })

  it('401 without a token', async () => {
    expectError(
      await api('PUT', `/channels/${crypto.randomUUID()}/things/${crypto.randomUUID()}`),
      401
    )
  })
})

describe('DELETE /channels/{chanId}/things/{thingId}', () => {
  it('204, then 404 when no longer connected', async () => {
    const u = await newUser()
    const [c, t] = [await newChannel(u.token), await newThing(u.token)]
    await connect(u.token, [c], [t.id])
    const res = await api('DELETE', `/channels/${c}/things/${t.id}`, { token: u.token })
    expect(res.status).toBe(204)
    expect(await connectionsOf(c)).toEqual([])
    expectError(
      await api('DELETE', `/channels/${c}/things/${t.id}`, { token: u.token }),
      404,
      /not connected/
    )
  })

  it("404 for unknown ids and for another owner's connection, which stays", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const [c, t] = [await newChannel(a.token), await newThing(a.token)]
    await connect(a.token, [c], [t.id])
    expectError(
      await api('DELETE', `/channels/${c}/things/${crypto.randomUUID()}`, { token: a.token }),
      404
    )
    expectError(await api('DELETE', `/channels/${c}/things/${t.id}`, { token: b.token }), 404)
    expect(await connectionsOf(c)).toEqual([t.id])
    expectError(await api('DELETE', `/channels/${c}/things/${t.id}`), 401)
  })
})

describe('POST /connect', () => {
  it('connects the whole cartesian product with 200 and an empty body; repeating is idempotent', async () => {
    const u = await newUser()
    const chans = [await newChannel(u.token), await newChannel(u.token)]
    const things = await newThings(u.token, [{}, {}, {}])
    const body = { channel_ids: chans, thing_ids: things.map((t) => t.id) }
    const res = await api('POST', '/connect', { token: u.token, json: body })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    const want = things.map((t) => t.id).sort()
    for (const c of chans) expect(await connectionsOf(c)).toEqual(want)
    const before = await countRows('connections')
    expect((await api('POST', '/connect', { token: u.token, json: body })).status).toBe(200)
    const dupIds = { channel_ids: [...chans, chans[0]], thing_ids: [things[0]!.id, things[0]!.id] }
    expect((await api('POST', '/connect', { token: u.token, json: dupIds })).status).toBe(200)
    expect(await countRows('connections')).toBe(before)
  })

  it("404 and nothing connected when one id is unknown or another owner's", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const chans = [await newChannel(a.token), await newChannel(a.token)]
    const things = await newThings(a.token, [{}, {}])
    const foreignThing = await newThing(b.token)
    const foreignChan = await newChannel(b.token)
    const before = await countAll()
    const cases = [
      { channel_ids: chans, thing_ids: [things[0]!.id, crypto.randomUUID()] },
      { channel_ids: [...chans, crypto.randomUUID()], thing_ids: [things[0]!.id] },
      { channel_ids: chans, thing_ids: [things[1]!.id, foreignThing.id] },
      { channel_ids: [chans[0], foreignChan], thing_ids: [things[1]!.id] },
    ]
    for (const json of cases) {
      expectError(await api('POST', '/connect', { token: a.token, json }), 404)
    }
    expect(await countAll()).toEqual(before)
  })

  it.each([
    { desc: 'empty lists', json: { channel_ids: [], thing_ids: [] }, msg: /must not be empty/ },
    { desc: 'an empty thing list', json: { channel_ids: ['x'], thing_ids: [] }, msg: /thing_ids/ },
    { desc: 'a missing list', json: { channel_ids: ['x'] }, msg: /thing_ids/ },
    { desc: 'an empty id', json: { channel_ids: [''], thing_ids: ['x'] }, msg: /empty ids/ },
    { desc: 'a number id', json: { channel_ids: [1], thing_ids: ['x'] }, msg: /channel_ids/ },
    {
      desc: 'more than 1000 ids on a side',
      json: { channel_ids: ['x'], thing_ids: Array.from({ length: 1001 }, (_, i) => `t${i}`) },
      msg: /at most 1000/,
    },
    {
      desc: 'more than 10000 pairs',
      json: {
        channel_ids: Array.from({ length: 101 }, (_, i) => `c${i}`),
        thing_ids: Array.from({ length: 100 }, (_, i) => `t${i}`),
      },
      msg: /10000/,
    },
  ])('400 for $desc', async ({ json, msg }) => {
    const u = await newUser()
    expectError(await api('POST', '/connect', { token: u.token, json }), 400, msg)
  })

  it('connects 1000 things to a channel in one request', async () => {
    const u = await newUser()
    const c = await newChannel(u.token)
    const things = await newThings(
      u.token,
      Array.from({ length: 1000 }, () => ({}))
    )
    await connect(
      u.token,
      [c],
      things.map((t) => t.id)
    )
    expect((await connectionsOf(c)).length).toBe(1000)
    const page = await api('GET', `/channels/${c}/things?limit=1`, { token: u.token })
    expect(page.body.total).toBe(1000)
  })

  it('401 and 415', async () => {
    expectError(
      await api('POST', '/connect', { json: { channel_ids: ['x'], thing_ids: ['y'] } }),
      401
    )
    const u = await newUser()
    expectError(
      await api('POST', '/connect', {
        token: u.token,
        body: '{"channel_ids":["x"],"thing_ids":["y"]}',
      }),
      415
    )
  })
})

describe('POST /disconnect', () => {
  it('disconnects the product with 200; pairs not connected are ignored', async () => {
    const u = await newUser()
    const chans = [await newChannel(u.token), await newChannel(u.token)]
    const things = await newThings(u.token, [{}, {}, {}])
    await connect(u.token, chans, [things[0]!.id, things[1]!.id])
    const res = await api('POST', '/disconnect', {
      token: u.token,
      json: { channel_ids: chans, thing_ids: [things[0]!.id, things[2]!.id] },
    })
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    for (const c of chans) expect(await connectionsOf(c)).toEqual([things[1]!.id])
  })

  it("404 and nothing disconnected when an id is unknown or another owner's", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const c = await newChannel(a.token)
    const t = await newThing(a.token)
    const foreign = await newThing(b.token)
    await connect(a.token, [c], [t.id])
    for (const thingIds of [
      [t.id, crypto.randomUUID()],
      [t.id, foreign.id],
    ]) {
      expectError(
        await api('POST', '/disconnect', {
          token: a.token,
          json: { channel_ids: [c], thing_ids: thingIds },
        }),
        404
      )
    }
    expectError(
      await api('POST', '/disconnect', {
        token: b.token,
        json: { channel_ids: [c], thing_ids: [t.id] },
      }),
      404
    )
    expect(await connectionsOf(c)).toEqual([t.id])
  })

  it('400, 401 and 415', async () => {
    const u = await newUser()
    expectError(
      await api('POST', '/disconnect', {
        token: u.token,
        json: { channel_ids: [], thing_ids: ['x'] },
      }),
      400
    )
    expectError(
      await api('POST', '/disconnect', { json: { channel_ids: ['x'], thing_ids: ['y'] } }),
      401
    )
    expectError(await api('POST', '/disconnect', { token: u.token, body: '{}' }), 415)
  })
})

describe('connected listings', () => {
  async function setup() {
    const u = await newUser()
    const chans = (
      await api('POST', '/channels/bulk', {
        token: u.token,
        json: [{ name: 'c-b' }, { name: 'c-a' }, { name: 'c-c' }],
      })
    ).body.channels as { id: string; name: string }[]
    const things = await newThings(u.token, [
      { name: 't-b' },
      { name: 't-a' },
      { name: 't-c' },
      { name: 't-d' },
    ])
    // chans[0] gets things 0..2; thing 0 gets chans 0 and 1.
    await connect(
      u.token,
      [chans[0]!.id],
      things.slice(0, 3).map((t) => t.id)
    )
    await connect(u.token, [chans[1]!.id], [things[0]!.id])
    return { u, chans, things }
  }

  it('GET /channels/{id}/things lists connected things, order id desc, order/direction not echoed', async () => {
    const { u, chans, things } = await setup()
    const res = await api('GET', `/channels/${chans[0]!.id}/things`, { token: u.token })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ total: 3, offset: 0, limit: 10, order: '', direction: '' })
    expect(ids(res.body)).toEqual(
      things
        .slice(0, 3)
        .map((t) => t.id)
        .sort()
        .reverse()
    )
    expect(res.body.things[0]).toHaveProperty('key')
    const byName = await api(
      'GET',
      `/channels/${chans[0]!.id}/things?order=name&dir=asc&limit=2&offset=1`,
      { token: u.token }
    )
    expect(byName.body).toMatchObject({ total: 3, offset: 1, limit: 2, order: '', direction: '' })
    expect(byName.body.things.map((t: { name: string }) => t.name)).toEqual(['t-b', 't-c'])
  })

  it("connected=false and disconnected=true both list the caller's things not connected", async () => {
    const { u, chans, things } = await setup()
    const other = await newUser()
    await newThing(other.token)
    const want = [things[3]!.id]
    for (const q of [
      'connected=false',
      'disconnected=true',
      'connected=false&disconnected=true',
      'disconnected=1',
    ]) {
      const res = await api('GET', `/channels/${chans[0]!.id}/things?${q}`, { token: u.token })
      expect(res.status, q).toBe(200)
      expect(res.body.total).toBe(1)
      expect(ids(res.body)).toEqual(want)
    }
    for (const q of ['connected=true', 'disconnected=false', 'connected=true&disconnected=false']) {
      const res = await api('GET', `/channels/${chans[0]!.id}/things?${q}`, { token: u.token })
      expect(res.body.total, q).toBe(3)
    }
    const none = await api(
      'GET',
      `/channels/${chans[2]!.id}/things?connected=false&order=name&dir=desc`,
      { token: u.token }
    )
    expect(none.body.things.map((t: { name: string }) => t.name)).toEqual([
      't-d',
      't-c',
      't-b',
      't-a',
    ])
  })

  it('GET /things/{id}/channels lists connected and not connected channels', async () => {
    const { u, chans, things } = await setup()
    const res = await api('GET', `/things/${things[0]!.id}/channels?order=name&dir=asc`, {
      token: u.token,
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ total: 2, order: '', direction: '' })
    expect(res.body.channels.map((c: { name: string }) => c.name)).toEqual(['c-a', 'c-b'])
    const byId = await api('GET', `/things/${things[0]!.id}/channels`, { token: u.token })
    expect(ids(byId.body)).toEqual([chans[0]!.id, chans[1]!.id].sort().reverse())
    const not = await api('GET', `/things/${things[0]!.id}/channels?disconnected=true`, {
      token: u.token,
    })
    expect(ids(not.body)).toEqual([chans[2]!.id])
    const lonely = await api('GET', `/things/${things[3]!.id}/channels?connected=false`, {
      token: u.token,
    })
    expect(lonely.body.total).toBe(3)
  })

  it.each([
    { desc: 'limit=0 (as 0.12.1 here)', q: 'limit=0', msg: /limit/ },
    { desc: 'limit=101', q: 'limit=101', msg: /limit/ },
    { desc: 'offset=-1', q: 'offset=-1', msg: /offset/ },
    {
      desc: 'connected=true&disconnected=true',
      q: 'connected=true&disconnected=true',
      msg: /contradict/,
    },
    {
      desc: 'connected=false&disconnected=false',
      q: 'connected=false&disconnected=false',
      msg: /contradict/,
    },
    { desc: 'connected=maybe', q: 'connected=maybe', msg: /connected/ },
    { desc: 'dir=sideways', q: 'dir=sideways', msg: /dir/ },
  ])('400 for $desc on both listings', async ({ q, msg }) => {
    const u = await newUser()
    const [c, t] = [await newChannel(u.token), await newThing(u.token)]
    expectError(await api('GET', `/channels/${c}/things?${q}`, { token: u.token }), 400, msg)
    expectError(await api('GET', `/things/${t.id}/channels?${q}`, { token: u.token }), 400, msg)
  })

  it("404 for an unknown or another owner's channel / thing (0.12.1: empty 200)", async () => {
    const [a, b] = [await newUser(), await newUser()]
    const [c, t] = [await newChannel(a.token), await newThing(a.token)]
    await connect(a.token, [c], [t.id])
    expectError(
      await api('GET', `/channels/${crypto.randomUUID()}/things`, { token: a.token }),
      404,
      'channel not found'
    )
    expectError(await api('GET', `/channels/${c}/things`, { token: b.token }), 404)
    expectError(await api('GET', `/channels/${c}/things?connected=false`, { token: b.token }), 404)
    expectError(
      await api('GET', `/things/${crypto.randomUUID()}/channels`, { token: a.token }),
      404,
      'thing not found'
    )
    expectError(await api('GET', `/things/${t.id}/channels`, { token: b.token }), 404)
  })

  it('401 without a token', async () => {
    expectError(await api('GET', `/channels/${crypto.randomUUID()}/things`), 401)
    expectError(await api('GET', `/things/${crypto.randomUUID()}/channels`), 401)
  })
})

describe('ownership in the schema', () => {
  it('D1 itself refuses a connection joining two owners (composite foreign keys)', async () => {
    const [a, b] = [await newUser(), await newUser()]
    const c = await newChannel(a.token)
    const t = await newThing(b.token)
    await expect(
      env.DB.prepare('INSERT INTO connections (channel_id, thing_id, owner) VALUES (?, ?, ?)')
        .bind(c, t.id, a.id)
        .run()
    ).rejects.toThrow(/FOREIGN KEY/)
    // The channel's side too (each parent key is the owner's unique (owner, id) listing index).
    await expect(
      env.DB.prepare('INSERT INTO connections (channel_id, thing_id, owner) VALUES (?, ?, ?)')
        .bind(c, t.id, b.id)
        .run()
    ).rejects.toThrow(/FOREIGN KEY/)
    const own = await newThing(a.token)
    await env.DB.prepare('INSERT INTO connections (channel_id, thing_id, owner) VALUES (?, ?, ?)')
      .bind(c, own.id, a.id)
      .run()
  })
})
