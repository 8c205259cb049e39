// What a scenario's seed(ctx) gets: the Worker's own API for realistic data, and direct D1 access
// for volumes the API would take minutes to create.
import { randomUUID } from 'node:crypto'

export const PASSWORD = 'correct-horse-battery'

/** D1's limit on one SQL statement is 100,000 bytes; stay well under it. */
const MAX_STATEMENT_BYTES = 90_000
/** Statements per D1 batch call from Node. */
const STATEMENTS_PER_BATCH = 20

/** A distinct address of 10.0.0.0/8 for each n (seeding and load requests). */
export const clientIp = (n) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`

/** Seeding uses 10.255.0.0/16, away from the addresses scenarios give their load requests. */
let seq = 0xffffff - 0xffff

export function makeContext({ appUrl, d1, kv, bindings }) {
  /**
   * A request to the app; `json` is sent as an application/json body. Seeding stands for many
   * clients: each request gets its own CF-Connecting-IP unless `headers` names one, so the
   * per-address caps (README: Security) never join a scenario's setup requests.
   */
  async function api(method, path, { token, json, headers = {} } = {}) {
    const h = new Headers(headers)
    if (!h.has('cf-connecting-ip')) h.set('cf-connecting-ip', clientIp(seq++))
    if (token) h.set('authorization', `Bearer ${token}`)
    let body
    if (json !== undefined) {
      body = JSON.stringify(json)
      h.set('content-type', 'application/json')
    }
    const res = await fetch(new URL(path, appUrl), { method, headers: h, body })
    const text = await res.text()
    let parsed = text
    if (text && res.headers.get('content-type')?.includes('application/json'))
      parsed = JSON.parse(text)
    return { status: res.status, headers: res.headers, body: parsed, text }
  }

  /** `api()` that throws unless the status is `status` (seeding must not silently fail). */
  async function call(status, method, path, opts) {
    const res = await api(method, path, opts)
    if (res.status !== status) {
      throw new Error(
        `seed: ${method} ${path} answered ${res.status}, expected ${status}: ${res.text}`
      )
    }
    return res
  }

  /** A login token for an existing account. */
  async function login(email, password = PASSWORD) {
    return (await call(201, 'POST', '/tokens', { json: { email, password } })).body.token
  }

  /** Registers a fresh user through POST /users and logs in: `{ id, email, password, token }`. */
  async function newUser({
    email = `bench-${uid()}@example.com`,
    password = PASSWORD,
    metadata,
  } = {}) {
    const res = await call(201, 'POST', '/users', { json: { email, password, metadata } })
    const id = res.headers.get('location').split('/').pop()
    return { id, email, password, token: await login(email, password) }
  }

  /** An API key (POST /keys type 2) for a login token: `{ id, value, ... }`. */
  async function apiKey(token, { duration = 0 } = {}) {
    return (await call(201, 'POST', '/keys', { token, json: { type: 2, duration } })).body
  }

  /**
   * Inserts rows straight into a D1 table, bypassing the API: for 10,000s of rows. Keys are SQL
   * column names (snake_case, those of the first row); objects and arrays are stored as JSON text,
   * booleans as 0/1. Values are written as SQL literals, not bound parameters: from Node every
   * prepare() and bind() is a round trip into workerd, and D1 allows only 100 parameters per
   * statement, which made 100,000 rows take most of a minute instead of about a second.
   * Returns the number of rows inserted.
   */
  async function insertRows(table, rows) {
    if (rows.length === 0) return 0
    const columns = Object.keys(rows[0])
    const head = `INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES `
    let statements = []
    const flush = async () => {
      if (statements.length) await d1.batch(statements.map((sql) => d1.prepare(sql)))
      statements = []
    }
    let tuples = []
    let bytes = head.length
    for (const row of rows) {
      const tuple = `(${columns.map((c) => literal(row[c])).join(', ')})`
      const size = Buffer.byteLength(tuple) + 2
      if (tuples.length && bytes + size > MAX_STATEMENT_BYTES) {
        statements.push(head + tuples.join(', '))
        tuples = []
        bytes = head.length
        if (statements.length >= STATEMENTS_PER_BATCH) await flush()
      }
      tuples.push(tuple)
      bytes += size
    }
    statements.push(head + tuples.join(', '))
    await flush()
    return rows.length
  }

  return {
    url: appUrl,
    api,
    call,
    login,
    newUser,
    apiKey,
    insertRows,
    d1,
    kv,
    bindings,
    uid,
    clientIp,
  }
}

const ident = (name) => `"${name.replaceAll('"', '""')}"`

/** A JavaScript value as an SQLite literal. */
function literal(value) {
  if (value === undefined || value === null) return 'NULL'
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error(`cannot store ${value}`)
    return String(value)
  }
  if (value instanceof Uint8Array) return `X'${Buffer.from(value).toString('hex')}'`
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return `'${text.replaceAll("'", "''")}'`
}

/** A short unique string for names and e-mails. */
export function uid() {
  return randomUUID().slice(0, 8)
}
