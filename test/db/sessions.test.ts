import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import {
  BOOKMARK_HEADER,
  BOOKMARK_MAX_LENGTH,
  parseBookmark,
  RequestSession,
  sessionMode,
} from '../../src/db/session'
import { fetchConfig, newConfig } from '../bootstrap/helpers'
import { SECRET } from '../broker/helpers'
import { api, type ApiOptions, call, newUser, type TestUser } from '../helpers'
import { connect, newChannel, newThing } from '../things/helpers'

// D1 read replication (src/db/session.ts, docs/consistency.md). Local D1 has no replicas, so these
// tests check what Fluxgate asks D1 for: which routes open a session and with what, that writes
// run each statement as the first query of a 'first-primary' session, that access checks, fetches
// and cache fills never open one, and that bookmarks go round trip.

/** One `withSession` call seen by the recording binding, and how many queries it then ran. */
interface Opened {
  arg: string | undefined
  queries: number
}

/**
 * The test D1 binding, recording every session opened from it (its argument and the queries run
 * on it) and the queries run on the plain binding. Everything is passed through to the real D1.
 */
function recordingD1() {
  const log = { sessions: [] as Opened[], plain: 0 }
  const statement = (stmt: D1PreparedStatement, ran: () => void): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target)
        if (typeof value !== 'function') return value
        if (prop === 'bind') return (...a: unknown[]) => statement(value.apply(target, a), ran)
        if (['first', 'all', 'run', 'raw'].includes(prop as string)) {
          return (...a: unknown[]) => {
            ran()
            return value.apply(target, a)
          }
        }
        return value.bind(target)
      },
    })
  const wrap = <T extends D1Database | D1DatabaseSession>(d1: T, ran: () => void): T =>
    new Proxy(d1, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target)
        if (typeof value !== 'function') return value
        if (prop === 'prepare') return (sql: string) => statement(value.call(target, sql), ran)
        if (prop === 'batch') {
          return (stmts: D1PreparedStatement[]) => {
            ran()
            return value.call(target, stmts)
          }
        }
        if (prop === 'withSession') {
          return (arg?: string) => {
            const opened: Opened = { arg, queries: 0 }
            log.sessions.push(opened)
            return wrap(value.call(target, arg), () => opened.queries++)
          }
        }
        return value.bind(target)
      },
    })
  return { db: wrap(env.DB, () => log.plain++), log }
}

/** One request through a fresh app on the recording binding (waitUntil work included). */
async function recorded(method: string, path: string, opts: ApiOptions = {}) {
  const { db, log } = recordingD1()
  const res = await call(method, path, opts, { DB: db })
  return { res, log, bookmark: res.headers.get(BOOKMARK_HEADER) }
}

const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/
/** D1 orders bookmarks as strings (D1DatabaseSession's own comparison). */
const notOlder = (b: string | null, than: string) => b !== null && b.localeCompare(than) >= 0

/**
 * A bookmark as a client would hold one: from a write's answer. A client that keeps bookmarks sends
 * the header on every request, with any value while it has none yet.
 */
async function freshBookmark(u: TestUser) {
  const res = await api('POST', '/channels', {
    token: u.token,
    json: { name: 'bookmark' },
    headers: { [BOOKMARK_HEADER]: 'none-yet' },
  })
  expect(res.status, res.text).toBe(201)
  const b = res.headers.get(BOOKMARK_HEADER)
  expect(b).toMatch(BOOKMARK)
  return b!
}

const malformed = [
  '',
  '   ',
  'first-primary',
  'first-unconstrained',
  'not a bookmark',
  '00000000',
  'zz000000-00000001',
  `${'0'.repeat(64)}-${'0'.repeat(64)}`,
  '00000000-00000001-00000000-00000000000000000000000000000000, 00000000-00000002',
]

