// The two sides the end-to-end test drives: Fluxgate's HTTP API (as an operator and as a gateway
// fetching its bootstrap config) and MQTT clients (the npm `mqtt` package, MQTT 3.1.1 as RabbitMQ
// 3.10 speaks it) acting as the Mainflux agent does.
import { randomUUID } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { expect, inject } from 'vitest'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export interface Reply {
  status: number
  headers: Headers
  body: any
}

/** One Fluxgate request; a non-string `json` is sent as JSON. */
export async function api(
  method: string,
  path: string,
  { token, json }: { token?: string; json?: unknown } = {}
): Promise<Reply> {
  const headers: Record<string, string> = {}
  if (token) headers.Authorization = token
  if (json !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(`${inject('fluxgateUrl')}${path}`, {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
  })
  const text = await res.text()
  let body: any = text
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {}
  return { status: res.status, headers: res.headers, body }
}

/** `api` that insists on `status`, naming the request and the answer when it differs. */
export async function ok(
  status: number,
  method: string,
  path: string,
  opts: Parameters<typeof api>[2] = {}
) {
  const r = await api(method, path, opts)
  expect(r.status, `${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`).toBe(status)
  return r
}

/** A new user account and its login token. */
export async function signUp() {
  const email = `e2e-${randomUUID()}@fluxgate.test`
  const password = `pw-${randomUUID()}`
  await ok(201, 'POST', '/users', { json: { email, password } })
  const { body } = await ok(201, 'POST', '/tokens', { json: { email, password } })
  return body.token as string
}

export interface Thing {
  id: string
  key: string
}

/** A thing of the user's (`POST /things`, its id from Location, its key from `GET`). */
export async function newThing(token: string, name = `thing-${randomUUID()}`): Promise<Thing> {
  const created = await ok(201, 'POST', '/things', { token, json: { name } })
  const id = created.headers.get('location')!.replace('/things/', '')
  const { body } = await ok(200, 'GET', `/things/${id}`, { token })
  return { id, key: body.key }
}

export interface Gateway {
  externalId: string
  externalKey: string
  /** The thing, as the agent learns it from bootstrap: mainflux_id and mainflux_key. */
  thing: Thing
  control: string
  data: string
  mqttUrl: string
  /** `content` as the agent parses it (undefined when the config has none). */
  content: any
}

/** Provisions a gateway with `POST /mapping` and reads its config as the agent does. */
export async function provisionGateway(token: string, layout?: string): Promise<Gateway> {
  const externalId = `gw-${randomUUID()}`
  const externalKey = `ek-${randomUUID()}`
  const q = layout ? `?layout=${encodeURIComponent(layout)}` : ''
  await ok(201, 'POST', `/mapping${q}`, {
    token,
    json: { external_id: externalId, external_key: externalKey, name: `gateway-${externalId}` },
  })
  return { externalId, externalKey, ...(await bootstrap(externalId, externalKey)) }
}

/**
 * `GET /things/bootstrap/<external id>` with the external key, parsed as the Mainflux agent does:
 * `content` is a JSON string; the first channel is control and the second data, unless the first
 * one's metadata says `type: "data"`.
 */
export async function bootstrap(externalId: string, externalKey: string) {
  const { body } = await ok(200, 'GET', `/things/bootstrap/${encodeURIComponent(externalId)}`, {
    token: externalKey,
  })
  const content =
    typeof body.content === 'string' && body.content ? JSON.parse(body.content) : undefined
  const channels: { id: string; metadata?: any }[] = body.mainflux_channels ?? []
  expect(channels.length, 'a gateway needs its control and data channels').toBeGreaterThanOrEqual(2)
  const [first, second] = channels as [
    { id: string; metadata?: any },
    { id: string; metadata?: any },
  ]
  const [control, data] = first.metadata?.type === 'data' ? [second, first] : [first, second]
  return {
    thing: { id: body.mainflux_id as string, key: body.mainflux_key as string },
    control: control.id,
    data: data.id,
    mqttUrl: agentMqttUrl(content),
    content,
  }
}

/**
 * The broker address the agent dials: `content.agent.mqtt.url`, in paho's form (`host:port` or
 * `tcp://host:port`), as mqtt.js spells it (`mqtt://`). A config without one fails the test: the
 * agent would have nowhere to connect.
 */
export function agentMqttUrl(content: any): string {
  const url = content?.agent?.mqtt?.url
  expect(typeof url === 'string' && url !== '', 'bootstrap content.agent.mqtt.url').toBe(true)
  if (!url.includes('://')) return `mqtt://${url}`
  expect(url, 'a plain-TCP broker address').toMatch(/^tcp:\/\//i)
  return url.replace(/^tcp:\/\//i, 'mqtt://')
}

export interface Session {
  client: MqttClient
  /** Every event seen, in order: `close`, `message <topic> <payload>`, `error ...`. */
  events: string[]
  messages: { topic: string; payload: string }[]
  closed: Promise<void>
  isClosed: () => boolean
}

/** Why a connect failed: the CONNACK code (4 bad user name or password, 5 not authorized). */
export class Refused extends Error {
  constructor(
    readonly code: number | string | undefined,
    message: string
  ) {
    super(message)
  }
}

/**
 * An MQTT 3.1.1 session as the agent opens one (clean session, no automatic reconnect, so the
 * test sees each close), resolved once CONNACK accepts it.
 * @throws Refused when the broker refuses the connect or drops the connection first.
 */
export function connectMqtt(
  { clientId, username, password }: { clientId: string; username: string; password: string },
  url = inject('mqttUrl')
): Promise<Session> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId,
      username,
      password,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
    })
    const events: string[] = []
    const messages: { topic: string; payload: string }[] = []
    let closed = false
    let onClose!: () => void
    const closedP = new Promise<void>((r) => (onClose = r))
    client.on('message', (topic, payload) => {
      events.push(`message ${topic} ${payload}`)
      messages.push({ topic, payload: payload.toString() })
    })
    client.on('close', () => {
      events.push('close')
      closed = true
      onClose()
    })
    client.on('error', (e: any) => events.push(`error ${e.code ?? ''} ${e.message}`))
    client.once('connect', () =>
      resolve({ client, events, messages, closed: closedP, isClosed: () => closed })
    )
    client.once('error', (e: any) => {
      client.end(true)
      reject(new Refused(e.code, e.message))
    })
    client.once('close', () => reject(new Refused('closed', 'connection closed before CONNACK')))
  })
}

