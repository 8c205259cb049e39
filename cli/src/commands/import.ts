import { SingleBar } from 'cli-progress'
import type { Command } from 'commander'
import pg from 'pg'
import type { components, paths } from '../../../docs/openapi'
import { ApiError, type Client } from '../client'
import { clientFor } from '../context'
import { CliError, EXIT, usage } from '../errors'
import { note, printJson, table } from '../output'

/*
 * `fluxgate import mainflux`: reads a running Mainflux 0.12.1 deployment's PostgreSQL databases
 * (users, things, bootstrap and optionally certs) and sends them, table by table, to the admin-only
 * import API in chunks. A chunk is written whole or not at all; rows refused by the server are
 * reported and the rest of their chunk is sent again without them. Re-running imports nothing
 * twice: rows already there come back as "already present".
 */

const KINDS = [
  'users',
  'things',
  'channels',
  'connections',
  'configs',
  'certs',
] as const satisfies readonly Kind[]

/** The server's per-request cap, and a byte budget under its 1 MiB body limit. */
const CHUNK_ROWS = 200
const CHUNK_BYTES = 900_000

// The import API's answers, typed from the OpenAPI snapshot of the Worker (docs/openapi.d.ts).
type Schemas = components['schemas']
type RowResult = Schemas['ImportRowResult']
type ChunkAnswer = Schemas['ImportResult'] & Partial<Pick<Schemas['ImportRefused'], 'error'>>
type Kind = keyof {
  [P in keyof paths as P extends `/import/mainflux/${infer K}` ? K : never]: true
}

interface Refusal {
  kind: Kind
  id: string
  reason: string
}

interface Tally {
  imported: number
  present: number
  refused: number
}

export interface ImportReport {
  counts: Record<Kind, Tally>
  refused: Refusal[]
  not_movable: { what: string; reason: string }[]
  seconds: number
}

interface Source {
  users: string
  things: string
  bootstrap: string
  certs?: string
}

type Row = Record<string, unknown>

async function query<T extends Row>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
  } catch (e) {
    throw new CliError(
      `cannot connect to PostgreSQL ${redact(url)}: ${(e as Error).message}`,
      EXIT.connection
    )
  }
  try {
    return (await client.query<T>(sql)).rows
  } catch (e) {
    throw new CliError(`reading ${redact(url)} failed: ${(e as Error).message}`, EXIT.failed)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** A database URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.href
  } catch {
    return '(database URL)'
  }
}

const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Row) : null)

