// The Worker as `npm start` serves it: `wrangler dev` (static assets, the /console Worker-first
// routes, D1, KV and Durable Objects simulated locally), here on a free loopback port with its
// state in a temp dir, fresh development secrets and the dev mailbox on. Migrations are applied
// with wrangler first, as `npm start`'s dev-setup does.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { devSecrets } from '../../../scripts/dev-secrets.mjs'
import { recordPid } from '../broker/pids.mjs'

const require = createRequire(import.meta.url)
const wrangler = join(require.resolve('wrangler/package.json'), '..', 'bin', 'wrangler.js')

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const dotenv = (vars) =>
  Object.entries(vars)
    .map(
      ([k, v]) =>
        `${k}="${String(v).replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"')}"`
    )
    .join('\n') + '\n'

/**
 * Starts `wrangler dev` on 127.0.0.1:<free port>. `settings` go on top of the development
 * secrets. Returns the origin, the admin credentials and `stop()` (safe to call more than once).
 */
/** @param {{ root: string, settings?: Record<string, string>, log?: (message: string) => void }} opts */
export async function startConsoleWorker({ root, settings = {}, log = () => {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'fluxgate-console-'))
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const secrets = await devSecrets({ randomSecret: () => randomBytes(32).toString('base64url') })
  const vars = {
    ...secrets,
    FLUXGATE_PUBLIC_URL: origin,
    FLUXGATE_DEV_MAILBOX: '1',
    MF_MAIL_TRANSPORT: 'log',
    // Every test signs up from this one address: the per-address caps (10 sign-ups a minute) would
    // refuse the suite. The lock tiers still apply (the sign-in 429 test relies on them).
    FLUXGATE_THROTTLE_TRUSTED_IPS: '127.0.0.1,::1',
    ...settings,
  }
  const envFile = join(dir, 'test.vars')
  writeFileSync(envFile, dotenv(vars), { mode: 0o600 })
  const persist = join(dir, 'state')
  const env = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' }
  const migrate = spawnSync(
    process.execPath,
    [wrangler, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist],
    { cwd: root, env, encoding: 'utf8' }
  )
  if (migrate.status !== 0)
    throw new Error(`wrangler d1 migrations apply failed:\n${migrate.stdout}\n${migrate.stderr}`)

  const args = [
    wrangler,
    'dev',
    '--local',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    persist,
    '--env-file',
    envFile,
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
    '--inspector-port',
    String(await freePort()),
  ]
  // Its settings also as --var, which win over a developer's own .dev.vars if wrangler reads it.
  for (const [k, v] of Object.entries(vars))
    args.push('--var', `${k}:${String(v).replaceAll('\n', '\\n')}`)
  // Its own process group, so stop() (and run.sh) can end wrangler and its workerd together.
  const child = spawn(process.execPath, args, {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  recordPid(child.pid)
  const output = []
  child.stdout.on('data', (d) => output.push(d))
  child.stderr.on('data', (d) => output.push(d))
  let exited = false
  child.on('exit', () => (exited = true))

  let stopped
  const stop = () => {
    stopped ??= new Promise((resolve) => {
      if (exited) return resolve()
      child.once('exit', () => resolve())
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        resolve()
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {}
      }, 5000).unref()
    }).finally(() => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }))
    return stopped
  }

  const deadline = Date.now() + 90_000
  for (;;) {
    if (exited) {
      await stop()
      throw new Error(`wrangler dev exited:\n${Buffer.concat(output).toString()}`)
    }
    try {
      const res = await fetch(`${origin}/health`)
      if (res.ok) break
    } catch {}
    if (Date.now() > deadline) {
      await stop()
      throw new Error(
        `wrangler dev did not answer on ${origin} within 90 s:\n${Buffer.concat(output).toString()}`
      )
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  log(`wrangler dev up at ${origin}`)
  return {
    origin,
    admin: { email: vars.MF_USERS_ADMIN_EMAIL, password: vars.MF_USERS_ADMIN_PASSWORD },
    stop,
  }
}
