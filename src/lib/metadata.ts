import { type SQL, sql } from 'drizzle-orm'
import { AppError } from './errors'

/** Scalars bound as parameters per filter; keeps a statement under D1's 100-parameter cap. */
const MAX_FILTER_PARAMS = 40
const MAX_DEPTH = 8

/**
 * Postgres `jsonb @>` containment, compiled to SQLite JSON functions so filtering runs in D1:
 * objects match as subsets (recursively), arrays match when every filter element is contained in
 * some element (order and duplicates ignored), scalars match by value and JSON type (`"1"` is not
 * `1`). Object keys and scalars are bound parameters, never spliced into SQL. Rows whose metadata is
 * NULL never match. An empty filter object matches every row with an object (0.12.1 skips the
 * filter then; callers drop empty filters before calling this).
 * @throws AppError('malformed_entity') when the filter is too large or too deep.
 */
export function metadataContains(column: SQL | SQL.Aliased | unknown, filter: Record<string, unknown>): SQL {
  const state = { params: 0, alias: 0 }
  return objectContains(sql`${column}`, filter, state, 0)
}

interface State {
  params: number
  alias: number
}

function bump(state: State) {
  if (++state.params > MAX_FILTER_PARAMS) {
    throw new AppError('malformed_entity', `metadata filter too large (at most ${MAX_FILTER_PARAMS} keys and values)`)
  }
}

function objectContains(expr: SQL, filter: Record<string, unknown>, state: State, depth: number): SQL {
  if (depth > MAX_DEPTH) throw new AppError('malformed_entity', 'metadata filter nested too deeply')
  const parts: SQL[] = [sql`json_type(${expr}) = 'object'`]
  for (const [key, value] of Object.entries(filter)) {
    bump(state)
    const j = sql.raw(`j${state.alias++}`)
    parts.push(
      sql`EXISTS (SELECT 1 FROM json_each(${expr}) AS ${j} WHERE ${j}.key = ${key} AND ${elementMatches(j, value, state, depth + 1)})`,
    )
  }
  return sql.join(parts, sql` AND `)
}

/** Whether the json_each row `j` (its type/atom/value columns) contains the filter value. */
function elementMatches(j: SQL, value: unknown, state: State, depth: number): SQL {
  if (depth > MAX_DEPTH) throw new AppError('malformed_entity', 'metadata filter nested too deeply')
  if (value === null) return sql`${j}.type = 'null'`
  if (value === true) return sql`${j}.type = 'true'`
  if (value === false) return sql`${j}.type = 'false'`
  if (typeof value === 'string') {
    bump(state)
    return sql`(${j}.type = 'text' AND ${j}.atom = ${value})`
  }
  if (typeof value === 'number') {
    bump(state)
    return sql`(${j}.type IN ('integer', 'real') AND ${j}.atom = ${value})`
  }
  if (Array.isArray(value)) {
    const parts: SQL[] = [sql`${j}.type = 'array'`]
    for (const element of value) {
      const k = sql.raw(`j${state.alias++}`)
      parts.push(
        sql`EXISTS (SELECT 1 FROM json_each(${j}.value) AS ${k} WHERE ${elementMatches(k, element, state, depth + 1)})`,
      )
    }
    return sql`(${sql.join(parts, sql` AND `)})`
  }
  if (typeof value === 'object') {
    return sql`(${j}.type = 'object' AND ${objectContains(sql`${j}.value`, value as Record<string, unknown>, state, depth)})`
  }
  throw new AppError('malformed_entity', 'metadata filter holds an unsupported value')
}
