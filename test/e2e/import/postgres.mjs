// A throwaway PostgreSQL 15 (Debian's packages) for `npm run test:import`: initdb into a temp dir,
// started on 127.0.0.1 with a free port, as the `postgres` user when run as root (PostgreSQL
// refuses to run as root), and stopped by its PID.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const BIN = '/usr/lib/postgresql/15/bin'

/** Installs postgresql with apt when root and missing; otherwise a clear error. */
export function ensurePostgres(log) {
  if (existsSync(join(BIN, 'postgres'))) return
  if (process.getuid?.() !== 0) {
    throw new Error(
      'test:import needs PostgreSQL 15 (Debian package "postgresql", binaries in /usr/lib/postgresql/15/bin). ' +
        'Install it (apt-get install -y postgresql) or run this as root, which installs it, then re-run.'
    )
  }
  log('installing postgresql with apt-get (root, not installed)')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', 'postgresql'], { stdio: 'inherit', env })
  if (!existsSync(join(BIN, 'postgres')))
    throw new Error(`apt-get installed postgresql, but ${BIN}/postgres is missing`)
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** The uid/gid to run as: `postgres` when we are root, else ourselves. */
function identity() {
  if (process.getuid?.() !== 0) return {}
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  return { uid, gid }
}

/** Starts a fresh cluster; resolves once it accepts connections. `stop()` is safe to call twice. */
export async function startPostgres(log) {
  ensurePostgres(log)
  const dir = mkdtempSync(join(tmpdir(), 'fluxgate-pg-'))
  const data = join(dir, 'data')
  const who = identity()
  if (who.uid !== undefined) chownSync(dir, who.uid, who.gid)
  chmodSync(dir, 0o700)
  const init = spawnSync(
    join(BIN, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'],
    {
      ...who,
      encoding: 'utf8',
    }
  )
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`initdb failed:\n${init.stdout}\n${init.stderr}`)
  }
  const port = await freePort()
  const child = spawn(
    join(BIN, 'postgres'),
    [
      '-D',
      data,
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
    ],
    { ...who, stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let stderr = ''
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
  let stopped
  const stop = () => {
    stopped ??= new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.once('exit', () => {
        clearTimeout(t)
        resolve()
      })
      // SIGINT: PostgreSQL's fast shutdown.
      child.kill('SIGINT')
    }).finally(() => rmSync(dir, { recursive: true, force: true }))
    return stopped
  }
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  for (let i = 0; i < 100; i++) {
    const ready = spawnSync(join(BIN, 'pg_isready'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
    ])
    if (ready.status === 0)
      return {
        pid: child.pid,
        port,
        url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
        stop,
      }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 200))
  }
  await stop()
  throw new Error(`PostgreSQL did not start:\n${stderr}`)
}
