import bcrypt from 'bcryptjs'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { adminToken, api, expectError, newUser, uid } from '../helpers'

const uuid = () => crypto.randomUUID()

async function post(kind: string, rows: unknown[], token?: string) {
  return api('POST', `/import/mainflux/${kind}`, {
    token: token ?? (await adminToken()),
    json: { rows },
  })
}

/** A 0.12.1 account as its users table holds it (bcrypt at a low cost: these tests are about the flow). */
async function oldUser(password = 'old-password-1', email = `old-${uid()}@example.com`) {
  return { id: uuid(), email, password: await bcrypt.hash(password, 4), metadata: {} }
}

async function ownerCounts(owner: string) {
  return env.DB.prepare('SELECT things, channels FROM owner_counts WHERE owner = ?')
    .bind(owner)
    .first<{ things: number; channels: number }>()
}

describe('POST /import/mainflux/{kind}: auth and validation', () => {
  it('401 without a token', async () => {
    expectError(
      await api('POST', '/import/mainflux/users', { json: { rows: [await oldUser()] } }),
      401
    )
  })

  it.each(['users', 'things', 'channels', 'connections', 'configs', 'certs'])(
    '403 for a non-admin user (%s)',
    async (kind) => {
      const u = await newUser()
      expectError(await post(kind, [{}], u.token), 403, /admin/)
    }
  )

  it('415 without a JSON body', async () => {
    const res = await api('POST', '/import/mainflux/users', {
      token: await adminToken(),
      body: 'x',
    })
    expectError(res, 415)
  })

  it.each([
    { desc: 'empty rows', rows: [], message: /rows/ },
    {
      desc: 'id not a UUID',
      rows: [{ id: 'nope', email: 'a@b.c', password: '$2a$04$' + 'a'.repeat(53) }],
      message: /UUID/,
    },
    {
      desc: 'password not bcrypt',
      rows: [{ id: uuid(), email: 'a@b.c', password: 'plain' }],
      message: /bcrypt/,
    },
    {
      // Each login would run pure-JS bcrypt at that cost before the password is known to be wrong.
      desc: 'bcrypt cost above 12',
      rows: [{ id: uuid(), email: 'a@b.c', password: '$2a$13$' + 'a'.repeat(53) }],
      message: /cost 4 to 12/,
    },
    {
      desc: 'too many rows',
      rows: Array.from({ length: 201 }, () => ({ id: uuid(), email: 'a@b.c', password: 'x' })),
      message: /at most 200/,
    },
  ])('400: $desc, nothing written', async ({ rows, message }) => {
    const before = await env.DB.prepare('SELECT COUNT(*) AS n FROM users').first<{ n: number }>()
    expectError(await post('users', rows), 400, message)
    const after = await env.DB.prepare('SELECT COUNT(*) AS n FROM users').first<{ n: number }>()
    expect(after!.n).toBe(before!.n)
  })
})

