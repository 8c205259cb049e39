import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, countAll, expectError, newUser } from './helpers'
import { newThing } from './things/helpers'

/** A raw request through the Worker (api() always builds its body from a string). */
async function raw(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: BodyInit } = {}
) {
  const res = await exports.default.fetch(
    new Request(`http://fluxgate.test${path}`, { method, ...init })
  )
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: text ? JSON.parse(text) : undefined,
  }
}

describe('request text must be valid Unicode', () => {
  it.each([
    { desc: 'a lone high surrogate escape', body: '{"name":"\\ud800"}' },
    { desc: 'a lone low surrogate escape', body: '{"name":"a\\udc00b"}' },
    { desc: 'a reversed pair', body: '{"name":"\\ude00\\ud83d"}' },
    { desc: 'a lone surrogate in a metadata key', body: '{"metadata":{"\\ud800":1}}' },
    { desc: 'a lone surrogate deep in metadata', body: '{"metadata":{"a":[{"b":"\\udbff"}]}}' },
  ])('400 for $desc, writing nothing', async ({ body }) => {
    const u = await newUser()
    const before = await countAll()
    const res = await raw('POST', '/things', {
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
      body,
    })
    expectError(
      res,
      400,
      /not valid Unicode: the escape \\u[0-9a-f]{4} at offset \d+ is half of a surrogate pair/i
    )
    expect(await countAll()).toEqual(before)
  })

  it('400 for a body whose bytes are not UTF-8 (once turned into U+FFFD)', async () => {
    const u = await newUser()
    const before = await countAll()
    const body = new Uint8Array([
      ...new TextEncoder().encode('{"name":"a'),
      0xff,
      ...new TextEncoder().encode('"}'),
    ])
    const res = await raw('POST', '/things', {
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
      body,
    })
    expectError(res, 400, 'request body is not valid UTF-8')
    expect(await countAll()).toEqual(before)
  })

  it('applies on every JSON route, with or without a user (the check sits before the route)', async () => {
    const bad = '{"email":"\\ud800@example.com","password":"12345678"}'
    expectError(
      await raw('POST', '/users', { headers: { 'content-type': 'application/json' }, body: bad }),
      400,
      /not valid Unicode/
    )
    expectError(
      await raw('POST', '/identify', {
        headers: { 'content-type': 'application/json' },
        body: '{"token":"\\udfff"}',
      }),
      400,
      /not valid Unicode/
    )
    const u = await newUser()
    const t = await newThing(u.token)
    const put = await raw('PUT', `/things/${t.id}`, {
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
      body: '{"name":"\\ud801"}',
    })
    expectError(put, 400, /not valid Unicode/)
  })

  it('keeps valid text exactly: surrogate pairs (escaped or raw), U+FFFD itself, escaped backslashes', async () => {
    const u = await newUser()
    const name = 'pair \ud83d\ude00 raw 😀 fffd \ufffd backslash \\ud800'
    const res = await raw('POST', '/things', {
      headers: { authorization: `Bearer ${u.token}`, 'content-type': 'application/json' },
      body: '{"name":"pair \\ud83d\\ude00 raw 😀 fffd \\ufffd backslash \\\\ud800"}',
    })
    expect(res.status, res.text).toBe(201)
    const id = res.headers.get('Location')!.replace('/things/', '')
    expect((await api('GET', `/things/${id}`, { token: u.token })).body.name).toBe(name)
  })
})

describe('URLs must be valid UTF-8 too', () => {
  it.each([
    '/things?name=%FF',
    '/things?name=%ED%A0%80',
    '/things/%C3',
    '/things/bootstrap/gw%E2%82',
  ])('400 for %s (the router would have kept the escapes as text)', async (path) => {
    const u = await newUser()
    expectError(
      await api('GET', path, { token: u.token }),
      400,
      'request URL is not valid UTF-8 (percent-escapes)'
    )
  })

  it('valid escapes and a stray % that is no escape are fine', async () => {
    const u = await newUser()
    await newThing(u.token, { name: 'café 100%' })
    expect((await api('GET', '/things?name=caf%C3%A9', { token: u.token })).body.total).toBe(1)
    expect((await api('GET', '/things?name=100%', { token: u.token })).body.total).toBe(1)
  })
})

