import { createRoute, OpenAPIHono, type RouteConfig, z } from '@hono/zod-openapi'
import type { ZodError } from 'zod'
import type { Context, MiddlewareHandler } from 'hono'
import { BOOKMARK_HEADER, d1Session, type RouteKind } from '../db/session'
import type { AppEnv } from '../env'
import { AppError } from './errors'
import { jsonText } from './unicode'

/** How zod issues read in an error message: `limit: must be at most 100; name: too long`. */
export function describeIssues(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ')
}

const TARGET_PREFIX: Record<string, string> = {
  query: 'invalid query parameters',
  param: 'invalid path parameter',
  header: 'invalid header',
}

/**
 * A router whose validation failures become AppError('malformed_entity') with a clear message.
 * Paths match with or without one trailing slash (`/things/` is `/things`, for every route):
 * 0.12.1's router answered such a path with a 302 to the bare one, which an HTTP client follows
 * as a GET whatever the method was.
 */
export function newRouter() {
  const router = new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) {
        const prefix = TARGET_PREFIX[result.target] ?? 'malformed entity specification'
        throw new AppError('malformed_entity', `${prefix}: ${describeIssues(result.error)}`)
      }
    },
  })
  return router
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i

/** 415 unless the request says its body is JSON (`application/json`, any parameters). */
function assertJsonType(c: Context) {
  if (!JSON_TYPE.test(c.req.header('content-type') ?? ''))
    throw new AppError('unsupported_media_type')
}

/** True when the request carries no body bytes (none at all, or `Content-Length: 0`). */
const declaredEmpty = (req: Request) =>
  req.body === null || req.headers.get('content-length') === '0'

/**
 * The one check of every JSON body, before zod sees it: the bytes must be UTF-8 and the JSON
 * escapes must not make lone surrogates (see lib/unicode.ts); otherwise 400. The decoded text is
 * handed to the validator through Hono's body cache, so the body is decoded and parsed once.
 */
async function checkJsonText(c: Context, bytes: ArrayBuffer) {
  const result = jsonText(bytes)
  if ('problem' in result) throw new AppError('malformed_entity', result.problem)
  // Hono keeps the promise of each body reading here (its type names the resolved value).
  const cache = c.req.bodyCache as { text?: Promise<string> }
  cache.text = Promise.resolve(result.text)
}

const requiredJsonBody: MiddlewareHandler = async (c, next) => {
  assertJsonType(c)
  if (!declaredEmpty(c.req.raw)) await checkJsonText(c, await c.req.arrayBuffer())
  await next()
}

/**
 * For routes whose body is optional: an empty body (`Content-Length: 0`, or a stream of no bytes)
 * counts as no body, whatever its Content-Type says; the route then validates `{}`. A body with
 * bytes must be JSON, as on every other route.
 */
const optionalJsonBody: MiddlewareHandler = async (c, next) => {
  const raw = c.req.raw
  const bytes = declaredEmpty(raw) ? undefined : await c.req.arrayBuffer()
  if (bytes === undefined || bytes.byteLength === 0) {
    if (raw.body !== null || raw.headers.has('content-type')) {
      // zod-openapi validates `{}` only for a request without Content-Type.
      const headers = new Headers(raw.headers)
      headers.delete('content-type')
      headers.delete('content-length')
      c.req.raw = new Request(raw.url, { method: raw.method, headers })
    }
    return next()
  }
  assertJsonType(c)
  await checkJsonText(c, bytes)
  await next()
}

export const ErrorBody = z
  .object({ error: z.string().openapi({ example: 'non-existent entity' }) })
  .openapi('Error')

const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBody } },
})

/** Standard error responses for the OpenAPI document, by status. */
export const errors = {
  400: err('Malformed or invalid input'),
  401: err('Missing or invalid credentials'),
  403: err('Authenticated but not allowed'),
  404: err('Unknown entity, or one owned by someone else'),
  409: err('Conflicts with an existing entity'),
  413: err('Request body too large'),
  415: err('Body is not application/json'),
  422: err('Unprocessable'),
  429: {
    ...err('Throttled: too many requests or failed attempts (see the README, Security)'),
    headers: {
      'Retry-After': {
        description: 'Seconds until a retry may succeed',
        schema: { type: 'integer' as const },
      },
    },
  },
  503: err('A dependency is unavailable'),
} as const

export function errorResponses<S extends keyof typeof errors>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((s) => [s, errors[s]])) as Pick<typeof errors, S>
}

/** A required JSON request body for a route definition. */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return {
    required: true,
    description,
    content: { 'application/json': { schema } },
  } as const
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const
}

/**
 * Who may call a route: the OpenAPI `security` requirement the document shows, paired with the
 * middleware that enforces it (none when the handler itself checks the credential, as the
 * thing-key and external-key routes do). Guards are made where their middleware lives
 * (lib/auth.ts, the provision routes), so this file imports no domain.
 */
