import { deps } from '../lib/context'
import { logError } from '../lib/errors'
import { newRouter } from '../lib/openapi'
import { FORMATS } from './formats'
import { headerSecret, readParams } from './params'
import { brokerSecretOk, makeBrokerService } from './service'

/*
 * Broker hooks: `POST /broker/<format>/[<secret>/]<check...>`. The broker secret comes in the
 * Authorization header (EMQX can send headers: `Bearer <secret>`, or Basic with any user name)
 * or, for brokers that are configured with a bare URL (RabbitMQ's HTTP backend, mosquitto-go-auth),
 * as the path segment after the format. Such a path is never logged (see `redactPath`).
 */

export const broker = newRouter()

// Guard: the broker secret, checked below rather than by a middleware, because where it is (header
// or path segment) depends on the format's path depth. A hook answers in its broker's own format.
broker.post('/broker/*', async (c) => {
  const segments = new URL(c.req.url).pathname
    .split('/')
    .slice(2)
    .filter((x) => x !== '')
  const [name, ...rest] = segments
  const format = name ? FORMATS[name] : undefined
  if (!format) return c.json({ error: 'unknown broker format' }, 404)
  let presented = headerSecret(c.req.raw)
  let path = rest
  if (rest.length === format.depth + 1) {
    try {
      presented = decodeURIComponent(rest[0]!)
    } catch {
      presented = undefined
    }
    path = rest.slice(1)
  } else if (rest.length !== format.depth) {
    return c.json({ error: 'unknown broker check' }, 404)
  }
  const d = deps(c)
  if (!brokerSecretOk(d.config.FLUXGATE_BROKER_SECRET, presented)) return format.unauthorized()
  const params = await readParams(c.req.raw)
  try {
    return await format.handle(makeBrokerService(d), d.config, path, params)
  } catch (e) {
    // Storage failed: the safe answer is a deny (the broker retries on the next attempt).
    logError(`broker ${name} ${path.join('/')} check failed, denied:`, e)
    return format.handle(DENY_ALL, d.config, path, params)
  }
})

/** A service that denies everything: the answer when storage is unavailable. */
const DENY_ALL = {
  connect: async () => ({ allow: false, reason: 'unavailable' }),
  access: async () => ({ allow: false, reason: 'unavailable' }),
} as unknown as ReturnType<typeof makeBrokerService>

// The hooks in the OpenAPI document (the handler above serves them all).
const hookDocs: { path: string; summary: string; body: string; answers: string }[] = [
  {
    path: '/broker/rabbitmq/{secret}/{check}',
    summary: 'RabbitMQ HTTP auth backend: check is user, vhost, resource or topic',
    body: 'application/x-www-form-urlencoded',
    answers: 'text/plain `allow` or `deny` (401 `deny` for a wrong secret)',
  },
  {
    path: '/broker/mosquitto/{secret}/{mode}/{check}',
    summary:
      'mosquitto-go-auth HTTP backend: mode is status, json or text; check is user, superuser or acl',
    body: 'application/json',
    answers:
      '200 allow (`ok`, or `{"ok":true,"error":""}` in json mode), 403 deny, 401 wrong secret',
  },
  {
    path: '/broker/emqx/{check}',
    summary:
      'EMQX 5.8+ HTTP authentication (authn) and authorization (authz); secret as Bearer header',
    body: 'application/json',
    answers: 'always 200 JSON `{"result":"allow"|"deny", ...}`',
  },
]
for (const h of hookDocs) {
  const params = [...h.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1]!,
    in: 'path' as const,
    required: true,
    schema: { type: 'string' as const },
  }))
  broker.openAPIRegistry.registerPath({
    method: 'post',
    path: h.path,
    tags: ['broker'],
    summary: h.summary,
    description: 'See the README, "Connect a broker", for the rules and each broker configuration.',
    parameters: params,
    requestBody: { content: { [h.body]: { schema: { type: 'object' } } } },
    responses: { 200: { description: h.answers } },
  })
}
