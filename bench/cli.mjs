// `node bench/cli.mjs [--rows 1000] [--concurrency 8]`: how fast `fluxgate provision` gets through
// a CSV of gateways compared with autocannon sending the same requests (POST /mapping, the same
// headers: a token and one Idempotency-Key per mapping) with the same concurrency against the same
// server, the Worker in workerd. Prints both rates and the ratio (the CLI must reach >= 0.8).
//
// RATE_MAPPING (120 mappings a minute per client address in wrangler.toml) is lifted for the run:
// both clients come from one loopback address, so the cap would measure itself.
// The CLI is timed as an operator sees it: process start to exit, journal fsyncs and credential
// files included. Needs `npm run build:cli` first.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { bootFluxgate } from '../cli/test/server.mjs'

const require = createRequire(import.meta.url)
const autocannon = require('autocannon')
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
  },
})
const rows = Number(values.rows)
const concurrency = Number(values.concurrency)
const log = (m) => process.stderr.write(`bench-cli: ${m}\n`)

async function account(url, email) {
  const password = 'bench password 1'
  const headers = { 'content-type': 'application/json' }
  let r = await fetch(`${url}/users`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email, password }),
  })
  if (r.status !== 201) throw new Error(`signup ${r.status}`)
  r = await fetch(`${url}/tokens`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email, password }),
  })
  return (await r.json()).token
}

const body = (prefix, i) => ({
  external_id: `${prefix}-${i}`,
  external_key: `key-${prefix}-${i}`,
  name: `gateway ${i}`,
})
const idemKey = (b) =>
  `bench-${createHash('sha256').update(JSON.stringify(b)).digest('hex').slice(0, 48)}`

async function runAutocannon(url, token, prefix, amount) {
  let i = 0
  const statuses = {}
  const t0 = performance.now()
  const result = await autocannon({
    url: `${url}/mapping`,
    connections: concurrency,
    amount,
    method: 'POST',
    requests: [
      {
        setupRequest: (req) => {
          const b = body(prefix, i++)
          return {
            ...req,
            method: 'POST',
            path: '/mapping',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              'idempotency-key': idemKey(b),
            },
            body: JSON.stringify(b),
          }
        },
      },
    ],
    setupClient: (client) =>
      client.on('response', (status) => (statuses[status] = (statuses[status] ?? 0) + 1)),
  })
  const seconds = (performance.now() - t0) / 1000
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(
      `autocannon: non-2xx ${result.non2xx}, errors ${result.errors}: ${JSON.stringify(statuses)}`
    )
  return { seconds, rate: amount / seconds }
}

async function runCli(url, token, prefix, amount, dir) {
  let csv = 'external_id,external_key,name\n'
  for (let i = 0; i < amount; i++) {
    const b = body(prefix, i)
    csv += `${b.external_id},${b.external_key},${b.name}\n`
  }
  const file = join(dir, `${prefix}.csv`)
  writeFileSync(file, csv)
  const t0 = performance.now()
  const out = await new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'cli', 'dist', 'fluxgate.mjs'),
        'provision',
        '--csv',
        file,
        '--out',
        join(dir, `${prefix}-out`),
        '--concurrency',
        String(concurrency),
        '--no-progress',
        '--json',
      ],
      {
        env: { ...process.env, FLUXGATE_URL: url, FLUXGATE_TOKEN: token, XDG_CONFIG_HOME: dir },
        stdio: ['ignore', 'pipe', 'inherit'],
      }
    )
    let s = ''
    child.stdout.on('data', (d) => (s += d))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(s))
        : reject(new Error(`fluxgate provision exited ${code}: ${s}`))
    )
  })
  const seconds = (performance.now() - t0) / 1000
  if (out.provisioned !== amount)
    throw new Error(`the CLI provisioned ${out.provisioned} of ${amount}`)
  return { seconds, rate: amount / seconds }
}

const dir = mkdtempSync(join(tmpdir(), 'fluxgate-bench-cli-'))
log('building and starting the Worker (RATE_MAPPING lifted)')
const fg = await bootFluxgate(root)
try {
  const tokenA = await account(fg.url, 'bench-autocannon@example.com')
  const tokenC = await account(fg.url, 'bench-cli@example.com')
  log('warm-up: 50 mappings each way')
  await runAutocannon(fg.url, tokenA, 'warm-a', 50)
  await runCli(fg.url, tokenC, 'warm-c', 50, dir)
  // A-B-B-A: autocannon, CLI, CLI, autocannon, half the rows each time, so whatever drifts during
  // the run (tables growing, other load on the machine) weighs on both alike.
  const half = [Math.ceil(rows / 2), Math.floor(rows / 2)]
  const sum = (xs) => ({ seconds: xs.reduce((t, x) => t + x.seconds, 0) })
  log(`autocannon: ${half[0]} mappings, ${concurrency} connections`)
  const a1 = await runAutocannon(fg.url, tokenA, 'ac1', half[0])
  log(`fluxgate provision: ${half[0]} rows, --concurrency ${concurrency}`)
  const c1 = await runCli(fg.url, tokenC, 'cli1', half[0], dir)
  log(`fluxgate provision: ${half[1]} rows, --concurrency ${concurrency}`)
  const c2 = await runCli(fg.url, tokenC, 'cli2', half[1], dir)
  log(`autocannon: ${half[1]} mappings, ${concurrency} connections`)
  const a2 = await runAutocannon(fg.url, tokenA, 'ac2', half[1])
  const a = sum([a1, a2])
  a.rate = rows / a.seconds
  const c = sum([c1, c2])
  c.rate = rows / c.seconds
  log(
    `rates: autocannon ${a1.rate.toFixed(1)}, ${a2.rate.toFixed(1)}/s; cli ${c1.rate.toFixed(1)}, ${c2.rate.toFixed(1)}/s`
  )
  const ratio = c.rate / a.rate
  const report = {
    rows,
    concurrency,
    autocannon: { seconds: +a.seconds.toFixed(2), per_second: +a.rate.toFixed(1) },
    cli: { seconds: +c.seconds.toFixed(2), per_second: +c.rate.toFixed(1) },
    ratio: +ratio.toFixed(3),
    target: 0.8,
    ok: ratio >= 0.8,
  }
  console.log(JSON.stringify(report, null, 2))
  console.log(
    `fluxgate provision reaches ${(ratio * 100).toFixed(1)}% of autocannon (${report.cli.per_second}/s vs ${report.autocannon.per_second}/s)`
  )
  process.exitCode = report.ok ? 0 : 1
} finally {
  await fg.stop()
  rmSync(dir, { recursive: true, force: true })
}
