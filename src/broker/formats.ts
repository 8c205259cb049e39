import type { Config } from '../lib/config'
import type { BrokerService, Decision } from './service'
import { clientIdFits } from './service'
import { AMQP, MQTT } from './topics'
import type { Params } from './params'

/*
 * The three brokers' hook contracts, each in its own documented format. Every answer is an allow
 * or a deny; bad input (missing fields, an unknown action, a malformed topic) is a deny.
 */

export interface Format {
  /** How many path segments follow the secret (or the format name, with a header secret). */
  depth: number
  /** The answer when the broker secret is missing or wrong. */
  unauthorized(): Response
  handle(svc: BrokerService, config: Config, path: string[], p: Params): Promise<Response>
}

const text = (body: string, status = 200) =>
  new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

const deny = (reason: string): Decision => ({ allow: false, reason })
const has = (p: Params, k: string) => typeof p[k] === 'string' || typeof p[k] === 'number'
const s = (v: unknown) => (typeof v === 'number' ? String(v) : v)

/**
 * RabbitMQ `rabbitmq_auth_backend_http` (with `rabbitmq_mqtt`), `auth_http.http_method = post`:
 * form fields, plain-text `allow` / `deny`. MQTT topics arrive as routing keys (`/` becomes `.`,
 * `+` becomes `*`). What an authenticated thing needs inside the broker is allowed: the configured
 * vhost, the `amq.topic` exchange (read to subscribe, write to publish), and its own MQTT
 * subscription queues `mqtt-subscription-<client id>qos0|qos1`. Nothing else.
 */
export const rabbitmq: Format = {
  depth: 1,
  unauthorized: () => text('deny', 401),
  async handle(svc, config, [check], p) {
    const d = await rabbitmqCheck(svc, config, check!, p)
    return text(d.allow ? 'allow' : 'deny')
  },
}

const MQTT_QUEUE = /^mqtt-subscription-(.+)qos[01]$/

async function rabbitmqCheck(
  svc: BrokerService,
  config: Config,
  check: string,
  p: Params
): Promise<Decision> {
  const user = p.username
  switch (check) {
    case 'user':
      // The MQTT plugin passes the client id along; another protocol's login has none.
      return svc.connect(user, p.password, has(p, 'client_id') ? s(p.client_id) : undefined)
    case 'vhost':
      if (typeof user !== 'string' || !user) return deny('username is required')
      return p.vhost === config.FLUXGATE_BROKER_VHOST
        ? { allow: true }
        : deny('not the things vhost')
    case 'resource': {
      if (typeof user !== 'string' || !user) return deny('username is required')
      if (p.vhost !== config.FLUXGATE_BROKER_VHOST) return deny('not the things vhost')
      const { resource, name, permission } = p
      if (
        resource === 'exchange' &&
        name === 'amq.topic' &&
        (permission === 'read' || permission === 'write')
      ) {
        return { allow: true }
      }
      if (
        resource === 'queue' &&
        typeof name === 'string' &&
        ['configure', 'read', 'write'].includes(String(permission))
      ) {
        // The queue is the client's own: its name holds the client id, which must be bound to the
        // thing (and be the connection's, when the broker says which).
        const m = MQTT_QUEUE.exec(name)
        const own = m !== null && clientIdFits(m[1]!, user)
        const sameClient = !has(p, 'client_id') || s(p.client_id) === m?.[1]
        if (own && sameClient) return { allow: true }
      }
      return deny('only amq.topic and the thing own MQTT queues')
    }
    case 'topic': {
      if (p.vhost !== config.FLUXGATE_BROKER_VHOST) return deny('not the things vhost')
      if (p.resource !== 'topic' || p.name !== 'amq.topic')
        return deny('only the amq.topic exchange')
      if (p.permission !== 'read' && p.permission !== 'write') return deny('unknown permission')
      const clientId = has(p, 'variable_map.client_id') ? s(p['variable_map.client_id']) : undefined
      // read: a subscription's binding key (wildcards allowed inside the channel); write: a publish.
      return svc.access(user, clientId, p.routing_key, AMQP, p.permission === 'read')
    }
    default:
      return deny('unknown check')
  }
}

