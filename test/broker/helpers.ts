import { env } from 'cloudflare:workers'
import { call, callRaw, newUser } from '../helpers'
import { connect, newChannel, newThing } from '../things/helpers'

export const SECRET = env.FLUXGATE_BROKER_SECRET as string

const form = (fields: Record<string, string>) => ({
  body: new URLSearchParams(fields).toString(),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
})

/** One RabbitMQ HTTP-backend call as the broker sends it (POST, form-encoded, secret in the path). */
export async function rabbit(
  check: string,
  fields: Record<string, string>,
  secret = SECRET,
  overrides = {}
) {
  const res = await callRaw('POST', `/broker/rabbitmq/${secret}/${check}`, form(fields), overrides)
  return { status: res.status, text: await res.text() }
}

/** One mosquitto-go-auth call: JSON params (its default), or a form with `asForm`. */
export async function mosq(
  mode: string,
  check: string,
  fields: Record<string, unknown>,
  { secret = SECRET, asForm = false } = {}
) {
  const opts = asForm
    ? form(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])))
    : { json: fields }
  const res = await callRaw('POST', `/broker/mosquitto/${secret}/${mode}/${check}`, opts)
  return { status: res.status, text: await res.text() }
}

/** One EMQX HTTP authn/authz call: a JSON body, the secret as a Bearer header. */
export async function emqx(
  check: string,
  fields: Record<string, unknown>,
  secret: string | null = SECRET
) {
  const headers: Record<string, string> = {}
  if (secret !== null) headers.Authorization = `Bearer ${secret}`
  const res = await call('POST', `/broker/emqx/${check}`, { json: fields, headers })
  return { status: res.status, body: res.body as any }
}

export interface Thing {
  id: string
  key: string
}

/** The same two questions asked through each broker's format: can it connect, can it use a topic. */
export interface BrokerFormat {
  name: string
  connect(t: Thing, clientId?: string): Promise<boolean>
  publish(t: Thing, topic: string): Promise<boolean>
  subscribe(t: Thing, filter: string): Promise<boolean>
}

const toKey = (topic: string) => topic.replaceAll('/', '.').replaceAll('+', '*')

export const FORMATS: BrokerFormat[] = [
  {
    name: 'rabbitmq',
    async connect(t, clientId = `agent-${t.id}`) {
      const r = await rabbit('user', { username: t.id, password: t.key, client_id: clientId })
      return r.text === 'allow'
    },
    async publish(t, topic) {
      const r = await rabbit('topic', {
        username: t.id,
        vhost: '/',
        resource: 'topic',
        name: 'amq.topic',
        permission: 'write',
        routing_key: toKey(topic),
        'variable_map.client_id': `agent-${t.id}`,
      })
      return r.text === 'allow'
    },
    async subscribe(t, filter) {
      const r = await rabbit('topic', {
        username: t.id,
        vhost: '/',
        resource: 'topic',
        name: 'amq.topic',
        permission: 'read',
        routing_key: toKey(filter),
        'variable_map.client_id': `agent-${t.id}`,
      })
      return r.text === 'allow'
    },
  },
  {
    name: 'mosquitto',
    async connect(t, clientId = `agent-${t.id}`) {
      return (
        (await mosq('status', 'user', { username: t.id, password: t.key, clientid: clientId }))
          .status === 200
      )
    },
    async publish(t, topic) {
      return (
        (await mosq('status', 'acl', { username: t.id, clientid: `agent-${t.id}`, topic, acc: 2 }))
          .status === 200
      )
    },
    async subscribe(t, filter) {
      return (
        (
          await mosq('status', 'acl', {
            username: t.id,
            clientid: `agent-${t.id}`,
            topic: filter,
            acc: 4,
          })
        ).status === 200
      )
    },
  },
  {
    name: 'emqx',
    async connect(t, clientId = `agent-${t.id}`) {
      return (
        (await emqx('authn', { username: t.id, password: t.key, clientid: clientId })).body
          .result === 'allow'
      )
    },
    async publish(t, topic) {
      const r = await emqx('authz', {
        username: t.id,
        clientid: `agent-${t.id}`,
        topic,
        action: 'publish',
      })
      return r.body.result === 'allow'
    },
    async subscribe(t, filter) {
      const r = await emqx('authz', {
        username: t.id,
        clientid: `agent-${t.id}`,
        topic: filter,
        action: 'subscribe',
      })
      return r.body.result === 'allow'
    },
  },
]

/** A user with a thing connected to a channel, and a second thing that is not. */
export async function world() {
  const u = await newUser()
  const a: Thing = await newThing(u.token)
  const b: Thing = await newThing(u.token)
  const chan = await newChannel(u.token)
  await connect(u.token, [chan], [a.id])
  return { u, a, b, chan }
}