describe('users', () => {
  it('imports bcrypt accounts; the first login verifies bcrypt once and stores PBKDF2', async () => {
    const u = await oldUser('s3cret-old', `Mixed-${uid()}@Example.com`)
    const res = await post('users', [u])
    expect(res.status, res.text).toBe(200)
    expect(res.body).toMatchObject({ imported: 1, present: 0, refused: 0 })
    const row = await env.DB.prepare('SELECT email, password_hash FROM users WHERE id = ?')
      .bind(u.id)
      .first<{ email: string; password_hash: string }>()
    expect(row!.email).toBe(u.email.toLowerCase())
    expect(row!.password_hash).toBe(u.password)

    expectError(await api('POST', '/tokens', { json: { email: u.email, password: 'wrong' } }), 401)
    const login = await api('POST', '/tokens', { json: { email: u.email, password: 's3cret-old' } })
    expect(login.status, login.text).toBe(201)
    const after = await env.DB.prepare('SELECT password_hash FROM users WHERE id = ?')
      .bind(u.id)
      .first<{ password_hash: string }>()
    expect(after!.password_hash).toMatch(/^pbkdf2-sha256\$/)
    // The token of the upgrading login stays valid (same session generation).
    expect((await api('GET', '/users/profile', { token: login.body.token })).status).toBe(200)
    expect(
      (await api('POST', '/tokens', { json: { email: u.email, password: 's3cret-old' } })).status
    ).toBe(201)
  })

  it('a re-run finds the accounts already present (also after the hash upgrade)', async () => {
    const u = await oldUser('again-pass')
    expect((await post('users', [u])).status).toBe(200)
    expect(
      (await api('POST', '/tokens', { json: { email: u.email, password: 'again-pass' } })).status
    ).toBe(201)
    const again = await post('users', [u])
    expect(again.status, again.text).toBe(200)
    expect(again.body).toMatchObject({ imported: 0, present: 1, refused: 0 })
    expect(again.body.results[0]).toMatchObject({ status: 'present', reason: 'already present' })
  })

  it('409: accounts differing only in case are both refused, nothing written', async () => {
    const base = `case-${uid()}@example.com`
    const a = await oldUser('pw-one-1', base)
    const b = await oldUser('pw-two-2', base.toUpperCase())
    const fine = await oldUser()
    const res = await post('users', [a, b, fine])
    expect(res.status, res.text).toBe(409)
    expect(res.body.error).toMatch(/2 of 3 users refused; nothing of this chunk was imported/)
    expect(res.body.results.map((r: { status: string }) => r.status)).toEqual([
      'refused',
      'refused',
      'skipped',
    ])
    expect(res.body.results[0].reason).toMatch(/differs only in case/)
    const n = await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE id IN (?, ?, ?)')
      .bind(a.id, b.id, fine.id)
      .first<{ n: number }>()
    expect(n!.n).toBe(0)
  })

  it('409: an id already used with another e-mail, or an e-mail of another account', async () => {
    const u = await oldUser()
    expect((await post('users', [u])).status).toBe(200)
    const sameId = await post('users', [{ ...u, email: `other-${uid()}@example.com` }])
    expect(sameId.status).toBe(409)
    expect(sameId.body.results[0].reason).toMatch(/id already used/)
    const sameEmail = await post('users', [{ ...(await oldUser()), email: u.email.toUpperCase() }])
    expect(sameEmail.status).toBe(409)
    expect(sameEmail.body.results[0].reason).toMatch(/already belongs to account/)
  })

  it('409: the admin address is reserved', async () => {
    const res = await post('users', [await oldUser('x-pass-1', env.MF_USERS_ADMIN_EMAIL!)])
    expect(res.status).toBe(409)
    expect(res.body.results[0].reason).toMatch(/reserved/)
  })
})

async function importedOwner() {
  const u = await oldUser('owner-pass')
  expect((await post('users', [u])).status).toBe(200)
  return u
}

