import { describe, expect, it } from 'vitest'
import { api, newUser } from '../helpers'
import { newChannel } from '../things/helpers'
import { FORMATS, type Thing, world } from './helpers'

describe.each(FORMATS)('broker rules through $name', (f) => {
  it('connect: the thing id with its own key, and a client id bound to it', async () => {
    const { a, b } = await world()
    expect(await f.connect(a)).toBe(true)
    expect(await f.connect(a, a.id)).toBe(true)
    expect(await f.connect(a, `export-${a.id}`)).toBe(true)
    // Wrong key, another thing's key, a username that is not the key's thing.
    expect(await f.connect({ id: a.id, key: crypto.randomUUID() })).toBe(false)
    expect(await f.connect({ id: a.id, key: b.key })).toBe(false)
    expect(await f.connect({ id: crypto.randomUUID(), key: a.key })).toBe(false)
    // Another thing's client id (session takeover), a bare prefix, a look-alike.
    expect(await f.connect(a, `agent-${b.id}`)).toBe(false)
    expect(await f.connect(a, `-${a.id}`)).toBe(false)
    expect(await f.connect(a, `${a.id}x`)).toBe(false)
    expect(await f.connect(a, 'agent')).toBe(false)
  })

  it('publish and subscribe: only in a connected channel, wildcards only inside it', async () => {
    const { a, b, chan } = await world()
    expect(await f.publish(a, `channels/${chan}/messages`)).toBe(true)
    expect(await f.publish(a, `channels/${chan}/messages/req`)).toBe(true)
    expect(await f.publish(a, `/channels/${chan}/messages/a/b`)).toBe(true)
    expect(await f.subscribe(a, `channels/${chan}/messages/req`)).toBe(true)
    expect(await f.subscribe(a, `channels/${chan}/messages/#`)).toBe(true)
    expect(await f.subscribe(a, `channels/${chan}/messages/+/x`)).toBe(true)
    // Not connected.
    expect(await f.publish(b, `channels/${chan}/messages`)).toBe(false)
    expect(await f.subscribe(b, `channels/${chan}/messages/req`)).toBe(false)
    // Outside every channel, or reaching past one.
    for (const t of [
      '#',
      '+/#',
      'channels/#',
      'channels/+/messages',
      'channels/+/messages/#',
      `channels/${chan}/#`,
      `channels/${chan}`,
      `channels/${chan}/other`,
      `channels/${chan}/messages/#/x`,
      `channels/${chan}/messages/a#`,
      `things/${chan}/messages`,
      '',
    ]) {
      expect(await f.subscribe(a, t), t).toBe(false)
      expect(await f.publish(a, t), t).toBe(false)
    }
    // A wildcard in a publish topic is never valid.
    expect(await f.publish(a, `channels/${chan}/messages/#`)).toBe(false)
    expect(await f.publish(a, `channels/${chan}/messages/+`)).toBe(false)
    // An unknown channel.
    expect(await f.publish(a, `channels/${crypto.randomUUID()}/messages`)).toBe(false)
  })

  describe('revocation takes effect on the very next check (cache warm)', () => {
    /** Asks enough times that the answers come from KV (a new key needs two misses). */
    async function warm(a: Thing, chan: string) {
      for (let i = 0; i < 3; i++) {
        expect(await f.connect(a)).toBe(true)
        expect(await f.publish(a, `channels/${chan}/messages/req`)).toBe(true)
        expect(await f.subscribe(a, `channels/${chan}/messages/req`)).toBe(true)
      }
    }

    it('key rotation: the next connect with the old key is refused, the new key works', async () => {
      const { u, a, chan } = await world()
      await warm(a, chan)
      const key = crypto.randomUUID()
      expect(
        (await api('PATCH', `/things/${a.id}/key`, { token: u.token, json: { key } })).status
      ).toBe(200)
      expect(await f.connect(a)).toBe(false)
      expect(await f.connect({ id: a.id, key })).toBe(true)
    })

    it('thing removal: the next connect is refused, and so are its topics', async () => {
      const { u, a, chan } = await world()
      await warm(a, chan)
      expect((await api('DELETE', `/things/${a.id}`, { token: u.token })).status).toBe(204)
      expect(await f.connect(a)).toBe(false)
      expect(await f.publish(a, `channels/${chan}/messages/req`)).toBe(false)
    })

    it('disconnect: connect still succeeds, the next publish and subscribe are refused', async () => {
      const { u, a, chan } = await world()
      await warm(a, chan)
      expect(
        (await api('DELETE', `/channels/${chan}/things/${a.id}`, { token: u.token })).status
      ).toBe(204)
      expect(await f.connect(a)).toBe(true)
      expect(await f.publish(a, `channels/${chan}/messages/req`)).toBe(false)
      expect(await f.subscribe(a, `channels/${chan}/messages/req`)).toBe(false)
    })

    it('bulk disconnect: the same', async () => {
      const { u, a, chan } = await world()
      await warm(a, chan)
      const res = await api('POST', '/disconnect', {
        token: u.token,
        json: { channel_ids: [chan], thing_ids: [a.id] },
      })
      expect(res.status, res.text).toBe(200)
      expect(await f.connect(a)).toBe(true)
      expect(await f.subscribe(a, `channels/${chan}/messages/#`)).toBe(false)
    })

    it("channel removal: connect still succeeds, the channel's topics are refused", async () => {
      const { u, a, chan } = await world()
      await warm(a, chan)
      expect((await api('DELETE', `/channels/${chan}`, { token: u.token })).status).toBe(204)
      expect(await f.connect(a)).toBe(true)
      expect(await f.publish(a, `channels/${chan}/messages/req`)).toBe(false)
      expect(await f.subscribe(a, `channels/${chan}/messages/req`)).toBe(false)
    })

    it('bootstrap config set to state 0: connect still succeeds, the config channels are refused', async () => {
      const u = await newUser()
      const control = await newChannel(u.token, { name: 'control', metadata: { type: 'control' } })
      const data = await newChannel(u.token, { name: 'data', metadata: { type: 'data' } })
      const external = `gw-${crypto.randomUUID()}`
      const made = await api('POST', '/things/configs', {
        token: u.token,
        json: { external_id: external, external_key: 'external-key-1', channels: [control, data] },
      })
      expect(made.status, made.text).toBe(201)
      const thingId = made.headers.get('Location')!.split('/').pop()!
      const thing = await api('GET', `/things/${thingId}`, { token: u.token })
      const a: Thing = { id: thingId, key: thing.body.key }
      const on = await api('PUT', `/things/state/${thingId}`, {
        token: u.token,
        json: { state: 1 },
      })
      expect(on.status, on.text).toBe(200)
      await warm(a, control)
      const off = await api('PUT', `/things/state/${thingId}`, {
        token: u.token,
        json: { state: 0 },
      })
      expect(off.status, off.text).toBe(200)
      expect(await f.connect(a)).toBe(true)
      expect(await f.publish(a, `channels/${control}/messages/req`)).toBe(false)
      expect(await f.subscribe(a, `channels/${control}/messages/req`)).toBe(false)
      expect(await f.subscribe(a, `channels/${data}/messages/#`)).toBe(false)
    })
  })
})
