import { afterEach, describe, expect, it, vi } from 'vitest'
import { FAILURE_BUDGET } from '../../src/bootstrap/record'
import { sha256 } from '../../src/lib/crypto'
import { api, newUser, type TestUser, uid } from '../helpers'
import { counted, fetchConfig, newConfig, warm } from './helpers'

// Recording is coalesced per isolate (module state shared by every test in this file), so each
// test uses its own configs, and the failure-budget test comes last.

const view = async (u: TestUser, id: string) =>
  (await api('GET', `/things/configs/${id}`, { token: u.token })).body

afterEach(() => {
  vi.restoreAllMocks()
})

describe('fetch recording', () => {
  it('unknown external ids are logged (rate-limited), never written to D1', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    for (let i = 0; i < 3; i++) {
      const { res, d1 } = await counted((o) => fetchConfig(`ghost-${uid()}`, 'k', { env: o }))
      expect(res.status).toBe(404)
      // The lookup only: no write for an id that has no row.
      expect(d1).toBe(1)
    }
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]![0])).toContain('unknown external id')
  })

  it('a success shows as last_bootstrap_at, a failure as last_failure_at and last_failure', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    const fresh = await view(u, cfg.id)
    expect(fresh.last_bootstrap_at).toBeUndefined()
    expect(fresh.last_failure).toBeUndefined()
    const t0 = Date.now()
    expect((await fetchConfig(cfg.externalId, cfg.externalKey)).status).toBe(200)
    expect((await fetchConfig(cfg.externalId, 'wrong')).status).toBe(404)
    const t1 = Date.now()
    const after = await view(u, cfg.id)
    const at = Date.parse(after.last_bootstrap_at)
    const failedAt = Date.parse(after.last_failure_at)
    expect(after.last_bootstrap_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(at).toBeGreaterThanOrEqual(t0)
    expect(at).toBeLessThanOrEqual(t1)
    expect(failedAt).toBeGreaterThanOrEqual(at)
    expect(failedAt).toBeLessThanOrEqual(t1)
    expect(after.last_failure).toBe('wrong external key')
    // Shown in the list as well.
    const list = await api('GET', `/things/configs?external_id=${cfg.externalId}`, {
      token: u.token,
    })
    expect(list.body.configs[0]).toMatchObject({
      last_bootstrap_at: after.last_bootstrap_at,
      last_failure: 'wrong external key',
    })
  })

  it('a 304 revalidation counts as a successful fetch', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    const key = (await api('GET', `/things/${cfg.id}`, { token: u.token })).body.key
    const body = JSON.stringify({ mainflux_id: cfg.id, mainflux_key: key, mainflux_channels: null })
    const etag = `"${await sha256(body)}"`
    const res = await fetchConfig(cfg.externalId, cfg.externalKey, {
      headers: { 'If-None-Match': etag },
    })
    expect(res.status).toBe(304)
    expect((await view(u, cfg.id)).last_bootstrap_at).toBeDefined()
  })

  it('coalesces: a cached fetch repeated within the window writes nothing', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    await warm(cfg)
    const first = (await view(u, cfg.id)).last_bootstrap_at
    for (let i = 0; i < 3; i++) {
      const { res, d1 } = await counted((o) =>
        fetchConfig(cfg.externalId, cfg.externalKey, { env: o })
      )
      expect(res.status).toBe(200)
      expect(d1).toBe(0)
    }
    expect((await view(u, cfg.id)).last_bootstrap_at).toBe(first)
  })

  it('a wrong-key flood on one config is one D1 write', async () => {
    const u = await newUser()
    const cfg = await newConfig(u.token)
    await warm(cfg)
    let writes = 0
    for (let i = 0; i < 20; i++) {
      const { res, d1 } = await counted((o) =>
        fetchConfig(cfg.externalId, `wrong-${i}`, { env: o })
      )
      expect(res.status).toBe(404)
      writes += d1
    }
    expect(writes).toBe(1)
    expect((await view(u, cfg.id)).last_failure).toBe('wrong external key')
  })

  it(`failures across many configs are capped at ${FAILURE_BUDGET} writes per window`, async () => {
    const u = await newUser()
    const configs = []
    for (let i = 0; i < FAILURE_BUDGET + 5; i++) {
      const cfg = await newConfig(u.token)
      await warm(cfg)
      configs.push(cfg)
    }
    let writes = 0
    for (const cfg of configs) {
      const { res, d1 } = await counted((o) => fetchConfig(cfg.externalId, 'wrong', { env: o }))
      expect(res.status).toBe(404)
      writes += d1
    }
    // Earlier tests in this file used part of the budget: never more than the budget, at least one.
    expect(writes).toBeLessThanOrEqual(FAILURE_BUDGET)
    expect(writes).toBeGreaterThan(0)
    expect(writes).toBeLessThan(configs.length)
  })
})