describe('things, channels, connections', () => {
  it('imports things with their ids and old keys (even ones new keys may not be); identify accepts them', async () => {
    const owner = await importedOwner()
    const longKey = `old key with spaces ${'k'.repeat(80)}`
    const gw = {
      id: uuid(),
      owner_id: owner.id,
      key: longKey,
      name: 'gw',
      metadata: {
        type: 'gateway',
        external_id: 'ext-1',
        external_key: 'plain-secret',
        cfg_id: 'x',
        ctrl_channel_id: 'a',
        data_channel_id: 'b',
        export_channel_id: 'c',
      },
    }
    const plain = { id: uuid(), owner_id: owner.id, key: uuid(), name: null, metadata: null }
    const res = await post('things', [gw, plain])
    expect(res.status, res.text).toBe(200)
    expect(res.body.imported).toBe(2)
    const id = await api('POST', '/identify', { json: { token: longKey } })
    expect(id.status, id.text).toBe(200)
    expect(id.body.id).toBe(gw.id)
    const row = await env.DB.prepare('SELECT metadata FROM things WHERE id = ?')
      .bind(gw.id)
      .first<{ metadata: string }>()
    expect(JSON.parse(row!.metadata)).toEqual({ type: 'gateway', external_id: 'ext-1' })
    expect(await ownerCounts(owner.id)).toEqual({ things: 2, channels: 0 })
    // Idempotent: same rows again (metadata as sent) are present, counts unchanged.
    const again = await post('things', [gw, plain])
    expect(again.body).toMatchObject({ imported: 0, present: 2 })
    expect(await ownerCounts(owner.id)).toEqual({ things: 2, channels: 0 })
  })

  it('409 per row: orphan owner, key in use, same id with another key; the good row is not written', async () => {
    const owner = await importedOwner()
    const first = { id: uuid(), owner_id: owner.id, key: uuid() }
    expect((await post('things', [first])).status).toBe(200)
    const good = { id: uuid(), owner_id: owner.id, key: uuid() }
    const orphan = { id: uuid(), owner_id: uuid(), key: uuid() }
    const keyTaken = { id: uuid(), owner_id: owner.id, key: first.key }
    const changed = { ...first, key: uuid() }
    const res = await post('things', [good, orphan, keyTaken, changed])
    expect(res.status, res.text).toBe(409)
    const reasons = res.body.results.map((r: { reason?: string }) => r.reason)
    expect(reasons[1]).toMatch(/was not imported/)
    expect(reasons[2]).toBe('key already in use by another thing')
    expect(reasons[3]).toMatch(/different key/)
    expect(reasons[3]).not.toContain(first.key)
    expect(res.body.results[0].status).toBe('skipped')
    expect(await ownerCounts(owner.id)).toEqual({ things: 1, channels: 0 })
    // Sent again alone, the good row goes in.
    expect((await post('things', [good])).body).toMatchObject({ imported: 1 })
    expect(await ownerCounts(owner.id)).toEqual({ things: 2, channels: 0 })
  })

  it('channels and connections; a connection to a missing channel or another owner is refused', async () => {
    const owner = await importedOwner()
    const other = await importedOwner()
    const t = { id: uuid(), owner_id: owner.id, key: uuid() }
    const ch = { id: uuid(), owner_id: owner.id, name: 'data', metadata: { type: 'data' } }
    const foreign = { id: uuid(), owner_id: other.id, name: 'x' }
    expect((await post('things', [t])).status).toBe(200)
    expect((await post('channels', [ch, foreign])).status).toBe(200)
    expect(await ownerCounts(owner.id)).toEqual({ things: 1, channels: 1 })
    const bad = await post('connections', [
      { channel_id: ch.id, thing_id: t.id, owner_id: owner.id },
      { channel_id: uuid(), thing_id: t.id, owner_id: owner.id },
      { channel_id: foreign.id, thing_id: t.id, owner_id: owner.id },
    ])
    expect(bad.status).toBe(409)
    expect(bad.body.results[1].reason).toMatch(/channel .* was not imported/)
    expect(bad.body.results[2].reason).toMatch(/both belong/)
    const ok = await post('connections', [
      { channel_id: ch.id, thing_id: t.id, owner_id: owner.id },
    ])
    expect(ok.body).toMatchObject({ imported: 1 })
    const access = await api('POST', `/identify/channels/${ch.id}/access-by-key`, {
      json: { token: t.key },
    })
    expect(access.status, access.text).toBe(200)
    expect(
      (await post('connections', [{ channel_id: ch.id, thing_id: t.id, owner_id: owner.id }])).body
    ).toMatchObject({ present: 1 })
  })
})

