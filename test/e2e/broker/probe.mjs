#!/usr/bin/env node
// Records what RabbitMQ's HTTP auth backend sends and how it reacts to answers, against a logging
// server that answers `allow` unless told otherwise. Prints every hook request per step and the
// management API facts. Run: `node test/e2e/broker/probe.mjs` (needs rabbitmq-server installed).
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import mqtt from 'mqtt'
import { freePort, startRabbit } from './rabbitmq.mjs'

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const out = (...a) => console.log(...a)

// The logging hook server: `policy(path, fields)` decides [status, body].
let policy = () => [200, 'allow']
let seen = []
const hook = createServer((req, res) => {
  const chunks = []
  req.on('data', (d) => chunks.push(d))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString()
    const url = new URL(req.url, 'http://x')
    const fields = Object.fromEntries(new URLSearchParams(body))
    const [status, answer] = policy(url.pathname, fields)
    seen.push({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body,
      fields,
      answer: `${status} ${answer}`,
    })
    res.writeHead(status, { 'content-type': 'text/plain' })
    res.end(answer)
  })
})
const hookPort = await freePort()
await new Promise((r) => hook.listen(hookPort, '127.0.0.1', r))
const base = `http://127.0.0.1:${hookPort}`

const conf = `auth_backends.1 = internal
auth_backends.2 = http
auth_http.http_method = post
auth_http.user_path = ${base}/user
auth_http.vhost_path = ${base}/vhost
auth_http.resource_path = ${base}/resource
auth_http.topic_path = ${base}/topic
mqtt.allow_anonymous = false
`

const rabbit = await startRabbit({ conf, log: out })
const api = async (method, path, headers = {}) => {
  const res = await fetch(`${rabbit.mgmtUrl}${path}`, {
    method,
    headers: { authorization: rabbit.auth, ...headers },
  })
  const text = await res.text()
  let body
  try {
    body = JSON.parse(text)
  } catch {
    body = text
  }
  return { status: res.status, body }
}

function dump(step) {
  out(`\n===== ${step}`)
  for (const r of seen) {
    out(`${r.method} ${r.url}  content-type=${r.headers['content-type']}  -> ${r.answer}`)
    out(`   body: ${r.body}`)
  }
  seen = []
}

function connect(opts) {
  return new Promise((resolve) => {
    const c = mqtt.connect(rabbit.mqttUrl, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      clean: true,
      ...opts,
    })
    const events = []
    c.events = events
    for (const ev of ['close', 'offline', 'end', 'disconnect']) c.on(ev, () => events.push(ev))
    c.on('error', (e) => events.push(`error:${e.code ?? ''}:${e.message}`))
    c.on('message', (t, p) => events.push(`message:${t}:${p}`))
    c.once('connect', (ack) => resolve({ c, ok: true, ack }))
    c.once('error', (e) => resolve({ c, ok: false, err: e }))
    c.once('close', () => resolve({ c, ok: false, err: 'closed' }))
  })
}
const subscribe = (c, topic, qos = 0) =>
  new Promise((resolve) => {
    if (!c.connected) return resolve('not connected')
    const t = setTimeout(() => resolve('no suback in 3 s'), 3000)
    c.subscribe(topic, { qos }, (err, granted) => {
      clearTimeout(t)
      resolve({ err: err?.message, granted })
    })
  })
const publish = (c, topic, msg, qos = 0) =>
  new Promise((resolve) => {
    if (!c.connected) return resolve('not connected')
    const t = setTimeout(() => resolve('no callback in 3 s'), 3000)
    c.publish(topic, msg, { qos }, (err) => {
      clearTimeout(t)
      resolve(err?.message ?? 'ok')
    })
  })

