#!/usr/bin/env node
// `npm run bench`: builds bench/worker.ts, runs it and a hello-world Worker in workerd, drives every
// scenario in bench/scenarios/*.mjs with autocannon on loopback, writes bench/results.json and
// prints a table. See the README's "Benchmarks" section.
import { readdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { makeContext } from './lib/context.mjs'
import { countD1, drive, requestSource, send, settle } from './lib/load.mjs'
import { calibrate, connectInspector, cpuPerRequest } from './lib/profile.mjs'
import { buildWorker, runtimeVersions, startRuntime } from './lib/runtime.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const env = process.env

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: env.BENCH_DURATION ?? '5' },
    warmup: { type: 'string', default: env.BENCH_WARMUP ?? '2' },
    connections: { type: 'string', default: env.BENCH_CONNECTIONS ?? '10' },
    'd1-samples': { type: 'string', default: env.BENCH_D1_SAMPLES ?? '20' },
    only: { type: 'string', default: env.BENCH_ONLY ?? '' },
    quick: { type: 'boolean', default: env.BENCH_QUICK === '1' },
    'skip-build': { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench', 'results.json') },
    list: { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: env.BENCH_CPU === '1' },
    scale: { type: 'boolean', default: false },
    'scale-sizes': {
      type: 'string',
      default: env.BENCH_SCALE_SIZES ?? '1000,10000,100000,1000000',
    },
    'cpu-samples': { type: 'string', default: env.BENCH_CPU_SAMPLES ?? '40' },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (flags.help) {
  console.log(`npm run bench [-- options]

  --duration S      measured seconds per endpoint (BENCH_DURATION, default 5)
  --warmup S        warm-up seconds before each measurement (BENCH_WARMUP, default 2)
  --connections N   concurrent connections (BENCH_CONNECTIONS, default 10)
  --d1-samples N    sequential requests used to count D1 round trips (BENCH_D1_SAMPLES, default 20)
  --only A,B        only scenarios whose name contains A or B, case-insensitive (BENCH_ONLY)
  --quick           1 s warm-up, 2 s measured, 5 D1 samples: checks the harness, not the app
  --skip-build      reuse bench/.build from the previous run
  --out FILE        where to write the results (default bench/results.json)
  --cpu             also measure CPU ms per request of the Fluxgate isolate (V8 CPU profiles over
                    workerd's inspector; README: Benchmarks) (BENCH_CPU=1)
  --cpu-samples N   sequential requests per CPU profile (BENCH_CPU_SAMPLES, default 40)
  --scale           instead of the scenarios: grow one owner to 1k/10k/100k/1M things through the
                    API and measure at each size (minutes; writes bench/scale.json; README: Scale)
  --scale-sizes L   the sizes for --scale (BENCH_SCALE_SIZES, default 1000,10000,100000,1000000)
  --list            list the scenarios and exit`)
  process.exit(0)
}

const positive = (name, value) => {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be positive, not "${value}"`)
  return n
}
const settings = {
  warmup: flags.quick ? 1 : positive('warmup', flags.warmup),
  duration: flags.quick ? 2 : positive('duration', flags.duration),
  connections: Math.round(positive('connections', flags.connections)),
  d1Samples: flags.quick ? 5 : Math.round(positive('d1-samples', flags['d1-samples'])),
  cpuSamples: flags.quick ? 10 : Math.round(positive('cpu-samples', flags['cpu-samples'])),
}

/** A free loopback port for workerd's inspector. */
async function freePort() {
  const { createServer } = await import('node:net')
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Every scenario of every bench/scenarios/*.mjs, in file then array order. */
async function loadScenarios() {
  const dir = join(root, 'bench', 'scenarios')
  const all = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.mjs'))
    .sort()) {
    const mod = await import(pathToFileURL(join(dir, file)).href)
    for (const s of mod.default ?? []) {
      const where = `bench/scenarios/${file}: ${JSON.stringify(s?.name)}`
      if (typeof s?.name !== 'string' || !s.name)
        throw new Error(`${where}: a scenario needs a name`)
      if (typeof s.request !== 'function') throw new Error(`${where}: request(state, i) is missing`)
      if (!Number.isInteger(s.expectStatus)) throw new Error(`${where}: expectStatus is missing`)
      if (all.some((o) => o.name === s.name)) throw new Error(`${where}: duplicate scenario name`)
      all.push(s)
    }
  }
  return all
}

const FLOOR = 'hello-world floor'
const round = (n, digits) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null)
const log = (msg) => process.stderr.write(`bench: ${msg}\n`)

async function main(signal) {
  const all = await loadScenarios()
  if (flags.list) {
    for (const s of all) console.log(s.name)
    return 0
  }
  const patterns = flags.only
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean)
  const scenarios = patterns.length
    ? all.filter((s) => patterns.some((p) => s.name.toLowerCase().includes(p)))
    : all
  if (scenarios.length === 0) throw new Error(`no scenario matches --only ${flags.only}`)

  const started = Date.now()
  const loadBefore = loadavg()[0]
  const outdir = join(root, 'bench', '.build')
  if (!flags['skip-build']) {
    log('building bench/worker.ts (wrangler deploy --dry-run)')
    await buildWorker(root, outdir, signal)
  }
  const versions = runtimeVersions()
  log(`starting workerd ${versions.workerd} (miniflare ${versions.miniflare})`)
  const runtime = await startRuntime({
    root,
    outdir,
    inspectorPort: flags.cpu ? await freePort() : undefined,
  })
  cleanups.push(runtime.stop)
  const ctx = makeContext(runtime)
  // The client address the app sees for load requests (its lock marker is part of every guarded read).
  ctx.loadAddress = await (await fetch(new URL('/__bench/address', runtime.appUrl))).text()

  if (flags.scale) {
    const { runScale, scaleOut } = await import('./scale.mjs')
    const sizes = flags['scale-sizes'].split(',').map((v) => Math.round(positive('scale-sizes', v)))
    const out = flags.out.endsWith('results.json') ? scaleOut(root) : flags.out
    const code = await runScale({ runtime, settings, log, out, sizes })
    log(`wrote ${relative(process.cwd(), out) || out}`)
    return code
  }

  // --cpu: one inspector session per isolate, and the sampling period from a busy loop.
  let cpu
  if (flags.cpu) {
    const app = await connectInspector(runtime.inspectorPort, 'core:user:fluxgate')
    const floor = await connectInspector(runtime.inspectorPort, 'core:user:floor')
    cleanups.push(async () => (app.close(), floor.close()))
    const periodUs = await calibrate({ inspector: floor, baseUrl: runtime.floorUrl, send })
    log(`--cpu: sampling period ${periodUs} µs`)
    const settleApp = () => settle(runtime.appUrl)
    const settleFloor = () => new Promise((r) => setTimeout(r, 50))
    cpu = {
      periodUs,
      app: (source) =>
        cpuPerRequest({
          inspector: app,
          baseUrl: runtime.appUrl,
          source,
          n: settings.cpuSamples,
          periodUs,
          send,
          settle: settleApp,
        }),
      floor: (source) =>
        cpuPerRequest({
          inspector: floor,
          baseUrl: runtime.floorUrl,
          source,
          n: settings.cpuSamples,
          periodUs,
          send,
          settle: settleFloor,
        }),
    }
  }

  // A scenario may ask for fewer connections (a latency target, or seconds of CPU per request) and
  // a longer window (so slow requests complete at all); the row then says so.
  const measure = async (name, url, source, expectStatus, scenario = {}) => {
    const connections = scenario.connections ?? settings.connections
    const duration = Math.max(settings.duration, scenario.minDuration ?? 0)
    log(`${name}: ${settings.warmup} s warm-up + ${duration} s, ${connections} connection(s)`)
    const load = { url, source, expectStatus, connections, signal }
    await drive({ ...load, seconds: settings.warmup })
    return { ...(await drive({ ...load, seconds: duration })), connections }
  }
  const floorSource = requestSource({ request: () => ({ method: 'GET', path: '/' }) })
  const measureFloor = () => measure(FLOOR, runtime.floorUrl, floorSource, 200)

  const rows = []
  const failures = []
  const floorStart = await measureFloor()
  // Reference rows: the floor Worker plus one local KV read or one D1 query. In Miniflare each
  // costs CPU in the same workerd process, which bounds any endpoint that touches storage.
  {
    for (const [name, path] of [
      ['reference: hello world + 1 KV get', '/kv'],
      ['reference: hello world + 1 D1 query', '/d1'],
    ]) {
      const source = requestSource({ request: () => ({ method: 'GET', path }) })
      const cpuRow = cpu ? await cpu.floor(source) : {}
      rows.push({
        name,
        ...(await measure(name, runtime.floorUrl, source, 200)),
        d1_round_trips: undefined,
        ...cpuRow,
      })
    }
    if (cpu) {
      // Not a load row: the known cost of a login's key derivation, to check the CPU method by.
      const source = requestSource({ request: () => ({ method: 'GET', path: '/pbkdf2' }) })
      rows.push({
        name: 'reference: PBKDF2-SHA256 100k (CPU only)',
        ...(await cpu.floor(source)),
        cpuOnly: true,
      })
    }
  }
  for (const scenario of scenarios) {
    const { name, expectStatus } = scenario
    try {
      log(`${name}: seeding`)
      const state = await scenario.seed?.(ctx)
      const source = requestSource(scenario, state)
      // One request first: a scenario that answers the wrong status is reported, not measured.
      const probe = await send(runtime.appUrl, source.next())
      if (probe.status !== expectStatus) {
        throw new Error(`expected ${expectStatus}, got ${probe.status} ${probe.text.slice(0, 300)}`)
      }
      const result = await measure(name, runtime.appUrl, source, expectStatus, scenario)
      const n = settings.d1Samples
      const d1 = await countD1({ appUrl: runtime.appUrl, source, expectStatus, n })
      const unexpected = result.unexpected + d1.unexpected
      const cpuRow = cpu ? await cpu.app(source) : {}
      rows.push({ name, ...result, ...d1, ...cpuRow, unexpected })
      if (unexpected > 0) {
        const example = d1.sample ? `; e.g. ${d1.sample}` : ''
        const statuses = JSON.stringify(result.statuses)
        failures.push(
          `${name}: ${unexpected} answers were not ${expectStatus} (${statuses}${example})`
        )
      }
      if (scenario.reference) {
        // Measured right after the endpoint: the same storage calls, nothing else. A hit's
        // reference is a bulk KV read on the floor Worker (/kv-bulk); a miss's runs in the bench
        // Worker (/__bench/ref/...), which holds the app's D1 statements. A per-request scenario
        // gets a per-request reference (fresh names, as its own requests have).
        const refName = `reference: ${name}`
        const refSource = requestSource({
          perRequest: scenario.perRequest,
          request: (_, i) => ({ method: 'GET', path: scenario.reference(state, i) }),
        })
        const firstRef = refSource.next()
        const refUrl = firstRef.path.startsWith('/__bench/ref/') ? runtime.appUrl : runtime.floorUrl
        const probeRef = await send(refUrl, firstRef)
        if (probeRef.text !== String(scenario.referenceHits ?? probeRef.text)) {
          failures.push(
            `${refName}: found ${probeRef.text} of the keys, expected ${scenario.referenceHits}`
          )
        }
        const ref = await measure(refName, refUrl, refSource, 200, scenario)
        const refCpu = cpu ? await (refUrl === runtime.appUrl ? cpu.app : cpu.floor)(refSource) : {}
        rows.push({
          name: refName,
          ...ref,
          ...refCpu,
          d1_round_trips: undefined,
          referenceFor: name,
        })
        rows[rows.length - 2].ofReference = result.rps / ref.rps
      }
    } catch (e) {
      if (signal.aborted) throw e
      failures.push(`${name}: ${e.message}`)
    }
  }
  const floorEnd = await measureFloor()
  await runtime.stop()

  const floor = {
    ...floorStart,
    rps: (floorStart.rps + floorEnd.rps) / 2,
    unexpected: floorStart.unexpected + floorEnd.unexpected,
  }
  if (floor.unexpected > 0) failures.push(`${FLOOR}: ${floor.unexpected} failed requests`)

  const results = {
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      node: process.version,
      workerd: versions.workerd,
      date: new Date(started).toISOString(),
      ...(cpu
        ? { cpu_sampling_period_us: cpu.periodUs, cpu_samples_per_endpoint: settings.cpuSamples }
        : {}),
      loadavg_1m: round(loadBefore, 2),
    },
    floor_rps: round(floor.rps, 1),
    endpoints: Object.fromEntries(
      rows.map((r) => [
        r.name,
        {
          rps: round(r.rps, 1),
          p50_ms: round(r.p50_ms, 2),
          p99_ms: round(r.p99_ms, 2),
          d1_round_trips: round(r.d1_round_trips, 2),
          ...(r.rows_read !== undefined
            ? {
                d1_rows_read: round(r.rows_read, 1),
                d1_rows_written: round(r.rows_written, 1),
                ...(r.rows_approximate ? { d1_rows_approximate: true } : {}),
              }
            : {}),
          ...(r.cpu_ms !== undefined
            ? {
                cpu_ms: round(r.cpu_ms, 3),
                cpu_js_ms: round(r.cpu_js_ms, 3),
                cpu_native_ms: round(r.cpu_native_ms, 3),
              }
            : {}),
          ...(r.ofReference !== undefined ? { of_reference: round(r.ofReference, 3) } : {}),
          ...(r.connections !== settings.connections ? { connections: r.connections } : {}),
          ...(r.unexpected > 0 ? { unexpected: r.unexpected } : {}),
        },
      ])
    ),
  }
  writeFileSync(flags.out, `${JSON.stringify(results, null, 2)}\n`)

  const seconds = Math.round((Date.now() - started) / 1000)
  console.log(
    `\nFluxgate bench: ${settings.connections} connections, ${settings.warmup} s warm-up + ` +
      `${settings.duration} s per endpoint, workerd ${versions.workerd}, Node ${process.version}, ` +
      `${results.machine.cpu} x${results.machine.cores}, ${seconds} s in all\n`
  )
  printTable([{ name: FLOOR, ...floor, d1_round_trips: undefined }, ...rows], floor.rps)
  const [before, after] = [floorStart.rps, floorEnd.rps]
  const drift = Math.abs(before - after) / Math.max(before, after)
  const busy =
    drift > 0.1 ? ` (${Math.round(drift * 100)} % apart: a busy machine, noisy numbers)` : ''
  console.log(
    `\nfloor: ${Math.round(before)} rps before the endpoints, ${Math.round(after)} after${busy}`
  )
  console.log(`wrote ${relative(process.cwd(), flags.out) || flags.out}`)
  if (failures.length) {
    console.error(`\n${failures.length} scenario(s) failed:\n  ${failures.join('\n  ')}`)
    return 1
  }
  return 0
}

function printTable(rows, floorRps) {
  const fmt = (n, digits = 0) =>
    Number.isFinite(n)
      ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
      : '-'
  const table = [
    [
      'endpoint',
      'conns',
      'rps',
      '% floor',
      '% ref',
      'p50 ms',
      'p99 ms',
      'D1 trips',
      'rows r/w',
      'CPU ms',
      'errors',
    ],
    ...rows.map((r) => [
      r.name,
      fmt(r.connections),
      fmt(r.rps, r.rps < 100 ? 1 : 0),
      `${fmt((r.rps / floorRps) * 100, 1)} %`,
      r.ofReference === undefined ? '-' : `${fmt(r.ofReference * 100, 1)} %`,
      fmt(r.p50_ms, 2),
      fmt(r.p99_ms, 2),
      r.d1_round_trips === undefined ? '-' : fmt(r.d1_round_trips, r.d1_round_trips % 1 ? 2 : 0),
      r.rows_read === undefined
        ? '-'
        : `${fmt(r.rows_read, 1)}/${fmt(r.rows_written, 1)}${r.rows_approximate ? '~' : ''}`,
      r.cpu_ms === undefined ? '-' : fmt(r.cpu_ms, 2),
      fmt(r.unexpected),
    ]),
  ]
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)))
  const pad = (cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
  for (const row of table) console.log(row.map(pad).join('  '))
}

// workerd is a child process: stop it on every way out (Miniflare's own exit hook is the backstop).
const cleanups = []
const controller = new AbortController()
const cleanup = () => Promise.allSettled(cleanups.map((f) => f()))
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, async () => {
    log(`${sig}: stopping`)
    controller.abort()
    await cleanup()
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1))
  })
}

let code = 1
try {
  code = await main(controller.signal)
} catch (e) {
  if (!controller.signal.aborted) console.error(`bench: ${e.stack ?? e}`)
} finally {
  await cleanup()
}
process.exit(controller.signal.aborted ? 130 : code)
