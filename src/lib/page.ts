import { z } from '@hono/zod-openapi'
import { AppError } from './errors'
import { LIMITS } from './limits'

const uint = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a non-negative integer`)
    .transform((s) => Number(s))
    .refine((n) => Number.isSafeInteger(n), `${name} is too large`)

/** `offset`: default 0, any non-negative integer. */
export const offsetParam = uint('offset')
  .optional()
  .transform((n) => n ?? 0)
  .openapi({ param: { name: 'offset', in: 'query' }, type: 'integer', example: 0 })

/** `limit`: absent or 0 means 10 (0.12.1), above 100 is refused. */
export const limitParam = uint('limit')
  .optional()
  .transform((n) => (n === undefined || n === 0 ? LIMITS.pageDefault : n))
  .refine((n) => n <= LIMITS.pageMax, `limit must be at most ${LIMITS.pageMax}`)
  .openapi({ param: { name: 'limit', in: 'query' }, type: 'integer', example: 10 })

/** A JSON object given as a query string value (`?metadata={"type":"sensor"}`). */
export const metadataParam = z
  .string()
  .transform((s, ctx) => {
    try {
      const v: unknown = JSON.parse(s)
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
    } catch {
      // fall through
    }
    ctx.addIssue({ code: 'custom', message: 'metadata must be a JSON object' })
    return z.NEVER
  })
  .optional()
  .openapi({
    param: { name: 'metadata', in: 'query' },
    type: 'string',
    example: '{"type":"sensor"}',
  })

/**
 * A substring filter (`name`, `email`): at most `max` characters, and no NUL. SQLite's LIKE
 * stops reading a pattern at NUL, so `a\0zzz` would match as `a` and a lone NUL as everything;
 * no stored name can be found through one either, so NUL is refused rather than escaped.
 */
export const containsFilter = (field: string, max: number) =>
  z
    .string()
    .max(max, `${field} must be at most ${max} characters`)
    .refine((s) => !s.includes('\0'), `${field} must not contain NUL (U+0000)`)

/** Escapes `%`, `_` and the escape character so a LIKE pattern matches the text literally. */
export function likeContains(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
}

/**
 * `order`: `id` or `name`; absent or empty means `id`. Lists of things and channels echo the raw
 * value (empty when omitted), as 0.12.1 does.
 */
export const orderParam = z
  .enum(['', 'id', 'name'], { error: 'order must be id or name' })
  .optional()
  .transform((s) => s ?? '')
  .openapi({ param: { name: 'order', in: 'query' }, type: 'string', enum: ['id', 'name'] })

/** `dir`: `asc` or `desc`; absent or empty means `desc` (0.12.1's default). */
export const dirParam = z
  .enum(['', 'asc', 'desc'], { error: 'dir must be asc or desc' })
  .optional()
  .transform((s) => s ?? '')
  .openapi({ param: { name: 'dir', in: 'query' }, type: 'string', enum: ['asc', 'desc'] })

export type Order = 'id' | 'name'
export type Direction = 'asc' | 'desc'

/** The order actually applied for raw `order`/`dir` values ('' means the default). */
export function effectiveOrder(order: string, dir: string): { order: Order; dir: Direction } {
  return { order: order === 'name' ? 'name' : 'id', dir: dir === 'asc' ? 'asc' : 'desc' }
}

// Go's strconv.ParseBool, which 0.12.1 uses for boolean query parameters.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False'])

/** A boolean query parameter spelled as Go's strconv.ParseBool accepts it. */
export const boolParam = (name: string) =>
  z
    .string()
    .transform((s, ctx) => {
      if (TRUE.has(s)) return true
      if (FALSE.has(s)) return false
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false` })
      return z.NEVER
    })
    .optional()
    .openapi({ param: { name, in: 'query' }, type: 'boolean' })

/** `limit` of the connected listings: absent means 10, but 0 is refused there (as 0.12.1). */
export const connectedLimitParam = uint('limit')
  .optional()
  .transform((n) => n ?? LIMITS.pageDefault)
  .refine((n) => n >= 1, 'limit must be at least 1')
  .refine((n) => n <= LIMITS.pageMax, `limit must be at most ${LIMITS.pageMax}`)
  .openapi({ param: { name: 'limit', in: 'query' }, type: 'integer', example: 10 })

/**
 * Whether a connected listing asks for connected entities (the default). `connected` (the
 * documented form) and `disconnected` (0.12.1's code) are both accepted: `connected=false` is
 * `disconnected=true`.
 * @throws AppError('malformed_entity') when both are given and contradict each other.
 */
export function connectedFlag(q: { connected?: boolean; disconnected?: boolean }): boolean {
  const { connected, disconnected } = q
  if (connected !== undefined && disconnected !== undefined && connected === disconnected) {
    throw new AppError(
      'malformed_entity',
      'invalid query parameters: connected and disconnected contradict each other'
    )
  }
  if (connected !== undefined) return connected
  if (disconnected !== undefined) return !disconnected
  return true
}

const pageFields = {
  total: z.number().int().openapi({ description: 'Every match, whatever offset and limit' }),
  offset: z.number().int(),
  limit: z.number().int(),
}

const echoFields = {
  order: z.string().openapi({ description: 'The `order` given (empty when omitted)' }),
  direction: z.string().openapi({ description: 'The `dir` given (empty when omitted)' }),
}

/** A Mainflux page, `{total, offset, limit, <key>: [...]}`, as an OpenAPI component `name`. */
export function pageOf<K extends string, T extends z.ZodType>(key: K, item: T, name: string) {
  const shape = { ...pageFields, [key]: z.array(item) } as typeof pageFields &
    Record<K, z.ZodArray<T>>
  return z.object(shape).openapi(name)
}

/** As `pageOf`, echoing the raw `order` and `dir` as 0.12.1's things and channels lists do. */
export function orderedPageOf<K extends string, T extends z.ZodType>(
  key: K,
  item: T,
  name: string
) {
  const shape = { ...pageFields, ...echoFields, [key]: z.array(item) } as typeof pageFields &
    typeof echoFields &
    Record<K, z.ZodArray<T>>
  return z.object(shape).openapi(name)
}
