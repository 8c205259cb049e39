// `npm run bench -- --scale`: how cost grows with one owner's fleet. Grows one owner through the
// API's bulk paths (POST /things/bulk of 1,000, POST /connect of 1 channel x 1,000 things, and one
// POST /things/configs per gateway: there is no bulk config route) to 1k, 10k, 100k and 1M things,
// with as many connections as things and a bootstrap config for every tenth thing. At each size it
// measures a list page, an identify miss, a bootstrap miss and the mapping rate, and reads D1's own
// database size. Minutes, not part of CI. Writes bench/scale.json and prints a table.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { clientIp, makeContext } from './lib/context.mjs'
import { drive, requestSource } from './lib/load.mjs'

const SIZES = [1_000, 10_000, 100_000, 1_000_000]
const CHANNELS = 10
const BULK = 1_000
const CONFIG_EVERY = 10
const CONCURRENCY = 8
/** Fresh keys and configs set aside at each size for the miss measurements (never used before). */
const MISS_POOL = 4_000

const auth = (token) => ({ authorization: `Bearer ${token}` })

/** Runs `task(i)` for i in [0, n) with bounded concurrency; the first failure stops the run. */
async function pool(n, task, concurrency = CONCURRENCY) {
  let next = 0
  const worker = async () => {
    while (next < n) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
}

export async function runScale({ runtime, settings, log, out, sizes = SIZES }) {
  const ctx = makeContext(runtime)
  const user = await ctx.newUser()
  const h = auth(user.token)
  const channels = []
  for (let c = 0; c < CHANNELS; c++) {
    const res = await ctx.call(201, 'POST', '/channels', {
      token: user.token,
      json: { name: `scale-${c}` },
    })
    channels.push(res.headers.get('location').split('/').pop())
  }

  let things = 0
  let configs = 0
  /** POST /mapping is capped per client address (120 a minute): each mapping comes from its own. */
  let mappingClient = 0
  let batch = 0
  /** Things created but never identified or bootstrapped: the miss pools take from here. */
  const fresh = []
  const rows = []
  const started = Date.now()

  for (const size of sizes) {
    const t0 = Date.now()
    const calls = Math.ceil((size - things) / BULK)
    await pool(calls, async () => {
      const n = BULK
      const b = batch++
      const res = await ctx.call(201, 'POST', '/things/bulk', {
        token: user.token,
        json: Array.from({ length: n }, (_, i) => ({
          name: `s-${b}-${i}`,
          metadata: { batch: b, i },
        })),
      })
      const made = res.body.things
      await ctx.call(200, 'POST', '/connect', {
        token: user.token,
        json: { channel_ids: [channels[b % CHANNELS]], thing_ids: made.map((t) => t.id) },
      })
      things += made.length
      // Every tenth thing gets a bootstrap config; keep the rest's keys for identify misses.
      for (let i = 0; i < made.length; i++)
        fresh.push({ ...made[i], config: i % CONFIG_EVERY === 0 })
    })
    const wantConfigs = Math.floor(things / CONFIG_EVERY)
    const candidates = fresh
      .filter((t) => t.config && !t.configured)
      .slice(0, wantConfigs - configs)
    await pool(candidates.length, async (i) => {
      const t = candidates[i]
      t.configured = true
      await ctx.call(201, 'POST', '/things/configs', {
        token: user.token,
        json: {
          thing_id: t.id,
          external_id: `ext-${t.id}`,
          external_key: `key-${t.id}`,
          channels: [channels[0]],
        },
      })
      configs++
    })
    const grown = (Date.now() - t0) / 1000
    log(
      `scale: ${things.toLocaleString('en-US')} things, ${configs.toLocaleString('en-US')} configs (grown in ${grown.toFixed(0)} s)`
    )

    // Miss pools: keys never identified, configs never fetched.
    const keyPool = fresh.filter((t) => !t.config && !t.used).slice(0, MISS_POOL)
    const cfgPool = fresh.filter((t) => t.configured && !t.used).slice(0, MISS_POOL)
    for (const t of [...keyPool, ...cfgPool]) t.used = true
    const measure = async (name, scenario) => {
      const source = requestSource(scenario)
      const r = await drive({
        url: runtime.appUrl,
        source,
        expectStatus: scenario.expectStatus,
        connections: settings.connections,
        seconds: settings.duration,
      })
      return {
        rps: r.rps,
        p50_ms: r.p50_ms,
        p99_ms: r.p99_ms,
        unexpected: r.unexpected,
        responses: r.responses,
      }
    }
    const pick = (arr) => (_s, i) => arr[i % arr.length]
    const list = await measure('list', {
      request: () => ({ path: '/things?limit=100&offset=0', headers: h }),
      expectStatus: 200,
    })
    const listDeep = await measure('list deep', {
      request: () => ({
        path: `/things?limit=100&offset=${Math.max(0, things - 100)}`,
        headers: h,
      }),
      expectStatus: 200,
    })
    const keyOf = pick(keyPool)
    const identify = await measure('identify miss', {
      perRequest: true,
      request: (s, i) => ({ method: 'POST', path: '/identify', body: { token: keyOf(s, i).key } }),
      expectStatus: 200,
    })
    const cfgOf = pick(cfgPool)
    const bootstrap = await measure('bootstrap miss', {
      perRequest: true,
      request: (s, i) => {
        const t = cfgOf(s, i)
        return {
          path: `/things/bootstrap/ext-${t.id}`,
          headers: { authorization: `Thing key-${t.id}` },
        }
      },
      expectStatus: 200,
    })
    const mapping = await measure('mapping', {
      perRequest: true,
      request: (_s, i) => ({
        method: 'POST',
        path: '/mapping',
        headers: { ...h, 'cf-connecting-ip': clientIp(mappingClient++) },
        body: { external_id: `map-${size}-${i}`, external_key: `mk-${size}-${i}`, name: `gw-${i}` },
      }),
      expectStatus: 201,
    })
    const sizeRow = await runtime.d1.prepare('SELECT 1').run()
    const bytes = sizeRow.meta.size_after
    const row = {
      things,
      connections: things,
      configs,
      d1_bytes: bytes,
      list_p50_ms: list.p50_ms,
      list_rps: list.rps,
      list_deep_p50_ms: listDeep.p50_ms,
      identify_miss_p50_ms: identify.p50_ms,
      identify_miss_rps: identify.rps,
      bootstrap_miss_p50_ms: bootstrap.p50_ms,
      bootstrap_miss_rps: bootstrap.rps,
      mapping_rps: mapping.rps,
      unexpected:
        list.unexpected +
        listDeep.unexpected +
        identify.unexpected +
        bootstrap.unexpected +
        mapping.unexpected,
      grown_s: grown,
    }
    rows.push(row)
    // The miss pools were used; mapping made gateways of its own (counted in the next D1 size).
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date(started).toISOString(), settings, rows }, null, 2)}\n`
    )
  }
  printScale(rows)
  return rows.some((r) => r.unexpected > 0) ? 1 : 0
}

function printScale(rows) {
  const f = (n, d = 0) =>
    Number.isFinite(n)
      ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
      : '-'
  const table = [
    [
      'things',
      'configs',
      'D1 MB',
      'list p50',
      'list@end p50',
      'identify miss p50 / rps',
      'bootstrap miss p50 / rps',
      'mapping rps',
      'errors',
    ],
    ...rows.map((r) => [
      f(r.things),
      f(r.configs),
      f(r.d1_bytes / 1e6, 1),
      `${f(r.list_p50_ms, 1)} ms`,
      `${f(r.list_deep_p50_ms, 1)} ms`,
      `${f(r.identify_miss_p50_ms, 1)} ms / ${f(r.identify_miss_rps)}`,
      `${f(r.bootstrap_miss_p50_ms, 1)} ms / ${f(r.bootstrap_miss_rps)}`,
      f(r.mapping_rps),
      f(r.unexpected),
    ]),
  ]
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)))
  for (const row of table)
    console.log(
      row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')
    )
}

export const scaleOut = (root) => join(root, 'bench', 'scale.json')
