import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, newUser } from '../helpers'
import { newChannel, newThing, newThings } from './helpers'

async function counter(owner: string) {
  return env.DB.prepare('SELECT things, channels FROM owner_counts WHERE owner = ?')
    .bind(owner)
    .first<{ things: number; channels: number }>()
}

describe('owner counters behind unfiltered totals', () => {
  it('follow every create and delete, per owner', async () => {
    const a = await newUser()
    const b = await newUser()
    expect(await counter(a.id)).toBeNull()
    const t1 = await newThing(a.token)
    await newThings(a.token, [{ name: 'x' }, { name: 'y' }, { name: 'z' }])
    await newThing(b.token)
    const c1 = await newChannel(a.token)
    await newChannel(a.token)
    expect(await counter(a.id)).toEqual({ things: 4, channels: 2 })
    expect(await counter(b.id)).toEqual({ things: 1, channels: 0 })
    expect((await api('DELETE', `/things/${t1.id}`, { token: a.token })).status).toBe(204)
    expect((await api('DELETE', `/channels/${c1}`, { token: a.token })).status).toBe(204)
    expect(await counter(a.id)).toEqual({ things: 3, channels: 1 })
  })

  it('do not move when a bulk create fails', async () => {
    const a = await newUser()
    await newThing(a.token)
    const taken = await newThing(a.token)
    const res = await api('POST', '/things/bulk', {
      token: a.token,
      json: [{ name: 'ok' }, { key: taken.key }],
    })
    expect(res.status).toBe(409)
    expect((await counter(a.id))!.things).toBe(2)
  })

  it('give the unfiltered total, which agrees with a counted filter matching everything', async () => {
    const a = await newUser()
    await newThings(
      a.token,
      Array.from({ length: 25 }, (_, i) => ({ name: `n-${i}`, metadata: { all: true } }))
    )
    const plain = await api('GET', '/things?limit=5', { token: a.token })
    const filtered = await api(
      'GET',
      `/things?limit=5&metadata=${encodeURIComponent('{"all":true}')}`,
      { token: a.token }
    )
    expect(plain.body.total).toBe(25)
    expect(filtered.body.total).toBe(25)
    const channels = await api('GET', '/channels', { token: a.token })
    expect(channels.body.total).toBe(0)
  })

  it('are what an unfiltered list reads (a filtered list still counts rows)', async () => {
    const a = await newUser()
    await newThings(a.token, [{ name: 'one' }, { name: 'two' }])
    // Skew the counter on purpose: only the unfiltered answer follows it.
    await env.DB.prepare('UPDATE owner_counts SET things = 1000 WHERE owner = ?').bind(a.id).run()
    expect((await api('GET', '/things', { token: a.token })).body.total).toBe(1000)
    expect((await api('GET', '/things?name=o', { token: a.token })).body.total).toBe(2)
  })
})
