import { vi } from 'vitest'

/*
 * HTTP doubles of the two management APIs Fluxgate calls to close sessions, as their documentation
 * describes them:
 *  - RabbitMQ management plugin: `DELETE /api/connections/username/{user}` (204 whether or not
 *    the user had connections; `X-Reason` is shown to the client), HTTP Basic auth.
 *  - EMQX 5 REST API: `GET /api/v5/clients?username=` (`{"data": [...], "meta": {...}}`),
 *    `DELETE /api/v5/clients/{clientid}` (204, 404 when not connected), Basic auth with an API key.
 * Installed by spying on the global fetch, which the Worker and its Durable Objects share in tests.
 */

export const ADMIN_URL = 'http://broker-admin.test:15672'
export const ADMIN_USER = 'fluxgate-admin'
export const ADMIN_PASSWORD = 'admin-secret-for-tests'

export interface AdminCall {
  method: string
  path: string
  auth: string | null
  reason: string | null
}

export function adminEnv(kind: 'rabbitmq' | 'emqx') {
  return {
    FLUXGATE_BROKER_ADMIN_KIND: kind,
    FLUXGATE_BROKER_ADMIN_URL: ADMIN_URL,
    FLUXGATE_BROKER_ADMIN_USER: ADMIN_USER,
    FLUXGATE_BROKER_ADMIN_PASSWORD: ADMIN_PASSWORD,
  }
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

export function installAdminDouble(kind: 'rabbitmq' | 'emqx') {
  /** Open sessions: RabbitMQ connection name or EMQX client id → username. */
  const sessions = new Map<string, string>()
  const calls: AdminCall[] = []
  const state = { failNext: 0, unreachable: false }
  const real = globalThis.fetch
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init)
    const url = new URL(req.url)
    if (url.origin !== ADMIN_URL) return real(input as RequestInfo, init)
    calls.push({
      method: req.method,
      path: url.pathname + url.search,
      auth: req.headers.get('authorization'),
      reason: req.headers.get('x-reason'),
    })
    if (state.unreachable) throw new TypeError('Network connection lost.')
    if (req.headers.get('authorization') !== `Basic ${btoa(`${ADMIN_USER}:${ADMIN_PASSWORD}`)}`) {
      return json(401, { error: 'not_authorised' })
    }
    if (state.failNext > 0) {
      state.failNext--
      return json(503, { error: 'unavailable' })
    }
    if (kind === 'rabbitmq') {
      const m = /^\/api\/connections\/username\/([^/]+)$/.exec(url.pathname)
      if (req.method === 'DELETE' && m) {
        const user = decodeURIComponent(m[1]!)
        for (const [name, u] of [...sessions]) if (u === user) sessions.delete(name)
        return new Response(null, { status: 204 })
      }
    } else {
      if (req.method === 'GET' && url.pathname === '/api/v5/clients') {
        const username = url.searchParams.get('username')
        const data = [...sessions]
          .filter(([, u]) => u === username)
          .map(([clientid, u]) => ({ clientid, username: u }))
        return json(200, { data, meta: { count: data.length, limit: 100, page: 1 } })
      }
      const m = /^\/api\/v5\/clients\/(.+)$/.exec(url.pathname)
      if (req.method === 'DELETE' && m) {
        const id = decodeURIComponent(m[1]!)
        if (!sessions.delete(id)) return json(404, { code: 'CLIENTID_NOT_FOUND' })
        return new Response(null, { status: 204 })
      }
    }
    return json(404, { error: 'no such route in the double' })
  })
  return { sessions, calls, state, restore: () => spy.mockRestore() }
}