/** Reads everything to move; rows that cannot be sent (orphans, case duplicates) are refused here. */
async function readSource(src: Source, refuse: (r: Refusal) => void) {
  const users = await query<{ id: string; email: string; password: string; metadata: unknown }>(
    src.users,
    'SELECT id::text AS id, email, password, metadata FROM users ORDER BY id'
  )
  const byEmail = new Map<string, string>()
  const ids = new Set<string>()
  for (const u of users) {
    byEmail.set(u.email, u.id)
    ids.add(u.id)
  }
  // 0.12.1 kept e-mails case-sensitive; Fluxgate does not. Accounts differing only in case are
  // reported and neither is sent (nothing is merged silently).
  const byLower = new Map<string, typeof users>()
  for (const u of users)
    byLower.set(u.email.toLowerCase(), [...(byLower.get(u.email.toLowerCase()) ?? []), u])
  const sendUsers: Row[] = []
  for (const u of users) {
    const group = byLower.get(u.email.toLowerCase())!
    if (group.length > 1) {
      const others = group.filter((o) => o.id !== u.id).map((o) => `${o.id} (${o.email})`)
      refuse({
        kind: 'users',
        id: `${u.id} (${u.email})`,
        reason: `e-mail differs only in case from ${others.join(', ')}; Fluxgate e-mails are case-insensitive, so neither is imported: merge or rename them in 0.12.1 first`,
      })
      continue
    }
    sendUsers.push({
      id: u.id,
      email: u.email,
      password: u.password.trim(),
      metadata: obj(u.metadata),
    })
  }
  const owner = (kind: Kind, id: string, email: string): string | undefined => {
    const o = byEmail.get(email) ?? (ids.has(email) ? email : undefined)
    if (o === undefined)
      refuse({ kind, id, reason: `owner ${email} has no account in the users database` })
    return o
  }

  const things = await query<{
    id: string
    owner: string
    key: string
    name: string | null
    metadata: unknown
  }>(src.things, 'SELECT id::text AS id, owner, key, name, metadata FROM things ORDER BY id')
  const channels = await query<{
    id: string
    owner: string
    name: string | null
    metadata: unknown
  }>(src.things, 'SELECT id::text AS id, owner, name, metadata FROM channels ORDER BY id')
  const conns = await query<{
    channel_id: string
    channel_owner: string
    thing_id: string
    thing_owner: string
  }>(
    src.things,
    'SELECT channel_id::text AS channel_id, channel_owner, thing_id::text AS thing_id, thing_owner FROM connections ORDER BY thing_id, channel_id'
  )
  const configs = await query<Row>(
    src.bootstrap,
    `SELECT mainflux_thing, owner, name, external_id, external_key, content, client_cert, client_key,
       ca_cert, state FROM configs ORDER BY mainflux_thing`
  )
  const cfgChannels = await query<{ config_id: string; channel_id: string }>(
    src.bootstrap,
    'SELECT config_id, channel_id FROM connections ORDER BY config_id, channel_id'
  )
  const certs = src.certs
    ? await query<{ thing_id: string; owner_id: string; expire: Date; serial: string }>(
        src.certs,
        'SELECT thing_id, owner_id, expire, serial FROM certs ORDER BY serial'
      )
    : []

  const out: Record<Kind, Row[]> = {
    users: sendUsers,
    things: [],
    channels: [],
    connections: [],
    configs: [],
    certs: [],
  }
  for (const t of things) {
    const o = owner('things', t.id, t.owner)
    if (o)
      out.things.push({
        id: t.id,
        owner_id: o,
        key: t.key,
        name: t.name,
        metadata: obj(t.metadata),
      })
  }
  for (const c of channels) {
    const o = owner('channels', c.id, c.owner)
    if (o) out.channels.push({ id: c.id, owner_id: o, name: c.name, metadata: obj(c.metadata) })
  }
  for (const c of conns) {
    const id = `${c.channel_id}:${c.thing_id}`
    if (c.channel_owner !== c.thing_owner) {
      refuse({ kind: 'connections', id, reason: 'thing and channel have different owners' })
      continue
    }
    const o = owner('connections', id, c.thing_owner)
    if (o) out.connections.push({ channel_id: c.channel_id, thing_id: c.thing_id, owner_id: o })
  }
  const chansOf = new Map<string, string[]>()
  for (const l of cfgChannels)
    chansOf.set(l.config_id, [...(chansOf.get(l.config_id) ?? []), l.channel_id])
  for (const c of configs) {
    const id = String(c.mainflux_thing)
    const o = owner('configs', id, String(c.owner))
    if (!o) continue
    out.configs.push({
      thing_id: id,
      owner_id: o,
      external_id: c.external_id,
      external_key: c.external_key,
      name: c.name,
      content: c.content,
      client_cert: c.client_cert,
      client_key: c.client_key,
      ca_cert: c.ca_cert,
      state: Number(c.state) === 1 ? 1 : 0,
      channels: chansOf.get(id) ?? [],
    })
  }
  for (const c of certs) {
    const o = owner('certs', c.serial, c.owner_id)
    if (!o) continue
    // 0.12.1 deletes a certificate's row when it revokes it, so every row left is live.
    out.certs.push({
      serial: c.serial,
      thing_id: c.thing_id,
      owner_id: o,
      expires_at: new Date(c.expire).toISOString(),
      revoked_at: null,
    })
  }
  return out
}

/** Splits rows into chunks of at most CHUNK_ROWS rows and about CHUNK_BYTES of JSON. */
function chunked(rows: Row[]): Row[][] {
  const out: Row[][] = []
  let cur: Row[] = []
  let bytes = 0
  for (const r of rows) {
    const n = JSON.stringify(r).length + 1
    if (cur.length > 0 && (cur.length >= CHUNK_ROWS || bytes + n > CHUNK_BYTES)) {
      out.push(cur)
      cur = []
      bytes = 0
    }
    cur.push(r)
    bytes += n
  }
  if (cur.length > 0) out.push(cur)
  return out
}

/**
 * Sends one chunk. A 409 names the refused rows (nothing was written); the others are sent again
 * on their own, so one bad row never holds back its neighbours.
 */
async function sendChunk(
  client: Client,
  kind: Kind,
  rows: Row[],
  tally: Tally,
  refuse: (r: Refusal) => void
) {
  let pending = rows
  while (pending.length > 0) {
    const res = await client.send<ChunkAnswer>('POST', `/import/mainflux/${kind}`, {
      body: { rows: pending },
      accept: [409],
    })
    const answer = res.body
    if (res.status === 200) {
      tally.imported += answer.imported
      tally.present += answer.present
      return
    }
    const again: Row[] = []
    for (const r of answer.results) {
      if (r.status === 'refused') {
        tally.refused++
        refuse({ kind, id: r.id, reason: r.reason ?? 'refused' })
      } else if (r.status === 'present') tally.present++
      else again.push(pending[r.index]!)
    }
    pending = again
  }
}

