// Builds the bench Worker with wrangler and runs it, next to a hello-world Worker, in one workerd
// process through Miniflare (the one wrangler itself depends on). Both are reached on their own
// sockets, never through `wrangler dev`'s proxy or Miniflare's entry worker.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { extname, join, relative, sep } from 'node:path'
import { parse as parseToml } from 'smol-toml'
import { devSecrets } from '../../scripts/dev-secrets.mjs'

const require = createRequire(import.meta.url)
const wranglerDir = join(require.resolve('wrangler/package.json'), '..')
const fromWrangler = createRequire(join(wranglerDir, 'package.json'))

/** Versions of the runtime actually used: Miniflare and workerd as wrangler resolves them. */
export function runtimeVersions() {
  const miniflarePkg = fromWrangler.resolve('miniflare/package.json')
  const workerdPkg = createRequire(miniflarePkg).resolve('workerd/package.json')
  return {
    miniflare: JSON.parse(readFileSync(miniflarePkg, 'utf8')).version,
    workerd: JSON.parse(readFileSync(workerdPkg, 'utf8')).version,
  }
}

/**
 * `wrangler deploy --dry-run` of `entry` (bench/worker.ts unless given): the same bundler,
 * compatibility settings and nodejs_compat polyfills as a real deploy, written to `outdir`.
 */
export async function buildWorker(root, outdir, signal, entry = join('bench', 'worker.ts')) {
  rmSync(outdir, { recursive: true, force: true })
  const args = [
    join(wranglerDir, 'bin', 'wrangler.js'),
    'deploy',
    '--dry-run',
    '--outdir',
    outdir,
    join(root, entry),
  ]
  const output = []
  const code = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    })
    child.stdout.on('data', (d) => output.push(d))
    child.stderr.on('data', (d) => output.push(d))
    child.on('error', reject)
    child.on('close', resolve)
  })
  if (code !== 0) {
    throw new Error(`wrangler could not build ${entry}:\n${Buffer.concat(output).toString()}`)
  }
}

const MODULE_TYPES = {
  '.js': 'esm',
  '.mjs': 'esm',
  '.cjs': 'cjs',
  '.wasm': 'wasm',
  '.map': 'sourcemap',
  '.txt': 'text',
  '.html': 'text',
  '.sql': 'text',
  // Provision layouts (wrangler.toml's Text rule for *.toml).
  '.toml': 'text',
  '.bin': 'data',
}

/** The wrangler output directory as a Miniflare module manifest (main module first). */
export function manifestFrom(outdir, mainModule) {
  const modules = {}
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) {
        walk(path)
        continue
      }
      const type = MODULE_TYPES[extname(name)]
      if (!type) continue
      const key = relative(outdir, path).split(sep).join('/')
      const text = type === 'esm' || type === 'cjs' || type === 'text' || type === 'sourcemap'
      modules[key] = { type, contents: text ? readFileSync(path, 'utf8') : readFileSync(path) }
    }
  }
  walk(outdir)
  if (!modules[mainModule]) throw new Error(`${mainModule} missing from ${outdir}`)
  return { mainModule, modules }
}

/** Statements of every migrations/*.sql in order (drizzle-kit separates them with a marker). */
export function migrationStatements(root) {
  const dir = join(root, 'migrations')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('--> statement-breakpoint'))
    .map((s) => s.trim())
    .filter(Boolean)
}

// The floor Worker: hello world at /, and for reference the same plus one KV read (/kv) or one D1
// query (/d1), so the table shows what local storage costs before any Fluxgate code runs. /kv-bulk
// makes one bulk read of the given keys (?k=...) in the app's own KV namespace: a scenario's
// reference row makes exactly the storage calls of the endpoint's cache hit and nothing else.
const FLOOR_SOURCE = `export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const { pathname } = url
    if (pathname === '/kv') return new Response((await env.KV.get('k')) ?? 'none')
    if (pathname === '/kv-bulk') {
      const got = await env.APP_KV.get(url.searchParams.getAll('k'))
      return new Response(String([...got.values()].filter((v) => v !== null).length))
    }
    if (pathname === '/d1') return new Response(String((await env.DB.prepare('SELECT 1 AS one').first('one'))))
    // --cpu: a busy loop that calibrates the profiler's sampling period, and PBKDF2-SHA256 at
    // 100,000 iterations (what a login costs) as a known quantity to check the method against.
    if (pathname === '/spin') {
      let s = 0
      for (let i = 0; i < 2e7; i++) s = (s + i * 7) % 1000003
      return new Response(String(s))
    }
    if (pathname === '/pbkdf2') {
      const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits'])
      const salt = new Uint8Array(16)
      await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 100000 }, key, 256)
      return new Response('ok')
    }
    return new Response('ok')
  },
}
`

/**
 * A fresh Miniflare persistence folder, removed when the runtime stops or the process exits, and
 * `stopper(mf)`: a stop that disposes Miniflare and removes the folder, safe to call more than once.
 * Miniflare's own signal handler kills workerd and exits synchronously, before any async cleanup
 * of ours can run; the exit listener still gets to remove the data. Shared with the broker
 * end-to-end test.
 */