describe('sessionMode (pure)', () => {
  const b = '0000002a-00000003-00004f23-0123456789abcdef0123456789abcdef'

  it('routes without a kind get no session, whatever they are sent', () => {
    expect(sessionMode(undefined, undefined)).toEqual({ mode: 'primary' })
    expect(sessionMode(undefined, b)).toEqual({ mode: 'primary' })
  })

  it('writes run on the primary; with a bookmark back only when the client sent the header', () => {
    // No header: nobody keeps bookmarks, the plain binding (the next read is first-primary).
    expect(sessionMode('write', undefined)).toEqual({ mode: 'primary' })
    expect(sessionMode('write', null)).toEqual({ mode: 'primary' })
    // Any value, well-formed or not: the client keeps bookmarks and needs one covering the write.
    expect(sessionMode('write', b)).toEqual({ mode: 'primary+bookmark' })
    for (const value of malformed) {
      expect(sessionMode('write', value), value).toEqual({ mode: 'primary+bookmark' })
    }
  })

  it('reads start first-primary without a bookmark, and from a well-formed one', () => {
    expect(sessionMode('read', undefined)).toEqual({ mode: 'first-primary' })
    expect(sessionMode('read', null)).toEqual({ mode: 'first-primary' })
    expect(sessionMode('read', b)).toEqual({ mode: 'bookmark', bookmark: b })
    expect(sessionMode('read', ` ${b} `)).toEqual({ mode: 'bookmark', bookmark: b })
  })

  it('a malformed or oversized bookmark counts as none (first-primary), never as a constraint', () => {
    for (const value of malformed) {
      expect(parseBookmark(value), value).toBeUndefined()
      expect(sessionMode('read', value), value).toEqual({ mode: 'first-primary' })
    }
    const longest = `${'0'.repeat(BOOKMARK_MAX_LENGTH - 65)}-${'0'.repeat(64)}`
    expect(longest).toHaveLength(BOOKMARK_MAX_LENGTH)
    expect(parseBookmark(longest)).toBe(longest)
    expect(parseBookmark(`0${longest}`)).toBeUndefined()
  })
})

/** An owner with one of everything the read routes show. */
async function world() {
  const u = await newUser()
  const t = await newThing(u.token)
  const c = await newChannel(u.token)
  await connect(u.token, [c], [t.id])
  const cfg = await newConfig(u.token, { thing_id: t.id, channels: [c] })
  const key = await api('POST', '/keys', { token: u.token, json: { type: 2, duration: 3600 } })
  expect(key.status, key.text).toBe(201)
  const cert = await api('POST', '/certs', { token: u.token, json: { thing_id: t.id } })
  expect(cert.status, cert.text).toBe(200)
  return { u, t, c, cfg, key: key.body as { id: string; value: string }, serial: cert.body.serial }
}

type World = Awaited<ReturnType<typeof world>>

/** Every d1: 'read' route, as [method, path, options]. */
function readRoutes(w: World): [string, string, ApiOptions][] {
  const token = w.u.token
  return [
    ['GET', '/things', { token }],
    ['POST', '/things/search', { token, json: {} }],
    ['GET', `/things/${w.t.id}`, { token }],
    ['GET', '/channels', { token }],
    ['GET', `/channels/${w.c}`, { token }],
    ['GET', `/channels/${w.c}/things`, { token }],
    ['GET', `/things/${w.t.id}/channels`, { token }],
    ['GET', '/things/configs', { token }],
    ['GET', `/things/configs/${w.cfg.id}`, { token }],
    ['GET', '/things/configs/summary', { token }],
    ['GET', `/things/configs/${w.cfg.id}/answer`, { token }],
    ['GET', `/things/configs/${w.cfg.id}/lock`, { token }],
    ['GET', `/certs/${w.t.id}`, { token }],
    ['GET', `/certs/serial/${w.serial}`, { token }],
    ['GET', '/keys', { token }],
    ['GET', `/keys/${w.key.id}`, { token }],
    ['GET', '/users', { token }],
    ['GET', `/users/${w.u.id}`, { token }],
    // With an API key the profile is read from D1 (a login token carries it).
    ['GET', '/users/profile', { token: w.key.value }],
  ]
}

