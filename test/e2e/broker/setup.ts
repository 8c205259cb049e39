// vitest globalSetup of `npm run test:broker`: a real RabbitMQ (configured with the README's
// block) and the real Worker in workerd, both on loopback, wired to each other. Stopped by PID at
// teardown; test/e2e/broker/run.sh stops whatever is left if this process dies first.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { buildFluxgate, startFluxgate } from './fluxgate.mjs'
import { childrenNamed, recordPid } from './pids.mjs'
import { ensureInstalled, freePort, planRabbit, startRabbit } from './rabbitmq.mjs'
import { rabbitConfFor } from './readme.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    fluxgateUrl: string
    mqttUrl: string
    mgmtUrl: string
    mgmtAuth: string
  }
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const log = (msg: string) => process.stderr.write(`broker-e2e: ${msg}\n`)

export default async function setup(project: TestProject) {
  const missing = ensureInstalled(log)
  if (missing.length > 0) {
    throw new Error(
      `broker-e2e: RabbitMQ is not installed (missing ${missing.join(', ')}). Install the Debian ` +
        'package rabbitmq-server (run this as root and it is installed with apt-get), then re-run.'
    )
  }
  const t0 = Date.now()
  const plan = await planRabbit()
  const fluxgatePort = await freePort()
  const origin = `http://127.0.0.1:${fluxgatePort}`
  const secret = randomBytes(24).toString('hex')
  const outdir = mkdtempSync(join(tmpdir(), 'fluxgate-e2e-build-'))

  const stops: (() => Promise<void>)[] = []
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch((e) => log(`stop failed: ${e}`))
    rmSync(outdir, { recursive: true, force: true })
  }
  try {
    const conf = rabbitConfFor(root, { origin, secret })
    // RabbitMQ asks the hooks only when a client connects, so it can boot while the Worker builds.
    const rabbitReady = startRabbit({ conf, plan, log })
    rabbitReady.then(
      (r) => stops.push(r.stop),
      () => {}
    )
    const fluxgate = await buildFluxgate(root, outdir).then(() =>
      startFluxgate({
        root,
        outdir,
        port: fluxgatePort,
        settings: {
          FLUXGATE_BROKER_SECRET: secret,
          // As gateways are told to dial it (the agent's paho form), through the default layout.
          FLUXGATE_MQTT_URL: `tcp://127.0.0.1:${plan.mqttPort}`,
          FLUXGATE_BROKER_ADMIN_KIND: 'rabbitmq',
          FLUXGATE_BROKER_ADMIN_URL: plan.mgmtUrl,
          FLUXGATE_BROKER_ADMIN_USER: plan.admin.user,
          FLUXGATE_BROKER_ADMIN_PASSWORD: plan.admin.password,
        },
      })
    )
    stops.push(fluxgate.stop)
    for (const pid of childrenNamed('workerd')) recordPid(pid)
    log(`fluxgate up at ${fluxgate.url} after ${Date.now() - t0} ms`)
    const rabbit = await rabbitReady
    log(
      `rabbitmq up (mqtt ${rabbit.mqttUrl}, management ${rabbit.mgmtUrl}) after ${Date.now() - t0} ms`
    )
    project.provide('fluxgateUrl', fluxgate.url)
    project.provide('mqttUrl', rabbit.mqttUrl)
    project.provide('mgmtUrl', rabbit.mgmtUrl)
    project.provide('mgmtAuth', rabbit.auth)
  } catch (e) {
    await teardown()
    throw e
  }
  return teardown
}
