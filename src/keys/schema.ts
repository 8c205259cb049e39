import { z } from '@hono/zod-openapi'
import { limitParam, offsetParam, pageOf } from '../lib/page'

export const createKeyReq = z
  .object({
    type: z.literal(2, { error: 'type must be 2 (API key)' }).openapi({ example: 2 }),
    duration: z
      .number()
      .int('duration must be whole seconds')
      .min(0, 'duration must not be negative')
      .max(100 * 365 * 24 * 3600, 'duration is too long')
      .optional()
      .openapi({ description: 'Lifetime in seconds; 0 or absent means no expiry', example: 3600 }),
  })
  .openapi('CreateKeyRequest')

export const issuedKeyRes = z
  .object({
    id: z.string().uuid(),
    value: z.string().openapi({ description: 'The API key; shown only in this answer' }),
    issued_at: z.string().openapi({ format: 'date-time' }),
    expires_at: z.string().optional().openapi({ format: 'date-time' }),
  })
  .openapi('IssuedKey')

export const keyRes = z
  .object({
    id: z.string().uuid(),
    issuer_id: z.string().uuid(),
    subject: z.string(),
    type: z.number().int(),
    issued_at: z.string().openapi({ format: 'date-time' }),
    expires_at: z.string().optional().openapi({ format: 'date-time' }),
  })
  .openapi('Key')

export const keysPageRes = pageOf('keys', keyRes, 'KeysPage')

export const keyIdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

export const keysPageQuery = z.object({ offset: offsetParam, limit: limitParam })