describe('read routes: one D1 session, first-primary or from the bookmark sent', () => {
  it('without a bookmark: first-primary, and the answer carries a bookmark', async () => {
    const w = await world()
    for (const [method, path, opts] of readRoutes(w)) {
      const { res, log, bookmark } = await recorded(method, path, opts)
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(200)
      expect(
        log.sessions.map((s) => s.arg),
        `${method} ${path}`
      ).toEqual(['first-primary'])
      expect(log.sessions[0]!.queries, `${method} ${path}`).toBeGreaterThan(0)
      expect(bookmark, `${method} ${path}`).toMatch(BOOKMARK)
    }
  })

  it('with a bookmark: the session starts from it, and the answer is at least as new', async () => {
    const w = await world()
    const sent = await freshBookmark(w.u)
    for (const [method, path, opts] of readRoutes(w)) {
      const headers = { [BOOKMARK_HEADER]: sent }
      const { res, log, bookmark } = await recorded(method, path, { ...opts, headers })
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(200)
      expect(
        log.sessions.map((s) => s.arg),
        `${method} ${path}`
      ).toEqual([sent])
      expect(notOlder(bookmark, sent), `${method} ${path}: ${bookmark} < ${sent}`).toBe(true)
    }
  })

  it('a login-token profile reads nothing from D1: no query, no bookmark', async () => {
    const u = await newUser()
    const { res, log, bookmark } = await recorded('GET', '/users/profile', { token: u.token })
    expect(res.status, res.text).toBe(200)
    expect(log.sessions.every((s) => s.queries === 0)).toBe(true)
    expect(bookmark).toBeNull()
  })

  it('a 404 of a read route still carries the bookmark of what it read', async () => {
    const u = await newUser()
    const { res, bookmark } = await recorded('GET', `/things/${crypto.randomUUID()}`, {
      token: u.token,
    })
    expect(res.status).toBe(404)
    expect(bookmark).toMatch(BOOKMARK)
  })
})

describe('write routes: every statement on the primary, with a bookmark', () => {
  /** Each statement ran as the only query of its own first-primary session; none on a replica. */
  function expectPrimaryStatements(log: ReturnType<typeof recordingD1>['log'], what: string) {
    expect(log.sessions.length, what).toBeGreaterThan(0)
    for (const s of log.sessions) {
      expect(s.arg, what).toBe('first-primary')
      expect(s.queries, what).toBeLessThanOrEqual(1)
    }
    return log.sessions.filter((s) => s.queries === 1).length
  }

  it('ignore a bookmark the client sends, and answer a new one', async () => {
    const w = await world()
    const sent = await freshBookmark(w.u)
    const token = w.u.token
    const headers = { [BOOKMARK_HEADER]: sent }
    const writes: [string, string, ApiOptions, number][] = [
      ['POST', '/things', { token, json: { name: 'w' } }, 201],
      ['PUT', `/things/${w.t.id}`, { token, json: { name: 'renamed' } }, 200],
      ['POST', '/channels/bulk', { token, json: [{ name: 'x' }] }, 201],
      ['PUT', `/channels/${w.c}`, { token, json: { name: 'renamed' } }, 200],
      ['POST', '/disconnect', { token, json: { channel_ids: [w.c], thing_ids: [w.t.id] } }, 200],
      ['POST', '/connect', { token, json: { channel_ids: [w.c], thing_ids: [w.t.id] } }, 200],
      ['PUT', `/things/configs/${w.cfg.id}`, { token, json: { name: 'gw' } }, 200],
      ['PUT', `/things/state/${w.cfg.id}`, { token, json: { state: 1 } }, 200],
      ['POST', '/keys', { token, json: { type: 2, duration: 60 } }, 201],
      ['PUT', '/users', { token, json: { metadata: { a: 1 } } }, 200],
      ['DELETE', `/certs/${w.serial}`, { token }, 200],
    ]
    for (const [method, path, opts, status] of writes) {
      const what = `${method} ${path}`
      const { res, log, bookmark } = await recorded(method, path, { ...opts, headers })
      expect(res.status, `${what}: ${res.text}`).toBe(status)
      expect(expectPrimaryStatements(log, what), what).toBeGreaterThan(0)
      expect(bookmark, what).toMatch(BOOKMARK)
      expect(bookmark!.localeCompare(sent), `${what}: the write is newer`).toBeGreaterThan(0)
    }
  })

  it('a write of several round trips opens one session per statement (none reaches a replica)', async () => {
    // Every write route is one D1 batch today; the facade keeps a second round trip (a hook's
    // read after the write, say) on the primary too. Driven directly, with three round trips.
    const { db, log } = recordingD1()
    const session = new RequestSession(db, { mode: 'primary+bookmark' })
    expect(session.read).toBe(session.db)
    const u = await newUser()
    const one = sql`SELECT id FROM users WHERE id = ${u.id}`
    expect(await session.db.get(one)).toEqual({ id: u.id })
    await session.db.batch([session.db.run(sql`SELECT 1`), session.db.run(sql`SELECT 2`)])
    expect(await session.db.all(one)).toEqual([{ id: u.id }])
    expect(log.plain).toBe(0)
    expect(expectPrimaryStatements(log, 'three round trips')).toBe(3)
    expect(session.bookmark()).toMatch(BOOKMARK)
  })
})

