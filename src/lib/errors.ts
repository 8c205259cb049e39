import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

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
  internal: 'internal server error',
  unavailable: 'service unavailable',
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGE[code],
    opts?: ErrorOptions,
  ) {
    super(message, opts)
    this.name = 'AppError'
  }

  get status(): ContentfulStatusCode {
    return STATUS[this.code]
  }
}

/** Statuses that Hono or a middleware may raise as HTTPException, mapped back to our codes. */
const FROM_STATUS = Object.fromEntries(
  Object.entries(STATUS).map(([code, status]) => [status, code as ErrorCode]),
) as Record<number, ErrorCode | undefined>

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err
  if (err instanceof HTTPException) {
    const code = FROM_STATUS[err.status]
    if (!code) return undefined
    // Hono's 400s ("Malformed JSON in request body") say what is wrong; keep those messages.
    return new AppError(code, code === 'malformed_entity' && err.message ? err.message : DEFAULT_MESSAGE[code])
  }
  return undefined
}

export const onError: ErrorHandler = (err, c) => {
  const appErr = toAppError(err)
  if (appErr) {
    if (appErr.code === 'internal' || appErr.code === 'unavailable') {
      console.error(`${c.req.method} ${new URL(c.req.url).pathname}: ${appErr.message}`, appErr.cause ?? '')
    }
    return c.json({ error: appErr.message }, appErr.status)
  }
  // Details go to the log only; the client sees a generic message.
  console.error(`${c.req.method} ${new URL(c.req.url).pathname}:`, err)
  return c.json({ error: DEFAULT_MESSAGE.internal }, 500)
}

export const notFoundJson: NotFoundHandler = (c) => c.json({ error: 'route not found' }, 404)
