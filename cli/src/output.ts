/*
 * Output: `--json` prints the API's JSON (or the command's result) as is; otherwise a readable
 * table with a header row, or `key: value` lines for one object. Data goes to stdout, notes and
 * errors to stderr.
 */

export interface Column<T> {
  header: string
  value: (row: T) => unknown
}

export function cell(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** Rows as an aligned text table (no trailing spaces). */
export function table<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r)).replace(/[\r\n\t]+/g, ' ')))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)))
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n') + '\n'
}

/** One object as `key: value` lines. */
export function record(obj: Record<string, unknown>): string {
  const keys = Object.keys(obj)
  const w = Math.max(0, ...keys.map((k) => k.length))
  return keys.map((k) => `${`${k}:`.padEnd(w + 1)} ${cell(obj[k])}`.trimEnd()).join('\n') + '\n'
}

export interface OutputOptions {
  json?: boolean
}

export function printJson(data: unknown): void {
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`)
}

/** `--json`: the data as JSON; otherwise the table of `rows` (and a total line when given). */
export function printList<T>(
  opts: OutputOptions,
  data: unknown,
  rows: T[],
  columns: Column<T>[],
  footer?: string
): void {
  if (opts.json) return printJson(data)
  if (rows.length === 0) process.stdout.write('(none)\n')
  else process.stdout.write(table(rows, columns))
  if (footer) process.stdout.write(`${footer}\n`)
}

export function printRecord(
  opts: OutputOptions,
  data: unknown,
  shown?: Record<string, unknown>
): void {
  if (opts.json) return printJson(data)
  process.stdout.write(record(shown ?? (data as Record<string, unknown>)))
}

/** A human-readable line (suppressed under --json, where only the JSON goes to stdout). */
export function say(opts: OutputOptions, line: string): void {
  if (!opts.json) process.stdout.write(`${line}\n`)
}

export const note = (line: string) => process.stderr.write(`${line}\n`)
