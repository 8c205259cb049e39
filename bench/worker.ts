// Bench-only Worker entry: the real app (as src/index.ts builds it) with its D1 binding wrapped in a
// counter, so bench/run.mjs can tell how many D1 round trips one request makes. Never deployed.
// @peculiar/x509 relies on decorator metadata: load the polyfill before anything imports it.
import 'reflect-metadata'
import { createApp } from '../src/app'
export { BrokerSessions } from '../src/sessions/queue'
export { Throttle } from '../src/throttle/object'
import type { Bindings } from '../src/env'

/**
 * Cumulative since the last reset. `round_trips` counts calls that reach D1 (one per statement
 * execution, one per `batch`, one per `exec`); `statements` counts the SQL statements they carried.
 */
const counts = { round_trips: 0, statements: 0 }

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
        return (...args: unknown[]) => {
          counts.round_trips++
          counts.statements++
          return value.apply(target, args)
        }
      }
      return value.bind(target)
    },
  })
  unwrapped.set(wrapper, stmt)
  return wrapper
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
            return value.call(target, real)
          }
        case 'exec':
          return (sql: string) => {
            counts.round_trips++
            counts.statements++
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
    if (pathname === '/__bench/d1/reset' && request.method === 'POST') {
      counts.round_trips = 0
      counts.statements = 0
      return Response.json(counts)
    }
    return app.fetch(request, withCountingD1(env), ctx)
  },
} satisfies ExportedHandler<Bindings>
