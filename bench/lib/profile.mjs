// CPU time of one Worker's isolate, from a V8 CPU profile taken over workerd's inspector protocol
// (Miniflare's `inspectorPort`). The storage simulators (D1, KV, Durable Objects) are other
// isolates of the same workerd process, so their work is not in this profile.

/** A minimal Chrome DevTools Protocol client over Node's WebSocket. */
export async function connectInspector(port, target) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/${target}`)
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true })
    ws.addEventListener(
      'error',
      () => reject(new Error(`inspector: cannot reach ${target} on port ${port}`)),
      {
        once: true,
      }
    )
  })
  let nextId = 1
  const pending = new Map()
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data))
    const waiter = msg.id !== undefined ? pending.get(msg.id) : undefined
    if (!waiter) return
    pending.delete(msg.id)
    if (msg.error) waiter.reject(new Error(`inspector: ${msg.error.message}`))
    else waiter.resolve(msg.result)
  })
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      ws.send(JSON.stringify({ id, method, params }))
    })
  return { send, close: () => ws.close() }
}

/**
 * Milliseconds of CPU in a profile, split by kind: `js` (our code and the libraries it runs),
 * `program` (V8 and workerd native work on the isolate's behalf: WebCrypto, parsing, I/O glue) and
 * `gc`; `(idle)` samples are left out. V8's sampler only ticks while the isolate runs, so the gap
 * between two samples that straddle a wait (D1, KV, a timer, another isolate) is not CPU. The
 * estimate is therefore the classic one: samples times the sampling period, where the period is
 * the median of the intervals under 1 ms (the ticks of a running isolate; about twice the
 * requested interval in workerd here).
 */
export function cpuOfProfile(profile) {
  const kind = new Map()
  for (const node of profile.nodes) {
    const fn = node.callFrame.functionName
    const k =
      fn === '(idle)'
        ? 'idle'
        : fn === '(program)'
          ? 'program'
          : fn === '(garbage collector)'
            ? 'gc'
            : 'js'
    kind.set(node.id, k)
  }
  const busy = profile.timeDeltas.filter((d) => d > 0 && d < 1000).sort((a, b) => a - b)
  const periodUs = busy.length >= 10 ? busy[busy.length >> 1] : null
  const n = { js: 0, program: 0, gc: 0, idle: 0 }
  for (const id of profile.samples) n[kind.get(id) ?? 'js']++
  return { n, periodUs }
}

/** CPU milliseconds from sample counts and a period (microseconds). */
export function cpuMs({ n }, periodUs) {
  const ms = (k) => (n[k] * periodUs) / 1000
  return {
    cpu: ms('js') + ms('program') + ms('gc'),
    js: ms('js'),
    program: ms('program'),
    gc: ms('gc'),
  }
}

/** Starts sampling (every `intervalUs` microseconds); `stop()` returns cpuOfProfile of the window. */
export async function startProfile(inspector, intervalUs = 100) {
  await inspector.send('Profiler.enable')
  await inspector.send('Profiler.setSamplingInterval', { interval: intervalUs })
  await inspector.send('Profiler.start')
  return {
    async stop() {
      const { profile } = await inspector.send('Profiler.stop')
      return cpuOfProfile(profile)
    },
  }
}

/**
 * CPU milliseconds per request of `source` on one isolate: `n` requests one after another under a
 * profile, after `settle()` (so deferred work of earlier requests is not counted) and before the
 * profile stops `settle()` again (so each request's own waitUntil work is).
 */
export async function cpuPerRequest({ inspector, baseUrl, source, n, periodUs, send, settle }) {
  await settle()
  const profile = await startProfile(inspector)
  for (let i = 0; i < n; i++) await send(baseUrl, source.next())
  await settle()
  const counts = await profile.stop()
  const ms = cpuMs(counts, periodUs)
  return { cpu_ms: ms.cpu / n, cpu_js_ms: ms.js / n, cpu_native_ms: (ms.program + ms.gc) / n }
}

/** The sampler's period on this machine: the median tick of a profile of a busy loop. */
export async function calibrate({ inspector, baseUrl, send }) {
  const profile = await startProfile(inspector)
  for (let i = 0; i < 5; i++) await send(baseUrl, { method: 'GET', path: '/spin', headers: {} })
  const { periodUs } = await profile.stop()
  if (!periodUs) throw new Error('--cpu: the profiler took too few samples to calibrate')
  return periodUs
}
