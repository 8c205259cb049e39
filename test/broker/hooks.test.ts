import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { logPath } from '../../src/lib/errors'
import { api, call, callRaw, countingD1, newUser } from '../helpers'
import { newThing } from '../things/helpers'
import { emqx, mosq, rabbit, SECRET, type Thing, world } from './helpers'

const topic = (a: Thing, chan: string, permission: string, routing_key: string, extra = {}) => ({
  username: a.id,
  vhost: '/',
  resource: 'topic',
  name: 'amq.topic',
  permission,
  routing_key,
  'variable_map.client_id': `agent-${a.id}`,
  ...extra,
})

describe('broker secret', () => {
  it('RabbitMQ: a wrong or missing secret is a 401 deny, before any check', async () => {
    const { a } = await world()
    const fields = { username: a.id, password: a.key }
    expect(await rabbit('user', fields)).toEqual({ status: 200, text: 'allow' })
    expect(await rabbit('user', fields, 'wrong-secret-wrong-secret')).toEqual({
      status: 401,
      text: 'deny',
    })
    const bare = await callRaw('POST', '/broker/rabbitmq/user', {
      body: new URLSearchParams(fields).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect([bare.status, await bare.text()]).toEqual([401, 'deny'])
  })

  it('RabbitMQ: the secret may come as Basic auth (any user name) instead of the path', async () => {
    const { a } = await world()
    const res = await callRaw('POST', '/broker/rabbitmq/user', {
      body: new URLSearchParams({ username: a.id, password: a.key }).toString(),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${btoa(`broker:${SECRET}`)}`,
      },
    })
    expect([res.status, await res.text()]).toEqual([200, 'allow'])
  })

  it('Mosquitto: a wrong secret is a 401 (go-auth reads it as a deny)', async () => {
    const { a } = await world()
    const r = await mosq(
      'status',
      'user',
      { username: a.id, password: a.key, clientid: a.id },
      { secret: 'nope-nope-nope-nope' }
    )
    expect(r.status).toBe(401)
  })

  it('EMQX: a wrong or missing secret is a 200 deny, never a 4xx (EMQX would fall through)', async () => {
    const { a } = await world()
    const fields = { username: a.id, password: a.key, clientid: `agent-${a.id}` }
    expect((await emqx('authn', fields)).body.result).toBe('allow')
    for (const secret of ['wrong-secret-wrong-secret', null]) {
      const r = await emqx('authn', fields, secret)
      expect(r).toEqual({ status: 200, body: { result: 'deny' } })
      const z = await emqx(
        'authz',
        { ...fields, topic: 'channels/x/messages', action: 'publish' },
        secret
      )
      expect(z).toEqual({ status: 200, body: { result: 'deny' } })
    }
  })

  it('every hook denies while FLUXGATE_BROKER_SECRET is unset', async () => {
    const { a } = await world()
    const overrides = { FLUXGATE_BROKER_SECRET: '' }
    expect(await rabbit('user', { username: a.id, password: a.key }, SECRET, overrides)).toEqual({
      status: 401,
      text: 'deny',
    })
    const r = await call(
      'POST',
      '/broker/emqx/authn',
      {
        json: { username: a.id, password: a.key, clientid: a.id },
        headers: { Authorization: `Bearer ${SECRET}` },
      },
      overrides
    )
    expect(r.body).toEqual({ result: 'deny' })
  })

  it('a path holding the secret is logged with the secret replaced', () => {
    expect(logPath(`/broker/rabbitmq/${SECRET}/user`)).toBe('/broker/rabbitmq/***/user')
    expect(logPath(`/broker/mosquitto/${SECRET}/json/acl`)).toBe('/broker/mosquitto/***/json/acl')
    expect(logPath('/things/abc')).toBe('/things/abc')
    expect(logPath('/broker/emqx/authn')).toBe('/broker/emqx/authn')
  })
})

describe('OpenAPI', () => {
  it('documents the three hook families', async () => {
    const doc = await api('GET', '/openapi.json')
    for (const p of [
      '/broker/rabbitmq/{secret}/{check}',
      '/broker/mosquitto/{secret}/{mode}/{check}',
      '/broker/emqx/{check}',
    ]) {
      expect(doc.body.paths[p]?.post, p).toBeDefined()
    }
  })
})

describe('RabbitMQ HTTP backend format', () => {
  it('user: allow / deny as plain text; the client id must be bound to the thing', async () => {
    const { a, b } = await world()
    expect(
      await rabbit('user', { username: a.id, password: a.key, client_id: `agent-${a.id}` })
    ).toEqual({
      status: 200,
      text: 'allow',
    })
    expect(
      (await rabbit('user', { username: a.id, password: a.key, client_id: `agent-${b.id}` })).text
    ).toBe('deny')
    expect((await rabbit('user', { username: a.id, password: b.key })).text).toBe('deny')
    expect((await rabbit('user', { username: a.id })).text).toBe('deny')
    expect((await rabbit('user', {})).text).toBe('deny')
  })

  it('vhost: only the configured vhost', async () => {
    const { a } = await world()
    expect((await rabbit('vhost', { username: a.id, vhost: '/', ip: '127.0.0.1' })).text).toBe(
      'allow'
    )
    expect((await rabbit('vhost', { username: a.id, vhost: 'other', ip: '127.0.0.1' })).text).toBe(
      'deny'
    )
    expect((await rabbit('vhost', { vhost: '/' })).text).toBe('deny')
    const other = await rabbit('vhost', { username: a.id, vhost: 'iot' }, SECRET, {
      FLUXGATE_BROKER_VHOST: 'iot',
    })
    expect(other.text).toBe('allow')
  })

  it('resource: amq.topic read/write and the thing own MQTT queues, nothing else', async () => {
    const { a, b } = await world()
    const res = (resource: string, name: string, permission: string, username = a.id) =>
      rabbit('resource', { username, vhost: '/', resource, name, permission }).then((r) => r.text)
    expect(await res('exchange', 'amq.topic', 'read')).toBe('allow')
    expect(await res('exchange', 'amq.topic', 'write')).toBe('allow')
    expect(await res('exchange', 'amq.topic', 'configure')).toBe('deny')
    expect(await res('exchange', 'amq.direct', 'write')).toBe('deny')
    expect(await res('exchange', 'amq.topic', 'read', '')).toBe('deny')
    for (const p of ['configure', 'read', 'write']) {
      expect(await res('queue', `mqtt-subscription-agent-${a.id}qos0`, p)).toBe('allow')
      expect(await res('queue', `mqtt-subscription-agent-${a.id}qos1`, p)).toBe('allow')
      expect(await res('queue', `mqtt-subscription-${a.id}qos1`, p)).toBe('allow')
      // Another thing's queue, a queue that is no MQTT subscription.
      expect(await res('queue', `mqtt-subscription-agent-${b.id}qos0`, p)).toBe('deny')
      expect(await res('queue', 'orders', p)).toBe('deny')
    }
    expect(await res('queue', `mqtt-subscription-agent-${a.id}qos0`, 'delete')).toBe('deny')
    // RabbitMQ 3.10 sends the connection's client id along: the queue must be that client's.
    const q = (name: string, client_id: string) =>
      rabbit('resource', {
        username: a.id,
        vhost: '/',
        resource: 'queue',
        name,
        permission: 'read',
        client_id,
      }).then((r) => r.text)
    expect(await q(`mqtt-subscription-agent-${a.id}qos1`, `agent-${a.id}`)).toBe('allow')
    expect(await q(`mqtt-subscription-export-${a.id}qos1`, `agent-${a.id}`)).toBe('deny')
    const vhost = await rabbit('resource', {
      username: a.id,
      vhost: 'other',
      resource: 'exchange',
      name: 'amq.topic',
      permission: 'read',
    })
    expect(vhost.text).toBe('deny')
  })

  it('topic: routing keys with . separators and * / # wildcards', async () => {
    const { a, chan } = await world()
    const t = (permission: string, key: string, extra = {}) =>
      rabbit('topic', topic(a, chan, permission, key, extra)).then((r) => r.text)
    expect(await t('write', `channels.${chan}.messages.req`)).toBe('allow')
    expect(await t('read', `channels.${chan}.messages.req`)).toBe('allow')
    expect(await t('read', `channels.${chan}.messages.#`)).toBe('allow')
    expect(await t('read', `channels.${chan}.messages.*.x`)).toBe('allow')
    expect(await t('write', `channels.${chan}.messages.*`)).toBe('deny')
    expect(await t('read', 'channels.*.messages')).toBe('deny')
    expect(await t('read', '#')).toBe('deny')
    expect(await t('read', '*.#')).toBe('deny')
    expect(await t('configure', `channels.${chan}.messages`)).toBe('deny')
    expect(await t('read', `channels.${chan}.messages`, { name: 'amq.direct' })).toBe('deny')
    expect(await t('read', `channels.${chan}.messages`, { vhost: 'other' })).toBe('deny')
    expect(
      await t('read', `channels.${chan}.messages`, {
        'variable_map.client_id': 'agent-someone-else',
      })
    ).toBe('deny')
    expect((await rabbit('topic', { username: a.id, vhost: '/' })).text).toBe('deny')
  })

  it('bad input is a deny, never a 5xx: unknown check, empty or garbled bodies', async () => {
    expect(await rabbit('nonsense', { username: 'x' })).toEqual({ status: 200, text: 'deny' })
    for (const body of ['', '%%%', 'username=%E0%A4%A', '\u0000\u0001', 'a'.repeat(5000)]) {
      for (const check of ['user', 'vhost', 'resource', 'topic']) {
        const res = await callRaw('POST', `/broker/rabbitmq/${SECRET}/${check}`, {
          body,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        })
        expect([res.status, await res.text()]).toEqual([200, 'deny'])
      }
    }
  })

  it('text that is not UTF-8 is unreadable: its U+FFFD replacement never matches a stored key', async () => {
    // A key from before keys had to be visible ASCII, holding U+FFFD itself.
    const u = await newUser()
    const id = crypto.randomUUID()
    const key = `legacy-\ufffd-${crypto.randomUUID()}`
    await env.DB.prepare(
      'INSERT INTO things (id, owner, name, key, metadata, created_at) VALUES (?, ?, ?, ?, NULL, ?)'
    )
      .bind(id, u.id, '', key, Date.now())
      .run()
    expect(await rabbit('user', { username: id, password: key })).toEqual({
      status: 200,
      text: 'allow',
    })
    const escaped = encodeURIComponent(key).replace('%EF%BF%BD', '%FF')
    const form = await callRaw('POST', `/broker/rabbitmq/${SECRET}/user`, {
      body: `username=${id}&password=${escaped}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect([form.status, await form.text()]).toEqual([200, 'deny'])
    const [before, after] = key.split('\ufffd') as [string, string]
    const enc = new TextEncoder()
    const json = await callRaw('POST', `/broker/mosquitto/${SECRET}/status/user`, {
      body: new Uint8Array([
        ...enc.encode(`{"username":"${id}","clientid":"agent-${id}","password":"${before}`),
        0xff,
        ...enc.encode(`${after}"}`),
      ]),
      headers: { 'Content-Type': 'application/json' },
    })
    expect(json.status).toBe(403)
    const escapedJson = await mosq('status', 'user', {
      username: id,
      clientid: `agent-${id}`,
      password: key,
    })
    expect(escapedJson).toEqual({ status: 200, text: 'ok' })
  })

  it('only POST (device passwords never sit in a query string)', async () => {
    const { a } = await world()
    const res = await api(
      'GET',
      `/broker/rabbitmq/${SECRET}/user?username=${a.id}&password=${a.key}`
    )
    expect(res.status).toBe(405)
    expect(res.headers.get('Allow')).toBe('POST')
  })
})

describe('mosquitto-go-auth HTTP backend format', () => {
  it('each response mode: allow is 200 (ok / {"ok":true}), deny is 403', async () => {
    const { a } = await world()
    const good = { username: a.id, password: a.key, clientid: `agent-${a.id}` }
    const bad = { ...good, password: 'wrong' }
    expect(await mosq('status', 'user', good)).toEqual({ status: 200, text: 'ok' })
    expect((await mosq('status', 'user', bad)).status).toBe(403)
    expect(await mosq('text', 'user', good)).toEqual({ status: 200, text: 'ok' })
    expect((await mosq('text', 'user', bad)).status).toBe(403)
    const j = await mosq('json', 'user', good)
    expect([j.status, JSON.parse(j.text)]).toEqual([200, { ok: true, error: '' }])
    const jd = await mosq('json', 'user', bad)
    expect(jd.status).toBe(403)
    expect(JSON.parse(jd.text).ok).toBe(false)
    expect((await mosq('yaml', 'user', good)).status).toBe(404)
  })

  it('form params mode works like JSON', async () => {
    const { a, chan } = await world()
    const r = await mosq(
      'status',
      'user',
      { username: a.id, password: a.key, clientid: a.id },
      { asForm: true }
    )
    expect(r.status).toBe(200)
    const acl = await mosq(
      'status',
      'acl',
      { username: a.id, clientid: a.id, topic: `channels/${chan}/messages`, acc: 2 },
      { asForm: true }
    )
    expect(acl.status).toBe(200)
  })

  it('superuser: nobody', async () => {
    const { a } = await world()
    expect((await mosq('status', 'superuser', { username: a.id })).status).toBe(403)
  })

  it('acl: acc 1 read, 2 write, 3 read-write on topics; 4 subscribe on filters; others denied', async () => {
    const { a, chan } = await world()
    const acl = (t: string, acc: unknown, clientid = `agent-${a.id}`) =>
      mosq('status', 'acl', { username: a.id, clientid, topic: t, acc }).then((r) => r.status)
    const msgs = `channels/${chan}/messages/req`
    for (const acc of [1, 2, 3, 4]) expect(await acl(msgs, acc), String(acc)).toBe(200)
    expect(await acl(`channels/${chan}/messages/#`, 4)).toBe(200)
    expect(await acl(`channels/${chan}/messages/#`, 1)).toBe(403)
    expect(await acl(`channels/${chan}/messages/#`, 2)).toBe(403)
    expect(await acl('channels/+/messages', 4)).toBe(403)
    expect(await acl(msgs, 5)).toBe(403)
    expect(await acl(msgs, 'x')).toBe(403)
    expect(await acl(msgs, 2, `agent-${crypto.randomUUID()}`)).toBe(403)
  })

  it('bad input is a 403, never a 5xx', async () => {
    for (const check of ['user', 'acl', 'superuser', 'other']) {
      const res = await callRaw('POST', `/broker/mosquitto/${SECRET}/json/${check}`, {
        body: '{"username": ',
        headers: { 'Content-Type': 'application/json' },
      })
      expect(res.status, check).toBe(403)
    }
  })
})

describe('EMQX HTTP authentication and authorization format', () => {
  it('authn allow: not a superuser, expire_at within FLUXGATE_BROKER_SESSION_MAX, deny-only ACL', async () => {
    const { a } = await world()
    const before = Math.floor(Date.now() / 1000)
    const r = await emqx('authn', {
      username: a.id,
      password: a.key,
      clientid: `agent-${a.id}`,
      peerhost: '10.0.0.1',
    })
    expect(r.status).toBe(200)
    expect(r.body.result).toBe('allow')
    expect(r.body.is_superuser).toBe(false)
    // The default bound is one hour.
    expect(r.body.expire_at).toBeGreaterThanOrEqual(before + 3600)
    expect(r.body.expire_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600)
    expect(r.body.acl.length).toBeGreaterThan(0)
    for (const rule of r.body.acl) {
      expect(rule.permission).toBe('deny')
      expect(rule.action).toBe('all')
      expect(rule.topic).toMatch(/^eq /)
    }
    expect(r.body.acl.map((x: any) => x.topic)).toContain('eq #')
  })

  it('authn deny: 200 with result deny, for a wrong key, a foreign client id, missing fields', async () => {
    const { a, b } = await world()
    for (const body of [
      { username: a.id, password: b.key, clientid: a.id },
      { username: a.id, password: a.key, clientid: `agent-${b.id}` },
      { username: a.id, password: a.key },
      {},
    ]) {
      expect(await emqx('authn', body)).toEqual({ status: 200, body: { result: 'deny' } })
    }
  })

  it('authz: publish and subscribe; unknown actions and malformed topics are denied', async () => {
    const { a, chan } = await world()
    const z = (action: unknown, t: unknown) =>
      emqx('authz', { username: a.id, clientid: `agent-${a.id}`, topic: t, action }).then(
        (r) => r.body.result
      )
    expect(await z('publish', `channels/${chan}/messages/req`)).toBe('allow')
    expect(await z('subscribe', `channels/${chan}/messages/#`)).toBe('allow')
    expect(await z('publish', `channels/${chan}/messages/#`)).toBe('deny')
    expect(await z('all', `channels/${chan}/messages`)).toBe('deny')
    expect(await z(undefined, `channels/${chan}/messages`)).toBe('deny')
    expect(await z('publish', 42)).toBe('deny')
    expect(await z('publish', null)).toBe('deny')
  })

  it('garbled JSON and unknown checks answer 200 deny', async () => {
    for (const check of ['authn', 'authz', 'other']) {
      const res = await call('POST', `/broker/emqx/${check}`, {
        body: '{"username"',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${SECRET}` },
      })
      expect([res.status, res.body]).toEqual([200, { result: 'deny' }])
    }
  })

  it('FLUXGATE_BROKER_SESSION_MAX bounds expire_at', async () => {
    const { a } = await world()
    const r = await call(
      'POST',
      '/broker/emqx/authn',
      {
        json: { username: a.id, password: a.key, clientid: a.id },
        headers: { Authorization: `Bearer ${SECRET}` },
      },
      { FLUXGATE_BROKER_SESSION_MAX: '5m' }
    )
    expect(r.body.expire_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 300)
    expect(r.body.expire_at).toBeGreaterThan(Math.floor(Date.now() / 1000) + 250)
  })
})

describe('storage budget of a check', () => {
  /** A KV binding that counts calls (a bulk get is one call). */
  function countingKv(kv: KVNamespace) {
    const counter = { calls: 0 }
    const wrapped = new Proxy(kv, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          if (prop === 'get' || prop === 'getWithMetadata') counter.calls++
          return (value as Function).apply(target, args)
        }
      },
    })
    return { kv: wrapped, counter }
  }

  it('a cached connect and a cached topic check make 0 D1 round trips and one KV read each', async () => {
    const { a, chan } = await world()
    const connectFields = { username: a.id, password: a.key, client_id: `agent-${a.id}` }
    const topicFields = topic(a, chan, 'write', `channels.${chan}.messages.req`)
    // Two misses fill the cache (a new key needs two, see src/things/cache.ts).
    for (let i = 0; i < 2; i++) {
      expect((await rabbit('user', connectFields)).text).toBe('allow')
      expect((await rabbit('topic', topicFields)).text).toBe('allow')
    }
    const d1 = countingD1(env.DB)
    const kv = countingKv(env.CACHE)
    const overrides = { DB: d1.db, CACHE: kv.kv }
    expect((await rabbit('user', connectFields, SECRET, overrides)).text).toBe('allow')
    expect([d1.counter.calls, kv.counter.calls]).toEqual([0, 1])
    expect((await rabbit('topic', topicFields, SECRET, overrides)).text).toBe('allow')
    expect([d1.counter.calls, kv.counter.calls]).toEqual([0, 2])
    // A miss asks D1 once.
    const fresh = await newThing((await newUser()).token)
    const miss = await rabbit(
      'user',
      { username: fresh.id, password: fresh.key },
      SECRET,
      overrides
    )
    expect(miss.text).toBe('allow')
    expect(d1.counter.calls).toBe(1)
  })

  it('vhost and resource checks touch no storage at all', async () => {
    const d1 = countingD1(env.DB)
    const kv = countingKv(env.CACHE)
    const overrides = { DB: d1.db, CACHE: kv.kv }
    const id = crypto.randomUUID()
    expect((await rabbit('vhost', { username: id, vhost: '/' }, SECRET, overrides)).text).toBe(
      'allow'
    )
    const q = {
      username: id,
      vhost: '/',
      resource: 'queue',
      name: `mqtt-subscription-${id}qos1`,
      permission: 'read',
    }
    expect((await rabbit('resource', q, SECRET, overrides)).text).toBe('allow')
    expect([d1.counter.calls, kv.counter.calls]).toEqual([0, 0])
  })

  it('a storage failure is a deny, not a 5xx', async () => {
    const { a } = await world()
    const broken = new Proxy(env.DB, {
      get() {
        throw new Error('D1 is down')
      },
    })
    const r = await rabbit('user', { username: a.id, password: a.key }, SECRET, {
      DB: broken,
      FLUXGATE_CACHE_TTL: '0',
    })
    expect(r).toEqual({ status: 200, text: 'deny' })
  })
})
