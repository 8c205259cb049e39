// `npm run test:import`: moves a Mainflux 0.12.1 deployment (its PostgreSQL databases, filled here
// with rows as 0.12.1 stores them) into the Worker running in workerd, with the built CLI.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import bcrypt from 'bcryptjs'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFluxgate, startFluxgate } from '../broker/fluxgate.mjs'
import { DATABASES } from './mainflux-schema.mjs'
import { startPostgres } from './postgres.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const cli = join(root, 'cli', 'dist', 'fluxgate.mjs')
const log = (msg: string) => process.stderr.write(`import-e2e: ${msg}\n`)

const ADMIN = { email: 'admin@fluxgate.e2e', password: 'admin-password-e2e' }

let pgServer: Awaited<ReturnType<typeof startPostgres>>
let fluxgate: Awaited<ReturnType<typeof startFluxgate>>
let outdir: string
let adminToken: string

/** The part of the Worker's D1 binding (from Miniflare) these checks use. */
interface Stmt {
  bind(...values: unknown[]): Stmt
  first<T = Record<string, unknown>>(): Promise<T | null>
  all(): Promise<{ results: unknown[] }>
}
const d1 = () => fluxgate.d1 as { prepare(sql: string): Stmt }

async function sql(db: string, text: string, values: unknown[] = []) {
  const c = new pg.Client({ connectionString: pgServer.url(db) })
  await c.connect()
  try {
    return (await c.query(text, values)).rows
  } finally {
    await c.end()
  }
}

