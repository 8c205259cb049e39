import { z } from '@hono/zod-openapi'
import { type SQL, sql } from 'drizzle-orm'
import { AppError } from './errors'

/**
 * Nodes (keys and values, array elements and empty containers included) per filter: keeps a
 * statement under D1's 100-parameter cap and its SQL small.
 */
const MAX_FILTER_PARAMS = 40
/** Levels of nested objects and arrays: each array or unusual key is a correlated subquery, and
 * SQLite refuses expression trees deeper than 100. */
const MAX_DEPTH = 5

/**
 * Postgres `jsonb @>` containment, compiled to SQLite JSON functions so filtering runs in D1:
 * objects match as subsets (recursively), arrays match when every filter element is contained in
 * some element (order and duplicates ignored), scalars match by value and JSON type (`"1"` is not
 * `1`). Object keys and scalars are bound parameters, never spliced into SQL. Rows whose metadata is
 * NULL never match. An empty filter object matches every row with an object (0.12.1 skips the
 * filter then; callers drop empty filters before calling this).
 * @throws AppError('malformed_entity') when the filter is too large or too deep.
 */
export function metadataContains(
  column: SQL | SQL.Aliased | unknown,
  filter: Record<string, unknown>
): SQL {
  const state = { params: 0, alias: 0 }
  return objectContains(sql`${column}`, filter, state, 0)
}

interface State {
  params: number
  alias: number
}

function bump(state: State) {
  if (++state.params > MAX_FILTER_PARAMS) {
    throw new AppError(
      'malformed_entity',
      `metadata filter too large (at most ${MAX_FILTER_PARAMS} keys and values in all)`
    )
  }
}

function objectContains(
  expr: SQL,
  filter: Record<string, unknown>,
  state: State,
  depth: number
): SQL {
  if (depth > MAX_DEPTH) throw new AppError('malformed_entity', 'metadata filter nested too deeply')
  const parts: SQL[] = [sql`json_type(${expr}) = 'object'`]
  for (const [key, value] of Object.entries(filter)) {
    bump(state)
    const direct = directMatch(expr, key, value, state, depth + 1)
    if (direct) {
      parts.push(direct)
      continue
    }
    const j = sql.raw(`j${state.alias++}`)
    parts.push(
      sql`EXISTS (SELECT 1 FROM json_each(${expr}) AS ${j} WHERE ${j}.key = ${key} AND ${elementMatches(j, value, state, depth + 1)})`
    )
  }
  return andAll(parts)
}

/**
 * `a AND b AND c ...` as a balanced tree: SQLite parses a flat chain left-deep, one level per
 * term, and refuses expression trees deeper than 100; balanced, 40 terms take 6 levels.
 */
function andAll(parts: SQL[]): SQL {
  if (parts.length === 1) return parts[0]!
  const mid = Math.ceil(parts.length / 2)
  return sql`(${andAll(parts.slice(0, mid))} AND ${andAll(parts.slice(mid))})`
}

/** Keys that can be written into a JSON path literal as they are (no quotes, no escapes). */
const PLAIN_KEY = /^[A-Za-z0-9_-]{1,64}$/

/**
 * The common case, a plain key holding a scalar or an object, through `json_type`/`json_extract`
 * with a path literal: several times cheaper per row than a json_each scan. Returns undefined for
 * other keys and for arrays, which take the general json_each form.
 */
function directMatch(
  expr: SQL,
  key: string,
  value: unknown,
  state: State,
  depth: number
): SQL | undefined {
  if (!PLAIN_KEY.test(key) || Array.isArray(value)) return undefined
  bump(state)
  // Safe as raw SQL: PLAIN_KEY admits no quote of either kind.
  const path = sql.raw(`'$."${key}"'`)
  const type = sql`json_type(${expr}, ${path})`
  if (value === null) return sql`${type} = 'null'`
  if (value === true) return sql`${type} = 'true'`
  if (value === false) return sql`${type} = 'false'`
  if (typeof value === 'string') {
    return sql`(${type} = 'text' AND json_extract(${expr}, ${path}) = ${value})`
  }
  if (typeof value === 'number') {
    return sql`(${type} IN ('integer', 'real') AND json_extract(${expr}, ${path}) = ${value})`
  }
  if (typeof value === 'object') {
    // CASE, not AND: SQLite does not promise to skip the inner test, and json_each or json_type on
    // a plain string (what json_extract returns for a text value) is an error, not false.
    const inner = objectContains(
      sql`json_extract(${expr}, ${path})`,
      value as Record<string, unknown>,
      state,
      depth
    )
    return sql`(CASE WHEN ${type} = 'object' THEN (${inner}) ELSE 0 END)`
  }
  return undefined
}

/** Whether the json_each row `j` (its type/atom/value columns) contains the filter value. */
function elementMatches(j: SQL, value: unknown, state: State, depth: number): SQL {
  if (depth > MAX_DEPTH) throw new AppError('malformed_entity', 'metadata filter nested too deeply')
  bump(state)
  if (value === null) return sql`${j}.type = 'null'`
  if (value === true) return sql`${j}.type = 'true'`
  if (value === false) return sql`${j}.type = 'false'`
  if (typeof value === 'string') {
    return sql`(${j}.type = 'text' AND ${j}.atom = ${value})`
  }
  if (typeof value === 'number') {
    return sql`(${j}.type IN ('integer', 'real') AND ${j}.atom = ${value})`
  }
  // CASE guards the inner tests: json_each over a text value is an error, not false.
  if (Array.isArray(value)) {
    const parts: SQL[] = [sql`1`]
    for (const element of value) {
      const k = sql.raw(`j${state.alias++}`)
      parts.push(
        sql`EXISTS (SELECT 1 FROM json_each(${j}.value) AS ${k} WHERE ${elementMatches(k, element, state, depth + 1)})`
      )
    }
    return sql`(CASE WHEN ${j}.type = 'array' THEN (${andAll(parts)}) ELSE 0 END)`
  }
  if (typeof value === 'object') {
    const inner = objectContains(sql`${j}.value`, value as Record<string, unknown>, state, depth)
    return sql`(CASE WHEN ${j}.type = 'object' THEN (${inner}) ELSE 0 END)`
  }
  throw new AppError('malformed_entity', 'metadata filter holds an unsupported value')
}

/**
 * Metadata nests at most this deep when stored. SQLite's JSON functions refuse documents nested
 * more than 1,000 levels, so one deeply nested row would make every filtered list that reaches it
 * fail; nothing legitimate comes close to 32.
 */
export const STORED_METADATA_DEPTH = 32

/** Whether `value` nests no deeper than `limit` (objects and arrays), without recursion. */
export function withinDepth(value: unknown, limit = STORED_METADATA_DEPTH): boolean {
  let level: unknown[] = [value]
  for (let depth = 0; level.length > 0; depth++) {
    const next: unknown[] = []
    for (const v of level) {
      if (v && typeof v === 'object') next.push(...(Array.isArray(v) ? v : Object.values(v)))
    }
    if (next.length > 0 && depth + 1 > limit) return false
    level = next
  }
  return true
}

/**
 * Stored metadata (things, channels, users, configs, provision layouts): a JSON object nesting at
 * most STORED_METADATA_DEPTH levels.
 */
export const metadataObject = z
  .record(z.string(), z.unknown(), { error: 'metadata must be a JSON object' })
  .refine((m) => withinDepth(m), `metadata may nest at most ${STORED_METADATA_DEPTH} levels`)
  .openapi({ type: 'object', example: { type: 'sensor' } })
