import { env } from 'cloudflare:workers'
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { api, expectError, newUser } from '../helpers'

async function newKey(token: string, duration?: number) {
  const res = await api('POST', '/keys', {
    token,
    json: duration === undefined ? { type: 2 } : { type: 2, duration },
  })
  expect(res.status, res.text).toBe(201)
  return res.body as { id: string; value: string; issued_at: string; expires_at?: string }
}

describe('POST /keys', () => {
  it('issues an API key with expiry', async () => {
    const u = await newUser()
    const key = await newKey(u.token, 3600)
    expect(key.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(Date.parse(key.expires_at!) - Date.parse(key.issued_at)).toBe(3600_000)
    expect(decodeJwt(key.value)).toMatchObject({ sub: u.id, type: 2, jti: key.id })
  })

  it('duration 0 or absent never expires', async () => {
    const u = await newUser()
    for (const d of [0, undefined]) {
      const key = await newKey(u.token, d)
      expect(key.expires_at).toBeUndefined()
      expect(decodeJwt(key.value).exp).toBeUndefined()
    }
  })

  it('stores only a hash of the key', async () => {
    const u = await newUser()
    const key = await newKey(u.token)
    const row = await env.DB.prepare('SELECT * FROM api_keys WHERE id = ?')
      .bind(key.id)
      .first<Record<string, unknown>>()
    expect(JSON.stringify(row)).not.toContain(key.value)
    expect(JSON.stringify(row)).not.toContain(key.value.split('.')[2])
  })

  it('401 without a token (0.12.1 issued anonymous keys)', async () => {
    expectError(await api('POST', '/keys', { json: { type: 2 } }), 401)
  })

  it('403 when an API key tries to mint a key', async () => {
    const u = await newUser()
    const key = await newKey(u.token)
    expectError(await api('POST', '/keys', { token: key.value, json: { type: 2 } }), 403)
  })

  it.each([
    { desc: 'type 1', json: { type: 1 } },
    { desc: 'type 0', json: { type: 0 } },
    { desc: 'no type', json: {} },
    { desc: 'negative duration', json: { type: 2, duration: -1 } },
    { desc: 'fractional duration', json: { type: 2, duration: 1.5 } },
    { desc: 'string duration', json: { type: 2, duration: '10' } },
  ])('400 for $desc', async ({ json }) => {
    const u = await newUser()
    expectError(await api('POST', '/keys', { token: u.token, json }), 400)
  })

  it('415 without JSON', async () => {
    const u = await newUser()
    expectError(await api('POST', '/keys', { token: u.token, body: '{"type":2}' }), 415)
  })
})

describe('using, viewing and revoking keys', () => {
  it('an API key works where a login token does', async () => {
    const u = await newUser()
    const key = await newKey(u.token)
    const res = await api('GET', '/users/profile', { token: key.value })
    expect(res.status).toBe(200)
    expect(res.body.id).toBe(u.id)
    expect((await api('GET', '/users/profile', { auth: key.value })).status).toBe(200)
  })

  it('GET /keys/{id} shows the key without its secret; other users get 404', async () => {
    const u = await newUser()
    const other = await newUser()
    const key = await newKey(u.token, 60)
    const res = await api('GET', `/keys/${key.id}`, { token: u.token })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      id: key.id,
      issuer_id: u.id,
      subject: u.email,
      type: 2,
      issued_at: key.issued_at,
      expires_at: key.expires_at,
    })
    expect(res.text).not.toContain(key.value)
    expectError(await api('GET', `/keys/${key.id}`, { token: other.token }), 404)
    expectError(await api('GET', `/keys/${crypto.randomUUID()}`, { token: u.token }), 404)
    expectError(await api('GET', `/keys/${key.id}`), 401)
  })

  it("GET /keys lists only the caller's keys, newest first, with paging", async () => {
    const u = await newUser()
    const other = await newUser()
    const k1 = await newKey(u.token)
    const k2 = await newKey(u.token)
    await newKey(other.token)
    const res = await api('GET', '/keys', { token: u.token })
    expect(res.status).toBe(200)
    expect(res.body.total).toBe(2)
    expect(res.body.keys.map((k: { id: string }) => k.id).sort()).toEqual([k1.id, k2.id].sort())
    expect(res.text).not.toContain(k1.value)
    const page = await api('GET', '/keys?limit=1&offset=1', { token: u.token })
    expect(page.body).toMatchObject({ total: 2, offset: 1, limit: 1 })
    expect(page.body.keys).toHaveLength(1)
    expectError(await api('GET', '/keys?limit=101', { token: u.token }), 400)
    expectError(await api('GET', '/keys'), 401)
  })

  it('revocation takes effect on the very next request', async () => {
    const u = await newUser()
    const key = await newKey(u.token)
    expect((await api('GET', '/users/profile', { token: key.value })).status).toBe(200)
    const del = await api('DELETE', `/keys/${key.id}`, { token: u.token })
    expect(del.status).toBe(204)
    expect(del.text).toBe('')
    expectError(await api('GET', '/users/profile', { token: key.value }), 401, /revoked/)
    expectError(await api('DELETE', `/keys/${key.id}`, { token: u.token }), 404)
  })

  it("another user's key cannot be revoked (404) and keeps working", async () => {
    const u = await newUser()
    const other = await newUser()
    const key = await newKey(u.token)
    expectError(await api('DELETE', `/keys/${key.id}`, { token: other.token }), 404)
    expect((await api('GET', '/users/profile', { token: key.value })).status).toBe(200)
    expectError(await api('DELETE', `/keys/${key.id}`), 401)
  })

  it('expiry recorded in D1 is enforced on the next request', async () => {
    const u = await newUser()
    const key = await newKey(u.token, 3600)
    await env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1000, key.id)
      .run()
    expectError(await api('GET', '/users/profile', { token: key.value }), 401)
  })

  it("an API key cannot revoke the owner's other keys (403); a login token can", async () => {
    const u = await newUser()
    const a = await newKey(u.token)
    const b = await newKey(u.token)
    expectError(await api('DELETE', `/keys/${b.id}`, { token: a.value }), 403, /only itself/)
    expect((await api('GET', '/users/profile', { token: b.value })).status).toBe(200)
    expect((await api('DELETE', `/keys/${b.id}`, { token: u.token })).status).toBe(204)
  })

  it('an API key can revoke itself and then stops working', async () => {
    const u = await newUser()
    const key = await newKey(u.token)
    expect((await api('DELETE', `/keys/${key.id}`, { token: key.value })).status).toBe(204)
    expectError(await api('GET', `/keys`, { token: key.value }), 401)
  })
})
