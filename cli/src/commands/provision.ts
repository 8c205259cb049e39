import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type Command, Option } from 'commander'
import type { BootstrapConfigListItem, BootstrapConfigsPage, ProvisionResponse } from '../api'
import { ApiError, type Client, ConnectionError } from '../client'
import { clientFor } from '../context'
import { readCsv, type CsvRow } from '../csv'
import { CliError, EXIT, usage } from '../errors'
import {
  csvLine,
  privateDir,
  privateDirAsync,
  safeName,
  writePrivate,
  writePrivateAsync,
} from '../files'
import { Journal } from '../journal'
import { printJson } from '../output'
import { interruptible, runPool } from '../pool'
import { progress } from '../progress'

/*
 * `fluxgate provision --csv gateways.csv`: one `POST /mapping` per row.
 *
 * Re-runs repeat nothing. Each row carries an `Idempotency-Key` derived from the row (layout,
 * external id, external key, name), so a request repeated within the server's 24 h window gets
 * the stored first answer. Past that window the journal decides: before a row is sent its
 * "sent" record is on disk, after its answer and credential files are written its "done" record
 * is. A done row is skipped; a sent row is sent again with the same key, and a 409 for its
 * existing external id then means "ours, already there": its credentials are read back from its
 * bootstrap config. A 409 for a row the journal never sent is a failure (someone else's gateway),
 * and a row edited after it was provisioned is reported, not sent.
 */

interface Row {
  line: number
  external_id: string
  external_key: string
  name?: string
  hash: string
}

type MappingAnswer = ProvisionResponse
type ConfigItem = BootstrapConfigListItem

type Outcome = 'provisioned' | 'replayed' | 'recovered' | 'skipped' | 'failed' | 'changed'

interface Result {
  line: number
  external_id: string
  name?: string
  outcome: Outcome
  thing_id?: string
  error?: string
  status?: number
}

export function rowHash(
  layout: string,
  r: { external_id: string; external_key: string; name?: string }
): string {
  return createHash('sha256')
    .update(
      JSON.stringify(['fluxgate-provision-v1', layout, r.external_id, r.external_key, r.name ?? ''])
    )
    .digest('hex')
}

/** The row's Idempotency-Key: visible ASCII, the same for the same row and layout. */
export const idempotencyKey = (hash: string) => `fluxgate-provision-${hash.slice(0, 48)}`

export function loadRows(path: string, layout: string): Row[] {
  const rows = readCsv(path, ['external_id', 'external_key'], ['name'])
  if (rows.length === 0) throw usage(`${path}: no rows after the header`)
  const seen = new Map<string, number>()
  return rows.map((r: CsvRow) => {
    const { external_id, external_key } = r.values as Record<string, string>
    if (!external_id) throw usage(`${path}: line ${r.line}: external_id is empty`)
    if (!external_key) throw usage(`${path}: line ${r.line}: external_key is empty`)
    const first = seen.get(external_id!)
    if (first !== undefined) {
      throw usage(
        `${path}: line ${r.line}: duplicate external_id "${external_id}" (first on line ${first})`
      )
    }
    seen.set(external_id!, r.line)
    const name = r.values.name || undefined
    const row = { line: r.line, external_id: external_id!, external_key: external_key!, name }
    return { ...row, hash: rowHash(layout, row) }
  })
}

/** What the journal says about each external id: the hashes sent, and the hash done. */
function journalState(
  j: Journal
): Map<string, { sent: Set<string>; done?: { hash: string; thing_id?: string; name?: string } }> {
  const m = new Map<
    string,
    { sent: Set<string>; done?: { hash: string; thing_id?: string; name?: string } }
  >()
  for (const e of j.entries) {
    const id = e.external_id as string | undefined
    if (!id) continue
    let s = m.get(id)
    if (!s) m.set(id, (s = { sent: new Set() }))
    if (e.t === 'sent') s.sent.add(e.hash as string)
    if (e.t === 'done')
      s.done = { hash: e.hash as string, thing_id: e.thing_id as string, name: e.name as string }
  }
  return m
}

/**
 * The gateway's folder under `gateways/`: credentials.json (the whole answer: thing ids and keys,
 * channels), client.crt/client.key/ca.crt of the gateway, `<thing id>.crt/.key` of other things.
 */
