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

broker.post('/broker/*', async (c) => {
  const segments = new URL(c.req.url).pathname.split('/').slice(2).filter((x) => x !== '')
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
