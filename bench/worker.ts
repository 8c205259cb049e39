// Bench-only Worker entry: the real app (as src/index.ts builds it) with its D1 binding wrapped in a
// counter, so bench/run.mjs can tell how many D1 round trips one request makes. Never deployed.
// @peculiar/x509 relies on decorator metadata: load the polyfill before anything imports it.
import 'reflect-metadata'
import { createApp } from '../src/app'
export { BrokerSessions } from '../src/sessions/queue'
export { Throttle } from '../src/throttle/object'
import type { Bindings } from '../src/env'
import * as bootstrapRepo from '../src/bootstrap/repo'
import * as connectionsRepo from '../src/connections/repo'
import { createDb } from '../src/db/client'
import { addressKey } from '../src/lib/address'
import { newEpoch } from '../src/lib/kv'

/**
 * Cumulative since the last reset. `round_trips` counts calls that reach D1 (one per statement
 * execution, one per `batch`, one per `exec`); `statements` counts the SQL statements they carried.
 * `rows_read` / `rows_written` sum what D1 reports per query (`meta.rows_read`, `meta.rows_written`:
 * what D1 bills). They are metered only after a reset with `?rows=1` (the bench's sequential
 * sample), because `raw()` (drizzle's path for selects and RETURNING) drops D1's meta: a read-only
 * statement run through `raw()` or `first()` is then run once more with `all()` for its meta (not
 * counted as a round trip), and a write through `raw()` counts its returned rows as rows written
 * (a lower bound: D1 also counts index rows) and is counted in `approximate`.
 */
const counts = { round_trips: 0, statements: 0, rows_read: 0, rows_written: 0, approximate: 0 }
let metering = false

type Meta = { rows_read?: number; rows_written?: number }
function addMeta(meta: Meta | undefined) {
  counts.rows_read += meta?.rows_read ?? 0
  counts.rows_written += meta?.rows_written ?? 0
}

const READ_ONLY = /^\s*(select|with)\b/i
const WRITES = /\b(insert|update|delete|replace)\b/i
const isReadOnly = (sql: string) => READ_ONLY.test(sql) && !WRITES.test(sql)

/** Every wrapper remembers the real object, because D1's own methods want the real thing back. */
const unwrapped = new WeakMap<object, object>()

const EXECUTE = new Set(['first', 'all', 'run', 'raw'])

function countingStatement(stmt: D1PreparedStatement): D1PreparedStatement {
  const wrapper = new Proxy(stmt, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      if (prop === 'bind') {
        return (...args: unknown[]) => countingStatement(value.apply(target, args))
      }
      if (typeof prop === 'string' && EXECUTE.has(prop)) {
        return async (...args: unknown[]) => {
          counts.round_trips++
          counts.statements++
          const result = await value.apply(target, args)
          if (metering) await meter(target, prop, result)
          return result
        }
      }
      return value.bind(target)
    },
  })
  unwrapped.set(wrapper, stmt)
  return wrapper
}

async function meter(stmt: D1PreparedStatement, method: string, result: unknown) {
  if (method === 'run' || method === 'all') return addMeta((result as D1Result).meta)
  const sql = (stmt as unknown as { statement?: string }).statement ?? ''
  if (isReadOnly(sql)) return addMeta((await stmt.all()).meta)
  counts.approximate++
  if (Array.isArray(result)) counts.rows_written += result.length
  else if (result !== null && result !== undefined) counts.rows_written += 1
}

function countingD1<T extends D1Database | D1DatabaseSession>(db: T): T {
  const wrapper = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      switch (prop) {
        case 'prepare':
          return (sql: string) => countingStatement(value.call(target, sql))
        case 'batch':
          return (stmts: D1PreparedStatement[]) => {
            counts.round_trips++
            counts.statements += stmts.length
            const real = stmts.map((s) => (unwrapped.get(s) ?? s) as D1PreparedStatement)
            const results = value.call(target, real) as Promise<D1Result[]>
            return metering
              ? results.then((rs) => {
                  for (const r of rs) addMeta(r.meta)
                  return rs
                })
              : results
          }
        case 'exec':
          return (sql: string) => {
            counts.round_trips++
            counts.statements++
            if (metering) counts.approximate++
            return value.call(target, sql)
          }
        case 'withSession':
          return (...args: unknown[]) => countingD1(value.apply(target, args))
        default:
          return value.bind(target)
      }
    },
  })
  unwrapped.set(wrapper, db)
  return wrapper
}

const app = createApp()

