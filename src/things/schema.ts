import { z } from '@hono/zod-openapi'
import { LIMITS } from '../lib/limits'
import { jsonBody } from '../lib/openapi'
import { newKeyProblem } from '../lib/thingkey'
import { metadataObject } from '../lib/metadata'
import {
  boolParam,
  connectedLimitParam,
  containsFilter,
  dirParam,
  limitParam,
  metadataParam,
  offsetParam,
  orderParam,
  orderedPageOf,
} from '../lib/page'

/** Metadata where `null` counts as absent (Go decodes it to a nil map). */
export const optionalMetadata = metadataObject
  .nullable()
  .optional()
  .transform((m) => m ?? undefined)

export const name = z
  .string({ error: 'name must be a string' })
  .max(LIMITS.nameMax, `name must be at most ${LIMITS.nameMax} characters`)
  .nullable()
  .optional()
  .transform((s) => s ?? undefined)
  .openapi({ type: 'string', example: 'thermometer-7' })

/**
 * The rule of new keys that holds whatever MF_CERTS_CN says (see lib/thingkey.ts); the service
 * adds the 64-character bound of `thing_key`.
 */
const newKey = (s: string, ctx: z.RefinementCtx) => {
  // Past the maximum, `.max` has said so already.
  const problem = s.length > LIMITS.keyMax ? undefined : newKeyProblem(s, 'thing_id')
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
}

const KEY_RULE =
  'visible ASCII (! to ~), at most 64 characters with MF_CERTS_CN=thing_key (the default), else 4096'

export const createThingReq = z
  .object({
    name,
    key: z
      .string({ error: 'key must be a string' })
      .max(LIMITS.keyMax, `key must be at most ${LIMITS.keyMax} characters`)
      // Empty means "generate one", as in 0.12.1.
      .superRefine((s, ctx) => (s === '' ? undefined : newKey(s, ctx)))
      .nullable()
      .optional()
      .transform((s) => (s ? s : undefined))
      .openapi({
        type: 'string',
        description: `Thing key; a random UUID when absent or empty. ${KEY_RULE}`,
      }),
    metadata: optionalMetadata,
  })
  .openapi('CreateThingRequest')

export const createThingsReq = z
  .array(createThingReq)
  .min(1, 'at least one thing is required')
  .max(LIMITS.bulkMax, `at most ${LIMITS.bulkMax} things per request`)
  .openapi('CreateThingsRequest')

export const updateThingReq = z
  .object({ name, metadata: optionalMetadata })
  .openapi('UpdateThingRequest', { description: 'Full replace: an omitted field is cleared' })

export const updateKeyReq = z
  .object({
    key: z
      .string({ error: 'key is required' })
      .min(1, 'key is required')
      .max(LIMITS.keyMax, `key must be at most ${LIMITS.keyMax} characters`)
      .superRefine(newKey)
      .openapi({ description: KEY_RULE }),
  })
  .openapi('UpdateKeyRequest')

export const thingRes = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    name: z.string().optional(),
    key: z.string(),
    metadata: metadataObject.optional(),
  })
  .openapi('Thing')

export const thingsRes = z.object({ things: z.array(thingRes) }).openapi('Things')

export const thingsPageRes = orderedPageOf('things', thingRes, 'ThingsPage')

export const nameFilter = containsFilter('name', LIMITS.nameMax)
  .optional()
  .openapi({
    param: { name: 'name', in: 'query' },
    description: 'Case-insensitive substring; % and _ match literally',
  })

export const listQuery = z.object({
  offset: offsetParam,
  limit: limitParam,
  name: nameFilter,
  metadata: metadataParam,
  order: orderParam,
  dir: dirParam,
})

/** `POST /things/search`: the same filters as `GET /things`, as JSON. */
export const searchReq = z
  .object({
    offset: z
      .number({ error: 'offset must be a number' })
      .int('offset must be an integer')
      .min(0, 'offset must not be negative')
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .transform((n) => n ?? 0),
    limit: z
      .number({ error: 'limit must be a number' })
      .int('limit must be an integer')
      .min(0, 'limit must not be negative')
      .max(LIMITS.pageMax, `limit must be at most ${LIMITS.pageMax}`)
      .optional()
      .transform((n) => (n ? n : LIMITS.pageDefault)),
    name: containsFilter('name', LIMITS.nameMax).optional(),
    metadata: metadataObject
      .nullable()
      .optional()
      .transform((m) => m ?? undefined),
    order: z
      .enum(['', 'id', 'name'], { error: 'order must be id or name' })
      .optional()
      .transform((s) => s ?? ''),
    dir: z
      .enum(['', 'asc', 'desc'], { error: 'dir must be asc or desc' })
      .optional()
      .transform((s) => s ?? ''),
  })
  .openapi('SearchThingsRequest')

/** Query of `GET /channels/{id}/things` and `GET /things/{id}/channels`. */
export const connectedQuery = z.object({
  offset: offsetParam,
  limit: connectedLimitParam,
  connected: boolParam('connected'),
  disconnected: boolParam('disconnected'),
  order: orderParam,
  dir: dirParam,
})

const ids = (field: string) =>
  z
    .array(
      z.string({ error: `${field} must hold strings` }).min(1, `${field} must not hold empty ids`),
      {
        error: `${field} must be an array of ids`,
      }
    )
    .min(1, `${field} must not be empty`)
    .max(LIMITS.connectIdsMax, `at most ${LIMITS.connectIdsMax} ${field}`)

export const connectReq = z
  .object({ channel_ids: ids('channel_ids'), thing_ids: ids('thing_ids') })
  .refine(
    (r) => new Set(r.channel_ids).size * new Set(r.thing_ids).size <= LIMITS.connectPairsMax,
    `at most ${LIMITS.connectPairsMax} channel-thing pairs per request`
  )
  .openapi('ConnectRequest')

export const idParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

export const connectionParams = z.object({
  chanId: z.string().openapi({ param: { name: 'chanId', in: 'path' }, format: 'uuid' }),
  thingId: z.string().openapi({ param: { name: 'thingId', in: 'path' }, format: 'uuid' }),
})

export const chanIdParam = z.object({
  chanId: z.string().openapi({ param: { name: 'chanId', in: 'path' }, format: 'uuid' }),
})

/** Identify and access-by-key: the key in the body, or in `Authorization` when the body has none. */
export const identityReq = z
  .object({
    token: z
      .string({ error: 'token must be a string' })
      .max(LIMITS.keyMax, 'token is too long')
      .optional()
      .openapi({ description: 'Thing key (or send `Authorization: Thing <key>`)' }),
  })
  .openapi('IdentityRequest')

export const accessByIdReq = z
  .object({ thing_id: z.string({ error: 'thing_id is required' }).min(1, 'thing_id is required') })
  .openapi('AccessByIdRequest')

export const identityRes = z
  .object({ id: z.string().openapi({ format: 'uuid' }) })
  .openapi('Identity')

export type CreateThingReq = z.output<typeof createThingReq>
export type UpdateThingReq = z.output<typeof updateThingReq>
/** The identify and access-by-key body: optional, as the key may come in `Authorization`. */
export const identityBody = { ...jsonBody(identityReq), required: false }

/** 0.12.1's deprecation header on the single-item create and connect routes. */
export const deprecationHeader = {
  'Warning-Deprecated': { description: 'Kept from 0.12.1', schema: { type: 'string' as const } },
}