describe('configs and certs', () => {
  it('a gateway bootstraps with its old external key, which is stored only hashed', async () => {
    const owner = await importedOwner()
    const t = { id: uuid(), owner_id: owner.id, key: uuid() }
    const ch = { id: uuid(), owner_id: owner.id, name: 'ctrl' }
    expect((await post('things', [t])).status).toBe(200)
    expect((await post('channels', [ch])).status).toBe(200)
    const ext = `ext-${uid()}`
    const cfg = {
      thing_id: t.id,
      owner_id: owner.id,
      external_id: ext,
      external_key: 'old-plaintext-external-key',
      name: 'gw',
      content: '{"agent":{}}',
      state: 1,
      channels: [ch.id],
    }
    const res = await post('configs', [cfg])
    expect(res.status, res.text).toBe(200)
    const row = await env.DB.prepare('SELECT * FROM bootstrap_configs WHERE thing_id = ?')
      .bind(t.id)
      .first()
    expect(JSON.stringify(row)).not.toContain('old-plaintext-external-key')
    expectError(await api('GET', `/things/bootstrap/${ext}`, { auth: 'wrong-key' }), 404)
    const fetched = await api('GET', `/things/bootstrap/${ext}`, {
      auth: 'old-plaintext-external-key',
    })
    expect(fetched.status, fetched.text).toBe(200)
    expect(fetched.body).toMatchObject({
      mainflux_id: t.id,
      mainflux_key: t.key,
      content: '{"agent":{}}',
    })
    expect(fetched.body.mainflux_channels.map((c: { id: string }) => c.id)).toEqual([ch.id])
    expect((await post('configs', [cfg])).body).toMatchObject({ present: 1 })
    const changed = await post('configs', [{ ...cfg, external_key: 'another' }])
    expect(changed.status).toBe(409)
    expect(changed.body.results[0].reason).toMatch(/different external_key/)
  })

  it('refuses a config for a thing not imported, and a taken external id', async () => {
    const owner = await importedOwner()
    const t = { id: uuid(), owner_id: owner.id, key: uuid() }
    const t2 = { id: uuid(), owner_id: owner.id, key: uuid() }
    expect((await post('things', [t, t2])).status).toBe(200)
    const ext = `ext-${uid()}`
    expect(
      (
        await post('configs', [
          { thing_id: t.id, owner_id: owner.id, external_id: ext, external_key: 'k', state: 0 },
        ])
      ).status
    ).toBe(200)
    const res = await post('configs', [
      {
        thing_id: uuid(),
        owner_id: owner.id,
        external_id: `x-${uid()}`,
        external_key: 'k',
        state: 0,
      },
      { thing_id: t2.id, owner_id: owner.id, external_id: ext, external_key: 'k', state: 0 },
    ])
    expect(res.status).toBe(409)
    expect(res.body.results[0].reason).toMatch(/was not imported/)
    expect(res.body.results[1].reason).toMatch(/external_id already used/)
  })

  it('imports the certificate inventory (Vault serial form), exactly once', async () => {
    const owner = await importedOwner()
    const serial = '0f:53:fa:eb:fc:bf:e9:d1:20:ba:2b:3c:b4:24:83:b8:34:5b:96:28'
    const thing = uuid()
    const cert = { serial, thing_id: thing, owner_id: owner.id, expires_at: '2030-01-01T00:00:00Z' }
    const res = await post('certs', [cert])
    expect(res.status, res.text).toBe(200)
    const row = await env.DB.prepare('SELECT * FROM certs WHERE thing_id = ?')
      .bind(thing)
      .first<Record<string, unknown>>()
    expect(row).toMatchObject({
      serial: serial.replaceAll(':', ''),
      owner: owner.id,
      expires_at: Date.parse('2030-01-01T00:00:00Z'),
      revoked_at: null,
    })
    expect((await post('certs', [cert])).body).toMatchObject({ present: 1 })
    const revoked = await post('certs', [{ ...cert, revoked_at: '2026-01-01T00:00:00Z' }])
    expect(revoked.status).toBe(409)
    expect(revoked.body.results[0].reason).toMatch(/different revoked_at/)
  })

  it("refuses a certificate naming another owner's thing (it would escape that thing's revocations)", async () => {
    const owner = await importedOwner()
    const other = await importedOwner()
    const theirs = { id: uuid(), owner_id: other.id, key: uuid() }
    expect((await post('things', [theirs])).status).toBe(200)
    const serial = 'ab'.repeat(16)
    const res = await post('certs', [
      { serial, thing_id: theirs.id, owner_id: owner.id, expires_at: '2030-01-01T00:00:00Z' },
    ])
    expect(res.status).toBe(409)
    expect(res.body.results[0].reason).toMatch(/belongs to another owner/)
    const row = await env.DB.prepare('SELECT serial FROM certs WHERE serial = ?')
      .bind(serial)
      .first()
    expect(row).toBeNull()
  })
})

describe('atomic chunks', () => {
  it('two chunks racing for one thing: the loser writes none of its rows, counts stay exact', async () => {
    const owner = await importedOwner()
    const token = await adminToken()
    const shared = { id: uuid(), owner_id: owner.id, key: uuid() }
    const rowsA = [
      ...Array.from({ length: 60 }, () => ({ id: uuid(), owner_id: owner.id, key: uuid() })),
      shared,
    ]
    // B's own rows span several insert statements before the shared row, which comes last: if its
    // checks ran before A's batch, its batch fails on that row and must undo the statements before it.
    const rowsB = [
      ...Array.from({ length: 60 }, () => ({ id: uuid(), owner_id: owner.id, key: uuid() })),
      shared,
    ]
    const [a, b] = await Promise.all([post('things', rowsA, token), post('things', rowsB, token)])
    const statuses = [a.status, b.status].sort()
    expect(statuses, `${a.text}\n${b.text}`).toEqual([200, 409])
    const loser = a.status === 409 ? a : b
    const loserRows = a.status === 409 ? rowsA : rowsB
    expect(loser.body.error).toMatch(/nothing of this chunk was imported/)
    const ids = loserRows.slice(0, 60).map((r) => r.id)
    const found = await env.DB.prepare(
      `SELECT COUNT(*) AS n FROM things WHERE id IN (${ids.map(() => '?').join(',')})`
    )
      .bind(...ids)
      .first<{ n: number }>()
    expect(found!.n).toBe(0)
    expect(await ownerCounts(owner.id)).toEqual({ things: 61, channels: 0 })
  })
})
