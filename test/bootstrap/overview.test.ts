import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { summaryStatements } from '../../src/bootstrap/overview'
import { createDb } from '../../src/db/client'
import { api, call, expectError, newUser, type TestUser, warmSession } from '../helpers'
import { newChannel, newThing } from '../things/helpers'
import { counted, fetchConfig, newConfig } from './helpers'

const HOUR = 3600_000

const summary = (u: TestUser) => api('GET', '/things/configs/summary', { token: u.token })

/** Sets a config's fetch record directly (times in ms). */
async function setRecord(
  id: string,
  r: { seen?: number | null; failedAt?: number | null; reason?: string | null }
) {
  await env.DB.prepare(
    'UPDATE bootstrap_configs SET last_bootstrap_at = ?1, last_failure_at = ?2, last_failure = ?3 WHERE thing_id = ?4'
  )
    .bind(r.seen ?? null, r.failedAt ?? null, r.reason ?? null, id)
    .run()
}

describe('GET /things/configs/summary', () => {
  it('needs a user token or API key', async () => {
    expectError(await api('GET', '/things/configs/summary'), 401)
    expectError(await api('GET', '/things/configs/summary', { token: 'not-a-token' }), 401)
  })

  it('answers zeros and no failures for an account with nothing', async () => {
    const u = await newUser()
    const res = await summary(u)
    expect(res.status, res.text).toBe(200)
    expect(res.body).toEqual({
      things: { total: 0 },
      channels: { total: 0 },
      configs: { total: 0, active: 0, inactive: 0 },
      last_bootstrap: { never: 0, hour: 0, day: 0, older: 0 },
      failures: [],
    })
  })

  it('counts things, channels, configs by state and by last fetch; lists the latest 10 failures', async () => {
    const u = await newUser()
    const other = await newUser()
    await newThing(u.token)
    await newChannel(u.token)
    await newChannel(u.token)
    const configs = []
    for (let i = 0; i < 12; i++) configs.push(await newConfig(u.token, { name: `gw-${i}` }))
    // Another owner's configs and failures never show.
    const foreign = await newConfig(other.token, { name: 'theirs' })
    const now = Date.now()
    await setRecord(foreign.id, { seen: now, failedAt: now + 1000, reason: 'theirs' })
    // Two active.
    for (const c of configs.slice(0, 2)) {
      expect(
        (await api('PUT', `/things/state/${c.id}`, { token: u.token, json: { state: 1 } })).status
      ).toBe(200)
    }
    // Last fetches: 0-5 never, 6-7 under an hour, 8-9 under a day, 10-11 older.
    const seen = [
      null,
      null,
      null,
      null,
      null,
      null,
      now - 60_000,
      now - 59 * 60_000,
      now - 2 * HOUR,
      now - 23 * HOUR,
      now - 25 * HOUR,
      now - 30 * 24 * HOUR,
    ]
    // Failures at distinct times, config i at now - i minutes: the latest 10 are 0..9 in order.
    for (const [i, c] of configs.entries()) {
      await setRecord(c.id, { seen: seen[i], failedAt: now - i * 60_000, reason: `reason ${i}` })
    }
    const res = await summary(u)
    expect(res.status, res.text).toBe(200)
    expect(res.body.things).toEqual({ total: 13 }) // one plain thing and the 12 configs' things
    expect(res.body.channels).toEqual({ total: 2 })
    expect(res.body.configs).toEqual({ total: 12, active: 2, inactive: 10 })
    expect(res.body.last_bootstrap).toEqual({ never: 6, hour: 2, day: 2, older: 2 })
    expect(res.body.failures).toEqual(
      configs.slice(0, 10).map((c, i) => ({
        id: c.id,
        external_id: c.externalId,
        name: `gw-${i}`,
        at: new Date(now - i * 60_000).toISOString(),
        reason: `reason ${i}`,
      }))
    )
  })

  it('shows a real failed fetch with its reason', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    expect((await fetchConfig(cfg.externalId, 'wrong-key')).status).toBe(404)
    const res = await summary(u)
    expect(res.body.failures).toEqual([
      {
        id: cfg.id,
        external_id: cfg.externalId,
        at: expect.any(String),
        reason: 'wrong external key',
      },
    ])
    expect(res.body.last_bootstrap).toEqual({ never: 1, hour: 0, day: 0, older: 0 })
    expect((await fetchConfig(cfg.externalId, cfg.externalKey)).status).toBe(200)
    expect((await summary(u)).body.last_bootstrap).toEqual({ never: 0, hour: 1, day: 0, older: 0 })
  })

  it('is one D1 round trip', async () => {
    const u = await newUser()
    await newConfig(u.token)
    // The token's session state comes from KV after these, so the summary is all that reads D1.
    await warmSession(u.token)
    const { res, d1 } = await counted((o) =>
      call('GET', '/things/configs/summary', { token: u.token }, o)
    )
    expect(res.status, res.text).toBe(200)
    expect(res.body.configs.total).toBe(1)
    expect(d1).toBe(1)
  })

  it('reads indexes only: no table scan whatever the number of configs', async () => {
    const db = createDb(env.DB)
    const [, counts, failures] = summaryStatements(db, 'owner', Date.now())
    const plan = async (q: { toSQL(): { sql: string; params: unknown[] } }) => {
      const { sql, params } = q.toSQL()
      const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>()
      return rows.results.map((r) => r.detail).join('\n')
    }
    expect(await plan(counts)).toMatch(
      /USING COVERING INDEX bootstrap_configs_owner_state_seen_idx/
    )
    const failurePlan = await plan(failures)
    expect(failurePlan).toMatch(/USING INDEX bootstrap_configs_owner_failure_idx/)
    expect(failurePlan).not.toMatch(/TEMP B-TREE/)
  })
})