async function writeCredentials(
  dir: string,
  row: Row,
  answer: MappingAnswer | undefined,
  config?: ConfigItem
): Promise<string | undefined> {
  const gdir = join(dir, 'gateways', safeName(row.external_id))
  const files: [name: string, content: string | undefined][] = []
  let gatewayId: string | undefined
  if (answer) {
    const gw =
      answer.things.find((t) => answer.whitelisted && t.id in answer.whitelisted) ??
      answer.things[0]
    gatewayId = gw?.id
    files.push([
      'credentials.json',
      `${JSON.stringify({ external_id: row.external_id, gateway_id: gatewayId, ...answer }, null, 2)}\n`,
    ])
    files.push(['client.crt', gatewayId ? answer.client_cert?.[gatewayId] : undefined])
    files.push(['client.key', gatewayId ? answer.client_key?.[gatewayId] : undefined])
    files.push(['ca.crt', answer.ca_cert])
    for (const [id, pem] of Object.entries(answer.client_cert ?? {})) {
      if (id === gatewayId) continue
      files.push([`${id}.crt`, pem], [`${id}.key`, answer.client_key?.[id]])
    }
  } else if (config) {
    gatewayId = config.mainflux_id
    const creds = {
      external_id: row.external_id,
      gateway_id: gatewayId,
      recovered_from_bootstrap_config: true,
      things: [{ id: config.mainflux_id, name: config.name, key: config.mainflux_key }],
    }
    files.push(['credentials.json', `${JSON.stringify(creds, null, 2)}\n`])
    files.push(
      ['client.crt', config.client_cert],
      ['client.key', config.client_key],
      ['ca.crt', config.ca_cert]
    )
  }
  await privateDirAsync(gdir)
  await Promise.all(
    files.filter(([, c]) => c).map(([name, c]) => writePrivateAsync(join(gdir, name), c!))
  )
  return gatewayId
}

async function findConfig(client: Client, externalId: string): Promise<ConfigItem | undefined> {
  const page = await client.get<BootstrapConfigsPage>('/things/configs', {
    query: { external_id: externalId, limit: 1 },
  })
  return page.configs.find((c) => c.external_id === externalId)
}

interface ProvisionOptions {
  csv: string
  layout?: string
  out: string
  concurrency: number
  dryRun?: boolean
  progress?: boolean
}

async function dryRun(
  client: Client,
  rows: Row[],
  opts: ProvisionOptions,
  json: boolean
): Promise<number> {
  const results: {
    line: number
    external_id: string
    ok: boolean
    error?: string
    plan?: unknown
  }[] = []
  const bar = progress(rows.length, 'dry run', { quiet: opts.progress === false })
  await runPool(rows, opts.concurrency, async (row) => {
    try {
      const plan = await client.post(
        '/mapping',
        { external_id: row.external_id, external_key: row.external_key, name: row.name },
        {
          query: { layout: opts.layout, dry_run: 'true' },
        }
      )
      results.push({ line: row.line, external_id: row.external_id, ok: true, plan })
    } catch (e) {
      if (e instanceof ConnectionError || (e instanceof ApiError && e.status === 401)) throw e
      results.push({
        line: row.line,
        external_id: row.external_id,
        ok: false,
        error: (e as Error).message,
      })
    }
    bar.tick()
  })
  bar.stop()
  results.sort((a, b) => a.line - b.line)
  const failed = results.filter((r) => !r.ok)
  if (json) printJson({ dry_run: true, rows: results.length, failed: failed.length, results })
  else {
    for (const f of failed) process.stdout.write(`line ${f.line} ${f.external_id}: ${f.error}\n`)
    process.stdout.write(
      `dry run: ${results.length - failed.length} of ${results.length} rows would be provisioned, ${failed.length} refused; nothing was written\n`
    )
  }
  return failed.length > 0 ? EXIT.failed : EXIT.ok
}

