// globalSetup of `npm run test:cli`: the Worker in workerd on loopback, and a test-only SQL door
// into its D1 (a loopback HTTP listener in this process) so a test can age the server's
// idempotency records past their 24 h window, which no API can do.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { bootFluxgate } from './server.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    fluxgateUrl: string
    sqlUrl: string
  }
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export default async function setup(project: TestProject) {
  const fg = await bootFluxgate(root)
  const sql = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', async () => {
      try {
        const r = await fg.d1.prepare(body).all()
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(r.results ?? []))
      } catch (e) {
        res.writeHead(500).end(String(e))
      }
    })
  })
  await new Promise<void>((r) => sql.listen(0, '127.0.0.1', r))
  project.provide('fluxgateUrl', fg.url)
  project.provide('sqlUrl', `http://127.0.0.1:${(sql.address() as AddressInfo).port}`)
  return async () => {
    sql.close()
    await fg.stop()
  }
}