/*
 * Reference rows of the two cache misses (README: Benchmarks): the endpoint's storage calls and
 * nothing else. The KV names come with the request (?k=, computed by bench/lib/keys.mjs); the D1
 * statements are the app's own SQL, rendered once by its repositories and bound per request.
 */

/** A statement's SQL and a binder that puts this request's values where the sentinels were. */
function template(
  build: (
    db: ReturnType<typeof createDb>,
    ...values: string[]
  ) => { toSQL(): { sql: string; params: unknown[] } },
  names: string[]
) {
  const sentinels = names.map((n) => `\u0000bench-${n}`)
  const { sql, params } = build(createDb({} as D1Database), ...sentinels).toSQL()
  return {
    sql,
    bind: (values: Record<string, unknown>) =>
      params.map((p) => {
        const i = sentinels.indexOf(p as string)
        return i < 0 ? p : values[names[i]!]
      }),
  }
}

const accessByKeySql = template(
  (db, key, chan) => connectionsRepo.accessByKey(db, key!, chan!),
  ['key', 'chan']
)
const bootstrapSql = (() => {
  const parts = (db: ReturnType<typeof createDb>, id: string) =>
    bootstrapRepo.retrieveByExternalId(db, id)
  return [
    template((db, id) => parts(db, id!)[0]!, ['id']),
    template((db, id) => parts(db, id!)[1]!, ['id']),
    template(
      (db, id, hash, at) =>
        bootstrapRepo.recordSuccessIfKey(db, id!, hash!, at as unknown as number),
      ['id', 'hash', 'at']
    ),
  ]
})()

async function reference(url: URL, env: Bindings, ctx: ExecutionContext): Promise<Response> {
  const q = url.searchParams
  const names = q.getAll('k')
  const got = await env.CACHE.get(names)
  const ttl = { expirationTtl: 300 }
  if (url.pathname === '/__bench/ref/access-by-key-miss') {
    // The miss's D1 query; its fill (after the answer): the key's marker (the first of a key's
    // two misses, as in the scenario; the second writes the connected entry instead).
    const values = { key: q.get('key'), chan: q.get('chan') }
    const row = await env.DB.prepare(accessByKeySql.sql)
      .bind(...accessByKeySql.bind(values))
      .first<{ id: string }>()
    const [km] = names
    ctx.waitUntil(env.CACHE.put(km!, newEpoch(), ttl))
    return new Response(row ? '1' : '0')
  }
  if (url.pathname === '/__bench/ref/bootstrap-miss') {
    // The miss's one batch (config, channels, success record); its fill: the marker when it is
    // missing, else the answer entry (a value of the same size as the app's).
    const values = { id: q.get('id'), hash: q.get('hash'), at: Date.now() }
    const results = await env.DB.batch(
      bootstrapSql.map((t) => env.DB.prepare(t.sql).bind(...t.bind(values)))
    )
    const row = results[0]!.results[0]
    const [entry, marker] = names
    ctx.waitUntil(
      got.get(marker!) === null
        ? env.CACHE.put(marker!, newEpoch(), ttl)
        : env.CACHE.put(entry!, 'x'.repeat(Number(q.get('size') ?? 1)), ttl)
    )
    return new Response(row ? '1' : '0')
  }
  return new Response('unknown reference', { status: 404 })
}

// One wrapped env per real env object: config (src/lib/config.ts) and drizzle (src/db/client.ts) are
// cached per object, so a fresh copy per request would measure re-parsing instead of the app.
const wrappedEnvs = new WeakMap<object, Bindings>()
function withCountingD1(env: Bindings): Bindings {
  let wrapped = wrappedEnvs.get(env)
  if (!wrapped) {
    wrapped = { ...env, DB: countingD1(env.DB) }
    wrappedEnvs.set(env, wrapped)
  }
  return wrapped
}

export default {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext) {
    const { pathname } = new URL(request.url)
    if (pathname === '/__bench/d1' && request.method === 'GET') return Response.json(counts)
    // The client address the app sees for the load's requests (they send no CF-Connecting-IP).
    if (pathname === '/__bench/address') {
      return new Response(addressKey(request.headers.get('cf-connecting-ip')))
    }
    if (pathname.startsWith('/__bench/ref/'))
      return reference(new URL(request.url), withCountingD1(env), ctx)
    if (pathname === '/__bench/d1/reset' && request.method === 'POST') {
      for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] = 0
      metering = new URL(request.url).searchParams.get('rows') === '1'
      return Response.json(counts)
    }
    return app.fetch(request, withCountingD1(env), ctx)
  },
} satisfies ExportedHandler<Bindings>