describe('RequestSession for reads', () => {
  it('runs every read on the one session, and answers its newest bookmark', async () => {
    const { db, log } = recordingD1()
    const session = new RequestSession(db, { mode: 'first-primary' })
    expect(session.read).not.toBe(session.db)
    await session.read.run(sql`SELECT 1`)
    await session.read.run(sql`SELECT 2`)
    expect(log.sessions).toEqual([{ arg: 'first-primary', queries: 2 }])
    expect(session.bookmark()).toMatch(BOOKMARK)
    // Nothing ran yet: a first-primary session has no bookmark, one from a bookmark returns it.
    expect(new RequestSession(db, { mode: 'first-primary' }).bookmark()).toBeNull()
    const b = session.bookmark()!
    expect(new RequestSession(db, { mode: 'bookmark', bookmark: b }).bookmark()).toBe(b)
  })
})

describe('access checks, fetches, broker hooks and credentials: the plain binding only', () => {
  it('open no session, answer no bookmark, and fill their caches from the primary', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    const c = await newChannel(u.token)
    await connect(u.token, [c], [t.id])
    const cfg = await newConfig(u.token, { thing_id: t.id, channels: [c] })
    // Its own thing: the checks before it would have cached the first one's key.
    const b = await newThing(u.token)
    const sent = await freshBookmark(u)
    const headers = { [BOOKMARK_HEADER]: sent }
    const primary: [string, string, ApiOptions, number][] = [
      ['POST', '/identify', { json: { token: t.key }, headers }, 200],
      ['POST', `/identify/channels/${c}/access-by-key`, { json: { token: t.key }, headers }, 200],
      ['POST', `/identify/channels/${c}/access-by-id`, { json: { thing_id: t.id }, headers }, 200],
      [
        'POST',
        '/broker/emqx/authn',
        {
          json: { username: b.id, password: b.key, clientid: b.id },
          headers: { ...headers, Authorization: `Bearer ${SECRET}` },
        },
        200,
      ],
      ['POST', '/tokens', { json: { email: u.email, password: u.password }, headers }, 201],
      ['GET', '/certs/crl', { headers }, 200],
    ]
    for (const [method, path, opts, status] of primary) {
      const what = `${method} ${path}`
      const { res, log, bookmark } = await recorded(method, path, opts)
      expect(res.status, `${what}: ${res.text}`).toBe(status)
      expect(log.sessions, what).toEqual([])
      expect(log.plain, `${what} read D1 (a cache miss)`).toBeGreaterThan(0)
      expect(bookmark, what).toBeNull()
    }
    // The gateway's fetch: a miss read from the primary fills the answer cache.
    const { db, log } = recordingD1()
    const fetched = await fetchConfig(cfg.externalId, cfg.externalKey, {
      headers,
      env: { DB: db },
    })
    expect(fetched.status, fetched.text).toBe(200)
    expect(log.sessions).toEqual([])
    expect(log.plain).toBeGreaterThan(0)
    expect(fetched.headers.get(BOOKMARK_HEADER)).toBeNull()
  })

  it('the access cache filled by a miss was read without a session', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    const c = await newChannel(u.token)
    await connect(u.token, [c], [t.id])
    const path = `/identify/channels/${c}/access-by-key`
    const miss = await recorded('POST', path, { json: { token: t.key } })
    expect(miss.res.status).toBe(200)
    expect(miss.log.sessions).toEqual([])
    expect(miss.log.plain).toBeGreaterThan(0)
    // Until the fill is answered from KV alone (see test/things/access.test.ts), no session.
    for (let i = 0; ; i++) {
      const again = await recorded('POST', path, { json: { token: t.key } })
      expect(again.res.status).toBe(200)
      expect(again.log.sessions).toEqual([])
      if (again.log.plain === 0) break
      expect(i, 'never answered from the cache').toBeLessThan(4)
    }
  })
})

