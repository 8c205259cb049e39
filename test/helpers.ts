import { env, exports } from 'cloudflare:workers'
import { expect } from 'vitest'

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

/** One request through the Worker's own fetch handler (real middleware, D1 and KV). */
export async function api<T = any>(method: string, path: string, opts: ApiOptions = {}): Promise<ApiResponse<T>> {
  const headers = new Headers(opts.headers)
  if (opts.token) headers.set('Authorization', `Bearer ${opts.token}`)
  if (opts.auth !== undefined) headers.set('Authorization', opts.auth)
  let body = opts.body
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json)
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json')
  }
  const res = await exports.default.fetch(`http://fluxgate.test${path}`, { method, headers, body })
  const text = await res.text()
  let parsed: unknown = text
  if (text && res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text)
  return { status: res.status, headers: res.headers, body: parsed as T, text }
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
export async function newUser(overrides: { email?: string; password?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? `user-${uid()}@example.com`
  const password = overrides.password ?? PASSWORD
  const created = await api('POST', '/users', { json: { email, password } })
  expect(created.status, created.text).toBe(201)
  const id = created.headers.get('Location')!.replace('/users/', '')
  const login = await api('POST', '/tokens', { json: { email, password } })
  expect(login.status, login.text).toBe(201)
  return { id, email, password, token: login.body.token }
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
