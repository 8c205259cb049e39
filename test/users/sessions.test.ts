import { env } from 'cloudflare:workers'
import { decodeJwt, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../src/lib/crypto'
import { outbox } from '../../src/lib/mail'
import { api, call, countingD1, expectError, newUser, uid, type TestUser } from '../helpers'

const PUBLIC = { FLUXGATE_PUBLIC_URL: 'https://iot.example.com' }
const NEW_PASSWORD = 'brand-new-password'

async function login(email: string, password: string) {
  const res = await api('POST', '/tokens', { json: { email, password } })
  expect(res.status, res.text).toBe(201)
  return res.body.token as string
}

async function newKey(token: string) {
  const res = await api('POST', '/keys', { token, json: { type: 2 } })
  expect(res.status, res.text).toBe(201)
  return res.body as { id: string; value: string }
}

/** A request that needs a user and touches D1 (list things) or mints a key. */
const listThings = (token: string) => api('GET', '/things', { token })

/** Mails a reset link and returns the recovery token from it. */
async function recoveryToken(email: string) {
  expect((await call('POST', '/password/reset-request', { json: { email } }, PUBLIC)).status).toBe(
    201
  )
  const mail = outbox.findLast((m) => m.to === email)
  expect(mail, 'reset mail').toBeDefined()
  return decodeURIComponent(/token=([^\s&]+)/.exec(mail!.text)![1]!)
}

const reset = (token: string, extra: Record<string, unknown> = {}) =>
  api('PUT', '/password/reset', {
    json: { token, password: NEW_PASSWORD, confirm_password: NEW_PASSWORD, ...extra },
  })

/** Requests through call() wait for the cache fills, so KV holds the mirrored state afterwards. */
async function warmSessionCache(u: TestUser) {
  for (let i = 0; i < 3; i++)
    expect((await call('GET', '/users/profile', { token: u.token })).status).toBe(200)
  expect(await env.CACHE.get(`ss:${u.id}`)).not.toBeNull()
}

describe('a password change ends earlier login tokens', () => {
  it('PATCH /password: the token used for it and every other earlier one fail on the next request', async () => {
    const u = await newUser()
    const other = await login(u.email, u.password)
    expect((await listThings(u.token)).status).toBe(200)
    const res = await api('PATCH', '/password', {
      token: u.token,
      json: { old_password: u.password, password: NEW_PASSWORD },
    })
    expect(res.status, res.text).toBe(201)
    for (const token of [u.token, other]) {
      expectError(await listThings(token), 401, /signed out or password changed/)
      expectError(await api('POST', '/keys', { token, json: { type: 2 } }), 401)
      expectError(await api('GET', '/users/profile', { token }), 401)
    }
    // A login with the new password works at once (same second included).
    const fresh = await login(u.email, NEW_PASSWORD)
    expect((await listThings(fresh)).status).toBe(200)
  })

  it('PATCH /password keeps API keys and other users untouched', async () => {
    const u = await newUser()
    const bystander = await newUser()
    const key = await newKey(u.token)
    expect(
      (
        await api('PATCH', '/password', {
          token: u.token,
          json: { old_password: u.password, password: NEW_PASSWORD },
        })
      ).status
    ).toBe(201)
    expect((await listThings(key.value)).status).toBe(200)
    expect((await listThings(bystander.token)).status).toBe(200)
  })

  it('ends tokens on the next request even when the session state was cached in KV', async () => {
    const u = await newUser()
    await warmSessionCache(u)
    const counted = countingD1(env.DB)
    expect(
      (await call('GET', '/users/profile', { token: u.token }, { DB: counted.db })).status
    ).toBe(200)
    expect(counted.counter.calls).toBe(0)
    expect(
      (
        await api('PATCH', '/password', {
          token: u.token,
          json: { old_password: u.password, password: NEW_PASSWORD },
        })
      ).status
    ).toBe(201)
    expectError(await call('GET', '/users/profile', { token: u.token }), 401)
  })

  it('PUT /password/reset ends every earlier login token; API keys stay by default', async () => {
    const u = await newUser()
    const other = await login(u.email, u.password)
    const key = await newKey(u.token)
    const res = await reset(await recoveryToken(u.email))
    expect(res.status, res.text).toBe(201)
    for (const token of [u.token, other]) {
      expectError(await listThings(token), 401)
      expectError(await api('POST', '/keys', { token, json: { type: 2 } }), 401)
    }
    expect((await listThings(key.value)).status).toBe(200)
    expect((await listThings(await login(u.email, NEW_PASSWORD))).status).toBe(200)
  })

  it("PUT /password/reset with revoke_keys ends every API key of the account, and no one else's", async () => {
    const u = await newUser()
    const bystander = await newUser()
    const mine = [await newKey(u.token), await newKey(u.token)]
    const theirs = await newKey(bystander.token)
    expect((await reset(await recoveryToken(u.email), { revoke_keys: true })).status).toBe(201)
    for (const k of mine) expectError(await listThings(k.value), 401, /revoked/)
    expect((await listThings(theirs.value)).status).toBe(200)
    expect(
      await env.DB.prepare('SELECT COUNT(*) AS n FROM api_keys WHERE owner = ?')
        .bind(u.id)
        .first('n')
    ).toBe(0)
  })

  it('a used recovery token with revoke_keys revokes nothing (the batch is guarded by the update)', async () => {
    const u = await newUser()
    const token = await recoveryToken(u.email)
    expect((await reset(token)).status).toBe(201)
    const key = await newKey(await login(u.email, NEW_PASSWORD))
    expectError(await reset(token, { revoke_keys: true }), 401, /already used/)
    expect((await listThings(key.value)).status).toBe(200)
  })

  it('400 for a revoke_keys that is not a boolean, changing nothing', async () => {
    const u = await newUser()
    expectError(
      await reset(await recoveryToken(u.email), { revoke_keys: 'yes' }),
      400,
      /revoke_keys/
    )
    expect((await listThings(u.token)).status).toBe(200)
  })

  it('a login that read the old password hash cannot outlive the change (generation, not clock)', async () => {
    const u = await newUser()
    const before = decodeJwt(u.token)
    expect(before.gen).toBe(0)
    expect(
      (
        await api('PATCH', '/password', {
          token: u.token,
          json: { old_password: u.password, password: NEW_PASSWORD },
        })
      ).status
    ).toBe(201)
    const after = decodeJwt(await login(u.email, NEW_PASSWORD))
    expect(after.gen).toBe(1)
    expect(after.jti).not.toBe(before.jti)
  })
})

describe('login token claims', () => {
  const secret = new TextEncoder().encode(env.MF_AUTH_SECRET)
  const sign = (claims: Record<string, unknown>, exp?: number) => {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('fluxgate')
      .setIssuedAt()
    if (exp !== undefined) jwt.setExpirationTime(exp)
    return jwt.sign(secret)
  }

  it('refuses a login token without exp, even one that is otherwise valid', async () => {
    const u = await newUser()
    const claims = { sub: u.id, email: u.email, type: 0, jti: `s-${uid()}`, gen: 0 }
    expect(
      (
        await api('GET', '/users/profile', {
          token: await sign(claims, Math.floor(Date.now() / 1000) + 60),
        })
      ).status
    ).toBe(200)
    expectError(await api('GET', '/users/profile', { token: await sign(claims) }), 401, /expiry/)
    expectError(await api('GET', '/things', { token: await sign(claims) }), 401)
  })

  it('refuses a recovery token without exp, even one naming the current password', async () => {
    const u = await newUser()
    const row = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?')
      .bind(u.id)
      .first<{ password_hash: string }>()
    const pwh = (await sha256(row!.password_hash)).slice(0, 22)
    expectError(await reset(await sign({ sub: u.id, email: u.email, type: 1, pwh })), 401, /expiry/)
    // The same claims with an expiry are accepted: only the missing exp was refused.
    expect(
      (
        await reset(
          await sign(
            { sub: u.id, email: u.email, type: 1, pwh },
            Math.floor(Date.now() / 1000) + 60
          )
        )
      ).status
    ).toBe(201)
  })

  it('refuses login tokens without a session id or generation (issued before sessions existed)', async () => {
    const u = await newUser()
    const exp = Math.floor(Date.now() / 1000) + 60
    expectError(
      await api('GET', '/users/profile', {
        token: await sign({ sub: u.id, email: u.email, type: 0 }, exp),
      }),
      401
    )
    expectError(
      await api('GET', '/users/profile', {
        token: await sign({ sub: u.id, email: u.email, type: 0, jti: 'x' }, exp),
      }),
      401
    )
  })

  it('refuses a login token whose account is gone', async () => {
    const u = await newUser()
    await env.DB.prepare('DELETE FROM users WHERE id = ?').bind(u.id).run()
    expectError(await api('GET', '/users/profile', { token: u.token }), 401)
  })
})

describe('POST /tokens/revoke (sign out)', () => {
  it("204 ends the presented login token only; the account's other tokens and API keys go on", async () => {
    const u = await newUser()
    const other = await login(u.email, u.password)
    const key = await newKey(u.token)
    await warmSessionCache(u)
    const res = await api('POST', '/tokens/revoke', { token: u.token })
    expect(res.status, res.text).toBe(204)
    expect(res.text).toBe('')
    expectError(await listThings(u.token), 401, /signed out/)
    expectError(await api('POST', '/keys', { token: u.token, json: { type: 2 } }), 401)
    expect((await listThings(other)).status).toBe(200)
    expect((await listThings(key.value)).status).toBe(200)
    expect((await listThings(await login(u.email, u.password))).status).toBe(200)
  })

  it('{"all": true} ends every login token of the account, API keys go on', async () => {
    const u = await newUser()
    const other = await login(u.email, u.password)
    const key = await newKey(u.token)
    const res = await api('POST', '/tokens/revoke', { token: other, json: { all: true } })
    expect(res.status, res.text).toBe(204)
    for (const token of [u.token, other]) expectError(await listThings(token), 401)
    expect((await listThings(key.value)).status).toBe(200)
    expect((await listThings(await login(u.email, u.password))).status).toBe(200)
  })

  it('{"all": false} and an empty object sign out only the presented token', async () => {
    const u = await newUser()
    const a = await login(u.email, u.password)
    const b = await login(u.email, u.password)
    expect((await api('POST', '/tokens/revoke', { token: a, json: { all: false } })).status).toBe(
      204
    )
    expect((await api('POST', '/tokens/revoke', { token: b, json: {} })).status).toBe(204)
    expectError(await listThings(a), 401)
    expectError(await listThings(b), 401)
    expect((await listThings(u.token)).status).toBe(200)
  })

  it("never touches another user's tokens", async () => {
    const u = await newUser()
    const bystander = await newUser()
    expect((await api('POST', '/tokens/revoke', { token: u.token })).status).toBe(204)
    expect(
      (
        await api('POST', '/tokens/revoke', {
          token: await login(u.email, u.password),
          json: { all: true },
        })
      ).status
    ).toBe(204)
    expect((await listThings(bystander.token)).status).toBe(200)
  })

  it.each([
    { desc: 'no token', opts: {} },
    { desc: 'a garbage token', opts: { auth: 'not-a-token' } },
  ])('401 with $desc', async ({ opts }) => {
    expectError(await api('POST', '/tokens/revoke', opts), 401)
  })

  it('401 for a token already signed out (or ended by sign-out everywhere)', async () => {
    const u = await newUser()
    expect((await api('POST', '/tokens/revoke', { token: u.token })).status).toBe(204)
    expectError(await api('POST', '/tokens/revoke', { token: u.token }), 401)
    const t = await login(u.email, u.password)
    expect((await api('POST', '/tokens/revoke', { token: t, json: { all: true } })).status).toBe(
      204
    )
    expectError(await api('POST', '/tokens/revoke', { token: t, json: { all: true } }), 401)
  })

  it('403 for an API key (not a session), which keeps working', async () => {
    const u = await newUser()
    const key = await newKey(u.token)
    expectError(await api('POST', '/tokens/revoke', { token: key.value }), 403, /DELETE \/keys/)
    expectError(await api('POST', '/tokens/revoke', { token: key.value, json: { all: true } }), 403)
    expect((await listThings(key.value)).status).toBe(200)
    expect((await listThings(u.token)).status).toBe(200)
  })

  it.each([
    { desc: 'all is a string', json: { all: 'yes' } },
    { desc: 'all is a number', json: { all: 1 } },
    { desc: 'the body is an array', json: [] },
  ])('400 when $desc, signing out nothing', async ({ json }) => {
    const u = await newUser()
    expectError(await api('POST', '/tokens/revoke', { token: u.token, json }), 400)
    expect((await listThings(u.token)).status).toBe(200)
  })

  it.each([
    { desc: 'no body at all', body: () => undefined },
    {
      desc: 'an empty body stream (curl -X POST through wrangler dev)',
      body: () => new ReadableStream({ start: (c) => c.close() }),
    },
  ])('204 for a POST without Content-Type and with $desc', async ({ body }) => {
    const u = await newUser()
    expect((await api('POST', '/tokens/revoke', { token: u.token, body: body() })).status).toBe(204)
    expectError(await listThings(u.token), 401)
  })

  it('415 for a body that is not JSON', async () => {
    const u = await newUser()
    expectError(await api('POST', '/tokens/revoke', { token: u.token, body: '{"all":true}' }), 415)
    expect((await listThings(u.token)).status).toBe(200)
  })

  it('keeps one row per signed-out token until it expires; sign-out everywhere clears them', async () => {
    const u = await newUser()
    const rows = () =>
      env.DB.prepare('SELECT sid, expires_at AS exp FROM revoked_sessions WHERE owner = ?')
        .bind(u.id)
        .all<{ sid: string; exp: number }>()
    const claims = decodeJwt(u.token)
    expect((await api('POST', '/tokens/revoke', { token: u.token })).status).toBe(204)
    expect((await rows()).results).toEqual([{ sid: claims.jti, exp: claims.exp! * 1000 }])
    // An expired row is dropped by the next sign-out of the same account.
    await env.DB.prepare('UPDATE revoked_sessions SET expires_at = ? WHERE owner = ?')
      .bind(Date.now() - 1, u.id)
      .run()
    const second = await login(u.email, u.password)
    expect((await api('POST', '/tokens/revoke', { token: second })).status).toBe(204)
    expect((await rows()).results.map((r) => r.sid)).toEqual([decodeJwt(second).jti])
    expect(
      (
        await api('POST', '/tokens/revoke', {
          token: await login(u.email, u.password),
          json: { all: true },
        })
      ).status
    ).toBe(204)
    expect((await rows()).results).toEqual([])
  })

  it('404 when the account is gone but its session state is still cached (no account API deletes one)', async () => {
    const u = await newUser()
    const other = await login(u.email, u.password)
    await warmSessionCache(u)
    await env.DB.prepare('DELETE FROM users WHERE id = ?').bind(u.id).run()
    // The KV hit still accepts the tokens; the writes find no account.
    expectError(await api('POST', '/tokens/revoke', { token: u.token }), 404, 'user not found')
    expectError(
      await api('POST', '/tokens/revoke', { token: other, json: { all: true } }),
      404,
      'user not found'
    )
  })

  it('is declared in the OpenAPI document', async () => {
    const doc = (await api('GET', '/openapi.json')).body
    const op = doc.paths['/tokens/revoke'].post
    expect(op.security).toEqual([{ bearerAuth: [] }])
    expect(op.requestBody.required).toBe(false)
    expect(Object.keys(op.responses)).toEqual(
      expect.arrayContaining(['204', '400', '401', '403', '404', '415', '503'])
    )
    expect(doc.components.schemas.PasswordReset.properties.revoke_keys.type).toBe('boolean')
  })
})

describe('the session cache (KV) in front of D1', () => {
  it('a hit costs no D1 round trip; with FLUXGATE_SESSION_CACHE_TTL=0 every check asks D1 and KV stays empty', async () => {
    const u = await newUser()
    await warmSessionCache(u)
    const hit = countingD1(env.DB)
    expect((await call('GET', '/users/profile', { token: u.token }, { DB: hit.db })).status).toBe(
      200
    )
    expect(hit.counter.calls).toBe(0)

    const v = await newUser()
    const off = countingD1(env.DB)
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await call(
            'GET',
            '/users/profile',
            { token: v.token },
            { DB: off.db, FLUXGATE_SESSION_CACHE_TTL: '0' }
          )
        ).status
      ).toBe(200)
    }
    expect(off.counter.calls).toBe(3)
    expect(await env.CACHE.get(`sm:${v.id}`)).toBeNull()
    expect(await env.CACHE.get(`ss:${v.id}`)).toBeNull()
  })

  it('a fill that lands after a password change (read before it) cannot revive the old token', async () => {
    const u = await newUser()
    await warmSessionCache(u)
    // What a request that read KV and D1 just before the change would write after answering.
    const marker = await env.CACHE.get(`sm:${u.id}`)
    const stale = JSON.stringify({ m: marker, g: 0, r: [] })
    expect(
      (
        await api('PATCH', '/password', {
          token: u.token,
          json: { old_password: u.password, password: NEW_PASSWORD },
        })
      ).status
    ).toBe(201)
    await env.CACHE.put(`ss:${u.id}`, stale)
    expectError(await call('GET', '/users/profile', { token: u.token }), 401)
    expect(await env.CACHE.get(`sm:${u.id}`)).not.toBe(marker)
  })

  it('a sign-out fill race is harmless in the same way', async () => {
    const u = await newUser()
    await warmSessionCache(u)
    const marker = await env.CACHE.get(`sm:${u.id}`)
    expect((await api('POST', '/tokens/revoke', { token: u.token })).status).toBe(204)
    await env.CACHE.put(`ss:${u.id}`, JSON.stringify({ m: marker, g: 0, r: [] }))
    expectError(await call('GET', '/users/profile', { token: u.token }), 401)
  })

  it('a token newer than a lagging cached generation is checked in D1, not refused', async () => {
    const u = await newUser()
    expect(
      (
        await api('PATCH', '/password', {
          token: u.token,
          json: { old_password: u.password, password: NEW_PASSWORD },
        })
      ).status
    ).toBe(201)
    const fresh = await login(u.email, NEW_PASSWORD)
    // As another location might still hold it: the current marker with the old generation.
    const marker = await env.CACHE.get(`sm:${u.id}`)
    await env.CACHE.put(`ss:${u.id}`, JSON.stringify({ m: marker, g: 0, r: [] }))
    expect((await call('GET', '/users/profile', { token: fresh })).status).toBe(200)
  })

  it('a damaged entry is a miss, not an error', async () => {
    const u = await newUser()
    await warmSessionCache(u)
    await env.CACHE.put(`ss:${u.id}`, '{not json')
    expect((await call('GET', '/users/profile', { token: u.token })).status).toBe(200)
  })
})

describe('sessions and the verified-token cache', () => {
  it('an ended token stays refused even though its signature was cached as verified', async () => {
    const u = await newUser()
    for (let i = 0; i < 2; i++)
      expect((await api('GET', '/users/profile', { token: u.token })).status).toBe(200)
    expect((await api('POST', '/tokens/revoke', { token: u.token })).status).toBe(204)
    expectError(await api('GET', '/users/profile', { token: u.token }), 401)
  })
})
