// vitest globalSetup of `npm run test:console`: the Worker as `npm start` serves it (wrangler dev,
// console assets built by run.sh), on loopback. Stopped at teardown; run.sh stops whatever is left
// by PID if this process dies first.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { CHROMIUM } from './browser'
import { startConsoleWorker } from './server.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    origin: string
    adminEmail: string
    adminPassword: string
  }
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `console-e2e: ${CHROMIUM} is missing. Install the Debian package chromium (npm run test:console does it with apt-get when run as root).`
    )
  }
  if (!existsSync(join(root, 'console', 'dist', 'console', 'index.html'))) {
    throw new Error('console-e2e: the console is not built (node scripts/build-console.mjs)')
  }
  const worker = await startConsoleWorker({
    root,
    log: (m: string) => process.stderr.write(`console-e2e: ${m}\n`),
  })
  project.provide('origin', worker.origin)
  project.provide('adminEmail', worker.admin.email)
  project.provide('adminPassword', worker.admin.password)
  return () => worker.stop()
}
