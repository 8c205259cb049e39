import { z } from '@hono/zod-openapi'
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
  .openapi({ param: { name: 'metadata', in: 'query' }, type: 'string', example: '{"type":"sensor"}' })

/** Escapes `%`, `_` and the escape character so a LIKE pattern matches the text literally. */
export function likeContains(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
}