async function api(
  method: string,
  path: string,
  opts: { token?: string; auth?: string; json?: unknown } = {}
) {
  const headers: Record<string, string> = {}
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (opts.auth) headers.authorization = opts.auth
  if (opts.json !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(fluxgate.url + path, {
    method,
    headers,
    body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
  })
  const text = await res.text()
  let body: any = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, body }
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, FLUXGATE_URL: fluxgate.url, FLUXGATE_TOKEN: adminToken, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const dbArgs = () => [
  'import',
  'mainflux',
  '--users-db',
  pgServer.url('users'),
  '--things-db',
  pgServer.url('things'),
  '--bootstrap-db',
  pgServer.url('bootstrap'),
  '--certs-db',
  pgServer.url('certs'),
]

async function importJson() {
  const run = await runCli([...dbArgs(), '--json'])
  let report: any
  try {
    report = JSON.parse(run.stdout)
  } catch {
    throw new Error(`no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`)
  }
  return { run, report }
}

// The 0.12.1 deployment.
const alice = { id: randomUUID(), email: 'alice@example.com', password: 'alice-old-pass' }
const carol = { id: randomUUID(), email: 'carol@example.com', password: 'carol-old-pass' }
const bobUpper = { id: randomUUID(), email: 'Bob@Example.com', password: 'bob-one-pass' }
const bobLower = { id: randomUUID(), email: 'bob@example.com', password: 'bob-two-pass' }
const gateway = { id: randomUUID(), key: randomUUID() }
const sensor = {
  id: randomUUID(),
  key: 'legacy key with spaces, longer than sixty-four characters, as 0.12.1 allowed',
}
const carolThing = { id: randomUUID(), key: randomUUID() }
const orphan = { id: randomUUID(), key: randomUUID() }
const bobThing = { id: randomUUID(), key: randomUUID() }
const ctrl = randomUUID()
const data = randomUUID()
const external = { id: 'gw-ext-0001', key: 'old-external-key-plaintext' }
const serials = ['0f:53:fa:eb:fc:bf:e9:d1:20:ba:2b:3c:b4:24:83:b8:34:5b:96:28', '7a:01:02:03']

async function loadFixture() {
  for (const [db, statements] of Object.entries(DATABASES)) {
    await sql('postgres', `CREATE DATABASE ${db}`)
    for (const s of statements) await sql(db, s)
  }
  for (const u of [alice, carol, bobUpper, bobLower]) {
    // 0.12.1 hashes with Go's bcrypt.DefaultCost (10) and writes `$2a$10$`; bcryptjs writes `$2b$`,
    // the same algorithm (2b only fixed a length wrap-around of OpenBSD's C code), so the prefix is
    // set as Go's.
    const hash = (await bcrypt.hash(u.password, 10)).replace(/^\$2b\$/, '$2a$')
    await sql(
      'users',
      'INSERT INTO users (id, email, password, metadata) VALUES ($1, $2, $3, $4)',
      [u.id, u.email, hash, '{}']
    )
  }
  const gwMeta = {
    type: 'gateway',
    external_id: external.id,
    external_key: external.key,
    cfg_id: gateway.id,
    ctrl_channel_id: ctrl,
    data_channel_id: data,
    export_channel_id: '',
  }
  const things: [{ id: string; key: string }, string, string, unknown][] = [
    [gateway, alice.email, 'gateway-1', gwMeta],
    [sensor, alice.email, 'sensor-1', { unit: 'C' }],
    [carolThing, carol.email, 'carol-1', null],
    [orphan, 'ghost@example.com', 'orphan-1', null],
    [bobThing, bobUpper.email, 'bob-1', null],
  ]
  for (const [t, owner, name, md] of things) {
    await sql(
      'things',
      'INSERT INTO things (id, owner, key, name, metadata) VALUES ($1, $2, $3, $4, $5)',
      [t.id, owner, t.key, name, md === null ? null : JSON.stringify(md)]
    )
  }
  for (const [id, name, type] of [
    [ctrl, 'gw-ctrl', 'control'],
    [data, 'gw-data', 'data'],
  ]) {
    await sql(
      'things',
      'INSERT INTO channels (id, owner, name, metadata) VALUES ($1, $2, $3, $4)',
      [id, alice.email, name, JSON.stringify({ type })]
    )
    // Bootstrap's own copy, with a stale name: the things database wins.
    await sql(
      'bootstrap',
      'INSERT INTO channels (mainflux_channel, owner, name, metadata) VALUES ($1, $2, $3, $4)',
      [id, alice.email, `${name}-stale`, JSON.stringify({ type })]
    )
  }
  for (const [ch, th] of [
    [ctrl, gateway.id],
    [data, gateway.id],
    [data, sensor.id],
  ]) {
    await sql('things', 'INSERT INTO connections VALUES ($1, $2, $3, $2)', [ch, alice.email, th])
  }
  await sql(
    'bootstrap',
    `INSERT INTO configs (mainflux_thing, owner, name, mainflux_key, external_id, external_key, content, state)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 1)`,
    [
      gateway.id,
      alice.email,
      'gateway-1',
      gateway.key,
      external.id,
      external.key,
      '{"agent":{"log":{"level":"info"}}}',
    ]
  )
  for (const ch of [ctrl, data]) {
    await sql('bootstrap', 'INSERT INTO connections VALUES ($1, $2, $3, $2)', [
      ch,
      alice.email,
      gateway.id,
    ])
  }
  // owner_id as 0.12.1's certs service recorded it: the e-mail (and, for the second, the user id).
  await sql('certs', 'INSERT INTO certs VALUES ($1, $2, $3, $4)', [
    gateway.id,
    alice.email,
    '2031-05-01T00:00:00Z',
    serials[0],
  ])
  await sql('certs', 'INSERT INTO certs VALUES ($1, $2, $3, $4)', [
    sensor.id,
    alice.id,
    '2030-01-01T00:00:00Z',
    serials[1],
  ])
}

beforeAll(async () => {
  const t0 = Date.now()
  outdir = mkdtempSync(join(tmpdir(), 'fluxgate-import-build-'))
  const [server] = await Promise.all([startPostgres(log), buildFluxgate(root, outdir)])
  pgServer = server
  log(`postgres (pid ${pgServer.pid}) on port ${pgServer.port}`)
  fluxgate = await startFluxgate({
    root,
    outdir,
    settings: { MF_USERS_ADMIN_EMAIL: ADMIN.email, MF_USERS_ADMIN_PASSWORD: ADMIN.password },
  })
  await loadFixture()
  const login = await api('POST', '/tokens', { json: ADMIN })
  expect(login.status).toBe(201)
  adminToken = login.body.token
  log(`ready after ${Date.now() - t0} ms`)
})

afterAll(async () => {
  await fluxgate?.stop()
  await pgServer?.stop()
  if (outdir) rmSync(outdir, { recursive: true, force: true })
})

describe('fluxgate import mainflux', () => {
  let first: Awaited<ReturnType<typeof importJson>>

  it('imports what can move and reports the rest (exit 1: some rows refused)', async () => {
    first = await importJson()
    const { run, report } = first
    expect(run.code, run.stderr).toBe(1)
    expect(report.counts).toEqual({
      users: { imported: 2, present: 0, refused: 2 },
      things: { imported: 3, present: 0, refused: 2 },
      channels: { imported: 2, present: 0, refused: 0 },
      connections: { imported: 3, present: 0, refused: 0 },
      configs: { imported: 1, present: 0, refused: 0 },
      certs: { imported: 2, present: 0, refused: 0 },
    })
    const reasons = report.refused.map(
      (r: { kind: string; id: string; reason: string }) => `${r.kind} ${r.id}: ${r.reason}`
    )
    expect(reasons).toContainEqual(
      expect.stringMatching(new RegExp(`^users ${bobUpper.id} .*differs only in case`))
    )
    expect(reasons).toContainEqual(
      expect.stringMatching(new RegExp(`^users ${bobLower.id} .*differs only in case`))
    )
    expect(reasons).toContainEqual(
      `things ${orphan.id}: owner ghost@example.com has no account in the users database`
    )
    // Owned by an account whose import was refused: reported by the server, not dropped.
    expect(reasons).toContainEqual(
      expect.stringMatching(
        new RegExp(`^things ${bobThing.id}: owner ${bobUpper.id} was not imported`)
      )
    )
    expect(report.not_movable[0]).toMatchObject({ what: 'API keys' })
    // Progress per table on stderr.
    for (const kind of ['users', 'things', 'channels', 'connections', 'configs', 'certs']) {
      expect(run.stderr).toMatch(new RegExp(`^${kind}: \\d+ rows$`, 'm'))
    }
  })

  it('prints a readable report without --json', async () => {
    const run = await runCli(dbArgs())
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^TABLE\s+IMPORTED\s+ALREADY PRESENT\s+REFUSED$/m)
    expect(run.stdout).toMatch(/^things\s+0\s+3\s+2$/m)
    expect(run.stdout).toMatch(/Not movable:\n {2}API keys: /)
  })

  it('users log in with their old password; the bcrypt hash becomes PBKDF2 in that login', async () => {
    const hashOf = async (id: string) =>
      (await d1()
        .prepare('SELECT password_hash FROM users WHERE id = ?')
        .bind(id)
        .first<{ password_hash: string }>())!.password_hash
    expect(await hashOf(alice.id)).toMatch(/^\$2a\$10\$/)
    expect(
      (await api('POST', '/tokens', { json: { email: alice.email, password: 'wrong' } })).status
    ).toBe(401)
    const t0 = performance.now()
    const login = await api('POST', '/tokens', {
      json: { email: alice.email, password: alice.password },
    })
    const firstMs = performance.now() - t0
    expect(login.status).toBe(201)
    expect(await hashOf(alice.id)).toMatch(/^pbkdf2-sha256\$/)
    const t1 = performance.now()
    expect(
      (await api('POST', '/tokens', { json: { email: alice.email, password: alice.password } }))
        .status
    ).toBe(201)
    log(
      `first login (bcrypt cost 10 + PBKDF2 rehash) ${firstMs.toFixed(0)} ms, next login (PBKDF2) ${(performance.now() - t1).toFixed(0)} ms`
    )
    expect((await api('GET', '/users/profile', { token: login.body.token })).body).toMatchObject({
      id: alice.id,
      email: alice.email,
    })
    // Case-insensitive in Fluxgate: the address in any case logs in.
    expect(
      (
        await api('POST', '/tokens', {
          json: { email: carol.email.toUpperCase(), password: carol.password },
        })
      ).status
    ).toBe(201)
    expect(
      (
        await api('POST', '/tokens', {
          json: { email: bobLower.email, password: bobLower.password },
        })
      ).status
    ).toBe(401)
  })

  it('old thing keys identify, including one that new keys could not be', async () => {
    for (const t of [gateway, sensor]) {
      const res = await api('POST', '/identify', { json: { token: t.key } })
      expect(res.status).toBe(200)
      expect(res.body.id).toBe(t.id)
    }
    const access = await api('POST', `/identify/channels/${data}/access-by-key`, {
      json: { token: sensor.key },
    })
    expect(access.status).toBe(200)
    expect((await api('POST', '/identify', { json: { token: orphan.key } })).status).toBe(401)
  })

  it('an unmodified gateway bootstraps with its old external id and key', async () => {
    expect(
      (await api('GET', `/things/bootstrap/${external.id}`, { auth: 'wrong-key' })).status
    ).toBe(404)
    const res = await api('GET', `/things/bootstrap/${external.id}`, { auth: external.key })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      mainflux_id: gateway.id,
      mainflux_key: gateway.key,
      content: '{"agent":{"log":{"level":"info"}}}',
    })
    expect(
      res.body.mainflux_channels.map((c: { id: string; name: string }) => [c.id, c.name]).sort()
    ).toEqual(
      [
        [ctrl, 'gw-ctrl'],
        [data, 'gw-data'],
      ].sort()
    )
    // The external key is stored only as a keyed hash, and the gateway's metadata lost 0.12.1's
    // provision bookkeeping (the plaintext key among it).
    const cfg = await d1()
      .prepare('SELECT * FROM bootstrap_configs WHERE thing_id = ?')
      .bind(gateway.id)
      .first()
    expect(cfg).toMatchObject({ external_id: external.id, state: 1 })
    expect(JSON.stringify(cfg)).not.toContain(external.key)
    const thing = await d1()
      .prepare('SELECT metadata FROM things WHERE id = ?')
      .bind(gateway.id)
      .first<{ metadata: string }>()
    expect(JSON.parse(thing!.metadata)).toEqual({ type: 'gateway', external_id: external.id })
    const everything = await d1()
      .prepare("SELECT group_concat(metadata, ' ') AS m FROM things")
      .first<{ m: string }>()
    expect(everything!.m).not.toContain(external.key)
  })

  it('owner counts are exact and certificates listed with their serials and expiry', async () => {
    const counts = await d1()
      .prepare('SELECT owner, things, channels FROM owner_counts ORDER BY owner')
      .all()
    expect(counts.results).toContainEqual({ owner: alice.id, things: 2, channels: 2 })
    expect(counts.results).toContainEqual({ owner: carol.id, things: 1, channels: 0 })
    const certs = await d1()
      .prepare('SELECT serial, thing_id, owner, expires_at, revoked_at FROM certs ORDER BY serial')
      .all()
    expect(certs.results).toEqual([
      {
        serial: serials[0]!.replaceAll(':', ''),
        thing_id: gateway.id,
        owner: alice.id,
        expires_at: Date.parse('2031-05-01T00:00:00Z'),
        revoked_at: null,
      },
      {
        serial: serials[1]!.replaceAll(':', ''),
        thing_id: sensor.id,
        owner: alice.id,
        expires_at: Date.parse('2030-01-01T00:00:00Z'),
        revoked_at: null,
      },
    ])
  })

  it('a re-run imports nothing twice; a changed row is refused as a conflicting id', async () => {
    const again = await importJson()
    expect(again.report.counts).toEqual({
      users: { imported: 0, present: 2, refused: 2 },
      things: { imported: 0, present: 3, refused: 2 },
      channels: { imported: 0, present: 2, refused: 0 },
      connections: { imported: 0, present: 3, refused: 0 },
      configs: { imported: 0, present: 1, refused: 0 },
      certs: { imported: 0, present: 2, refused: 0 },
    })
    const before = await d1().prepare('SELECT COUNT(*) AS n FROM things').first<{ n: number }>()
    await sql('things', 'UPDATE things SET key = $1 WHERE id = $2', [randomUUID(), carolThing.id])
    const changed = await importJson()
    expect(changed.run.code).toBe(1)
    expect(changed.report.counts.things).toEqual({ imported: 0, present: 2, refused: 3 })
    expect(changed.report.refused).toContainEqual({
      kind: 'things',
      id: carolThing.id,
      reason: 'id already used by a thing with a different key',
    })
    expect((await d1().prepare('SELECT COUNT(*) AS n FROM things').first<{ n: number }>())!.n).toBe(
      before!.n
    )
    await sql('things', 'UPDATE things SET key = $1 WHERE id = $2', [carolThing.key, carolThing.id])
  })

  it('a non-admin login is refused (exit 3) and nothing is written', async () => {
    const login = await api('POST', '/tokens', {
      json: { email: carol.email, password: carol.password },
    })
    const run = await runCli(dbArgs(), { FLUXGATE_TOKEN: login.body.token })
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(/only the admin account may import/)
  })

  // A measurement, not a check: only `npm run bench:import` (FLUXGATE_IMPORT_BENCH=1) registers it.
  ;(process.env.FLUXGATE_IMPORT_BENCH ? it : () => undefined)(
    'measures 10,000 things with 20,000 connections',
    async () => {
      const owner = { id: randomUUID(), email: 'fleet@example.com' }
      await sql('users', 'INSERT INTO users VALUES ($1, $2, $3, $4)', [
        owner.id,
        owner.email,
        await bcrypt.hash('fleet-pass', 4),
        '{}',
      ])
      await sql(
        'things',
        `INSERT INTO things SELECT gen_random_uuid(), $1, gen_random_uuid()::text, 'bench-' || i, NULL FROM generate_series(1, 10000) i`,
        [owner.email]
      )
      await sql(
        'things',
        `INSERT INTO channels SELECT gen_random_uuid(), $1, 'bench-ch-' || i, NULL FROM generate_series(1, 2) i`,
        [owner.email]
      )
      await sql(
        'things',
        `INSERT INTO connections SELECT c.id, c.owner, t.id, t.owner FROM things t, channels c WHERE t.owner = $1 AND c.owner = $1`,
        [owner.email]
      )
      const t0 = performance.now()
      const { report } = await importJson()
      const s = (performance.now() - t0) / 1000
      expect(report.counts.things.imported).toBe(10_000)
      expect(report.counts.connections.imported).toBe(20_000)
      log(`10,000 things + 20,000 connections imported in ${s.toFixed(1)} s (CLI run, all tables)`)
      const t1 = performance.now()
      const { report: again } = await importJson()
      expect(again.counts.connections.present).toBe(20_003)
      log(`re-run (all present) in ${((performance.now() - t1) / 1000).toFixed(1)} s`)
    }
  )
})
