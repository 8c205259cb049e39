import { createHash, randomUUID } from 'node:crypto'
import { join, resolve } from 'node:path'
import { type Command, Option } from 'commander'
import { nonNegativeInt } from '../args'
import type { Thing, ThingsPage, Things } from '../api'
import type { Client } from '../client'
import { clientFor } from '../context'
import { readCsv } from '../csv'
import { CliError, EXIT, usage } from '../errors'
import { csvLine, privateDir, writePrivate } from '../files'
import { Journal } from '../journal'
import { printJson } from '../output'
import { interruptible } from '../pool'
import { progress } from '../progress'
import { entityGroup } from './entities'

/*
 * `fluxgate things import --csv things.csv` (columns name,metadata; metadata a JSON object or
 * empty) through `POST /things/bulk` in chunks. Bulk creation has no Idempotency-Key, so the
 * journal makes re-runs safe: every thing gets a random key chosen by the CLI, and a chunk is
 * recorded with its exact body (keys included) before it is sent, and its answer (ids) after.
 * A chunk recorded but not answered (crash, Ctrl-C, lost answer) is sent again with the same
 * keys: bulk creation is all or nothing and thing keys are unique, so if it had landed the server
 * answers 409, and the chunk is then reconciled by listing the things by name and matching the
 * keys; if it had not landed, it is created now. Either way nothing is created twice.
 */

interface ImportThing {
  row: string
  line: number
  name: string
  key: string
  metadata?: Record<string, unknown>
}

function loadThings(
  path: string
): { row: string; line: number; name: string; metadata?: Record<string, unknown> }[] {
  const rows = readCsv(path, ['name', 'metadata'])
  if (rows.length === 0) throw usage(`${path}: no rows after the header`)
  const occurrences = new Map<string, number>()
  return rows.map((r) => {
    const name = r.values.name ?? ''
    const raw = r.values.metadata ?? ''
    let metadata: Record<string, unknown> | undefined
    if (raw !== '') {
      let v: unknown
      try {
        v = JSON.parse(raw)
      } catch {
        throw usage(`${path}: line ${r.line}: metadata is not valid JSON`)
      }
      if (!v || typeof v !== 'object' || Array.isArray(v))
        throw usage(`${path}: line ${r.line}: metadata must be a JSON object`)
      metadata = v as Record<string, unknown>
    }
    // A row is known by its content and how many identical rows came before it, so a re-run of
    // the same (or a reordered) file finds its rows in the journal.
    const content = JSON.stringify([name, raw])
    const n = (occurrences.get(content) ?? 0) + 1
    occurrences.set(content, n)
    const row = createHash('sha256').update(`${content}#${n}`).digest('hex').slice(0, 32)
    return { row, line: r.line, name, metadata }
  })
}

/** Every thing of the caller named `name`, page by page, until `want` keys are all found. */
async function findByKeys(client: Client, things: ImportThing[]): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  const byName = new Map<string, Set<string>>()
  for (const t of things) {
    let s = byName.get(t.name)
    if (!s) byName.set(t.name, (s = new Set()))
    s.add(t.key)
  }
  for (const [name, keys] of byName) {
    for (let offset = 0; ; offset += 100) {
      const page = await client.get<ThingsPage>('/things', {
        query: { name: name || undefined, offset, limit: 100 },
      })
      for (const t of page.things) if (keys.has(t.key)) found.set(t.key, t.id)
      if ([...keys].every((k) => found.has(k)) || offset + 100 >= page.total) break
    }
  }
  return found
}

interface ImportOptions {
  csv: string
  out: string
  chunkSize: number
  progress?: boolean
}

