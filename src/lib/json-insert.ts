import { type Column, getTableColumns, sql, type SQL } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Db } from '../db/client'

/*
 * Multi-row inserts as `INSERT INTO t (every column) SELECT value->>0, value->>1, ... FROM
 * json_each(?)`: the whole array is ONE bound parameter, so a 1,000-row bulk is one statement
 * instead of 167 chunks of 6 columns under D1's 100-parameter cap. SQLite parses and plans it once,
 * and D1 carries one statement in the batch. Each row is a JSON array in the table's column order.
 *
 * Values survive the round trip exactly: text and integers are JSON strings and numbers (`->>`
 * returns them as TEXT and INTEGER), JSON-mode columns are stored as the same JSON text drizzle
 * would write (JSON.stringify, carried as a JSON string), and null stays NULL. Omitted values take
 * the column's default, as drizzle's own insert would.
 */

/**
 * D1 caps one string or BLOB value at 2 MB of UTF-8. A UTF-16 code unit is at most 3 bytes of
 * UTF-8 (a surrogate pair, 2 units, is 4), so 600,000 units stay under 1.8 MB whatever the text.
 */
const MAX_PARAM_CHARS = 600_000

type Row = Record<string, unknown>

function encode(column: Column, value: unknown): unknown {
  if (value === undefined) {
    if (column.defaultFn) value = column.defaultFn()
    else if (column.default !== undefined) value = column.default
    else return null
  }
  if (value === null) return null
  if (column.dataType === 'json') return JSON.stringify(value)
  // Only text, integer and JSON columns exist; another mode (boolean, timestamp) would need the
  // conversion drizzle applies, so refuse to store it unconverted.
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TypeError(`insertAll: no JSON encoding for a ${typeof value} in ${column.name}`)
  }
  return value
}

/** The rows as JSON arrays, split so that no statement binds more than 1.8 MB. */
function encodeChunks(columns: Column[], rows: readonly Row[]): string[] {
  const out: string[] = []
  let parts: string[] = []
  let size = 2
  for (const row of rows) {
    const part = JSON.stringify(columns.map((c) => encode(c, row[keyOf(c)])))
    if (parts.length > 0 && size + part.length + 1 > MAX_PARAM_CHARS) {
      out.push(`[${parts.join(',')}]`)
      parts = []
      size = 2
    }
    parts.push(part)
    size += part.length + 1
  }
  if (parts.length > 0) out.push(`[${parts.join(',')}]`)
  return out
}

const keys = new WeakMap<Column, string>()
const keyOf = (c: Column) => keys.get(c)!

function columnsOf(table: SQLiteTable): Column[] {
  const entries = Object.entries(getTableColumns(table))
  for (const [key, column] of entries) keys.set(column, key)
  return entries.map(([, column]) => column)
}

/** `value->>0, value->>1, ...` for the table's columns, in drizzle's insert column order. */
function selectList(count: number): SQL {
  return sql.raw(Array.from({ length: count }, (_, i) => `value->>${i}`).join(', '))
}

/**
 * Inserts `rows` into `table` as one statement per 600,000 characters of JSON (one for any bulk
 * request of ordinary size). Batch the statements with the rest of the write: the batch stays all or nothing. A
 * constraint violation fails the statement as a whole, exactly like a multi-row VALUES insert.
 */
export function insertAll<T extends SQLiteTable>(
  db: Db,
  table: T,
  rows: readonly T['$inferInsert'][]
) {
  const columns = columnsOf(table)
  return encodeChunks(columns, rows as readonly Row[]).map((json) =>
    db.insert(table).select(sql`SELECT ${selectList(columns.length)} FROM json_each(${json})`)
  )
}
