import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import { usage } from './errors'

/*
 * CSV input as the commands read it, with csv-parse: a header row naming the columns (any order,
 * case-insensitive, extra columns ignored), a UTF-8 BOM stripped, CRLF or LF, quoted fields with
 * commas, quotes and newlines, blank lines skipped. Anything wrong is refused before a request is
 * sent, as a usage error naming the line.
 */

export interface CsvRow {
  /** The row's line in the file (1 is the header). */
  line: number
  values: Record<string, string>
}

export function readCsv(path: string, required: string[], optional: string[] = []): CsvRow[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw usage(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
    }) as unknown as { record: string[]; info: { lines: number } }[]
  } catch (e) {
    const err = e as Error & { lines?: number }
    const where = err.lines ? ` (line ${err.lines})` : ''
    throw usage(`${path}: not valid CSV${where}: ${err.message}`)
  }
  const head = records.shift()
  if (!head) throw usage(`${path}: empty file (a header row is required: ${required.join(',')})`)
  const header = head.record.map((h) => h.trim().toLowerCase())
  const missing = required.filter((c) => !header.includes(c))
  if (missing.length > 0) {
    throw usage(
      `${path}: line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header must name ${required.join(',')})`
    )
  }
  const seen = new Set<string>()
  for (const h of header) {
    if ((required.includes(h) || optional.includes(h)) && seen.has(h))
      throw usage(`${path}: line 1: column ${h} appears twice`)
    seen.add(h)
  }
  const wanted = [...required, ...optional].filter((c) => header.includes(c))
  return records
    .filter((r) => r.record.some((v) => v.trim() !== ''))
    .map((r) => {
      const values: Record<string, string> = {}
      for (const c of wanted) values[c] = (r.record[header.indexOf(c)] ?? '').trim()
      return { line: r.info.lines, values }
    })
}
