import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, call, countAll, countingD1, expectError, newUser, uid, warmSession } from '../helpers'
import { configRow, gatewayCreds, gatewayOf, mapping } from './helpers'

const idemRow = (owner: string, key: string) =>
  env.DB.prepare('SELECT * FROM idempotency_keys WHERE owner = ? AND key = ?')
    .bind(owner, key)
    .first<{ request_hash: string; status: number; response: string; created_at: number }>()

describe('Idempotency-Key', () => {
  it('a repeat with the same body returns the same 201 answer and creates nothing', async () => {
    const u = await newUser()
    const key = `k-${uid()}`
    const creds = gatewayCreds('gw')
    const first = await mapping(creds, { token: u.token, idempotencyKey: key })
    expect(first.status, first.text).toBe(201)
    expect(first.headers.get('Idempotent-Replayed')).toBeNull()
    const before = await countAll()
    await warmSession(u.token)
    const { db, counter } = countingD1(env.DB)
    const again = await call(
      'POST',
      '/mapping',
      { token: u.token, json: creds, headers: { 'Idempotency-Key': key } },
      { DB: db }
    )
    expect(again.status, again.text).toBe(201)
    expect(again.headers.get('Idempotent-Replayed')).toBe('true')
    expect(again.body).toEqual(first.body)
    expect(await countAll()).toEqual(before)
    // The claim fails inside the batch, then one read fetches the stored answer.
    expect(counter.calls).toBe(2)
    // ?layout=default names the same layout as no parameter.
    const named = await mapping(creds, { token: u.token, idempotencyKey: key, layout: 'default' })
    expect(named.body).toEqual(first.body)
  })

  it('with x509 the same certificates and keys come back', async () => {
    const u = await newUser()
    const key = `k-${uid()}`
    const creds = gatewayCreds()
    const first = await mapping(creds, { token: u.token, idempotencyKey: key, layout: 'x509' })
    expect(first.status, first.text).toBe(201)
    const before = await countAll()
    const again = await mapping(creds, { token: u.token, idempotencyKey: key, layout: 'x509' })
    expect(again.body).toEqual(first.body)
    expect(await countAll()).toEqual(before)
  })

  it.each([
    { desc: 'another external_id', change: { external_id: `other-${uid()}` } },
    { desc: 'another external_key', change: { external_key: 'another-key' } },
    { desc: 'another name', change: { name: 'renamed' } },
    { desc: 'another layout', change: {}, layout: 'agent-export' },
  ])('422 for the same key with $desc; nothing is written', async ({ change, layout }) => {
    const u = await newUser()
    const key = `k-${uid()}`
    const creds = gatewayCreds('gw')
    expect((await mapping(creds, { token: u.token, idempotencyKey: key })).status).toBe(201)
    const before = await countAll()
    const res = await mapping(
      { ...creds, ...change },
      { token: u.token, idempotencyKey: key, layout }
    )
    expectError(res, 422, 'Idempotency-Key was already used with a different request')
    expect(await countAll()).toEqual(before)
  })

  it('keys are per owner', async () => {
    const [a, b] = [await newUser(), await newUser()]
    const key = `shared-${uid()}`
    const ra = await mapping(gatewayCreds(), { token: a.token, idempotencyKey: key })
    const rb = await mapping(gatewayCreds(), { token: b.token, idempotencyKey: key })
    expect([ra.status, rb.status]).toEqual([201, 201])
    expect(gatewayOf(ra.body).id).not.toBe(gatewayOf(rb.body).id)
  })

  it('a failed mapping stores nothing, so a retry with the same key can succeed', async () => {
    const u = await newUser()
    const key = `k-${uid()}`
    const creds = gatewayCreds()
    const taken = await api('POST', '/things/configs', { token: u.token, json: creds })
    expect(taken.status, taken.text).toBe(201)
    const before = await countAll()
    expectError(await mapping(creds, { token: u.token, idempotencyKey: key }), 409)
    expect(await countAll()).toEqual(before)
    expect(await idemRow(u.id, key)).toBeNull()
    const id = taken.headers.get('Location')!.replace('/things/configs/', '')
    expect((await api('DELETE', `/things/configs/${id}`, { token: u.token })).status).toBe(204)
    const retry = await mapping(creds, { token: u.token, idempotencyKey: key })
    expect(retry.status, retry.text).toBe(201)
    expect((await configRow(creds.external_id))!.thing_id).toBe(gatewayOf(retry.body).id)
  })

  it("two concurrent requests with one key: the primary key decides, both get the winner's answer", async () => {
    const u = await newUser()
    const key = `k-${uid()}`
    const creds = gatewayCreds()
    const before = await countAll()
    const [a, b] = await Promise.all([
      mapping(creds, { token: u.token, idempotencyKey: key }),
      mapping(creds, { token: u.token, idempotencyKey: key }),
    ])
    expect([a.status, b.status]).toEqual([201, 201])
    expect(a.body).toEqual(b.body)
    expect(
      [a.headers.get('Idempotent-Replayed'), b.headers.get('Idempotent-Replayed')].sort()
    ).toEqual([null, 'true'].sort())
    const after = await countAll()
    expect(after.things! - before.things!).toBe(1)
    expect(after.idempotency_keys! - before.idempotency_keys!).toBe(1)
  })

  it('an entry older than 24 h is replaced: the key works again as new', async () => {
    const u = await newUser()
    const key = `k-${uid()}`
    const old = Date.now() - 25 * 3_600_000
    await env.DB.prepare(
      'INSERT INTO idempotency_keys (owner, key, request_hash, status, response, created_at) VALUES (?, ?, ?, 201, ?, ?)'
    )
      .bind(u.id, key, 'old-hash', 'v1:old', old)
      .run()
    const res = await mapping(gatewayCreds(), { token: u.token, idempotencyKey: key })
    expect(res.status, res.text).toBe(201)
    expect(res.headers.get('Idempotent-Replayed')).toBeNull()
    const row = await idemRow(u.id, key)
    expect(row!.created_at).toBeGreaterThan(old)
    expect(row!.request_hash).not.toBe('old-hash')
  })

  it('stores neither thing keys, private keys nor the external key in plaintext', async () => {
    const u = await newUser()
    const key = `k-${uid()}`
    const creds = gatewayCreds()
    const res = await mapping(creds, { token: u.token, idempotencyKey: key, layout: 'x509' })
    expect(res.status, res.text).toBe(201)
    const row = (await idemRow(u.id, key))!
    expect(row.status).toBe(201)
    expect(row.response).toMatch(/^v1:[A-Za-z0-9_-]+$/)
    const stored = JSON.stringify(row)
    const gw = gatewayOf(res.body)
    for (const secret of [gw.key, creds.external_key, 'PRIVATE KEY', 'CERTIFICATE', gw.id]) {
      expect(stored).not.toContain(secret)
    }
  })

  it('after the server secret changed, a repeat says the stored answer cannot be read (409)', async () => {
    const account = await newUser()
    const service = { MF_PROVISION_USER: account.email, MF_PROVISION_PASSWORD: account.password }
    const key = `k-${uid()}`
    const creds = gatewayCreds()
    const first = await mapping(creds, { idempotencyKey: key, env: service })
    expect(first.status, first.text).toBe(201)
    const rotated = { ...service, MF_AUTH_SECRET: 'another-secret-another-secret-0123456789abcdef' }
    const before = await countAll()
    expectError(await mapping(creds, { idempotencyKey: key, env: rotated }), 409, /cannot be read/)
    expect(await countAll()).toEqual(before)
  })

  it('a dry run ignores the key: it stores nothing', async () => {
    const u = await newUser()
    const key = `k-${uid()}`
    const creds = gatewayCreds()
    const dry = await mapping(creds, { token: u.token, idempotencyKey: key, dryRun: true })
    expect(dry.status, dry.text).toBe(200)
    expect(await idemRow(u.id, key)).toBeNull()
    expect((await mapping(creds, { token: u.token, idempotencyKey: key })).status).toBe(201)
  })
})
