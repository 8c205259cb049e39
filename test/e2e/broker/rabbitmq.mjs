// Runs a throwaway RabbitMQ node on loopback: its own temp dirs, its own epmd on a private port,
// its own Erlang cookie (HOME points into the temp dir), every listener on 127.0.0.1. The caller
// gives the rabbitmq.conf body; listener and port lines are appended here. `stop()` ends the node
// and the epmd it started by PID and removes the temp dir.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { childrenNamed, recordPid } from './pids.mjs'

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'
const CTL = '/usr/lib/rabbitmq/bin/rabbitmqctl'
const EPMD = '/usr/bin/epmd'
const PLUGINS = ['rabbitmq_mqtt', 'rabbitmq_auth_backend_http', 'rabbitmq_management']

/** A free TCP port on 127.0.0.1 (the kernel picks it; it is released before use). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** What is missing to run RabbitMQ here, or [] when everything is installed. */
export function missingTools() {
  return [SERVER, CTL, EPMD].filter((p) => !existsSync(p))
}

/** Installs rabbitmq-server with apt when running as root; returns the tools still missing. */
export function ensureInstalled(log = console.error) {
  if (missingTools().length === 0) return []
  if (process.getuid?.() === 0) {
    log('broker-e2e: installing rabbitmq-server with apt-get')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const apt = (args) =>
      execFileSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] })
    try {
      apt(['install', '-y', '--no-install-recommends', 'rabbitmq-server'])
    } catch {
      try {
        apt(['update'])
        apt(['install', '-y', '--no-install-recommends', 'rabbitmq-server'])
      } catch (e) {
        log(`broker-e2e: apt-get failed: ${e.message}`)
      }
    }
  }
  return missingTools()
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function killGroup(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    try {
      child.kill(signal)
    } catch {}
  }
}

function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(t)
      resolve(true)
    })
  })
}

/**
 * Ports and the administrator of a node to start, chosen up front so that the other side (the
 * Worker's settings) can be configured before RabbitMQ boots.
 */
export async function planRabbit() {
  const [amqpPort, mqttPort, mgmtPort, distPort, epmdPort] = await Promise.all(
    Array.from({ length: 5 }, freePort)
  )
  return {
    amqpPort,
    mqttPort,
    mgmtPort,
    distPort,
    epmdPort,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    mgmtUrl: `http://127.0.0.1:${mgmtPort}`,
    admin: { user: 'fluxgate-admin', password: randomBytes(18).toString('base64url') },
  }
}

/**
 * Starts RabbitMQ with `conf` (rabbitmq.conf text) plus loopback listeners and an administrator
 * in the internal backend. Resolves once the management API answers and the MQTT port accepts.
 * @param {{ conf: string, plan?: Awaited<ReturnType<typeof planRabbit>>, bootTimeoutMs?: number,
 *   log?: (msg: string) => void }} opts
 */
export async function startRabbit({ conf, plan, bootTimeoutMs = 90_000, log = () => {} }) {
  plan ??= await planRabbit()
  const dir = mkdtempSync(join(tmpdir(), 'fluxgate-rabbit-'))
  const { amqpPort, mqttPort, mgmtPort, distPort, epmdPort, admin } = plan
  const nodename = `fluxgate-e2e-${randomBytes(4).toString('hex')}@localhost`
  const home = join(dir, 'home')
  mkdirSync(home)
  writeFileSync(join(home, '.erlang.cookie'), randomBytes(20).toString('hex'), { mode: 0o400 })
  const fullConf = [
    conf.trimEnd(),
    '',
    '# Added by the test harness: loopback listeners and an administrator (internal backend).',
    `listeners.tcp.1 = 127.0.0.1:${amqpPort}`,
    `mqtt.listeners.tcp.1 = 127.0.0.1:${mqttPort}`,
    `management.tcp.ip = 127.0.0.1`,
    `management.tcp.port = ${mgmtPort}`,
    `default_user = ${admin.user}`,
    `default_pass = ${admin.password}`,
    'default_user_tags.administrator = true',
    'default_permissions.configure = .*',
    'default_permissions.read = .*',
    'default_permissions.write = .*',
    '',
  ].join('\n')
  const confFile = join(dir, 'rabbitmq.conf')
  writeFileSync(confFile, fullConf)
  writeFileSync(join(dir, 'enabled_plugins'), `[${PLUGINS.join(',')}].\n`)
  const env = {
    ...process.env,
    HOME: home,
    RABBITMQ_NODENAME: nodename,
    RABBITMQ_CONFIG_FILE: confFile,
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_CRASH_DUMP: join(dir, 'erl_crash.dump'),
  }
  // Our own epmd in the foreground, so it is a child we can stop by PID (the node would otherwise
  // start a daemonised one that outlives it).
  const epmd = spawn(EPMD, ['-port', String(epmdPort), '-address', '127.0.0.1'], {
    env,
    cwd: dir,
    detached: true,
    stdio: 'ignore',
  })
  recordPid(epmd.pid)
  const output = []
  let server
  let stopped
  const stop = () => {
    stopped ??= (async () => {
      if (server) {
        killGroup(server, 'SIGTERM')
        if (!(await exited(server, 15_000))) killGroup(server, 'SIGKILL')
        await exited(server, 5_000)
      }
      killGroup(epmd, 'SIGTERM')
      await exited(epmd, 5_000)
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
    })()
    return stopped
  }
  const onExit = () => {
    killGroup(server, 'SIGKILL')
    killGroup(epmd, 'SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  const onSignal = (sig) => {
    onExit()
    process.exit(sig === 'SIGINT' ? 130 : 143)
  }
  process.once('exit', onExit)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const unhook = () => {
    process.off('exit', onExit)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }

  try {
    await sleep(100)
    server = spawn(SERVER, [], { env, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    recordPid(server.pid)
    server.stdout.on('data', (d) => output.push(d))
    server.stderr.on('data', (d) => output.push(d))
    const { mgmtUrl } = plan
    const auth = `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`
    const started = Date.now()
    for (;;) {
      if (server.exitCode !== null || server.signalCode !== null) {
        throw new Error(`rabbitmq-server exited during boot:\n${Buffer.concat(output).toString()}`)
      }
      if (Date.now() - started > bootTimeoutMs) {
        throw new Error(`rabbitmq did not boot in ${bootTimeoutMs} ms:\n${Buffer.concat(output)}`)
      }
      try {
        const res = await fetch(`${mgmtUrl}/api/overview`, { headers: { authorization: auth } })
        if (res.ok && (await portOpen(mqttPort))) break
      } catch {}
      await sleep(250)
    }
    // The start script may stay as beam's parent: record beam too, in case the script dies first.
    for (const pid of childrenNamed('beam.smp', server.pid)) recordPid(pid)
    log(`rabbitmq up in ${Date.now() - started} ms`)
    const ctl = (...args) =>
      execFileSync(CTL, ['-n', nodename, ...args], { env, encoding: 'utf8', stdio: 'pipe' })
    const logText = () => {
      const files = [join(dir, 'log', `${nodename}.log`)]
      return files
        .filter(existsSync)
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n')
    }
    return {
      mqttUrl: plan.mqttUrl,
      mqttPort,
      mgmtUrl,
      admin,
      auth,
      conf: fullConf,
      pid: server.pid,
      epmdPid: epmd.pid,
      ctl,
      logText,
      output: () => Buffer.concat(output).toString(),
      stop: async () => {
        unhook()
        await stop()
      },
    }
  } catch (e) {
    unhook()
    await stop()
    throw e
  }
}

function portOpen(port) {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
  })
}