/** Progress per table on stderr (also with --json, whose stdout is the report alone). */
function progress(kind: Kind, total: number) {
  if (!process.stderr.isTTY) {
    note(`${kind}: ${total} rows`)
    return {
      tick: (_n: number) => undefined,
      stop: () => undefined,
    }
  }
  const bar = new SingleBar({
    format: `${kind.padEnd(11)} [{bar}] {value}/{total}`,
    stream: process.stderr,
    hideCursor: true,
  })
  bar.start(total, 0)
  return { tick: (n: number) => bar.increment(n), stop: () => bar.stop() }
}

export async function runImport(client: Client, src: Source): Promise<ImportReport> {
  const started = Date.now()
  const refused: Refusal[] = []
  const counts = Object.fromEntries(
    KINDS.map((k) => [k, { imported: 0, present: 0, refused: 0 }])
  ) as Record<Kind, Tally>
  const rows = await readSource(src, (r) => {
    counts[r.kind].refused++
    refused.push(r)
  })
  for (const kind of KINDS) {
    if (kind === 'certs' && !src.certs) continue
    const bar = progress(kind, rows[kind].length)
    try {
      for (const chunk of chunked(rows[kind])) {
        await sendChunk(client, kind, chunk, counts[kind], (r) => refused.push(r))
        bar.tick(chunk.length)
      }
    } finally {
      bar.stop()
    }
    if (!process.stderr.isTTY) {
      const t = counts[kind]
      note(`${kind}: ${t.imported} imported, ${t.present} already present, ${t.refused} refused`)
    }
  }
  return {
    counts,
    refused,
    not_movable: [
      {
        what: 'API keys',
        reason:
          '0.12.1 stores no key secret (only its id), so a key cannot be re-created: each user mints new keys (POST /keys) after logging in',
      },
    ],
    seconds: (Date.now() - started) / 1000,
  }
}

function printReport(report: ImportReport) {
  const rows = KINDS.map((k) => ({ kind: k, ...report.counts[k] }))
  process.stdout.write(
    table(rows, [
      { header: 'table', value: (r) => r.kind },
      { header: 'imported', value: (r) => r.imported },
      { header: 'already present', value: (r) => r.present },
      { header: 'refused', value: (r) => r.refused },
    ])
  )
  if (report.refused.length > 0) {
    process.stdout.write('\nRefused:\n')
    process.stdout.write(
      table(report.refused, [
        { header: 'table', value: (r) => r.kind },
        { header: 'row', value: (r) => r.id },
        { header: 'reason', value: (r) => r.reason },
      ])
    )
  }
  process.stdout.write('\nNot movable:\n')
  for (const n of report.not_movable) process.stdout.write(`  ${n.what}: ${n.reason}\n`)
  process.stdout.write(`\nDone in ${report.seconds.toFixed(1)} s.\n`)
}

export function register(program: Command): void {
  const imp = program
    .command('import')
    .description('move data from another deployment into Fluxgate')
  imp
    .command('mainflux')
    .description(
      'copy a running Mainflux 0.12.1 deployment (its PostgreSQL databases) into Fluxgate; admin login required; safe to re-run'
    )
    .requiredOption('--users-db <url>', 'PostgreSQL URL of the users database')
    .requiredOption('--things-db <url>', 'PostgreSQL URL of the things database')
    .requiredOption('--bootstrap-db <url>', 'PostgreSQL URL of the bootstrap database')
    .option('--certs-db <url>', 'PostgreSQL URL of the certs database (certificate inventory)')
    .action(
      async (
        opts: { usersDb: string; thingsDb: string; bootstrapDb: string; certsDb?: string },
        cmd: Command
      ) => {
        const { client, g } = clientFor(cmd)
        for (const [flag, v] of Object.entries({
          '--users-db': opts.usersDb,
          '--things-db': opts.thingsDb,
          '--bootstrap-db': opts.bootstrapDb,
          '--certs-db': opts.certsDb,
        })) {
          if (v !== undefined && !/^postgres(ql)?:\/\//.test(v))
            throw usage(`${flag} must be a postgres:// URL`)
        }
        let report: ImportReport
        try {
          report = await runImport(client, {
            users: opts.usersDb,
            things: opts.thingsDb,
            bootstrap: opts.bootstrapDb,
            certs: opts.certsDb,
          })
        } catch (e) {
          if (e instanceof ApiError && e.status === 403) {
            throw new CliError(
              `${e.message} (log in as the admin account: MF_USERS_ADMIN_EMAIL)`,
              EXIT.connection
            )
          }
          throw e
        }
        if (g.json) printJson(report)
        else printReport(report)
        if (report.refused.length > 0) process.exitCode = EXIT.failed
      }
    )
}
