import createClient from 'openapi-fetch'
import type { paths } from '../../docs/openapi'

// The login token (or API key) lives in sessionStorage only: gone with the tab, never in
// localStorage, never in a URL.
const TOKEN_KEY = 'fluxgate.console.token'

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY)
  },
  set(token: string) {
    sessionStorage.setItem(TOKEN_KEY, token)
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY)
  },
}

/** An API answer that is not 2xx: `message` is the API's own `error` text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

let onExpired: () => void = () => {}
/** Called when a request made with the session's token gets 401: the app sends the user to sign in. */
export function onSessionExpired(fn: () => void) {
  onExpired = fn
}

export const client = createClient<paths>({ baseUrl: location.origin })

client.use({
  onRequest({ request }) {
    const token = session.token
    if (token && !request.headers.has('Authorization'))
      request.headers.set('Authorization', `Bearer ${token}`)
    return request
  },
})

/** The error an answer stands for, as the API words it; a 429 adds "try again in N s". */
export function errorOf(response: Response, body: unknown): ApiError {
  let message =
    body &&
    typeof body === 'object' &&
    'error' in body &&
    typeof (body as { error: unknown }).error === 'string'
      ? (body as { error: string }).error
      : typeof body === 'string' && body
        ? body
        : `${response.status} ${response.statusText || 'error'}`
  if (response.status === 429) {
    const after = response.headers.get('Retry-After')
    message = after ? `${message}: try again in ${after} s` : `${message}: try again later`
  }
  return new ApiError(response.status, message)
}

type Answer<T> = { data?: T; error?: unknown; response: Response }

/** The data of a 2xx answer; anything else throws its ApiError (a 401 with a session also signs out). */
export async function ok<T>(call: Promise<Answer<T>>): Promise<T> {
  return (await okWith(call)).data
}

/** Like ok(), with the Response too (for Location and other headers). */
export async function okWith<T>(
  call: Promise<Answer<T>>
): Promise<{ data: T; response: Response }> {
  const { data, error, response } = await call
  if (!response.ok) {
    const err = errorOf(response, error)
    if (response.status === 401 && session.token) {
      session.clear()
      onExpired()
    }
    throw err
  }
  return { data: data as T, response }
}

/** The id at the end of a 201's Location header (`/things/<id>`). */
export function createdId(response: Response): string {
  const loc = response.headers.get('Location') ?? ''
  return decodeURIComponent(loc.split('/').pop() ?? '')
}

/**
 * Metadata as the request types want it: the OpenAPI schema says "any JSON object", which the
 * generated types spell as an index signature of `undefined`; any parsed JSON object is accepted.
 */
export const asMetadata = (m: Record<string, unknown> | undefined) =>
  m as Record<string, never> | undefined
