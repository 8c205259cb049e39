import { env } from 'cloudflare:workers'
import { decodeJwt, SignJWT } from 'jose'
import { describe, expect, it, vi } from 'vitest'
import { outbox } from '../../src/lib/mail'
import { adminToken, api, call, countingD1, expectError, newUser, PASSWORD, uid } from '../helpers'

const secret = new TextEncoder().encode(env.MF_AUTH_SECRET)

function forge(claims: Record<string, unknown>, opts: { exp?: number; iss?: string } = {}) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(opts.iss ?? 'fluxgate')
    .setIssuedAt()
  if (opts.exp !== undefined) jwt.setExpirationTime(opts.exp)
  return jwt.sign(secret)
}

describe('POST /users', () => {
  it('registers and answers 201 with Location and an empty body', async () => {
    const res = await api('POST', '/users', {
      json: { email: `new-${uid()}@example.com`, password: PASSWORD, metadata: { a: 1 } },
    })
    expect(res.status).toBe(201)
    expect(res.text).toBe('')
    expect(res.headers.get('Location')).toMatch(/^\/users\/[0-9a-f-]{36}$/)
  })

  it('ignores unknown fields and a client-sent id (as 0.12.1)', async () => {
    const res = await api('POST', '/users', {
      json: { id: 'mine', email: `x-${uid()}@example.com`, password: PASSWORD, foo: 1 },
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('Location')).not.toContain('mine')
  })

  it('refuses a duplicate e-mail case-insensitively with 409', async () => {
    const email = `dup-${uid()}@example.com`
    expect((await api('POST', '/users', { json: { email, password: PASSWORD } })).status).toBe(201)
    expectError(
      await api('POST', '/users', { json: { email: email.toUpperCase(), password: PASSWORD } }),
      409,
      'email already taken'
    )
  })

  it('reserves the configured admin address', async () => {
    expectError(
      await api('POST', '/users', {
        json: { email: env.MF_USERS_ADMIN_EMAIL, password: PASSWORD },
      }),
      409
    )
  })

  it.each([
    { desc: 'invalid email', json: { email: 'not-an-email', password: PASSWORD }, msg: /email/ },
    { desc: 'double dot', json: { email: 'a..b@example.com', password: PASSWORD }, msg: /email/ },
    { desc: 'single-label host', json: { email: 'a@localhost', password: PASSWORD }, msg: /email/ },
    {
      desc: 'short password',
      json: { email: `s-${uid()}@example.com`, password: '123' },
      msg: 'password does not meet the requirements',
    },
    { desc: 'empty body {}', json: {}, msg: /email/ },
    {
      desc: 'metadata is a string',
      json: { email: `m-${uid()}@example.com`, password: PASSWORD, metadata: 'x' },
      msg: /metadata/,
    },
    { desc: 'array body', json: [], msg: /malformed/ },
    {
      desc: 'metadata nested 40 deep',
      json: {
        email: `d-${uid()}@example.com`,
        password: PASSWORD,
        metadata: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`),
      },
      msg: /nest at most 32/,
    },
  ])('400 for $desc, writing nothing', async ({ json, msg }) => {
    const before = await env.DB.prepare('SELECT COUNT(*) AS n FROM users').first<{ n: number }>()
    expectError(await api('POST', '/users', { json }), 400, msg)
    const after = await env.DB.prepare('SELECT COUNT(*) AS n FROM users').first<{ n: number }>()
    expect(after!.n).toBe(before!.n)
  })

  it('stores a PBKDF2 hash, never the password', async () => {
    const u = await newUser()
    const row = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?')
      .bind(u.id)
      .first<{ password_hash: string }>()
    expect(row!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/)
    expect(row!.password_hash).not.toContain(u.password)
  })
})

describe('POST /tokens', () => {
  it('issues a 10 h login token naming the user', async () => {
    const u = await newUser()
    const claims = decodeJwt(u.token)
    expect(claims).toMatchObject({
      sub: u.id,
      email: u.email,
      type: 0,
      iss: 'fluxgate',
      issuer_id: u.id,
    })
    expect(claims.exp! - claims.iat!).toBe(10 * 3600)
  })

  it('logs in with any case of the address', async () => {
    const u = await newUser()
    const res = await api('POST', '/tokens', {
      json: { email: u.email.toUpperCase(), password: u.password },
    })
    expect(res.status).toBe(201)
  })

  it('answers a wrong password and an unknown e-mail identically with 401', async () => {
    const u = await newUser()
    const wrong = await api('POST', '/tokens', {
      json: { email: u.email, password: 'wrong-password' },
    })
    const unknown = await api('POST', '/tokens', {
      json: { email: `ghost-${uid()}@example.com`, password: 'wrong-password' },
    })
    expectError(wrong, 401)
    expectError(unknown, 401)
    expect(wrong.text).toBe(unknown.text)
  })

  it('400 for a malformed body, 415 without JSON', async () => {
    expectError(await api('POST', '/tokens', { json: { email: 'a@example.com' } }), 400, /password/)
    expectError(await api('POST', '/tokens', { body: '{}' }), 415)
  })

  it('creates the configured admin on its first login', async () => {
    const token = await adminToken()
    expect(decodeJwt(token).email).toBe(env.MF_USERS_ADMIN_EMAIL)
    // And only with the configured password.
    expectError(
      await api('POST', '/tokens', {
        json: { email: env.MF_USERS_ADMIN_EMAIL, password: 'guess-guess' },
      }),
      401
    )
  })
})

describe('token checks', () => {
  it.each([
    { desc: 'missing', auth: undefined },
    { desc: 'garbage', auth: 'not-a-token' },
  ])('401 for a $desc token', async ({ auth }) => {
    expectError(await api('GET', '/users/profile', auth === undefined ? {} : { auth }), 401)
  })

  it('401 for a tampered token', async () => {
    const u = await newUser()
    const [h, p, s] = u.token.split('.')
    const payload = JSON.parse(atob(p!.replaceAll('-', '+').replaceAll('_', '/')))
    payload.sub = crypto.randomUUID()
    const forged = `${h}.${btoa(JSON.stringify(payload)).replaceAll('=', '')}.${s}`
    expectError(await api('GET', '/users/profile', { token: forged }), 401)
  })

  it('401 for an expired token', async () => {
    const u = await newUser()
    const token = await forge(
      { sub: u.id, email: u.email, type: 0 },
      { exp: Math.floor(Date.now() / 1000) - 10 }
    )
    expectError(await api('GET', '/users/profile', { token }), 401, 'token expired')
  })

  it('401 for a wrong issuer, an unknown type, or another signing key', async () => {
    const u = await newUser()
    expectError(
      await api('GET', '/users/profile', {
        token: await forge({ sub: u.id, email: u.email, type: 0 }, { iss: 'mainflux.auth' }),
      }),
      401
    )
    expectError(
      await api('GET', '/users/profile', {
        token: await forge({ sub: u.id, email: u.email, type: 7 }),
      }),
      401
    )
    const other = await new SignJWT({ sub: u.id, email: u.email, type: 0 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('fluxgate')
      .setIssuedAt()
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'))
    expectError(await api('GET', '/users/profile', { token: other }), 401)
  })

  it('a token checked before is refused once it expires (the verified-token cache rechecks expiry)', async () => {
    const u = await newUser()
    const exp = Math.floor(Date.now() / 1000) + 60
    const token = await forge(
      { sub: u.id, email: u.email, type: 0, jti: `s-${uid()}`, gen: 0 },
      { exp }
    )
    expect((await api('GET', '/users/profile', { token })).status).toBe(200)
    expect((await api('GET', '/users/profile', { token })).status).toBe(200)
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime((exp + 1) * 1000)
      expectError(await api('GET', '/users/profile', { token }), 401, 'token expired')
    } finally {
      vi.useRealTimers()
    }
  })

  it('a genuine token being cached does not make a tampered copy pass', async () => {
    const u = await newUser()
    expect((await api('GET', '/users/profile', { token: u.token })).status).toBe(200)
    const [h, p, sig] = u.token.split('.')
    const payload = JSON.parse(atob(p!.replaceAll('-', '+').replaceAll('_', '/')))
    payload.email = 'someone-else@example.com'
    const tampered = `${h}.${btoa(JSON.stringify(payload)).replaceAll('=', '').replaceAll('+', '-').replaceAll('/', '_')}.${sig}`
    expectError(await api('GET', '/users/profile', { token: tampered }), 401)
  })

  it('refuses a recovery token outside PUT /password/reset', async () => {
    const u = await newUser()
    const recovery = await forge(
      { sub: u.id, email: u.email, type: 1 },
      { exp: Math.floor(Date.now() / 1000) + 300 }
    )
    expectError(await api('GET', '/users/profile', { token: recovery }), 401, /recovery/)
  })
})

describe('profile and users', () => {
  it('GET /users/profile returns id and email', async () => {
    const u = await newUser()
    const res = await api('GET', '/users/profile', { token: u.token })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ id: u.id, email: u.email })
  })

  it('GET /users/profile says admin: true only for the configured admin account (login token and API key)', async () => {
    const admin = await adminToken()
    const adminProfile = await api('GET', '/users/profile', { token: admin })
    expect(adminProfile.status).toBe(200)
    expect(adminProfile.body).toMatchObject({ email: env.MF_USERS_ADMIN_EMAIL, admin: true })
    const adminKey = (await api('POST', '/keys', { token: admin, json: { type: 2 } })).body.value
    expect((await api('GET', '/users/profile', { token: adminKey })).body.admin).toBe(true)
    // Metadata in the admin's token (answered from the token) and after it (from D1) alike.
    expect(
      (await api('PUT', '/users', { token: admin, json: { metadata: { role: 'ops' } } })).status
    ).toBe(200)
    const again = await adminToken()
    expect((await api('GET', '/users/profile', { token: again })).body).toMatchObject({
      metadata: { role: 'ops' },
      admin: true,
    })

    // Anyone else: no admin field at all (not false), whatever the token kind or metadata.
    const u = await newUser()
    const plain = await api('GET', '/users/profile', { token: u.token })
    expect(plain.body).toEqual({ id: u.id, email: u.email })
    expect(Object.keys(plain.body)).not.toContain('admin')
    const key = (await api('POST', '/keys', { token: u.token, json: { type: 2 } })).body.value
    expect(Object.keys((await api('GET', '/users/profile', { token: key })).body)).not.toContain(
      'admin'
    )
    expect(
      (await api('PUT', '/users', { token: u.token, json: { metadata: { admin: true } } })).status
    ).toBe(200)
    const relogin = (
      await api('POST', '/tokens', { json: { email: u.email, password: u.password } })
    ).body.token
    expect((await api('GET', '/users/profile', { token: relogin })).body).toEqual({
      id: u.id,
      email: u.email,
      metadata: { admin: true },
    })
  })

  it('GET /users/{id}: own account 200, another user 404, admin sees anyone', async () => {
    const a = await newUser()
    const b = await newUser()
    expect((await api('GET', `/users/${a.id}`, { token: a.token })).body).toEqual({
      id: a.id,
      email: a.email,
    })
    expectError(await api('GET', `/users/${b.id}`, { token: a.token }), 404)
    expectError(await api('GET', `/users/${crypto.randomUUID()}`, { token: a.token }), 404)
    const admin = await adminToken()
    expect((await api('GET', `/users/${b.id}`, { token: admin })).body.email).toBe(b.email)
    expectError(await api('GET', `/users/${crypto.randomUUID()}`, { token: admin }), 404)
    expectError(await api('GET', `/users/${a.id}`), 401)
  })

  it('GET /users lists only yourself unless you are the admin', async () => {
    const a = await newUser()
    await newUser()
    const mine = await api('GET', '/users', { token: a.token })
    expect(mine.status).toBe(200)
    expect(mine.body).toEqual({
      total: 1,
      offset: 0,
      limit: 10,
      users: [{ id: a.id, email: a.email }],
    })
    const admin = await adminToken()
    const all = await api('GET', '/users?limit=100', { token: admin })
    expect(all.body.total).toBeGreaterThanOrEqual(3)
    expect(all.body.users.map((u: { id: string }) => u.id)).toContain(a.id)
    expectError(await api('GET', '/users'), 401)
  })

  it('GET /users filters by e-mail substring and metadata containment', async () => {
    const tag = uid()
    const email = `filter-${tag}@example.com`
    expect(
      (
        await api('POST', '/users', {
          json: { email, password: PASSWORD, metadata: { team: tag, tags: ['a', 'b'] } },
        })
      ).status
    ).toBe(201)
    const admin = await adminToken()
    const byEmail = await api('GET', `/users?email=${tag}`, { token: admin })
    expect(byEmail.body.users.map((u: { email: string }) => u.email)).toEqual([email])
    const byMeta = await api(
      'GET',
      `/users?metadata=${encodeURIComponent(JSON.stringify({ tags: ['b'], team: tag }))}`,
      { token: admin }
    )
    expect(byMeta.body.total).toBe(1)
    const miss = await api(
      'GET',
      `/users?metadata=${encodeURIComponent(JSON.stringify({ team: 1 }))}`,
      { token: admin }
    )
    expect(miss.body.total).toBe(0)
  })

  it.each([
    { q: 'limit=101', msg: /limit/ },
    { q: 'offset=-1', msg: /offset/ },
    { q: 'limit=abc', msg: /limit/ },
    { q: 'metadata=notjson', msg: /metadata/ },
    { q: 'limit=1&limit=2', msg: /limit/ },
  ])('GET /users?$q is 400', async ({ q, msg }) => {
    const u = await newUser()
    expectError(await api('GET', `/users?${q}`, { token: u.token }), 400, msg)
  })

  it('PUT /users replaces metadata', async () => {
    const u = await newUser()
    expect(
      (await api('PUT', '/users', { token: u.token, json: { metadata: { a: 1, b: 2 } } })).status
    ).toBe(200)
    expect(
      (await api('PUT', '/users', { token: u.token, json: { metadata: { c: 3 } } })).status
    ).toBe(200)
    expect((await api('GET', `/users/${u.id}`, { token: u.token })).body.metadata).toEqual({ c: 3 })
    expectError(await api('PUT', '/users', { token: u.token, json: { metadata: [1] } }), 400)
    expectError(await api('PUT', '/users', { json: { metadata: {} } }), 401)
  })
})

describe('profile from the login token', () => {
  it('answers with the metadata the token was issued with; a new login shows changes', async () => {
    const u = await newUser()
    expect(
      (await api('PUT', '/users', { token: u.token, json: { metadata: { v: 1 } } })).status
    ).toBe(200)
    const first = (await api('POST', '/tokens', { json: { email: u.email, password: u.password } }))
      .body.token
    expect((await api('GET', '/users/profile', { token: first })).body).toEqual({
      id: u.id,
      email: u.email,
      metadata: { v: 1 },
    })
    expect(
      (await api('PUT', '/users', { token: first, json: { metadata: { v: 2 } } })).status
    ).toBe(200)
    // The token is a snapshot (no D1 round trip); GET /users/{id} reads the row.
    expect((await api('GET', '/users/profile', { token: first })).body.metadata).toEqual({ v: 1 })
    expect((await api('GET', `/users/${u.id}`, { token: first })).body.metadata).toEqual({ v: 2 })
    const second = (
      await api('POST', '/tokens', { json: { email: u.email, password: u.password } })
    ).body.token
    expect((await api('GET', '/users/profile', { token: second })).body.metadata).toEqual({ v: 2 })
  })

  it('reads D1 when the metadata is too large to carry, and for API keys', async () => {
    const u = await newUser()
    const big = { blob: 'x'.repeat(3000) }
    expect((await api('PUT', '/users', { token: u.token, json: { metadata: big } })).status).toBe(
      200
    )
    const token = (await api('POST', '/tokens', { json: { email: u.email, password: u.password } }))
      .body.token
    expect(decodeJwt(token).metadata).toBeNull()
    expect(
      (await api('PUT', '/users', { token, json: { metadata: { small: true } } })).status
    ).toBe(200)
    expect((await api('GET', '/users/profile', { token })).body.metadata).toEqual({ small: true })
    const key = (await api('POST', '/keys', { token, json: { type: 2 } })).body.value
    expect((await api('GET', '/users/profile', { token: key })).body.metadata).toEqual({
      small: true,
    })
  })

  it('a profile answer comes from the token once its session state is in KV: no D1 round trip', async () => {
    const u = await newUser()
    // call() waits for the cache fills: the first check creates the marker, the second the entry.
    for (let i = 0; i < 2; i++)
      expect((await call('GET', '/users/profile', { token: u.token })).status).toBe(200)
    const counted = countingD1(env.DB)
    const res = await call('GET', '/users/profile', { token: u.token }, { DB: counted.db })
    expect(res.body).toEqual({ id: u.id, email: u.email })
    expect(counted.counter.calls).toBe(0)
  })
})

describe('PATCH /password', () => {
  it('changes the password after checking the old one', async () => {
    const u = await newUser()
    const res = await api('PATCH', '/password', {
      token: u.token,
      json: { old_password: u.password, password: 'brand-new-password' },
    })
    expect(res.status).toBe(201)
    expect(res.body).toEqual({})
    expectError(
      await api('POST', '/tokens', { json: { email: u.email, password: u.password } }),
      401
    )
    expect(
      (await api('POST', '/tokens', { json: { email: u.email, password: 'brand-new-password' } }))
        .status
    ).toBe(201)
  })

  it('403 for a wrong old password, 400 for a weak new one, 401 without a token', async () => {
    const u = await newUser()
    expectError(
      await api('PATCH', '/password', {
        token: u.token,
        json: { old_password: 'nope-nope', password: 'brand-new-password' },
      }),
      403
    )
    expectError(
      await api('PATCH', '/password', {
        token: u.token,
        json: { old_password: u.password, password: 'short' },
      }),
      400
    )
    expectError(
      await api('PATCH', '/password', { token: u.token, json: { password: 'brand-new-password' } }),
      400
    )
    expectError(
      await api('PATCH', '/password', {
        json: { old_password: u.password, password: 'brand-new-password' },
      }),
      401
    )
  })
})

describe('password reset', () => {
  async function requestReset(email: string) {
    // call() waits for the work left to waitUntil (the mail is sent after answering).
    const res = await call(
      'POST',
      '/password/reset-request',
      { json: { email } },
      { FLUXGATE_PUBLIC_URL: 'https://fluxgate.example' }
    )
    expect(res.status).toBe(201)
    expect(res.body).toEqual({ msg: 'Email with reset link is sent' })
    return res
  }

  async function mailedToken(email: string) {
    const mail = await vi.waitFor(() => {
      const m = outbox.findLast((x) => x.to === email)
      if (!m) throw new Error('no mail yet')
      return m
    })
    const token = /token=([^\s&]+)/.exec(mail.text)?.[1]
    expect(token).toBeDefined()
    return decodeURIComponent(token!)
  }

  it('mails a recovery token that resets the password once', async () => {
    const u = await newUser()
    await requestReset(u.email)
    const token = await mailedToken(u.email)
    expect(decodeJwt(token)).toMatchObject({ sub: u.id, type: 1 })
    const res = await api('PUT', '/password/reset', {
      json: { token, password: 'reset-password-1', confirm_password: 'reset-password-1' },
    })
    expect(res.status, res.text).toBe(201)
    expect(
      (await api('POST', '/tokens', { json: { email: u.email, password: 'reset-password-1' } }))
        .status
    ).toBe(201)
    // The same token again: the password it names is gone.
    expectError(
      await api('PUT', '/password/reset', {
        json: { token, password: 'reset-password-2', confirm_password: 'reset-password-2' },
      }),
      401,
      /already used/
    )
  })

  it('answers the same for an unknown address and sends nothing', async () => {
    const ghost = `ghost-${uid()}@example.com`
    const known = await newUser()
    const a = await requestReset(ghost)
    const b = await requestReset(known.email)
    expect(a.text).toBe(b.text)
    await mailedToken(known.email)
    expect(outbox.some((m) => m.to === ghost)).toBe(false)
  })

  it('400 for mismatch, weak password or missing token; 401 for a login token', async () => {
    const u = await newUser()
    await requestReset(u.email)
    const token = await mailedToken(u.email)
    expectError(
      await api('PUT', '/password/reset', {
        json: { token, password: 'reset-password-1', confirm_password: 'other-password-1' },
      }),
      400,
      /match/
    )
    expectError(
      await api('PUT', '/password/reset', {
        json: { token, password: 'short', confirm_password: 'short' },
      }),
      400
    )
    expectError(
      await api('PUT', '/password/reset', {
        json: { password: 'reset-password-1', confirm_password: 'reset-password-1' },
      }),
      400,
      /token/
    )
    expectError(
      await api('PUT', '/password/reset', {
        json: {
          token: u.token,
          password: 'reset-password-1',
          confirm_password: 'reset-password-1',
        },
      }),
      401,
      /recovery/
    )
    expectError(await api('POST', '/password/reset-request', { json: { email: 'nope' } }), 400)
  })
})