describe('GET /things/configs/{id}/answer', () => {
  it('needs a user token or API key', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    expectError(await api('GET', `/things/configs/${cfg.id}/answer`), 401)
    expectError(await api('GET', `/things/configs/${cfg.id}/answer`, { token: 'nope' }), 401)
  })

  it("is 404 for an unknown config and for another owner's", async () => {
    const u = await newUser()
    const other = await newUser()
    const theirs = await newConfig(other.token)
    expectError(
      await api('GET', `/things/configs/${crypto.randomUUID()}/answer`, { token: u.token }),
      404
    )
    expectError(await api('GET', `/things/configs/${theirs.id}/answer`, { token: u.token }), 404)
    // A plain thing without a config is not a config either.
    const thing = await newThing(u.token)
    expectError(await api('GET', `/things/configs/${thing.id}/answer`, { token: u.token }), 404)
  })

  it('is byte for byte what the gateway gets, and does not count as a fetch', async () => {
    const u = await newUser()
    const data = await newChannel(u.token, { name: 'data', metadata: { type: 'data' } })
    const control = await newChannel(u.token, { name: 'ctl', metadata: { type: 'control' } })
    const cfg = await newConfig(u.token, {
      name: 'gw',
      channels: [data, control],
      content: '{"agent":{"log_level":"info"}}',
      client_cert: 'CERT',
      client_key: 'KEY',
      ca_cert: 'CA',
    })
    const res = await call('GET', `/things/configs/${cfg.id}/answer`, { token: u.token })
    expect(res.status, res.text).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.body.mainflux_channels.map((c: { id: string }) => c.id)).toEqual([control, data])
    expect(res.body).toMatchObject({
      mainflux_id: cfg.id,
      content: '{"agent":{"log_level":"info"}}',
      client_key: 'KEY',
    })
    // Viewing it recorded nothing.
    const before = await api('GET', `/things/configs/${cfg.id}`, { token: u.token })
    expect(before.body.last_bootstrap_at).toBeUndefined()
    expect(before.body.last_failure_at).toBeUndefined()
    const fetched = await fetchConfig(cfg.externalId, cfg.externalKey)
    expect(fetched.status).toBe(200)
    expect(res.text).toBe(fetched.text)
    // And after a change, both follow.
    expect(
      (
        await api('PUT', `/things/configs/${cfg.id}`, {
          token: u.token,
          json: { name: 'gw', content: 'v2' },
        })
      ).status
    ).toBe(200)
    const again = await api('GET', `/things/configs/${cfg.id}/answer`, { token: u.token })
    expect(again.body.content).toBe('v2')
    expect(again.text).toBe((await fetchConfig(cfg.externalId, cfg.externalKey)).text)
  })
})
