// `node bench/bcrypt.mjs`: what verifying an imported Mainflux 0.12.1 password costs in workerd.
// 0.12.1 hashed with Go's bcrypt.DefaultCost (10); Fluxgate verifies such a hash once, with
// bcryptjs (pure JS), at the account's first login, then stores PBKDF2. One Worker in workerd
// (through Miniflare, as the bench does) runs bcryptjs' compare per request; the time is measured
// from Node around each request (workerd's own clock does not advance during computation), and
// the same Worker's empty route is the floor subtracted from it.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import bcrypt from 'bcryptjs'

const require = createRequire(import.meta.url)
const fromWrangler = createRequire(
  join(require.resolve('wrangler/package.json'), '..', 'package.json')
)
const { Miniflare } = await import(fromWrangler.resolve('miniflare'))

const bcryptSource = readFileSync(fileURLToPath(import.meta.resolve('bcryptjs')), 'utf8').replace(
  /from "crypto"/,
  'from "node:crypto"'
)
const worker = `import bcrypt from './bcryptjs.mjs'
export default {
  async fetch(request) {
    const url = new URL(request.url)
    if (url.pathname === '/noop') return new Response('ok')
    const { password, hash } = await request.json()
    return new Response(String(await bcrypt.compare(password, hash)))
  },
}`

const mf = new Miniflare({
  telemetry: { enabled: false },
  workers: [
    {
      config: {
        name: 'bcrypt',
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
        manifest: {
          mainModule: 'worker.mjs',
          modules: {
            'worker.mjs': { type: 'esm', contents: worker },
            'bcryptjs.mjs': { type: 'esm', contents: bcryptSource },
          },
        },
      },
      dev: { unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] },
    },
  ],
})
const RUNS = Number(process.env.RUNS ?? 9)
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
try {
  await mf.ready
  const url = await mf.unsafeGetDirectURL('bcrypt')
  const timed = async (path, body) => {
    const t0 = performance.now()
    const res = await fetch(
      new URL(path, url),
      body ? { method: 'POST', body: JSON.stringify(body) } : undefined
    )
    const text = await res.text()
    return { ms: performance.now() - t0, text }
  }
  const floor = []
  for (let i = 0; i < RUNS; i++) floor.push((await timed('/noop')).ms)
  const f = median(floor)
  const rows = []
  for (const cost of [10, 12]) {
    const hash = (await bcrypt.hash('an-old-password', cost)).replace(/^\$2b\$/, '$2a$')
    await timed('/compare', { password: 'an-old-password', hash }) // warm-up
    const ms = []
    for (let i = 0; i < RUNS; i++) {
      const r = await timed('/compare', { password: 'an-old-password', hash })
      if (r.text !== 'true') throw new Error(`compare failed at cost ${cost}`)
      ms.push(r.ms - f)
    }
    rows.push({
      cost,
      median_ms: Math.round(median(ms)),
      min_ms: Math.round(Math.min(...ms)),
      runs: RUNS,
    })
  }
  console.log(`bcryptjs compare in workerd (floor ${f.toFixed(1)} ms subtracted):`)
  console.table(rows)
} finally {
  await mf.dispose()
}
