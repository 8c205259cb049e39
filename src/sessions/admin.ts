import type { Config } from '../lib/config'

/*
 * Closing a thing's open sessions on the broker, through the broker's own management API. A broker
 * checks credentials on connect and topics on subscribe and publish; an existing subscription is
 * never checked again (RabbitMQ 3.10 delivers to it after the hook says deny, and caches allowed
 * publishes for a second or two), so a revocation reaches an open session only when that session
 * is closed; the client then reconnects and meets the hooks again.
 *
 * How a thing's sessions are found:
 *  - RabbitMQ names connections by peer address (`127.0.0.1:50312 -> 127.0.0.1:1883`), so a
 *    thing's connections are closed by user name: `DELETE /api/connections/username/{thing id}`
 *    (204, also when there is none). Listing `GET /api/connections` and deleting by name would miss
 *    young connections: that list comes from the statistics collector, which sees a connection
 *    only after `collect_statistics_interval` (5 s), while the per-user call uses connection
 *    tracking and closes at once (observed on RabbitMQ 3.10.8).
 *  - EMQX names sessions by client id, and a thing's client ids are not fixed (the rule allows
 *    any `<prefix>-<thing id>`), so its clients are listed by username (`GET
 *    /api/v5/clients?username=<thing id>`) and each is kicked (`DELETE /api/v5/clients/{clientid}`).
 */

export interface AdminSettings {
  kind: 'rabbitmq' | 'emqx'
  url: string
  user?: string
  password?: string
  timeoutMs: number
}

/** The admin endpoint configured, or undefined when session closing is off. */
export function adminSettings(config: Config): AdminSettings | undefined {
  const kind = config.FLUXGATE_BROKER_ADMIN_KIND
  const url = config.FLUXGATE_BROKER_ADMIN_URL
  if (!kind || !url) return undefined
  return {
    kind,
    url: url.replace(/\/+$/, ''),
    user: config.FLUXGATE_BROKER_ADMIN_USER,
    password: config.FLUXGATE_BROKER_ADMIN_PASSWORD,
    timeoutMs: config.FLUXGATE_BROKER_ADMIN_TIMEOUT,
  }
}

/** A failed admin call, with what was asked (never the credentials). */
export class AdminError extends Error {
  override name = 'AdminError'
}

type Fetch = typeof fetch

async function call(
  s: AdminSettings,
  doFetch: Fetch,
  method: 'GET' | 'DELETE',
  path: string,
  okStatuses: number[]
): Promise<Response> {
  const headers = new Headers({ Accept: 'application/json' })
  if (s.user !== undefined || s.password !== undefined) {
    headers.set('Authorization', `Basic ${btoa(`${s.user ?? ''}:${s.password ?? ''}`)}`)
  }
  if (method === 'DELETE' && s.kind === 'rabbitmq')
    headers.set('X-Reason', 'fluxgate: credentials revoked')
  let res: Response
  try {
    res = await doFetch(`${s.url}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(s.timeoutMs),
    })
  } catch (e) {
    throw new AdminError(
      `${s.kind} admin ${method} ${path.split('?')[0]} failed: ${(e as Error).message}`
    )
  }
  if (!okStatuses.includes(res.status)) {
    await res.body?.cancel()
    throw new AdminError(`${s.kind} admin ${method} ${path.split('?')[0]} answered ${res.status}`)
  }
  return res
}

/** RabbitMQ: one close-by-user call per thing (it answers 204 whether or not any was open). */
async function closeRabbitmq(s: AdminSettings, doFetch: Fetch, thingIds: readonly string[]) {
  for (const id of thingIds) {
    const res = await call(
      s,
      doFetch,
      'DELETE',
      `/api/connections/username/${encodeURIComponent(id)}`,
      [200, 204, 404]
    )
    await res.body?.cancel()
  }
  return thingIds.length
}

/** EMQX: list each thing's clients by username, then kick each. */
async function closeEmqx(s: AdminSettings, doFetch: Fetch, thingIds: readonly string[]) {
  let closed = 0
  for (const id of thingIds) {
    const res = await call(
      s,
      doFetch,
      'GET',
      `/api/v5/clients?username=${encodeURIComponent(id)}&limit=100`,
      [200]
    )
    const page = (await res.json().catch(() => undefined)) as
      { data?: { clientid?: unknown }[] } | undefined
    if (!Array.isArray(page?.data))
      throw new AdminError('emqx admin GET /api/v5/clients: no data list')
    const clients = page.data
      .map((c) => c.clientid)
      .filter((c): c is string => typeof c === 'string')
    await Promise.all(
      clients.map((c) =>
        call(s, doFetch, 'DELETE', `/api/v5/clients/${encodeURIComponent(c)}`, [200, 204, 404])
      )
    )
    closed += clients.length
  }
  return closed
}

/**
 * Closes every open broker session of the given things (a batch the caller keeps small: each
 * thing costs one RabbitMQ call, or EMQX two or more). Returns how many things (RabbitMQ) or
 * sessions (EMQX) were closed.
 * @throws AdminError when the broker cannot be reached or refuses; nothing is half-known then,
 *   and the caller retries the whole batch (closing twice is harmless).
 */
export function closeSessions(
  s: AdminSettings,
  thingIds: readonly string[],
  doFetch: Fetch = fetch
) {
  return s.kind === 'rabbitmq'
    ? closeRabbitmq(s, doFetch, thingIds)
    : closeEmqx(s, doFetch, thingIds)
}
