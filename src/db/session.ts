import { drizzle } from 'drizzle-orm/d1'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import type { Db } from './client'

/*
 * D1 read replication (the Sessions API) for the routes that may use it; docs/consistency.md has
 * the route table. A route opts in with defineRoute's `d1` (lib/openapi.ts); every other route has
 * no session and uses the plain binding, which always reaches the primary: access checks,
 * bootstrap fetches, broker hooks, credential checks, and everything that fills a KV cache.
 *
 * - `d1: 'read'` (listings, GET of the caller's own entities): `deps.read` is a D1 session, which
 *   may be served by a read replica. A request that sends a well-formed `x-d1-bookmark` starts
 *   there (any replica that has caught up to it); one that sends none, or a malformed one,
 *   starts with 'first-primary', so an unmodified Mainflux client that creates then reads at once
 *   sees its write.
 * - `d1: 'write'`: every statement runs on the primary as it did without sessions. A request that
 *   sends `x-d1-bookmark` (any value: the client keeps bookmarks) runs each statement as the first
 *   query of a 'first-primary' session (see `primaryWithBookmark`), so the answer carries a
 *   bookmark that covers the write; one that sends none uses the plain binding and gets none (its
 *   next read without a bookmark is first-primary, which sees the write). Sessions are skipped
 *   where nobody reads the bookmark: they cost about 14 % of a bulk connect's rate locally.
 *
 * Either way the response carries the newest bookmark the request's statements returned.
 */

/** D1's documented request and response header for a session bookmark. */
export const BOOKMARK_HEADER = 'x-d1-bookmark'

/** What a route declares; a route that declares nothing gets no session (the primary). */
export type RouteKind = 'read' | 'write'

/** How one request reaches D1. */
export type D1Mode =
  /** No session: the plain binding (always the primary), no bookmark in the answer. */
  | { mode: 'primary' }
  /**
   * Every statement on the primary, each as the first query of its own 'first-primary' session
   * (a write whose client sent a bookmark).
   */
  | { mode: 'primary+bookmark' }
  /** Reads: first query on the primary, the rest on any replica at least as new. */
  | { mode: 'first-primary' }
  /** Reads: any replica that has caught up to the client's bookmark. */
  | { mode: 'bookmark'; bookmark: string }

/** Longer header values are not bookmarks (D1's are about 60 characters). */
export const BOOKMARK_MAX_LENGTH = 128
/** D1's bookmarks are dash-separated hex groups, e.g. `0000002a-00000003-00004f23-<32 hex>`. */
const BOOKMARK_SHAPE = /^[0-9a-f]{1,64}(?:-[0-9a-f]{1,64}){1,7}$/i

/**
 * The bookmark a request header names, or undefined when it is absent or not a bookmark: too
 * long, not dash-separated hex (a session constraint such as `first-unconstrained` is not one),
 * or several values joined by a comma. Such a request is answered as if it had sent none
 * (first-primary), never refused: the primary is never behind a bookmark.
 */
export function parseBookmark(header: string | null | undefined): string | undefined {
  const value = header?.trim()
  if (!value || value.length > BOOKMARK_MAX_LENGTH || !BOOKMARK_SHAPE.test(value)) return undefined
  return value
}

/** Which mode a request gets: a pure function of the route's kind and its `x-d1-bookmark`. */
export function sessionMode(
  kind: RouteKind | undefined,
  header: string | null | undefined
): D1Mode {
  if (kind === undefined) return { mode: 'primary' }
  // A write goes to the primary whatever the client has seen; the primary is never behind it. Only
  // a client that keeps bookmarks (it sent the header) needs one back.
  if (kind === 'write') return header == null ? { mode: 'primary' } : { mode: 'primary+bookmark' }
  const bookmark = parseBookmark(header)
  return bookmark ? { mode: 'bookmark', bookmark } : { mode: 'first-primary' }
}

/** A drizzle over a session or the facade below. Db has no relational `db.query` API (schema-less). */
const drizzleOver = (client: object): Db =>
  drizzle(client as unknown as D1Database, { casing: 'snake_case' })

type Execute = 'first' | 'all' | 'run' | 'raw'

