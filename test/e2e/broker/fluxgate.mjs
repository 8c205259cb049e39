// Runs the real Worker (src/index.ts, built by `wrangler deploy --dry-run`) in workerd through
// Miniflare, as bench/lib/runtime.mjs does for the bench Worker: D1, KV and the BrokerSessions
// Durable Object simulated locally in a temp dir, migrations applied, reached on its own loopback
// socket. `settings` are extra string bindings (FLUXGATE_BROKER_* and the like).
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { parse as parseToml } from 'smol-toml'
import {
  buildWorker,
  manifestFrom,
  migrationStatements,
  tempPersistence,
  tomlBindings,
} from '../../../bench/lib/runtime.mjs'
import { devSecrets } from '../../../scripts/dev-secrets.mjs'

const require = createRequire(import.meta.url)
const fromWrangler = createRequire(
  join(require.resolve('wrangler/package.json'), '..', 'package.json')
)

/** Builds src/index.ts into `outdir` (a temp dir unless given). */
export async function buildFluxgate(root, outdir) {
  await buildWorker(root, outdir, undefined, join('src', 'index.ts'))
  return outdir
}

/**
 * Starts the built Worker on 127.0.0.1:`port` (0: any) with `settings` on top of fresh development
 * secrets (and `rateLimits` replacing wrangler.toml's `[[ratelimits]]` limits by name). The
 * caller must `await stop()`; it is safe to call more than once. `d1` is the app's database.
 */
export async function startFluxgate({ root, outdir, port = 0, settings = {}, rateLimits = {} }) {
  const toml = parseToml(readFileSync(join(root, 'wrangler.toml'), 'utf8'))
  // `rateLimits`: per-binding limits replacing wrangler.toml's (a load test lifts RATE_MAPPING).
  for (const r of toml.ratelimits ?? []) {
    if (rateLimits[r.name] !== undefined) r.simple = { ...r.simple, limit: rateLimits[r.name] }
  }
  const secrets = await devSecrets({ randomSecret: () => randomBytes(32).toString('base64url') })
  const bindings = {
    ...Object.fromEntries(Object.entries(toml.vars ?? {}).map(([k, v]) => [k, String(v)])),
    ...secrets,
    MF_MAIL_TRANSPORT: 'log',
    ...settings,
  }
  // Durable Objects and rate-limiting bindings as wrangler.toml declares them (as the bench does).
  const { exports: doExports, env: bindingEnv } = tomlBindings(toml, 'fluxgate')
  const { persist, stopper } = tempPersistence('fluxgate-e2e-')
  const { Miniflare, Log, LogLevel } = await import(fromWrangler.resolve('miniflare'))
  const mf = new Miniflare({
    resourcePersistencePath: persist,
    logRequests: false,
    enableDevRegistry: false,
    telemetry: { enabled: false },
    cf: false,
    log: new Log(process.env.FLUXGATE_E2E_VERBOSE ? LogLevel.DEBUG : LogLevel.WARN),
    workers: [
      {
        config: {
          name: 'fluxgate',
          compatibilityDate: toml.compatibility_date,
          compatibilityFlags: toml.compatibility_flags ?? [],
          manifest: manifestFrom(outdir, 'index.js'),
          env: {
            [toml.d1_databases?.[0]?.binding ?? 'DB']: { type: 'd1', id: 'fluxgate-e2e' },
            [toml.kv_namespaces?.[0]?.binding ?? 'CACHE']: { type: 'kv', id: 'fluxgate-e2e-cache' },
            ...bindingEnv,
            ...Object.fromEntries(
              Object.entries(bindings).map(([k, v]) => [k, { type: 'text', value: String(v) }])
            ),
          },
          exports: doExports,
        },
        dev: { unsafeDirectSockets: [{ host: '127.0.0.1', port }] },
      },
    ],
  })
  const stop = stopper(mf)
  try {
    await mf.ready
    const url = (await mf.unsafeGetDirectURL('fluxgate')).href.replace(/\/$/, '')
    const d1 = await mf.getD1Database(toml.d1_databases?.[0]?.binding ?? 'DB', 'fluxgate')
    for (const sql of migrationStatements(root)) await d1.prepare(sql).run()
    return { url, d1, stop }
  } catch (e) {
    await stop()
    throw e
  }
}