/**
 * Mosquitto with mosquitto-go-auth's HTTP backend. Its three response modes are chosen in the URL
 * (`status`, `json`, `text`) to match `auth_opt_http_response_mode`: an allow is 200 (with
 * `{"ok":true,"error":""}` in json mode, `ok` in text mode), a deny is 403, which every mode reads
 * as a deny. Parameters come as JSON (default) or a form (`auth_opt_http_params_mode form`). ACL
 * `acc`: 1 read (a message being delivered), 2 write (publish), 3 read and write, 4 subscribe.
 */
export const mosquitto: Format = {
  depth: 2,
  unauthorized: () => text('unauthorized', 401),
  async handle(svc, _config, [mode, check], p) {
    if (mode !== 'status' && mode !== 'json' && mode !== 'text')
      return text('unknown response mode', 404)
    const d = await mosquittoCheck(svc, check!, p)
    if (d.allow) return mode === 'json' ? json({ ok: true, error: '' }) : text('ok')
    return mode === 'json'
      ? json({ ok: false, error: d.reason ?? 'denied' }, 403)
      : text(d.reason ?? 'denied', 403)
  },
}

async function mosquittoCheck(svc: BrokerService, check: string, p: Params): Promise<Decision> {
  switch (check) {
    case 'user':
      return svc.connect(p.username, p.password, has(p, 'clientid') ? s(p.clientid) : '')
    case 'superuser':
      return deny('no superusers')
    case 'acl': {
      const acc = Number(p.acc)
      if (![1, 2, 3, 4].includes(acc)) return deny('unknown acc')
      return svc.access(
        p.username,
        has(p, 'clientid') ? s(p.clientid) : '',
        p.topic,
        MQTT,
        acc === 4
      )
    }
    default:
      return deny('unknown check')
  }
}

/**
 * EMQX 5.8+ HTTP authentication (`authn`) and HTTP authorization (`authz`): JSON bodies from the
 * documented placeholders, always a 200 JSON answer. EMQX reads any other status as "ignore" and
 * would fall through to its other sources, so a deny is `{"result": "deny"}`, never a 4xx.
 *
 * The authentication answer carries `expire_at` (the session must re-authenticate within
 * FLUXGATE_BROKER_SESSION_MAX) and an `acl` of deny rules only: wildcard filters that reach past one
 * channel. Allows are never handed to EMQX in advance, because an allow in the client's ACL would
 * outlive a revocation until `expire_at`; every publish and subscribe asks `authz` instead.
 */
export const emqx: Format = {
  depth: 1,
  unauthorized: () => json({ result: 'deny' }),
  async handle(svc, config, [check], p) {
    if (check === 'authn') {
      // `peerhost` (EMQX's ${peerhost}) is the device's address, for the per-address tier.
      const d = await svc.connect(
        p.username,
        p.password,
        has(p, 'clientid') ? s(p.clientid) : '',
        p.peerhost
      )
      if (!d.allow) return json({ result: 'deny' })
      return json({
        result: 'allow',
        is_superuser: false,
        expire_at: Math.floor((Date.now() + config.FLUXGATE_BROKER_SESSION_MAX) / 1000),
        acl: EMQX_DENY_RULES,
      })
    }
    if (check === 'authz') {
      const action = p.action
      if (action !== 'publish' && action !== 'subscribe') return json({ result: 'deny' })
      const d = await svc.access(
        p.username,
        has(p, 'clientid') ? s(p.clientid) : '',
        p.topic,
        MQTT,
        action === 'subscribe'
      )
      return json({ result: d.allow ? 'allow' : 'deny' })
    }
    return json({ result: 'deny' })
  },
}

/** Filters no thing may ever use (`eq` matches the filter text itself, not topics it covers). */
const EMQX_DENY_RULES = [
  '#',
  '+/#',
  'channels/#',
  'channels/+',
  'channels/+/#',
  'channels/+/messages',
  'channels/+/messages/#',
].map((t) => ({ permission: 'deny', action: 'all', topic: `eq ${t}` }))

export const FORMATS: Record<string, Format> = { rabbitmq, mosquitto, emqx }