/** A statement of the facade: its SQL and values, run on a fresh session each time it executes. */
class PrimaryStatement {
  constructor(
    private readonly open: () => D1DatabaseSession,
    readonly sql: string,
    readonly params: unknown[]
  ) {}
  bind(...params: unknown[]) {
    return new PrimaryStatement(this.open, this.sql, params)
  }
  private exec(method: Execute, args: unknown[]): Promise<unknown> {
    const stmt = this.open()
      .prepare(this.sql)
      .bind(...this.params) as unknown as Record<Execute, (...a: unknown[]) => Promise<unknown>>
    return stmt[method](...args)
  }
  first(...args: unknown[]) {
    return this.exec('first', args)
  }
  all(...args: unknown[]) {
    return this.exec('all', args)
  }
  run(...args: unknown[]) {
    return this.exec('run', args)
  }
  raw(...args: unknown[]) {
    return this.exec('raw', args)
  }
}

/**
 * The primary, with bookmarks: a D1Database-shaped object (what drizzle calls: `prepare`, `bind`,
 * the four executions, `batch`) on which each execution and each batch is the first query of a
 * new 'first-primary' session, which D1 sends to the primary. So a write route's reads (the hooks'
 * reads before a write, which decide what to invalidate) are as fresh as on the plain binding,
 * and each session still returns a bookmark. No extra round trip.
 */
function primaryWithBookmark(d1: D1Database, opened: D1DatabaseSession[]) {
  const open = () => {
    const session = d1.withSession('first-primary')
    opened.push(session)
    return session
  }
  return {
    prepare: (sql: string) => new PrimaryStatement(open, sql, []),
    batch: (statements: (PrimaryStatement | D1PreparedStatement)[]) => {
      const session = open()
      return session.batch(
        statements.map((s) =>
          s instanceof PrimaryStatement ? session.prepare(s.sql).bind(...s.params) : s
        )
      )
    },
  }
}

/** The D1 access of one request on a route with a session (see the top of this file). */
export class RequestSession {
  /** Writes and primary reads; its statements' bookmarks count toward the answer's. */
  readonly db: Db
  /** Replica-eligible reads: the session on a read route, `db` on a write route. */
  readonly read: Db
  private readonly opened: D1DatabaseSession[] = []

  constructor(
    d1: D1Database,
    readonly mode: Exclude<D1Mode, { mode: 'primary' }>
  ) {
    this.db = drizzleOver(primaryWithBookmark(d1, this.opened))
    if (mode.mode === 'primary+bookmark') {
      this.read = this.db
    } else {
      const session = d1.withSession(mode.mode === 'bookmark' ? mode.bookmark : 'first-primary')
      this.opened.push(session)
      this.read = drizzleOver(session)
    }
  }

  /**
   * The newest bookmark any of the request's sessions holds (D1 orders them as strings, as
   * D1DatabaseSession does), or null when none ran a query (a bookmark session that ran none
   * holds the client's bookmark, which is returned as it is).
   */
  bookmark(): string | null {
    let newest: string | null = null
    for (const session of this.opened) {
      const b = session.getBookmark()
      if (b && (newest === null || newest.localeCompare(b) < 0)) newest = b
    }
    return newest
  }
}

/**
 * The route middleware of `d1: kind` (defineRoute puts it first): opens the request's session,
 * which `deps(c)` hands to services as `db` and `read`, and after the handler (errors included)
 * sets `x-d1-bookmark` on the answer when a statement returned one.
 */
export function d1Session(kind: RouteKind): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const mode = sessionMode(kind, c.req.header(BOOKMARK_HEADER))
    if (mode.mode === 'primary') return next()
    const session = new RequestSession(c.env.DB, mode)
    c.set('d1', session)
    await next()
    const bookmark = session.bookmark()
    if (!bookmark) return
    try {
      c.res.headers.set(BOOKMARK_HEADER, bookmark)
    } catch {
      // Immutable headers (a response passed through from fetch()): answer with a copy.
      c.res = new Response(c.res.body, c.res)
      c.res.headers.set(BOOKMARK_HEADER, bookmark)
    }
  }
}
