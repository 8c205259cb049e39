import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/lib/config'
import { AdminError, adminSettings, closeSessions } from '../../src/sessions/admin'
import { BATCH, type BrokerSessions, MAX_ATTEMPTS } from '../../src/sessions/queue'
import { call, newUser } from '../helpers'
import { connect, newChannel, newThing } from '../things/helpers'
import { ADMIN_PASSWORD, ADMIN_USER, adminEnv, installAdminDouble } from './admin-double'

const ns = () => env.BROKER_SESSIONS as DurableObjectNamespace<BrokerSessions>
const queue = () => ns().get(ns().idFromName('broker'))

let restore: (() => void) | undefined
afterEach(async () => {
  restore?.()
  restore = undefined
  // Leave the queue empty for the next test.
  await runInDurableObject(queue(), async (_obj, state) => {
    await state.storage.deleteAll()
    await state.storage.deleteAlarm()
  })
})

function settings(kind: 'rabbitmq' | 'emqx') {
  return adminSettings(loadConfig({ ...env, ...adminEnv(kind) } as never))!
}

/** Runs the queue's alarm until nothing is due (at most `max` runs). */
async function drain(max = 10) {
  for (let i = 0; i < max; i++) {
    const ran = await runDurableObjectAlarm(queue())
    if (!ran) return
  }
}

describe('admin clients (HTTP doubles of the management APIs)', () => {
  it('RabbitMQ: closes every connection a given thing holds by user name, and only those', async () => {
    const double = installAdminDouble('rabbitmq')
    restore = double.restore
    double.sessions.set('127.0.0.1:50001 -> 127.0.0.1:1883', 'thing-a')
    double.sessions.set('127.0.0.1:50002 -> 127.0.0.1:1883', 'thing-a')
    double.sessions.set('127.0.0.1:50003 -> 127.0.0.1:1883', 'thing-b')
    double.sessions.set('127.0.0.1:50004 -> 127.0.0.1:1883', 'thing-c')
    expect(await closeSessions(settings('rabbitmq'), ['thing-a', 'thing-b', 'thing/x'])).toBe(3)
    expect([...double.sessions.values()]).toEqual(['thing-c'])
    expect(double.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'DELETE /api/connections/username/thing-a',
      'DELETE /api/connections/username/thing-b',
      'DELETE /api/connections/username/thing%2Fx',
    ])
    expect(double.calls[0]!.reason).toMatch(/revoked/)
    expect(
      double.calls.every((c) => c.auth === `Basic ${btoa(`${ADMIN_USER}:${ADMIN_PASSWORD}`)}`)
    ).toBe(true)
  })

  it('EMQX: lists each thing by username and kicks each client id', async () => {
    const double = installAdminDouble('emqx')
    restore = double.restore
    double.sessions.set('agent-thing-a', 'thing-a')
    double.sessions.set('export-thing-a', 'thing-a')
    double.sessions.set('agent-thing-c', 'thing-c')
    expect(await closeSessions(settings('emqx'), ['thing-a', 'thing-b'])).toBe(2)
    expect([...double.sessions.keys()]).toEqual(['agent-thing-c'])
    expect(double.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/v5/clients?username=thing-a&limit=100',
      'DELETE /api/v5/clients/agent-thing-a',
      'DELETE /api/v5/clients/export-thing-a',
      'GET /api/v5/clients?username=thing-b&limit=100',
    ])
  })

  it('a refusal or an unreachable broker is an AdminError naming no credential', async () => {
    const double = installAdminDouble('rabbitmq')
    restore = double.restore
    double.state.failNext = 1
    const err = await closeSessions(settings('rabbitmq'), ['x']).catch((e) => e)
    expect(err).toBeInstanceOf(AdminError)
    expect(err.message).toMatch(/answered 503/)
    expect(err.message).not.toContain(ADMIN_PASSWORD)
    const wrong = { ...settings('rabbitmq'), password: 'nope' }
    expect((await closeSessions(wrong, ['x']).catch((e) => e)).message).toMatch(/answered 401/)
    double.state.unreachable = true
    const gone = await closeSessions(settings('rabbitmq'), ['x']).catch((e) => e)
    expect(gone).toBeInstanceOf(AdminError)
    expect(gone.message).toMatch(/failed: Network connection lost/)
  })
})