describe('read-your-writes', () => {
  it('a client without a bookmark (an unmodified Mainflux client) reads its write at once', async () => {
    const u = await newUser()
    const created = await api('POST', '/things', { token: u.token, json: { name: 'now' } })
    expect(created.status).toBe(201)
    const id = created.headers.get('Location')!.replace('/things/', '')
    const view = await api('GET', `/things/${id}`, { token: u.token })
    expect(view.status, view.text).toBe(200)
    expect(view.body.name).toBe('now')
    const list = await api('GET', '/things', { token: u.token })
    expect(list.body.things.map((x: { id: string }) => x.id)).toContain(id)
    // Its write used the plain binding: no session, so no bookmark it would not read anyway.
    expect(created.headers.get(BOOKMARK_HEADER)).toBeNull()
  })

  it('bookmarks go round trip: write -> read with it -> write -> read with the newer one', async () => {
    const u = await newUser()
    // A client that keeps bookmarks sends the header from its first request on.
    const created = await api('POST', '/things', {
      token: u.token,
      json: { name: 'one' },
      headers: { [BOOKMARK_HEADER]: 'none-yet' },
    })
    const b1 = created.headers.get(BOOKMARK_HEADER)!
    expect(b1).toMatch(BOOKMARK)
    const id = created.headers.get('Location')!.replace('/things/', '')

    const read1 = await api('GET', `/things/${id}`, {
      token: u.token,
      headers: { [BOOKMARK_HEADER]: b1 },
    })
    expect(read1.status, read1.text).toBe(200)
    expect(read1.body.name).toBe('one')
    expect(notOlder(read1.headers.get(BOOKMARK_HEADER), b1)).toBe(true)

    const renamed = await api('PUT', `/things/${id}`, {
      token: u.token,
      json: { name: 'two' },
      headers: { [BOOKMARK_HEADER]: read1.headers.get(BOOKMARK_HEADER)! },
    })
    expect(renamed.status).toBe(200)
    const b2 = renamed.headers.get(BOOKMARK_HEADER)!
    expect(b2.localeCompare(b1)).toBeGreaterThan(0)

    const read2 = await api('GET', '/things', {
      token: u.token,
      headers: { [BOOKMARK_HEADER]: b2 },
    })
    expect(read2.body.things.find((x: { id: string }) => x.id === id).name).toBe('two')
  })

  it("an API key's profile follows the metadata it just wrote, with or without the bookmark", async () => {
    const u = await newUser()
    const key = await api('POST', '/keys', { token: u.token, json: { type: 2, duration: 60 } })
    const value = key.body.value as string
    const put = await api('PUT', '/users', {
      token: value,
      json: { metadata: { v: 7 } },
      headers: { [BOOKMARK_HEADER]: 'none-yet' },
    })
    expect(put.status, put.text).toBe(200)
    const b = put.headers.get(BOOKMARK_HEADER)!
    expect(b).toMatch(BOOKMARK)
    for (const headers of [{}, { [BOOKMARK_HEADER]: b }] as Record<string, string>[]) {
      const profile = await api('GET', '/users/profile', { token: value, headers })
      expect(profile.body.metadata).toEqual({ v: 7 })
    }
  })

  it('a malformed bookmark is treated as none: first-primary, the write is seen, a real bookmark back', async () => {
    const u = await newUser()
    const t = await newThing(u.token)
    for (const value of malformed.filter((v) => v.trim() !== '')) {
      const { res, log, bookmark } = await recorded('GET', `/things/${t.id}`, {
        token: u.token,
        headers: { [BOOKMARK_HEADER]: value },
      })
      expect(res.status, `${value}: ${res.text}`).toBe(200)
      expect(res.body.id).toBe(t.id)
      expect(
        log.sessions.map((s) => s.arg),
        value
      ).toEqual(['first-primary'])
      expect(bookmark, value).toMatch(BOOKMARK)
    }
  })
})