export function tempPersistence(prefix) {
  const persist = mkdtempSync(join(tmpdir(), prefix))
  const remove = () => rmSync(persist, { recursive: true, force: true, maxRetries: 3 })
  process.on('exit', remove)
  const stopper = (mf) => {
    let stopped
    return () => {
      stopped ??= mf
        .dispose()
        .catch(() => {})
        .finally(() => {
          remove()
          process.off('exit', remove)
        })
      return stopped
    }
  }
  return { persist, stopper }
}

/**
 * The Durable Objects (SQLite-backed as wrangler.toml's migrations declare them) and the
 * rate-limiting bindings with their limits, as wrangler.toml declares them, for a Miniflare worker
 * named `worker`: its `exports` and the `env` entries. Shared with the broker end-to-end test.
 */
export function tomlBindings(toml, worker) {
  const sqliteClasses = new Set((toml.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []))
  const objectBindings = toml.durable_objects?.bindings ?? []
  const exports = Object.fromEntries(
    objectBindings.map((b) => [
      b.class_name,
      { type: 'durable-object', storage: sqliteClasses.has(b.class_name) ? 'sqlite' : 'legacy-kv' },
    ])
  )
  const env = {
    ...Object.fromEntries(
      objectBindings.map((b) => [
        b.name,
        { type: 'durable-object', worker, exportName: b.class_name },
      ])
    ),
    ...Object.fromEntries(
      (toml.ratelimits ?? []).map((r) => [
        r.name,
        {
          type: 'rate-limit',
          namespace: String(r.namespace_id),
          simple: { limit: r.simple.limit, period: r.simple.period ?? 60 },
        },
      ])
    ),
  }
  return { exports, env }
}

/**
 * Starts workerd with the app (bindings as in wrangler.toml, persistence in a fresh temp dir,
 * migrations applied) and the hello-world floor Worker with the same compatibility settings.
 * The caller must `await stop()`; it is safe to call more than once.
 */
export async function startRuntime({ root, outdir, inspectorPort }) {
  const toml = parseToml(readFileSync(join(root, 'wrangler.toml'), 'utf8'))
  const compat = {
    compatibilityDate: toml.compatibility_date,
    compatibilityFlags: toml.compatibility_flags ?? [],
  }
  const d1Name = toml.d1_databases?.[0]?.binding ?? 'DB'
  const kvName = toml.kv_namespaces?.[0]?.binding ?? 'CACHE'
  const { exports: objectExports, env: bindingEnv } = tomlBindings(toml, 'fluxgate')
  const secrets = await devSecrets({ randomSecret: () => randomBytes(32).toString('base64url') })
  const bindings = {
    ...Object.fromEntries(Object.entries(toml.vars ?? {}).map(([k, v]) => [k, String(v)])),
    ...secrets,
    // Password-reset mail only logs (recipient and subject) in the bench.
    MF_MAIL_TRANSPORT: 'log',
  }

  const { persist, stopper } = tempPersistence('fluxgate-bench-')
  const { Miniflare } = await import(fromWrangler.resolve('miniflare'))
  const directSocket = { unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] }
  const mf = new Miniflare({
    resourcePersistencePath: persist,
    // --cpu: workerd's inspector, for V8 CPU profiles of each Worker's isolate (bench/lib/profile.mjs).
    ...(inspectorPort ? { inspectorPort } : {}),
    logRequests: false,
    enableDevRegistry: false,
    telemetry: { enabled: false },
    // No request to Cloudflare for a `request.cf` object: a bench runs offline.
    cf: false,
    workers: [
      {
        config: {
          name: 'fluxgate',
          ...compat,
          manifest: manifestFrom(outdir, 'worker.js'),
          exports: objectExports,
          env: {
            [d1Name]: { type: 'd1', id: 'fluxgate-bench' },
            [kvName]: { type: 'kv', id: 'fluxgate-bench-cache' },
            ...bindingEnv,
            ...Object.fromEntries(
              Object.entries(bindings).map(([k, v]) => [k, { type: 'text', value: String(v) }])
            ),
          },
        },
        dev: directSocket,
      },
      {
        config: {
          name: 'floor',
          ...compat,
          manifest: {
            mainModule: 'floor.js',
            modules: { 'floor.js': { type: 'esm', contents: FLOOR_SOURCE } },
          },
          env: {
            DB: { type: 'd1', id: 'fluxgate-bench-floor' },
            KV: { type: 'kv', id: 'fluxgate-bench-floor' },
            APP_KV: { type: 'kv', id: 'fluxgate-bench-cache' },
          },
        },
        dev: directSocket,
      },
    ],
  })

  const stop = stopper(mf)
  try {
    await mf.ready
    const appUrl = await mf.unsafeGetDirectURL('fluxgate')
    const floorUrl = await mf.unsafeGetDirectURL('floor')
    const d1 = await mf.getD1Database(d1Name, 'fluxgate')
    const kv = await mf.getKVNamespace(kvName, 'fluxgate')
    for (const sql of migrationStatements(root)) await d1.prepare(sql).run()
    return { appUrl, floorUrl, d1, kv, bindings, stop, inspectorPort }
  } catch (e) {
    await stop()
    throw e
  }
}