try {
  const thing = randomUUID()
  const key = randomUUID()
  const chan = randomUUID()
  out(`thing=${thing} key=${key} channel=${chan}`)

  const a = await connect({ clientId: `agent-${thing}`, username: thing, password: key })
  out('connect:', a.ok, a.ack ?? a.err)
  await sleep(300)
  dump('connect (clean session, username=thing, password=key, clientId=agent-<thing>)')

  out('subscribe req:', await subscribe(a.c, `channels/${chan}/messages/req`))
  await sleep(300)
  dump(`subscribe channels/${chan}/messages/req qos0`)

  out('publish:', await publish(a.c, `channels/${chan}/messages/x/y`, 'hello'))
  await sleep(300)
  dump(`publish channels/${chan}/messages/x/y qos0`)

  out('publish again same topic:', await publish(a.c, `channels/${chan}/messages/x/y`, 'hello2'))
  await sleep(300)
  dump('publish again, same topic (cache?)')

  out('subscribe #:', await subscribe(a.c, `channels/${chan}/messages/#`))
  await sleep(300)
  dump(`subscribe channels/${chan}/messages/#`)

  out('subscribe +:', await subscribe(a.c, 'channels/+/messages'))
  await sleep(300)
  dump('subscribe channels/+/messages')

  out('subscribe qos1:', await subscribe(a.c, `channels/${chan}/messages/q1`, 1))
  await sleep(300)
  dump(`subscribe channels/${chan}/messages/q1 qos1`)

  out('publish qos1:', await publish(a.c, `channels/${chan}/messages/q1`, 'x', 1))
  await sleep(300)
  dump('publish qos1')

  // Management API facts. Connection stats are emitted every 5 s by default.
  out(
    '\n===== GET /api/connections right after connect',
    JSON.stringify((await api('GET', '/api/connections')).body)
  )
  await sleep(6000)
  const conns = await api('GET', '/api/connections')
  out('\n===== GET /api/connections', conns.status)
  out(JSON.stringify(conns.body, null, 1))
  out('\n===== GET /api/connections?columns=name,user')
  out(JSON.stringify(await api('GET', '/api/connections?columns=name,user'), null, 1))
  out(`\n===== GET /api/connections/username/${thing}`)
  out(JSON.stringify(await api('GET', `/api/connections/username/${thing}`), null, 1))
  out('\n===== GET /api/vhosts/%2F/connections')
  out(JSON.stringify(await api('GET', '/api/vhosts/%2F/connections?columns=name,user'), null, 1))
  out(`\n===== rabbitmqctl list_mqtt_connections`)
  out(rabbit.ctl('list_mqtt_connections', 'client_id', 'user', 'conn_name', 'connection'))
  out(`\n===== GET /api/queues?columns=name,durable,auto_delete,exclusive`)
  out(
    JSON.stringify(
      await api('GET', '/api/queues?columns=name,durable,auto_delete,exclusive,owner_pid_details'),
      null,
      1
    )
  )
  dump('management queries (hooks called during them)')

  // Cache timing: the same publish repeated after growing idle gaps; which ones reach the hook?
  for (const gap of [0, 500, 1000, 2000, 4000, 8000]) {
    await sleep(gap)
    seen = []
    await publish(a.c, `channels/${chan}/messages/x/y`, 'again')
    await sleep(200)
    out(
      `publish same topic after ${gap} ms idle: ${seen.length} hook calls ${seen.map((r) => r.url).join(',')}`
    )
  }
  seen = []

  // Caching: deny everything from now on; does the open subscription keep receiving, does the
  // connection's own publish still pass?
  const other = randomUUID()
  const b = await connect({ clientId: `agent-${other}`, username: other, password: randomUUID() })
  out('second client connect:', b.ok)
  dump('second client connect')
  policy = (path) => (path === '/user' ? [200, 'allow'] : [200, 'deny'])
  out('policy: deny everything but /user')
  out('b publish req:', await publish(b.c, `channels/${chan}/messages/req`, 'after-deny-from-b'))
  await sleep(500)
  dump('b publishes on req after deny (first time for b on this topic)')
  out('a events:', a.c.events)
  out('a publish same topic again:', await publish(a.c, `channels/${chan}/messages/x/y`, 'h3'))
  await sleep(500)
  dump('a publishes again on the same topic after deny')
  out('a connected?', a.c.connected, a.c.events)
  out('a publish new topic:', await publish(a.c, `channels/${chan}/messages/new`, 'h4'))
  await sleep(500)
  dump('a publishes a new topic after deny')
  out('a connected?', a.c.connected, a.c.events)
  a.c.end(true)
  b.c.end(true)
  await sleep(300)
  seen = []

  // Deny with a subscription open: publisher is allowed (policy by username), subscriber denied.
  policy = () => [200, 'allow']
  const s = randomUUID()
  const p = randomUUID()
  const sub = await connect({ clientId: `agent-${s}`, username: s, password: 'k' })
  const pub = await connect({ clientId: `agent-${p}`, username: p, password: 'k' })
  out('sub subscribe:', await subscribe(sub.c, `channels/${chan}/messages/req`))
  out('pub publish 1:', await publish(pub.c, `channels/${chan}/messages/req`, 'one'))
  await sleep(300)
  out('sub events:', sub.c.events)
  policy = (path, f) => (f.username === s && path !== '/user' ? [200, 'deny'] : [200, 'allow'])
  out('policy: deny subscriber on vhost/resource/topic')
  out('pub publish 2:', await publish(pub.c, `channels/${chan}/messages/req`, 'two'))
  await sleep(500)
  out('sub events (two received => open subscription not re-checked):', sub.c.events)
  dump('open subscription after subscriber denied')

  // Denied subscribe: what does the client see?
  out('sub subscribe new (denied):', await subscribe(sub.c, `channels/${chan}/messages/other`))
  await sleep(500)
  out('sub events:', sub.c.events, 'connected', sub.c.connected)
  dump('denied subscribe')

  // Denied publish.
  policy = (path, f) => (f.username === p && path === '/topic' ? [200, 'deny'] : [200, 'allow'])
  out('pub publish denied topic:', await publish(pub.c, `channels/${chan}/messages/denied`, 'z'))
  await sleep(500)
  out('pub events:', pub.c.events, 'connected', pub.c.connected)
  dump('denied publish qos0')
  pub.c.end(true)
  sub.c.end(true)

  // Answers on /user, then the same answers on /resource and /topic (with /user allowing).
  const answers = [
    [200, 'deny'],
    [200, 'allow management'],
    [200, 'Allow'],
    [200, 'allow\n'],
    [200, ' allow'],
    [200, ''],
    [200, 'maybe'],
    [201, 'allow'],
    [204, ''],
    [404, 'allow'],
    [500, 'allow'],
    [401, 'deny'],
    [302, 'allow'],
  ]
  const refusal = (r) => (r.ok ? 'OK' : `refused ${r.err?.code ?? ''} ${r.err?.message ?? r.err}`)
  for (const [status, body] of answers) {
    policy = (path) => (path === '/user' ? [status, body] : [200, 'allow'])
    const u = randomUUID()
    const r = await connect({ clientId: `agent-${u}`, username: u, password: 'k' })
    out(`/user answered ${status} ${JSON.stringify(body)}: connect ${refusal(r)}`)
    r.c.end(true)
    await sleep(100)
    seen = []
  }
  for (const target of ['/resource', '/topic']) {
    for (const [status, body] of answers) {
      policy = (path) => (path === target ? [status, body] : [200, 'allow'])
      const u = randomUUID()
      const r = await connect({ clientId: `agent-${u}`, username: u, password: 'k' })
      const sr = await subscribe(r.c, `channels/${chan}/messages/t`)
      await sleep(300)
      out(
        `${target} answered ${status} ${JSON.stringify(body)}: subscribe`,
        sr.err ? `failed (${sr.err})` : 'granted',
        'connected',
        r.c.connected
      )
      r.c.end(true)
      await sleep(100)
      seen = []
    }
  }

  // vhost deny at connect.
  policy = (path) => (path === '/vhost' ? [200, 'deny'] : [200, 'allow'])
  {
    const u = randomUUID()
    const r = await connect({ clientId: `agent-${u}`, username: u, password: 'k' })
    out(
      'vhost deny: connect',
      r.ok ? 'OK' : `refused ${r.err?.code ?? ''} ${r.err?.message ?? r.err}`
    )
    r.c.end(true)
    dump('vhost deny')
  }
  // Hook server down.
  policy = () => [200, 'allow']
  hook.close()
  hook.closeAllConnections?.()
  await sleep(200)
  {
    const u = randomUUID()
    const r = await connect({ clientId: `agent-${u}`, username: u, password: 'k' })
    out(
      'hook down: connect',
      r.ok ? 'OK' : `refused ${r.err?.code ?? ''} ${r.err?.message ?? r.err}`
    )
    r.c.end(true)
  }
  await new Promise((r) => hook.listen(hookPort, '127.0.0.1', r))

  // Closing an MQTT connection through the management API.
  const closeTest = async (label, act) => {
    const u = randomUUID()
    const r = await connect({ clientId: `agent-${u}`, username: u, password: 'k' })
    await subscribe(r.c, `channels/${chan}/messages/req`)
    const t0 = Date.now()
    const res = await act(u)
    for (let i = 0; i < 100 && r.c.connected; i++) await sleep(20)
    out(
      `${label}: ${JSON.stringify(res)}; client after ${Date.now() - t0} ms:`,
      r.c.events,
      'connected',
      r.c.connected
    )
    r.c.end(true)
    seen = []
  }
  await closeTest('DELETE /api/connections/username/{user} right after connect', (u) =>
    api('DELETE', `/api/connections/username/${encodeURIComponent(u)}`, {
      'x-reason': 'credentials revoked',
    })
  )
  await closeTest('DELETE /api/connections/{name} right after connect', async (u) => {
    const list = await api('GET', `/api/connections/username/${encodeURIComponent(u)}`)
    return Promise.all(
      list.body.map((m) =>
        api('DELETE', `/api/connections/${encodeURIComponent(m.name)}`, {
          'x-reason': 'credentials revoked',
        })
      )
    )
  })
  await closeTest('DELETE /api/connections/{name} 6 s after connect', async (u) => {
    await sleep(6000)
    const list = await api('GET', `/api/connections/username/${encodeURIComponent(u)}`)
    return Promise.all(
      list.body.map(async (m) => [
        m.name,
        await api('DELETE', `/api/connections/${encodeURIComponent(m.name)}`, {
          'x-reason': 'credentials revoked',
        }),
      ])
    )
  })
  await closeTest('DELETE /api/connections/username/{user} 6 s after connect', async (u) => {
    await sleep(6000)
    return api('DELETE', `/api/connections/username/${encodeURIComponent(u)}`, {
      'x-reason': 'credentials revoked',
    })
  })
  out(
    'DELETE /api/connections/username/nobody ->',
    JSON.stringify(await api('DELETE', '/api/connections/username/nobody'))
  )
  out(
    'DELETE /api/connections/nope ->',
    JSON.stringify(await api('DELETE', '/api/connections/nope'))
  )
  out(
    'GET /api/connections/username/nobody ->',
    JSON.stringify(await api('GET', '/api/connections/username/nobody'))
  )
  out(
    'GET /api/connections/username/x without auth ->',
    (await fetch(`${rabbit.mgmtUrl}/api/connections/username/x`)).status
  )
  out(
    'log lines about closing:',
    rabbit
      .logText()
      .split('\n')
      .filter((l) => /clos|revoked|force/i.test(l))
      .slice(-12)
      .join('\n')
  )

  // Same client id connecting twice.
  {
    const u = randomUUID()
    const r1 = await connect({ clientId: `agent-${u}`, username: u, password: 'k' })
    const r2 = await connect({ clientId: `agent-${u}`, username: u, password: 'k' })
    await sleep(500)
    out('duplicate client id: first', r1.c.events, r1.c.connected, 'second', r2.ok, r2.c.connected)
    r1.c.end(true)
    r2.c.end(true)
    dump('duplicate client id')
  }
  // Persistent session (clean=false) with qos1 subscription: queue name.
  {
    const u = randomUUID()
    const r = await connect({ clientId: `agent-${u}`, username: u, password: 'k', clean: false })
    await subscribe(r.c, `channels/${chan}/messages/req`, 1)
    await sleep(300)
    r.c.end(true)
    dump('clean=false, subscribe qos1')
  }
  // A client id with characters needing escaping.
  {
    const u = randomUUID()
    const r = await connect({ clientId: `weird/id+#`, username: u, password: 'k' })
    await subscribe(r.c, `channels/${chan}/messages/req`, 1)
    await sleep(300)
    r.c.end(true)
    dump('clientId weird/id+#, subscribe qos1')
  }
} finally {
  await rabbit.stop()
  hook.close()
  hook.closeAllConnections?.()
}