describe('NUL in a substring filter', () => {
  it('GET /things?name=%00 no longer matches everything, and a%00zzz no longer matches like a: 400', async () => {
    const u = await newUser()
    await newThing(u.token, { name: 'alpha' })
    await newThing(u.token, { name: 'beta' })
    expectError(
      await api('GET', '/things?name=%00', { token: u.token }),
      400,
      'name must not contain NUL (U+0000)'
    )
    expectError(await api('GET', '/things?name=a%00zzz', { token: u.token }), 400, /NUL/)
    expect((await api('GET', '/things?name=a', { token: u.token })).body.total).toBe(2)
  })

  it.each([
    { desc: 'GET /channels', method: 'GET', path: '/channels?name=x%00' },
    { desc: 'GET /things/configs', method: 'GET', path: '/things/configs?name=%00' },
    {
      desc: 'POST /things/search',
      method: 'POST',
      path: '/things/search',
      json: { name: '\u0000' },
    },
  ])('400 on $desc too', async ({ method, path, json }) => {
    const u = await newUser()
    expectError(await api(method, path, { token: u.token, json }), 400, /name.*NUL/)
  })

  it('GET /users?email= refuses NUL as well', async () => {
    const u = await newUser()
    expectError(await api('GET', '/users?email=%00', { token: u.token }), 400, /email.*NUL/)
  })
})

describe('an empty body is no body', () => {
  it('POST /identify with Content-Length: 0 reads the key from Authorization', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    const variants: Record<string, string>[] = [
      { authorization: `Thing ${t.key}`, 'content-length': '0' },
      {
        authorization: `Thing ${t.key}`,
        'content-length': '0',
        'content-type': 'application/json',
      },
      { authorization: `Thing ${t.key}`, 'content-type': 'text/plain' },
    ]
    for (const headers of variants) {
      const res = await raw('POST', '/identify', { headers, body: '' })
      expect(res.status, `${JSON.stringify(headers)}: ${res.text}`).toBe(200)
      expect(res.body).toEqual({ id: t.id })
    }
  })

  it('POST /identify with a streamed body of no bytes counts as no body too', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    const stream = new ReadableStream({ start: (c) => c.close() })
    const res = await raw('POST', '/identify', {
      headers: { authorization: `Thing ${t.key}` },
      body: stream,
    })
    expect(res.status, res.text).toBe(200)
    expect(res.body).toEqual({ id: t.id })
  })

  it('access-by-key with an empty body answers from Authorization as well', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    const res = await raw('POST', `/identify/channels/${crypto.randomUUID()}/access-by-key`, {
      headers: { authorization: `Thing ${t.key}`, 'content-length': '0' },
      body: '',
    })
    expectError(res, 403)
  })

  it('a body with bytes still needs a JSON Content-Type (415), and a required body is still required', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    expectError(
      await raw('POST', '/identify', {
        headers: { authorization: `Thing ${t.key}` },
        body: `{"token":"${t.key}"}`,
      }),
      415
    )
    expectError(
      await raw('POST', '/things', {
        headers: { authorization: `Bearer ${u.token}`, 'content-length': '0' },
        body: '',
      }),
      415
    )
    expectError(
      await raw('POST', '/things', {
        headers: {
          authorization: `Bearer ${u.token}`,
          'content-type': 'application/json',
          'content-length': '0',
        },
        body: '',
      }),
      400
    )
  })
})

describe('a trailing slash names the same route', () => {
  it('GET /things/ lists things like GET /things', async () => {
    const u = await newUser()
    await newThing(u.token)
    const res = await api('GET', '/things/', { token: u.token })
    expect(res.status, res.text).toBe(200)
    expect(res.body).toEqual((await api('GET', '/things', { token: u.token })).body)
  })

  it('works for every kind of route: writes, parameters, no auth', async () => {
    const u = await newUser()
    const created = await api('POST', '/things/', { token: u.token, json: { name: 'slash' } })
    expect(created.status, created.text).toBe(201)
    const id = created.headers.get('Location')!.replace('/things/', '')
    expect((await api('GET', `/things/${id}/`, { token: u.token })).body.name).toBe('slash')
    expect(
      (await api('PUT', `/things/${id}/`, { token: u.token, json: { name: 'renamed' } })).status
    ).toBe(200)
    expect((await api('GET', '/health/')).status).toBe(200)
    expect((await api('GET', '/users/profile/', { token: u.token })).status).toBe(200)
    expect((await api('DELETE', `/things/${id}/`, { token: u.token })).status).toBe(204)
  })

  it('a wrong method is still 405 with Allow, an unknown path still 404', async () => {
    const res = await api('DELETE', '/things/')
    expectError(res, 405, 'method not allowed')
    expect(res.headers.get('Allow')).toBe('POST, GET')
    expectError(await api('GET', '/nope/'), 404, 'route not found')
    expectError(await api('GET', '/things//'), 404, 'route not found')
  })
})