describe('revocations close the thing sessions after the commit', () => {
  async function world() {
    const u = await newUser()
    const a = await newThing(u.token)
    const b = await newThing(u.token)
    const chan = await newChannel(u.token)
    await connect(u.token, [chan], [a.id, b.id])
    return { u, a, b, chan }
  }

  const cases = [
    {
      what: 'key rotation',
      revoke: (w: Awaited<ReturnType<typeof world>>, o: Record<string, unknown>) =>
        call(
          'PATCH',
          `/things/${w.a.id}/key`,
          { token: w.u.token, json: { key: crypto.randomUUID() } },
          o
        ),
      closed: (w: Awaited<ReturnType<typeof world>>) => [w.a.id],
    },
    {
      what: 'thing removal',
      revoke: (w: Awaited<ReturnType<typeof world>>, o: Record<string, unknown>) =>
        call('DELETE', `/things/${w.a.id}`, { token: w.u.token }, o),
      closed: (w: Awaited<ReturnType<typeof world>>) => [w.a.id],
    },
    {
      what: 'disconnect',
      revoke: (w: Awaited<ReturnType<typeof world>>, o: Record<string, unknown>) =>
        call('DELETE', `/channels/${w.chan}/things/${w.a.id}`, { token: w.u.token }, o),
      closed: (w: Awaited<ReturnType<typeof world>>) => [w.a.id],
    },
    {
      what: 'bulk disconnect (only things that were connected)',
      revoke: async (w: Awaited<ReturnType<typeof world>>, o: Record<string, unknown>) => {
        const stranger = await newThing(w.u.token)
        return call(
          'POST',
          '/disconnect',
          { token: w.u.token, json: { channel_ids: [w.chan], thing_ids: [w.a.id, stranger.id] } },
          o
        )
      },
      closed: (w: Awaited<ReturnType<typeof world>>) => [w.a.id],
    },
    {
      what: 'channel removal (every connected thing)',
      revoke: (w: Awaited<ReturnType<typeof world>>, o: Record<string, unknown>) =>
        call('DELETE', `/channels/${w.chan}`, { token: w.u.token }, o),
      closed: (w: Awaited<ReturnType<typeof world>>) => [w.a.id, w.b.id],
    },
  ]

  for (const kind of ['rabbitmq', 'emqx'] as const) {
    for (const c of cases) {
      it(`${kind}: ${c.what}`, async () => {
        const double = installAdminDouble(kind)
        restore = double.restore
        const w = await world()
        const name = (id: string, n: number) =>
          kind === 'rabbitmq' ? `127.0.0.1:${n} -> 127.0.0.1:1883` : `agent-${id}-${n}`
        double.sessions.set(name(w.a.id, 1), w.a.id)
        double.sessions.set(name(w.b.id, 2), w.b.id)
        const res = await c.revoke(w, adminEnv(kind))
        expect(res.status, res.text).toBeLessThan(300)
        await drain()
        const left = [...double.sessions.values()]
        for (const id of c.closed(w)) expect(left).not.toContain(id)
        for (const id of [w.a.id, w.b.id].filter((x) => !c.closed(w).includes(x)))
          expect(left).toContain(id)
      })
    }
  }

  it('bootstrap config set to state 0 closes its thing sessions', async () => {
    const double = installAdminDouble('rabbitmq')
    restore = double.restore
    const u = await newUser()
    const control = await newChannel(u.token, { metadata: { type: 'control' } })
    const data = await newChannel(u.token, { metadata: { type: 'data' } })
    const made = await call('POST', '/things/configs', {
      token: u.token,
      json: {
        external_id: `gw-${crypto.randomUUID()}`,
        external_key: 'k',
        channels: [control, data],
      },
    })
    const id = made.headers.get('Location')!.split('/').pop()!
    expect(
      (await call('PUT', `/things/state/${id}`, { token: u.token, json: { state: 1 } })).status
    ).toBe(200)
    double.sessions.set('127.0.0.1:1 -> 127.0.0.1:1883', id)
    const off = await call(
      'PUT',
      `/things/state/${id}`,
      { token: u.token, json: { state: 0 } },
      adminEnv('rabbitmq')
    )
    expect(off.status).toBe(200)
    await drain()
    expect(double.sessions.size).toBe(0)
  })

  it('without an admin endpoint nothing is queued', async () => {
    const double = installAdminDouble('rabbitmq')
    restore = double.restore
    const w = await world()
    await call('DELETE', `/things/${w.a.id}`, { token: w.u.token })
    expect(await queue().pending()).toBe(0)
    expect(double.calls).toHaveLength(0)
  })

  it('a failed close never fails the revocation, is retried with backoff, and closes once the broker is back', async () => {
    const double = installAdminDouble('rabbitmq')
    restore = double.restore
    const w = await world()
    double.sessions.set('127.0.0.1:1 -> 127.0.0.1:1883', w.a.id)
    double.state.failNext = 2
    const res = await call(
      'DELETE',
      `/channels/${w.chan}/things/${w.a.id}`,
      { token: w.u.token },
      adminEnv('rabbitmq')
    )
    expect(res.status).toBe(204)
    // First run fails: the entry stays, one attempt counted, due later.
    await runDurableObjectAlarm(queue())
    const entry = await runInDurableObject(queue(), (_o, s) =>
      s.storage.get<{ a: number; d: number }>(`q:${w.a.id}`)
    )
    expect(entry?.a).toBe(1)
    expect(entry!.d).toBeGreaterThan(Date.now())
    expect(double.sessions.size).toBe(1)
    // Make it due now, fail once more, then succeed.
    for (let i = 0; i < 3; i++) {
      await runInDurableObject(queue(), async (_o, s) => {
        const e = await s.storage.get<{ a: number; d: number }>(`q:${w.a.id}`)
        if (e) await s.storage.put(`q:${w.a.id}`, { ...e, d: 0 })
        await s.storage.setAlarm(Date.now())
      })
      await runDurableObjectAlarm(queue())
    }
    expect(double.sessions.size).toBe(0)
    expect(await queue().pending()).toBe(0)
  })

  it(`gives up after ${MAX_ATTEMPTS} attempts, and works in batches of ${BATCH}`, async () => {
    const double = installAdminDouble('rabbitmq')
    restore = double.restore
    const ids = Array.from({ length: BATCH + 5 }, () => crypto.randomUUID())
    await queue().enqueue(ids, settings('rabbitmq'))
    // One run takes one batch: one close call for each of BATCH things.
    await runDurableObjectAlarm(queue())
    expect(await queue().pending()).toBe(5)
    expect(double.calls).toHaveLength(BATCH)
    await runDurableObjectAlarm(queue())
    expect(await queue().pending()).toBe(0)

    double.state.failNext = 1000
    await queue().enqueue(['stuck'], settings('rabbitmq'))
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await runInDurableObject(queue(), async (_o, s) => {
        const e = await s.storage.get<{ a: number; d: number }>('q:stuck')
        if (e) await s.storage.put('q:stuck', { ...e, d: 0 })
        await s.storage.setAlarm(Date.now())
      })
      await runDurableObjectAlarm(queue())
    }
    expect(await queue().pending()).toBe(0)
  })
})