export interface RouteGuard {
  security?: NonNullable<RouteConfig['security']>
  middleware: readonly MiddlewareHandler[]
}

export function guard(
  security: NonNullable<RouteConfig['security']> | undefined,
  ...middleware: MiddlewareHandler[]
): RouteGuard {
  return { security, middleware }
}

/** No credential: the route is public (or throttled only, see `limit`). */
export const publicRoute: RouteGuard = guard(undefined)
/** A thing key, as `Thing <key>` or raw, in Authorization (or the body); the handler checks it. */
export const thingKeyGuard: RouteGuard = guard([{ thingKey: [] }])
/** A gateway's external key (or its encrypted forms) in Authorization; the handler checks it. */
export const externalKeyGuard: RouteGuard = guard([{ externalKey: [] }])

type RouteSpec = Omit<RouteConfig, 'security' | 'middleware'> & {
  /** Who may call it (see RouteGuard). */
  guard: RouteGuard
  /**
   * The route takes a JSON body: its Content-Type must be JSON (415) and its text valid Unicode
   * (400) before the validator runs. A body declared `required: false` is checked only when it
   * has bytes. Must be set exactly when `request.body` has JSON content.
   */
  json?: true
  /** A per-address rate cap, checked before the guard (it refuses before any credential check). */
  limit?: MiddlewareHandler
  /**
   * The route's D1 session (db/session.ts, docs/consistency.md): `read` for listings and GET of
   * the caller's own entities (`deps.read` may be a read replica), `write` for the writes whose
   * effects those show (the primary, with a bookmark). Absent: no session, the primary, no
   * `x-d1-bookmark`; so it must stay absent on access checks, credential checks and cache fills.
   */
  d1?: RouteKind
}

/** The `x-d1-bookmark` response header in the OpenAPI document (app.ts registers the component). */
export const BOOKMARK_HEADER_COMPONENT = 'D1Bookmark'
export const bookmarkHeaderDoc = {
  description:
    "D1 session bookmark covering this request's reads and writes (absent when it made none, " +
    'and on a write whose request sent no `x-d1-bookmark`): send it back as the ' +
    '`x-d1-bookmark` request header to read at least this state (docs/consistency.md)',
  schema: { type: 'string' as const },
}
const bookmarkHeader = {
  [BOOKMARK_HEADER]: { $ref: `#/components/headers/${BOOKMARK_HEADER_COMPONENT}` },
}

/** The route's success responses with the bookmark header documented. */
function withBookmarkHeader(responses: RouteConfig['responses']): RouteConfig['responses'] {
  return Object.fromEntries(
    Object.entries(responses).map(([status, res]) => {
      if (!status.startsWith('2') || !res || '$ref' in res) return [status, res]
      return [status, { ...res, headers: { ...(res.headers ?? {}), ...bookmarkHeader } }]
    })
  )
}

/**
 * A route definition for `router.openapi(defineRoute({...}), handler)`: createRoute with the
 * route's D1 session, guard, rate cap and JSON body check made explicit. Middleware runs in the
 * order D1 session, limit, guard, JSON body check, then zod's validators.
 */
export function defineRoute<R extends RouteSpec>(spec: R) {
  const { guard: g, json, limit, d1, ...route } = spec
  const content = route.request?.body?.content as Record<string, unknown> | undefined
  const hasJson = content !== undefined && Object.keys(content).some((t) => JSON_TYPE.test(t))
  if (hasJson !== (json === true)) {
    throw new Error(`${route.method} ${route.path}: json must be set exactly when the body is JSON`)
  }
  // A required body needs a JSON Content-Type, body or not: zod-openapi lets a request with
  // neither through and validates `{}`, which would turn a bare `PUT /things/{id}` into "clear
  // name and metadata". An optional body (sign-out, identify) is checked only when one is sent.
  const bodyCheck = json
    ? [route.request?.body?.required === false ? optionalJsonBody : requiredJsonBody]
    : []
  const middleware = [
    ...(d1 ? [d1Session(d1) as MiddlewareHandler] : []),
    ...(limit ? [limit] : []),
    ...g.middleware,
    ...bodyCheck,
  ]
  const responses = d1 ? withBookmarkHeader(route.responses) : route.responses
  return createRoute({
    ...route,
    responses,
    security: g.security,
    middleware,
  }) as unknown as ReturnType<
    typeof createRoute<
      R['path'],
      Omit<R, 'guard' | 'json' | 'limit' | 'd1'> & {
        security: RouteGuard['security']
        middleware: MiddlewareHandler[]
      }
    >
  >
}

/** A `Location` header in a 201 response. */
export const locationHeader = {
  Location: { description: 'Path of the created entity', schema: { type: 'string' as const } },
}
