import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { errorMentions } from '../db/client'

export type ErrorCode =
  | 'malformed_entity'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'too_many_requests'
  | 'internal'
  | 'unavailable'

/** The only place where an error code becomes an HTTP status. */
export const STATUS = {
  malformed_entity: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>

const DEFAULT_MESSAGE: Record<ErrorCode, string> = {
  malformed_entity: 'malformed entity specification',
  unauthenticated: 'missing or invalid credentials provided',
  forbidden: 'not allowed',
  not_found: 'non-existent entity',
  method_not_allowed: 'method not allowed',
  conflict: 'entity already exists',
  payload_too_large: 'request body too large',
  unsupported_media_type: 'unsupported content type',
  unprocessable: 'unprocessable entity',
  too_many_requests: 'too many requests; retry later',
  internal: 'internal server error',
  unavailable: 'service unavailable',
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGE[code],
    opts?: ErrorOptions
  ) {
    super(message, opts)
    this.name = 'AppError'
  }

  get status(): ContentfulStatusCode {
    return STATUS[this.code]
  }
}

/**
 * A throttled request (429): the answer carries `Retry-After` with the whole seconds left. Nothing
 * about the request was evaluated, so the answer says nothing about its credentials.
 */
export class ThrottledError extends AppError {
  readonly retryAfterSec: number

  constructor(retryAfterMs: number, message: string = DEFAULT_MESSAGE.too_many_requests) {
    super('too_many_requests', message)
    this.name = 'ThrottledError'
    this.retryAfterSec = Math.max(1, Math.ceil(retryAfterMs / 1000))
  }
}

/** Statuses that Hono or a middleware may raise as HTTPException, mapped back to our codes. */
const FROM_STATUS = Object.fromEntries(
  Object.entries(STATUS).map(([code, status]) => [status, code as ErrorCode])
) as Record<number, ErrorCode | undefined>

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err
  if (err instanceof HTTPException) {
    const code = FROM_STATUS[err.status]
    if (!code) return undefined
    // Hono's 400s ("Malformed JSON in request body") say what is wrong; keep those messages.
    return new AppError(
      code,
      code === 'malformed_entity' && err.message ? err.message : DEFAULT_MESSAGE[code]
    )
  }
  return undefined
}

/**
 * An error as it may be logged. drizzle's DrizzleQueryError carries the bound parameters in its
 * message and stack (thing keys, password hashes, e-mails), so for such an error only its SQL text
 * is kept and the chain continues with its cause (D1's own message, which holds no values).
 */
export function forLog(err: unknown, depth = 0): string {
  if (depth > 6 || err === undefined || err === null) return ''
  if (!(err instanceof Error)) return typeof err === 'string' ? err : ''
  const next = err.cause === undefined ? '' : forLog(err.cause, depth + 1)
  const tail = next ? `\n  caused by: ${next}` : ''
  if ('params' in err || 'query' in err) {
    const query =
      typeof (err as { query?: unknown }).query === 'string' ? (err as { query: string }).query : ''
    return `${err.name}: failed query ${query.slice(0, 300)} (parameters withheld)${tail}`
  }
  return `${depth === 0 && err.stack ? err.stack : `${err.name}: ${err.message}`}${tail}`
}

/** console.error for errors that may come from D1: see `forLog`. */
export function logError(label: string, err: unknown) {
  console.error(label, forLog(err))
}

/** SQLite's refusals of a statement too large or complex for it: the input's fault, not ours. */
const TOO_COMPLEX = [
  'Expression tree is too large',
  'SQLITE_TOOBIG',
  'string or blob too big',
  'too many SQL variables',
]

/**
 * A request path as it may be logged. Broker hooks may carry the broker secret as the segment
 * after the format (`/broker/rabbitmq/<secret>/user`); any deeper broker path has that segment
 * replaced, so a secret never reaches a log. Query strings are never logged at all.
 */
export function logPath(pathname: string): string {
  const parts = pathname.split('/')
  if (parts[1] !== 'broker' || parts.length <= 4) return pathname
  return [...parts.slice(0, 3), '***', ...parts.slice(4)].join('/')
}

export const onError: ErrorHandler = (err, c) => {
  const where = `${c.req.method} ${logPath(new URL(c.req.url).pathname)}:`
  if (TOO_COMPLEX.some((text) => errorMentions(err, text))) {
    // Every input is bounded before it reaches SQL; this is the net under those bounds.
    logError(`${where} query refused as too complex`, err)
    return c.json({ error: 'request too complex for the database; simplify the filter' }, 400)
  }
  const appErr = toAppError(err)
  if (appErr) {
    if (appErr.code === 'internal' || appErr.code === 'unavailable') {
      logError(`${where} ${appErr.message}`, appErr.cause)
    }
    if (appErr instanceof ThrottledError) c.header('Retry-After', String(appErr.retryAfterSec))
    return c.json({ error: appErr.message }, appErr.status)
  }
  // Details go to the log only; the client sees a generic message.
  logError(where, err)
  return c.json({ error: DEFAULT_MESSAGE.internal }, 500)
}

export const notFoundJson: NotFoundHandler = (c) => c.json({ error: 'route not found' }, 404)