async function importThings(cmd: Command, opts: ImportOptions): Promise<number> {
  const { client, g } = clientFor(cmd)
  if (!client.token)
    throw new CliError(`not logged in to ${g.url}: run \`fluxgate login EMAIL\``, EXIT.connection)
  const rows = loadThings(opts.csv)
  const out = resolve(opts.out)
  privateDir(out)
  const journal = Journal.open(out, 'things-import.journal', {
    t: 'header',
    kind: 'things-import',
    url: g.url,
  })

  const landed = new Map<string, { id: string; key: string; name: string }>()
  const pending = new Map<number, ImportThing[]>()
  let nextChunk = 0
  for (const e of journal.entries) {
    if (e.t === 'chunk') {
      pending.set(e.n as number, e.things as ImportThing[])
      nextChunk = Math.max(nextChunk, (e.n as number) + 1)
    }
    if (e.t === 'landed') {
      const things = pending.get(e.n as number) ?? []
      const ids = e.ids as string[]
      things.forEach((t, i) => landed.set(t.row, { id: ids[i]!, key: t.key, name: t.name }))
      pending.delete(e.n as number)
    }
  }
  const inChunk = new Set([...pending.values()].flat().map((t) => t.row))
  const fresh = rows.filter((r) => !landed.has(r.row) && !inChunk.has(r.row))
  const already = rows.filter((r) => landed.has(r.row)).length
  const chunks: [number, ImportThing[], boolean][] = [...pending.entries()].map(([n, t]) => [
    n,
    t,
    true,
  ])
  for (let i = 0; i < fresh.length; i += opts.chunkSize) {
    const things = fresh.slice(i, i + opts.chunkSize).map((r) => ({ ...r, key: randomUUID() }))
    chunks.push([nextChunk++, things, false])
  }
  const total = chunks.reduce((s, [, t]) => s + t.length, 0)
  const bar = progress(total, 'things import', { quiet: opts.progress === false })
  const sig = interruptible(() => {})
  const failures: { chunk: number; lines: string; error: string }[] = []
  let created = 0
  let reconciled = 0
  try {
    for (const [n, things, resend] of chunks) {
      if (sig.interrupted()) break
      if (!resend) await journal.append({ t: 'chunk', n, things, at: new Date().toISOString() })
      const body = things.map((t) => ({ name: t.name, key: t.key, metadata: t.metadata }))
      const res = await client.send<Things>('POST', '/things/bulk', {
        body,
        accept: [400, 409, 413],
      })
      const lines = `${things[0]!.line}-${things.at(-1)!.line}`
      if (res.status === 201) {
        const ids = res.body.things.map((t) => t.id)
        await journal.append({ t: 'landed', n, ids })
        things.forEach((t, i) => landed.set(t.row, { id: ids[i]!, key: t.key, name: t.name }))
        created += things.length
      } else if (res.status === 409 && resend) {
        // Sent before and perhaps landed: the keys say whether it did.
        const found = await findByKeys(client, things)
        if (found.size === things.length) {
          const ids = things.map((t) => found.get(t.key)!)
          await journal.append({ t: 'landed', n, ids, reconciled: true })
          things.forEach((t, i) => landed.set(t.row, { id: ids[i]!, key: t.key, name: t.name }))
          reconciled += things.length
        } else {
          failures.push({
            chunk: n,
            lines,
            error: `409 and ${found.size} of ${things.length} of its things found; not resolved`,
          })
        }
      } else {
        const msg = client.apiError(
          'POST',
          '/things/bulk',
          res.status,
          JSON.stringify(res.body)
        ).apiMessage
        failures.push({ chunk: n, lines, error: `${res.status}: ${msg}` })
      }
      bar.tick(things.length)
    }
  } finally {
    bar.stop()
    sig.dispose()
    await journal.close()
  }
  let csv = csvLine(['name', 'id', 'key'])
  for (const r of rows) {
    const l = landed.get(r.row)
    if (l) csv += csvLine([r.name, l.id, l.key])
  }
  writePrivate(join(out, 'things.csv'), csv)
  const summary = {
    rows: rows.length,
    created,
    reconciled,
    already_done: already,
    failed_chunks: failures.length,
    out,
  }
  if (g.json) printJson({ ...summary, failures })
  else {
    for (const f of failures)
      process.stdout.write(`chunk ${f.chunk} (lines ${f.lines}): ${f.error}\n`)
    process.stdout.write(
      `created ${created}, reconciled ${reconciled}, already done ${already}, failed chunks ${failures.length} (of ${rows.length} rows); ids and keys in ${join(out, 'things.csv')}\n`
    )
  }
  if (sig.interrupted()) return 130
  return failures.length > 0 ? EXIT.failed : EXIT.ok
}

export function register(program: Command): void {
  const group = entityGroup(program, 'things')
  group
    .command('import')
    .description(
      'create things from a CSV (name,metadata) through POST /things/bulk, safely re-runnable'
    )
    .requiredOption(
      '--csv <file>',
      'CSV with a header row: name,metadata (metadata a JSON object or empty)'
    )
    .option(
      '--out <dir>',
      'folder for the journal and things.csv (ids and keys)',
      'fluxgate-things-import'
    )
    .addOption(
      new Option('--chunk-size <n>', 'things per bulk request (1-1000)')
        .default(100)
        .argParser((v) => {
          const n = nonNegativeInt('--chunk-size')(v)
          if (n < 1 || n > 1000) throw usage('--chunk-size must be from 1 to 1000')
          return n
        })
    )
    .option('--no-progress', 'no progress output')
    .action(async (o: ImportOptions, cmd: Command) => {
      process.exitCode = await importThings(cmd, o)
    })
}