/** The agent of a gateway: client id `agent-<mainflux_id>`, its thing id and key. */
export function connectAgent(gw: Gateway, key = gw.thing.key) {
  return connectMqtt(
    { clientId: `agent-${gw.thing.id}`, username: gw.thing.id, password: key },
    gw.mqttUrl
  )
}

/** How a connect ended: 'ok' (and the session is closed again) or the refusal code. */
export async function connectOutcome(
  opts: Parameters<typeof connectMqtt>[0],
  url?: string
): Promise<'ok' | number | string | undefined> {
  try {
    const s = await connectMqtt(opts, url)
    await end(s)
    return 'ok'
  } catch (e) {
    if (e instanceof Refused) return e.code
    throw e
  }
}

/**
 * Subscribes and says what the broker did: 'granted' (SUBACK) or 'closed' (RabbitMQ closes the
 * connection on a refused subscription, and never answers it).
 */
export function subscribe(
  s: Session,
  filter: string,
  qos: 0 | 1 = 0
): Promise<'granted' | 'closed'> {
  return new Promise((resolve, reject) => {
    if (s.isClosed()) return resolve('closed')
    const timer = setTimeout(
      () => reject(new Error(`no SUBACK and no close for ${filter} in 10 s`)),
      10_000
    )
    s.closed.then(() => {
      clearTimeout(timer)
      resolve('closed')
    })
    s.client.subscribe(filter, { qos }, (err, granted) => {
      if (err || !granted?.length || granted.some((g) => g.qos === 128)) return
      clearTimeout(timer)
      // RabbitMQ closes after the check; a SUBACK is only sent for an allowed subscription.
      resolve('granted')
    })
  })
}

/**
 * Publishes (QoS 1, so the broker acknowledges what it accepted) and says what happened: 'acked'
 * or 'closed' (RabbitMQ closes the connection on a refused publish).
 */
export function publish(s: Session, topic: string, payload: string): Promise<'acked' | 'closed'> {
  return new Promise((resolve, reject) => {
    if (s.isClosed()) return resolve('closed')
    const timer = setTimeout(
      () => reject(new Error(`no PUBACK and no close for ${topic} in 10 s`)),
      10_000
    )
    s.closed.then(() => {
      clearTimeout(timer)
      resolve('closed')
    })
    s.client.publish(topic, payload, { qos: 1 }, (err) => {
      if (err) return
      clearTimeout(timer)
      resolve('acked')
    })
  })
}

/** Waits until `s` has received a message whose payload is `payload`, or `ms` passed. */
export async function received(s: Session, payload: string, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (s.messages.some((m) => m.payload === payload)) return true
    await sleep(25)
  }
  return s.messages.some((m) => m.payload === payload)
}

/** Waits for the session to be closed by the broker; false when it is still open after `ms`. */
export async function closedWithin(s: Session, ms: number): Promise<boolean> {
  if (s.isClosed()) return true
  return Promise.race([s.closed.then(() => true), sleep(ms).then(() => false)])
}

export async function end(...sessions: (Session | undefined)[]) {
  await Promise.all(
    sessions.map((s) =>
      s && !s.isClosed() ? new Promise<void>((r) => s.client.end(true, {}, () => r())) : undefined
    )
  )
}

/** The agent's control topic for requests. */
export const reqTopic = (channel: string) => `channels/${channel}/messages/req`
