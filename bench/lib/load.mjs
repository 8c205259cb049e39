// The load generator (autocannon, programmatic) and the D1 round-trip counter.
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'

const require = createRequire(import.meta.url)
const autocannon = require('autocannon')

/**
 * A source of requests for one scenario: the same request every time, or (`perRequest`) a new one
 * for every request, numbered across warm-up, measurement and D1 counting so values never repeat.
 */
export function requestSource(scenario, state) {
  let i = 0
  const next = () => normalise(scenario.request(state, i++))
  if (!scenario.perRequest) {
    const fixed = next()
    // autocannon writes into the request objects it gets: hand it copies.
    return { next: () => fixed, autocannon: () => [{ ...fixed, headers: { ...fixed.headers } }] }
  }
  return { next, autocannon: () => [{ setupRequest: (defaults) => ({ ...defaults, ...next() }) }] }
}

function normalise(req) {
  const json = req.body !== undefined && typeof req.body !== 'string'
  const body = json ? JSON.stringify(req.body) : req.body
  const headers = { ...req.headers }
  if (json && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json'
  return { method: req.method ?? 'GET', path: req.path ?? '/', headers, body }
}

const hasHeader = (headers, name) => Object.keys(headers).some((k) => k.toLowerCase() === name)

/**
 * Drives `url` with a fixed number of connections for `seconds`. Every response's status is checked
 * against `expectStatus`; latencies are kept exactly (autocannon's own histogram has 1 ms buckets).
 */
export async function drive({ url, source, expectStatus, connections, seconds, signal }) {
  const latencies = []
  const statuses = {}
  let unexpected = 0
  const instance = autocannon({
    url: url.href,
    connections,
    duration: seconds,
    requests: source.autocannon(),
    timeout: 30,
  })
  const abort = () => instance.stop()
  signal?.addEventListener('abort', abort)
  instance.on('response', (_client, status, _bytes, ms) => {
    latencies.push(ms)
    statuses[status] = (statuses[status] ?? 0) + 1
    if (status !== expectStatus) unexpected++
  })
  const result = await instance
  signal?.removeEventListener('abort', abort)
  signal?.throwIfAborted()
  latencies.sort((a, b) => a - b)
  // Connection errors, timeouts included.
  const errors = result.errors
  return {
    rps: latencies.length / result.duration,
    p50_ms: percentile(latencies, 0.5),
    p99_ms: percentile(latencies, 0.99),
    responses: latencies.length,
    statuses,
    unexpected: unexpected + errors,
  }
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

/** One request with fetch (seeding probes and D1 counting). */
export async function send(baseUrl, req) {
  const res = await fetch(new URL(req.path, baseUrl), {
    method: req.method,
    headers: req.headers,
    body: req.body,
  })
  return { status: res.status, text: await res.text() }
}

async function d1Counts(appUrl, reset = false, rows = false) {
  const path = reset ? `/__bench/d1/reset${rows ? '?rows=1' : ''}` : '/__bench/d1'
  const res = await fetch(new URL(path, appUrl), {
    method: reset ? 'POST' : 'GET',
  })
  if (!res.ok) throw new Error(`bench counter answered ${res.status}: is bench/worker.ts running?`)
  return res.json()
}

/**
 * Waits until the D1 counter stops moving: the load generator may leave requests in flight, and
 * requests schedule work with ctx.waitUntil that runs after their response.
 */
export async function settle(appUrl, quietMs = 150, maxMs = 5000) {
  const deadline = Date.now() + maxMs
  let last = await d1Counts(appUrl)
  while (Date.now() < deadline) {
    await sleep(quietMs)
    const now = await d1Counts(appUrl)
    if (now.round_trips === last.round_trips) return now
    last = now
  }
  return last
}

/**
 * D1 round trips per request: reset the counter, send `n` requests one after another, wait for
 * their deferred work, divide. Also checks every status, so a scenario that fails shows it here.
 */
export async function countD1({ appUrl, source, expectStatus, n }) {
  await settle(appUrl)
  await d1Counts(appUrl, true, true)
  let unexpected = 0
  let sample
  for (let i = 0; i < n; i++) {
    const res = await send(appUrl, source.next())
    if (res.status !== expectStatus) {
      unexpected++
      sample ??= `${res.status} ${res.text.slice(0, 200)}`
    }
  }
  const { round_trips, statements, rows_read, rows_written, approximate } = await settle(appUrl)
  // Back to plain counting, so the next load is not slowed by metering.
  await d1Counts(appUrl, true)
  return {
    d1_round_trips: round_trips / n,
    statements: statements / n,
    rows_read: rows_read / n,
    rows_written: rows_written / n,
    rows_approximate: approximate > 0,
    unexpected,
    sample,
  }
}
