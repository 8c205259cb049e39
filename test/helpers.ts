import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { expect } from 'vitest'
import { createApp } from '../src/app'

export interface ApiOptions {
  token?: string
  /** Sent as the raw Authorization header value (no scheme added). */
  auth?: string
  json?: unknown
  body?: BodyInit
  headers?: Record<string, string>
}

export interface ApiResponse<T = any> {
  status: number
  headers: Headers
  body: T
  text: string
}

/** A random address of the benchmarking range 198.18.0.0/15, a new one per call. */
export const randomIp = () => {
  const b = crypto.getRandomValues(new Uint8Array(3))
  return `198.${18 + (b[0]! & 1)}.${b[1]}.${b[2]}`
}

function buildRequest(method: string, path: string, opts: ApiOptions): Request {
  const headers = new Headers(opts.headers)
  // Throttles key on the client address. A test that does not say stands for many clients: each
  // request gets its own address, so per-address caps never join unrelated requests.
  if (!headers.has('CF-Connecting-IP')) headers.set('CF-Connecting-IP', randomIp())
  if (opts.token) headers.set('Authorization', `Bearer ${opts.token}`)
  if (opts.auth !== undefined) headers.set('Authorization', opts.auth)
  let body = opts.body
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json)
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json')
  }
  // An absolute URL is sent as it is (a test about the host); a path goes to http://fluxgate.test.
  const url = /^https?:\/\//.test(path) ? path : `http://fluxgate.test${path}`
  return new Request(url, { method, headers, body })
}

async function toApiResponse<T>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text()
  let parsed: unknown = text
  if (text && res.headers.get('content-type')?.includes('application/json'))
    parsed = JSON.parse(text)
  return { status: res.status, headers: res.headers, body: parsed as T, text }
}

/** One request through the Worker's own fetch handler (real middleware, D1 and KV). */
export async function api<T = any>(
  method: string,
  path: string,
  opts: ApiOptions = {}
): Promise<ApiResponse<T>> {
  return toApiResponse(await exports.default.fetch(buildRequest(method, path, opts)))
}

/**
 * One request through a fresh app (the real createApp()) with some bindings or settings replaced,
 * waiting for its waitUntil work (cache fills, recording) before returning, so tests can look at
 * KV and D1 deterministically. Config is parsed per env object, so overrides take effect.
 */
export async function callRaw(
  method: string,
  path: string,
  opts: ApiOptions = {},
  overrides: Record<string, unknown> = {}
): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await createApp().fetch(
    buildRequest(method, path, opts),
    { ...env, ...overrides },
    ctx
  )
  // Read the body before flushing: a streamed answer must not wait on work that waits on it.
  const copy = new Response(await res.arrayBuffer(), res)
  await waitOnExecutionContext(ctx)
  return copy
}

/** `callRaw` with the answer parsed like `api()`'s. */
export async function call<T = any>(
  method: string,
  path: string,
  opts: ApiOptions = {},
  overrides: Record<string, unknown> = {}
): Promise<ApiResponse<T>> {
  return toApiResponse(await callRaw(method, path, opts, overrides))
}

/**
 * A D1 binding that counts round trips: one per executed statement, one per batch, on the binding
 * and on the D1 sessions made from it (db/session.ts).
 */
export function countingD1(db: D1Database) {
  const counter = { calls: 0 }
  const wrapStatement = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target)
        if (prop === 'bind') {
          return (...args: unknown[]) => wrapStatement((value as Function).apply(target, args))
        }
        if (prop === 'all' || prop === 'run' || prop === 'first' || prop === 'raw') {
          return (...args: unknown[]) => {
            counter.calls++
            return (value as Function).apply(target, args)
          }
        }
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  const wrap = <T extends D1Database | D1DatabaseSession>(d1: T): T =>
    new Proxy(d1, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target)
        if (prop === 'prepare') return (query: string) => wrapStatement(target.prepare(query))
        if (prop === 'batch') {
          return (stmts: D1PreparedStatement[]) => {
            counter.calls++
            return target.batch(stmts)
          }
        }
        if (prop === 'withSession') {
          return (arg?: string) => wrap((target as D1Database).withSession(arg))
        }
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  return { db: wrap(db), counter }
}

/** Asserts status and the `{"error": "..."}` shape, optionally the message. */
export function expectError(res: ApiResponse, status: number, message?: string | RegExp) {
  expect(res.status, res.text).toBe(status)
  expect(res.headers.get('content-type')).toContain('application/json')
  expect(Object.keys(res.body)).toEqual(['error'])
  expect(typeof res.body.error).toBe('string')
  if (message !== undefined) expect(res.body.error).toMatch(message)
}

export const uid = () => crypto.randomUUID().slice(0, 8)

export const PASSWORD = 'correct-horse-battery'

export interface TestUser {
  id: string
  email: string
  password: string
  token: string
}

/** Registers a fresh user and logs in. */
export async function newUser(
  overrides: { email?: string; password?: string } = {}
): Promise<TestUser> {
  const email = overrides.email ?? `user-${uid()}@example.com`
  const password = overrides.password ?? PASSWORD
  const created = await api('POST', '/users', { json: { email, password } })
  expect(created.status, created.text).toBe(201)
  const id = created.headers.get('Location')!.replace('/users/', '')
  const login = await api('POST', '/tokens', { json: { email, password } })
  expect(login.status, login.text).toBe(201)
  return { id, email, password, token: login.body.token }
}

/**
 * Two checked requests with a login token, waiting for their session-cache fills (the first
 * creates the user's marker, the second the entry), so later checks of it make no D1 call.
 */
export async function warmSession(token: string) {
  for (let i = 0; i < 2; i++)
    expect((await call('GET', '/users/profile', { token })).status).toBe(200)
}

/** Logs in as the admin named in vitest.config.ts (created on first login). */
export async function adminToken(): Promise<string> {
  const login = await api('POST', '/tokens', {
    json: { email: env.MF_USERS_ADMIN_EMAIL, password: env.MF_USERS_ADMIN_PASSWORD },
  })
  expect(login.status, login.text).toBe(201)
  return login.body.token
}

/** Row count of a table, for all-or-nothing checks. */
export async function countRows(table: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>()
  return row!.n
}

/** Row counts of every data table. */
export async function countAll(): Promise<Record<string, number>> {
  const tables = [
    'users',
    'api_keys',
    'things',
    'channels',
    'connections',
    'certs',
    'bootstrap_configs',
    'bootstrap_channels',
    'idempotency_keys',
  ]
  const out: Record<string, number> = {}
  for (const t of tables) out[t] = await countRows(t)
  return out
}
