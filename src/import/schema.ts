import { z } from '@hono/zod-openapi'
import { normalizeSerial } from '../certs/pki'
import { LIMITS } from '../lib/limits'
import { metadataObject } from '../lib/metadata'

/** Rows per request: one request is one D1 batch (all or nothing), and the CLI's chunk. */
export const IMPORT_CHUNK_MAX = 200

const uuid = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .regex(
      /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
      `${what} must be a UUID`
    )
    .transform((s) => s.toLowerCase())
    .openapi({ type: 'string', format: 'uuid' })

/** 0.12.1's text columns may be NULL; both mean "none". */
const optText = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .max(max, `${what} must be at most ${max} characters`)
    .nullable()
    .optional()
    .transform((s) => s ?? null)
    .openapi({ type: 'string' })

const optMetadata = metadataObject
  .nullable()
  .optional()
  .transform((m) => (m && Object.keys(m).length > 0 ? m : null))

const PEM_MAX = 65_536

export const importUser = z.object({
  id: uuid('id'),
  email: z
    .string({ error: 'email is required' })
    .min(1, 'email is required')
    .max(254, 'email must be at most 254 characters')
    .openapi({ description: 'As 0.12.1 stored it; Fluxgate keeps it lower-cased' }),
  password: z
    .string({ error: 'password is required' })
    .regex(
      /^\$2[aby]\$(0[4-9]|1[0-2])\$[./A-Za-z0-9]{53}$/,
      'password must be a bcrypt hash ($2a$…) of cost 4 to 12 (0.12.1 uses 10)'
    )
    .openapi({ description: "0.12.1's bcrypt hash, verified once at the first login" }),
  metadata: optMetadata,
})

export const importThing = z.object({
  id: uuid('id'),
  owner_id: uuid('owner_id').openapi({ description: "The 0.12.1 id of the owner's account" }),
  // Old keys are taken as they are (any 0.12.1 key keeps working), only bounded like its column.
  key: z
    .string({ error: 'key is required' })
    .min(1, 'key is required')
    .max(LIMITS.keyMax, `key must be at most ${LIMITS.keyMax} characters`),
  name: optText('name', LIMITS.nameMax),
  metadata: optMetadata,
})

export const importChannel = z.object({
  id: uuid('id'),
  owner_id: uuid('owner_id'),
  name: optText('name', LIMITS.nameMax),
  metadata: optMetadata,
})

export const importConnection = z.object({
  channel_id: uuid('channel_id'),
  thing_id: uuid('thing_id'),
  owner_id: uuid('owner_id'),
})

export const importConfig = z.object({
  thing_id: uuid('thing_id'),
  owner_id: uuid('owner_id'),
  external_id: z
    .string({ error: 'external_id is required' })
    .min(1, 'external_id is required')
    .max(1024, 'external_id must be at most 1024 characters'),
  external_key: z
    .string({ error: 'external_key is required' })
    .min(1, 'external_key is required')
    .max(4096, 'external_key must be at most 4096 characters')
    .openapi({ description: 'As the gateway holds it; only its keyed hash is stored' }),
  name: optText('name', LIMITS.nameMax),
  content: optText('content', 1_000_000),
  client_cert: optText('client_cert', PEM_MAX),
  client_key: optText('client_key', PEM_MAX),
  ca_cert: optText('ca_cert', PEM_MAX),
  state: z.union([z.literal(0), z.literal(1)], { error: 'state must be 0 or 1' }),
  channels: z.array(uuid('channels[]')).max(100, 'at most 100 channels per config').default([]),
})

const instant = (what: string) =>
  z
    .string({ error: `${what} must be an RFC 3339 time` })
    .refine((s) => !Number.isNaN(Date.parse(s)), `${what} must be an RFC 3339 time`)
    .transform((s) => Date.parse(s))
    .openapi({ type: 'string', format: 'date-time' })

export const importCert = z.object({
  // Vault's `0f:53:…` form or plain hex; stored as Fluxgate's lower-case hex.
  serial: z
    .string({ error: 'serial is required' })
    .transform((s, ctx) => {
      const n = normalizeSerial(s)
      if (n === undefined) {
        ctx.addIssue({ code: 'custom', message: 'serial must be hex (with or without ":")' })
        return z.NEVER
      }
      return n
    })
    .openapi({ type: 'string' }),
  thing_id: uuid('thing_id'),
  owner_id: uuid('owner_id'),
  expires_at: instant('expires_at'),
  revoked_at: instant('revoked_at')
    .nullable()
    .optional()
    .transform((v) => v ?? null),
})

export const KINDS = ['users', 'things', 'channels', 'connections', 'configs', 'certs'] as const
export type Kind = (typeof KINDS)[number]

export const rowSchemas = {
  users: importUser,
  things: importThing,
  channels: importChannel,
  connections: importConnection,
  configs: importConfig,
  certs: importCert,
} as const

export type Rows = { [K in Kind]: z.infer<(typeof rowSchemas)[K]> }

export const chunkOf = <T extends z.ZodType>(row: T, name: string) =>
  z
    .object({
      rows: z
        .array(row, { error: 'rows must be an array' })
        .min(1, 'rows must not be empty')
        .max(IMPORT_CHUNK_MAX, `at most ${IMPORT_CHUNK_MAX} rows per request`),
    })
    .openapi(name)

export const rowResult = z
  .object({
    index: z.number().int(),
    id: z.string(),
    status: z.enum(['imported', 'present', 'refused', 'skipped']),
    reason: z.string().optional(),
  })
  .openapi('ImportRowResult')

export const importRes = z
  .object({
    imported: z.number().int(),
    present: z.number().int(),
    refused: z.number().int(),
    results: z.array(rowResult),
  })
  .openapi('ImportResult')

export const importRefusedRes = importRes.extend({ error: z.string() }).openapi('ImportRefused')

export type RowResult = z.infer<typeof rowResult>