export async function provisionRun(cmd: Command, opts: ProvisionOptions): Promise<number> {
  const { client, g } = clientFor(cmd)
  if (!client.token)
    throw new CliError(`not logged in to ${g.url}: run \`fluxgate login EMAIL\``, EXIT.connection)
  const layout = opts.layout ?? ''
  const rows = loadRows(opts.csv, layout)
  if (opts.dryRun) return dryRun(client, rows, opts, g.json)

  const out = resolve(opts.out)
  privateDir(out)
  const journal = Journal.open(out, 'provision.journal', {
    t: 'header',
    kind: 'provision',
    url: g.url,
  })
  const state = journalState(journal)
  const results: Result[] = []
  const durable: Promise<void>[] = []
  let fatal: CliError | undefined
  const abort = new AbortController()
  const sig = interruptible(() => {})
  const bar = progress(rows.length, 'provision', { quiet: opts.progress === false })

  const one = async (row: Row) => {
    const st = state.get(row.external_id)
    const base = { line: row.line, external_id: row.external_id, name: row.name }
    if (st?.done) {
      if (st.done.hash === row.hash)
        return results.push({ ...base, outcome: 'skipped', thing_id: st.done.thing_id })
      return results.push({
        ...base,
        outcome: 'changed',
        thing_id: st.done.thing_id,
        error:
          'already provisioned by an earlier run with another external_key, name or layout; not sent again (remove the gateway first to provision it anew)',
      })
    }
    const oursBefore = st?.sent.has(row.hash) ?? false
    const sentOther = st ? [...st.sent].some((h) => h !== row.hash) : false
    // Written before the request (it survives the CLI being killed from here on), fsync'd with
    // its group while the request runs.
    durable.push(
      journal.append({
        t: 'sent',
        external_id: row.external_id,
        hash: row.hash,
        line: row.line,
        at: new Date().toISOString(),
      })
    )
    const res = await client.send<MappingAnswer>('POST', '/mapping', {
      query: { layout: opts.layout },
      headers: { 'idempotency-key': idempotencyKey(row.hash) },
      body: { external_id: row.external_id, external_key: row.external_key, name: row.name },
      accept: [400, 404, 409, 413, 422, 500, 502, 503],
      signal: abort.signal,
    })
    if (res.status === 201) {
      // The worker goes on with its next row at once: the credential files, then the row's
      // "done" line and its fsync, follow in the background; the run reports only after all.
      const replayed = res.headers.get('idempotent-replayed') === 'true'
      const answer = res.body
      durable.push(
        writeCredentials(out, row, answer).then((thingId) => {
          results.push({
            ...base,
            outcome: replayed ? 'replayed' : 'provisioned',
            thing_id: thingId,
          })
          return journal.append({
            t: 'done',
            external_id: row.external_id,
            hash: row.hash,
            thing_id: thingId,
            name: row.name,
          })
        })
      )
      return
    }
    const apiMsg = client.apiError(
      'POST',
      '/mapping',
      res.status,
      typeof res.body === 'string' ? res.body : JSON.stringify(res.body)
    ).apiMessage
    if (res.status === 409 && /external_id/.test(apiMsg) && (oursBefore || sentOther)) {
      if (!oursBefore) {
        return results.push({
          ...base,
          outcome: 'changed',
          status: 409,
          error:
            'an earlier run sent this external_id with another external_key, name or layout and it landed; not sent again',
        })
      }
      // Ours, sent before and its answer lost (past the 24 h window): read it back.
      const cfg = await findConfig(client, row.external_id)
      if (cfg) {
        const thingId = await writeCredentials(out, row, undefined, cfg)
        await journal.append({
          t: 'done',
          external_id: row.external_id,
          hash: row.hash,
          thing_id: thingId,
          name: row.name,
          recovered: true,
        })
        return results.push({ ...base, outcome: 'recovered', thing_id: thingId })
      }
    }
    return results.push({ ...base, outcome: 'failed', status: res.status, error: apiMsg })
  }

  try {
    await runPool(
      rows,
      opts.concurrency,
      async (row) => {
        try {
          await one(row)
        } catch (e) {
          if (
            e instanceof ConnectionError ||
            (e instanceof ApiError && e.exitCode === EXIT.connection)
          ) {
            fatal ??= e
            abort.abort()
          } else if (!abort.signal.aborted) {
            results.push({
              line: row.line,
              external_id: row.external_id,
              name: row.name,
              outcome: 'failed',
              error: (e as Error).message,
            })
          }
        }
        bar.tick()
      },
      () => sig.interrupted() || fatal !== undefined
    )
  } finally {
    bar.stop()
    sig.dispose()
    await Promise.all(durable)
    await journal.close()
  }

  writeReports(out, journal.path, results)
  results.sort((a, b) => a.line - b.line)
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length
  const summary = {
    rows: rows.length,
    provisioned: count('provisioned') + count('replayed'),
    replayed: count('replayed'),
    recovered: count('recovered'),
    already_done: count('skipped'),
    changed: count('changed'),
    failed: count('failed'),
    not_run: rows.length - results.length,
    out,
  }
  const problems = results.filter((r) => r.outcome === 'failed' || r.outcome === 'changed')
  if (g.json) printJson({ ...summary, problems })
  else {
    for (const p of problems)
      process.stdout.write(`line ${p.line} ${p.external_id}: ${p.outcome}: ${p.error}\n`)
    process.stdout.write(
      `provisioned ${summary.provisioned}${summary.replayed ? ` (${summary.replayed} answered from the server's idempotency store)` : ''}, recovered ${summary.recovered}, already done ${summary.already_done}, ` +
        `changed ${summary.changed}, failed ${summary.failed}` +
        (summary.not_run ? `, not run ${summary.not_run}` : '') +
        ` (of ${summary.rows}); credentials and summary.csv in ${out}\n`
    )
  }
  if (fatal) throw fatal
  if (sig.interrupted()) {
    process.stderr.write('fluxgate: interrupted; run the same command again to continue\n')
    return 130
  }
  return problems.length > 0 ? EXIT.failed : EXIT.ok
}

/** summary.csv (every done row in the journal) and failed.csv (this run's problems). */
function writeReports(out: string, journalPath: string, results: Result[]): void {
  const j = journalStateFromFile(journalPath)
  let summary = csvLine(['external_id', 'name', 'gateway_thing_id', 'credentials_dir', 'recovered'])
  for (const [id, s] of j) {
    if (!s.done) continue
    summary += csvLine([
      id,
      s.done.name ?? '',
      s.done.thing_id ?? '',
      join('gateways', safeName(id)),
      s.done.recovered ? 'yes' : '',
    ])
  }
  writePrivate(join(out, 'summary.csv'), summary)
  const problems = results
    .filter((r) => r.outcome === 'failed' || r.outcome === 'changed')
    .sort((a, b) => a.line - b.line)
  let failed = csvLine(['line', 'external_id', 'outcome', 'status', 'error'])
  for (const p of problems)
    failed += csvLine([p.line, p.external_id, p.outcome, p.status ?? '', p.error ?? ''])
  writePrivate(join(out, 'failed.csv'), failed)
}

function journalStateFromFile(path: string) {
  const m = new Map<string, { done?: { name?: string; thing_id?: string; recovered?: boolean } }>()
  const text = readFileSync(path, 'utf8')
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      const e = JSON.parse(line) as Record<string, unknown>
      if (e.t === 'done')
        m.set(e.external_id as string, {
          done: e as { name?: string; thing_id?: string; recovered?: boolean },
        })
    } catch {
      // torn line
    }
  }
  return m
}

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw usage(`${name} must be an integer from 1 to 256`)
  return n
}

export function register(program: Command): void {
  program
    .command('provision')
    .description(
      'provision gateways from a CSV (external_id,external_key,name): one POST /mapping per row, safely re-runnable'
    )
    .requiredOption('--csv <file>', 'CSV with a header row: external_id,external_key[,name]')
    .option('--layout <name>', 'provision layout (server default when absent)')
    .option(
      '--out <dir>',
      'output folder: journal, credentials, summary.csv, failed.csv',
      'fluxgate-provision'
    )
    .addOption(
      new Option('--concurrency <n>', 'requests in flight')
        .default(8)
        .argParser(positiveInt('--concurrency'))
    )
    .option('--dry-run', "validate every row with the API's dry run; writes nothing")
    .option('--no-progress', 'no progress bar or progress lines')
    .addHelpText(
      'after',
      '\nExit codes: 0 all rows done, 1 some failed (see failed.csv), 2 bad input, 3 connection/auth, 130 interrupted.'
    )
    .action(async (opts: ProvisionOptions, cmd: Command) => {
      process.exitCode = await provisionRun(cmd, opts)
    })
}
