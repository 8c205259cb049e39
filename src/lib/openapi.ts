import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { ZodError } from 'zod'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from './errors'

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

/** A router whose validation failures become AppError('malformed_entity') with a clear message. */
export function newRouter() {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const prefix = TARGET_PREFIX[result.target] ?? 'malformed entity specification'
        throw new AppError('malformed_entity', `${prefix}: ${describeIssues(result.error)}`)
      }
    },
  })
  // Every route that declares a JSON body requires a JSON Content-Type, body or not (STYLE's
  // requireJson): zod-openapi lets a request with neither through and validates `{}`, which would
  // turn a bare `PUT /things/{id}` into "clear name and metadata".
  const openapi = router.openapi.bind(router)
  router.openapi = ((route: Parameters<typeof openapi>[0], ...rest: unknown[]) => {
    const body = route.request?.body
    const content = body?.content as Record<string, unknown> | undefined
    const wantsJson = content !== undefined && Object.keys(content).some((t) => JSON_TYPE.test(t))
    // An optional body (identify routes also take the key from Authorization) is checked only
    // when one is sent.
    const check = body?.required === false ? requireJsonIfBody : requireJson
    const withJson = wantsJson ? { ...route, middleware: [...[route.middleware ?? []].flat(), check] } : route
    return (openapi as (...args: unknown[]) => unknown)(withJson, ...rest)
  }) as typeof router.openapi
  return router
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i

/** 415 unless the request says its body is JSON (`application/json`, any parameters). */
export const requireJson: MiddlewareHandler = async (c, next) => {
  if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) throw new AppError('unsupported_media_type')
  await next()
}

/** `requireJson` for routes whose body is optional: only a request that sends one is checked. */
const requireJsonIfBody: MiddlewareHandler = async (c, next) => {
  if (c.req.raw.body !== null) return requireJson(c, next)
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
      'Retry-After': { description: 'Seconds until a retry may succeed', schema: { type: 'integer' as const } },
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

/** Security requirement for routes taking a user token or API key. */
export const userAuth = [{ bearerAuth: [] }]
/** Security requirement for routes taking a thing key. */
export const thingAuth = [{ thingKey: [] }]

/** A `Location` header in a 201 response. */
export const locationHeader = {
  Location: { description: 'Path of the created entity', schema: { type: 'string' as const } },
}
