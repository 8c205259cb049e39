import { describe, expect, it } from 'vitest'
import { api, countAll, expectError, newUser } from './helpers'

describe('HTTP conventions', () => {
  it('GET /health and /version name the service', async () => {
    for (const path of ['/health', '/version']) {
      const res = await api('GET', path)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ service: 'fluxgate', version: expect.any(String) })
    }
  })

  it('unknown routes are 404 JSON', async () => {
    expectError(await api('GET', '/nope'), 404, 'route not found')
  })

  it('a known path with the wrong method is 405 JSON with Allow', async () => {
    const res = await api('DELETE', '/tokens')
    expectError(res, 405, 'method not allowed')
    expect(res.headers.get('Allow')).toContain('POST')
  })

  it('answers CORS preflight for any origin', async () => {
    const res = await api('OPTIONS', '/things', {
      headers: {
        Origin: 'https://ui.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
    expect(res.headers.get('Access-Control-Allow-Methods')).toContain('POST')
    expect(res.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain(
      'authorization'
    )
  })

  it('adds CORS headers to ordinary answers', async () => {
    const res = await api('GET', '/health', { headers: { Origin: 'https://ui.example.com' } })
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*')
  })

  it('refuses a body above the cap with 413 before parsing it', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1)
    const res = await api('POST', '/users', {
      body: big,
      headers: { 'Content-Type': 'application/json' },
    })
    expectError(res, 413, /too large/)
  })

  it('refuses a JSON route body without JSON Content-Type with 415', async () => {
    const body = JSON.stringify({ email: 'a@example.com', password: '12345678' })
    expectError(await api('POST', '/users', { body }), 415, 'unsupported content type')
    expectError(
      await api('POST', '/users', { body, headers: { 'Content-Type': 'text/plain' } }),
      415
    )
  })

  it('refuses a JSON route with no body and no Content-Type (415), changing nothing', async () => {
    const u = await newUser()
    const made = await api('POST', '/things', {
      token: u.token,
      json: { name: 'keep-me', metadata: { k: 1 } },
    })
    const id = made.headers.get('Location')!.replace('/things/', '')
    const before = await countAll()
    expectError(
      await api('PUT', `/things/${id}`, { token: u.token }),
      415,
      'unsupported content type'
    )
    expectError(await api('POST', '/things', { token: u.token }), 415)
    expectError(await api('POST', '/channels', { token: u.token }), 415)
    expect(await countAll()).toEqual(before)
    expect((await api('GET', `/things/${id}`, { token: u.token })).body).toMatchObject({
      name: 'keep-me',
      metadata: { k: 1 },
    })
    // Routes without a body do not ask for a Content-Type.
    expect((await api('GET', `/things/${id}`, { token: u.token })).status).toBe(200)
  })

  it('accepts application/json with a charset parameter', async () => {
    const res = await api('POST', '/users', {
      body: JSON.stringify({
        email: `cs-${crypto.randomUUID()}@example.com`,
        password: '12345678',
      }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    })
    expect(res.status, res.text).toBe(201)
  })

  it('malformed JSON is 400', async () => {
    const res = await api('POST', '/users', {
      body: '{"email":',
      headers: { 'Content-Type': 'application/json' },
    })
    expectError(res, 400, /JSON/)
  })

  it('a missing body on a JSON route is 400', async () => {
    const res = await api('POST', '/users', { headers: { 'Content-Type': 'application/json' } })
    expectError(res, 400)
  })

  it('takes the token raw (0.12.1) or as Bearer, and refuses other schemes', async () => {
    const u = await newUser()
    expect((await api('GET', '/users/profile', { auth: u.token })).status).toBe(200)
    expect((await api('GET', '/users/profile', { auth: `Bearer ${u.token}` })).status).toBe(200)
    expect((await api('GET', '/users/profile', { auth: `bearer ${u.token}` })).status).toBe(200)
    expectError(await api('GET', '/users/profile', { auth: `Thing ${u.token}` }), 401)
    expectError(await api('GET', '/users/profile', { auth: `Basic ${u.token}` }), 401)
  })

  it('serves the generated OpenAPI 3.1 document and a docs page', async () => {
    const doc = await api('GET', '/openapi.json')
    expect(doc.status).toBe(200)
    expect(doc.body.openapi).toBe('3.1.0')
    for (const path of [
      '/users',
      '/tokens',
      '/users/profile',
      '/keys',
      '/keys/{id}',
      '/password/reset',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path)
    }
    expect(doc.body.components.securitySchemes.bearerAuth.scheme).toBe('bearer')
    const docs = await api('GET', '/docs')
    expect(docs.status).toBe(200)
    expect(docs.headers.get('content-type')).toContain('text/html')
    expect(docs.text).toContain('/openapi.json')
  })
})