describe('the header on the wire', () => {
  it('CORS lets a browser send it and read it', async () => {
    const preflight = await api('OPTIONS', '/things', {
      headers: { Origin: 'https://console.example', 'Access-Control-Request-Method': 'GET' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toContain('X-D1-Bookmark')
    const u = await newUser()
    const res = await api('GET', '/things', { token: u.token })
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('X-D1-Bookmark')
  })

  it('the OpenAPI document names it on exactly the routes with a session', async () => {
    const doc = (await api('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>
    }
    const withHeader: string[] = []
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const has = Object.entries(op.responses).some(
          ([status, r]) => status.startsWith('2') && r.headers && BOOKMARK_HEADER in r.headers
        )
        if (has) withHeader.push(`${method.toUpperCase()} ${path}`)
      }
    }
    const read = [
      'GET /things',
      'POST /things/search',
      'GET /things/{id}',
      'GET /channels',
      'GET /channels/{id}',
      'GET /channels/{id}/things',
      'GET /things/{id}/channels',
      'GET /things/configs',
      'GET /things/configs/{id}',
      'GET /things/configs/summary',
      'GET /things/configs/{id}/answer',
      'GET /things/configs/{id}/lock',
      'GET /certs/{id}',
      'GET /certs/serial/{serial}',
      'GET /keys',
      'GET /keys/{id}',
      'GET /users',
      'GET /users/{id}',
      'GET /users/profile',
    ]
    const write = [
      'POST /things',
      'POST /things/bulk',
      'PUT /things/{id}',
      'PATCH /things/{id}/key',
      'DELETE /things/{id}',
      'POST /channels',
      'POST /channels/bulk',
      'PUT /channels/{id}',
      'DELETE /channels/{id}',
      'PUT /channels/{chanId}/things/{thingId}',
      'DELETE /channels/{chanId}/things/{thingId}',
      'POST /connect',
      'POST /disconnect',
      'POST /things/configs',
      'PUT /things/configs/{id}',
      'DELETE /things/configs/{id}',
      'PATCH /things/configs/certs/{id}',
      'PUT /things/configs/connections/{id}',
      'PUT /things/state/{id}',
      'DELETE /things/configs/{id}/lock',
      'POST /certs',
      'POST /certs/csr',
      'DELETE /certs/revoke',
      'DELETE /certs/{id}',
      'POST /keys',
      'DELETE /keys/{id}',
      'PUT /users',
      'POST /mapping',
      'POST /import/mainflux/users',
      'POST /import/mainflux/things',
      'POST /import/mainflux/channels',
      'POST /import/mainflux/connections',
      'POST /import/mainflux/configs',
      'POST /import/mainflux/certs',
    ]
    expect(withHeader.sort()).toEqual([...read, ...write].sort())
  })
})
