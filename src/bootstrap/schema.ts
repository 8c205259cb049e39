import { z } from '@hono/zod-openapi'
import { LIMITS } from '../lib/limits'
import { containsFilter, offsetParam, pageOf } from '../lib/page'
import { metadataObject } from '../lib/metadata'

const utf8 = new TextEncoder()

/**
 * Whether a fetch may name this external id: 1 to 256 bytes of UTF-8 (it is part of KV key
 * names, which allow 512), no C0 control character or DEL, and no `/`. This is the rule ids were
 * created under before `externalIdProblem`; fetches keep it so that such configs still answer.
 */
export function isExternalId(s: string): boolean {
  return (
    s.length > 0 &&
    utf8.encode(s).length <= LIMITS.externalIdBytes &&
    !/[\u0000-\u001f\u007f/]/.test(s)
  )
}

// Unicode general categories no device id needs, that render as nothing or break lines, and that
// are easy to type by accident or hide on purpose: controls (Cc: C0, DEL, C1 such as U+0085),
// format characters (Cf: U+200B, U+FEFF, bidi controls), surrogates (Cs), private use (Co),
// unassigned code points and noncharacters (Cn), line and paragraph separators (Zl, Zp).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u
const EDGE_SPACE = /^\p{White_Space}|\p{White_Space}$/u

/**
 * Why a new external id is refused, or undefined when it is fine. On top of `isExternalId`'s
 * bounds it must be a path segment a gateway can actually fetch: not `.` or `..` (URL parsing
 * drops those segments, `%2E` included, so `/things/bootstrap/..` never reaches the route), not
 * empty or white space at either end (invisible in configuration files and logs, and trimmed by
 * many tools), and no character of the categories in INVISIBLE. Such ids were accepted once and
 * could never be fetched, yet stayed taken.
 */
export function externalIdProblem(s: string): string | undefined {
  if (s.length === 0) return 'external_id is required'
  if (utf8.encode(s).length > LIMITS.externalIdBytes) {
    return `external_id must be at most ${LIMITS.externalIdBytes} bytes of UTF-8`
  }
  if (s.includes('/')) return 'external_id must be a single path segment, without "/"'
  if (s === '.' || s === '..')
    return 'external_id must not be "." or ".." (URL paths drop such segments)'
  if (EDGE_SPACE.test(s)) return 'external_id must not be blank, start or end with white space'
  const bad = INVISIBLE.exec(s)
  if (bad) {
    const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
    return `external_id must not contain control, format, separator, private-use or unassigned characters (U+${cp} at offset ${bad.index})`
  }
  return undefined
}

/** The `external_id` of a new config (`POST /things/configs`, `POST /mapping`). */
export const newExternalId = z
  .string({ error: 'external_id is required' })
  .superRefine((s, ctx) => {
    const problem = externalIdProblem(s)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })
  .openapi({
    description:
      "The gateway's own id (a MAC address, a serial number): one path segment of 1 to 256 bytes, no white space at either end, no control or invisible characters",
    example: '02:42:ac:11:00:02',
  })

/** An optional text field; `null` and "" mean absent (stored as NULL, omitted on the wire). */
const text = (field: string, max: number) =>
  z
    .string({ error: `${field} must be a string` })
    .max(max, `${field} must be at most ${max} characters`)
    .nullable()
    .optional()
    .transform((s) => s || null)

const channelIds = z
  .array(
    z.string({ error: 'channels must hold strings' }).min(1, 'channels must not hold empty ids'),
    {
      error: (iss) =>
        iss.input === undefined
          ? 'channels is required (an empty list clears them)'
          : 'channels must be an array of channel ids',
    }
  )
  .max(LIMITS.bootstrapChannelsMax, `at most ${LIMITS.bootstrapChannelsMax} channels per config`)

export const createConfigReq = z
  .object({
    external_id: newExternalId,
    external_key: z
      .string({ error: 'external_key is required' })
      .min(1, 'external_key is required')
      .max(LIMITS.keyMax, `external_key must be at most ${LIMITS.keyMax} characters`)
      .openapi({ description: "The gateway's secret; only a keyed hash of it is stored" }),
    thing_id: z
      .string({ error: 'thing_id must be a string' })
      .nullable()
      .optional()
      .transform((s) => s || undefined)
      .openapi({
        type: 'string',
        description: 'An existing thing; a new one is created when absent',
      }),
    channels: channelIds
      .nullable()
      .optional()
      .transform((a) => a ?? [])
      .openapi({ type: 'array', items: { type: 'string' } }),
    name: text('name', LIMITS.nameMax).openapi({ type: 'string' }),
    content: text('content', LIMITS.bootstrapContentMax).openapi({
      type: 'string',
      description: 'Opaque to Fluxgate; the Mainflux agent expects a JSON document',
    }),
    client_cert: text('client_cert', LIMITS.bootstrapPemMax).openapi({ type: 'string' }),
    client_key: text('client_key', LIMITS.bootstrapPemMax).openapi({ type: 'string' }),
    ca_cert: text('ca_cert', LIMITS.bootstrapPemMax).openapi({ type: 'string' }),
  })
  .openapi('CreateConfigRequest')

export const updateConfigReq = z
  .object({
    name: text('name', LIMITS.nameMax).openapi({ type: 'string' }),
    content: text('content', LIMITS.bootstrapContentMax).openapi({ type: 'string' }),
  })
  .openapi('UpdateConfigRequest', { description: 'Full replace: an omitted field is cleared' })

export const updateCertsReq = z
  .object({
    client_cert: text('client_cert', LIMITS.bootstrapPemMax).openapi({ type: 'string' }),
    client_key: text('client_key', LIMITS.bootstrapPemMax).openapi({ type: 'string' }),
    ca_cert: text('ca_cert', LIMITS.bootstrapPemMax).openapi({ type: 'string' }),
  })
  .openapi('UpdateCertsRequest', { description: 'Full replace: an omitted field is cleared' })

export const updateConnectionsReq = z
  .object({
    channels: channelIds,
  })
  .openapi('UpdateConnectionsRequest')

export const stateReq = z
  .object({
    // The Go SDK omits a zero state (omitempty), so {} and null mean 0, as 0.12.1 read them.
    state: z
      .union([z.literal(0), z.literal(1), z.null()], { error: 'state must be 0 or 1' })
      .optional()
      .transform((s): 0 | 1 => s ?? 0)
      .openapi({ type: 'integer', enum: [0, 1] }),
  })
  .openapi('StateRequest')

const channelRes = z
  .object({ id: z.string(), name: z.string().optional(), metadata: metadataObject.optional() })
  .openapi('BootstrapChannel')

const configFields = {
  mainflux_id: z.string().openapi({ description: 'The thing id (also the config id)' }),
  mainflux_key: z.string().openapi({ description: "The thing's key" }),
  external_id: z.string(),
  content: z.string().optional(),
  name: z.string().optional(),
  state: z
    .number()
    .int()
    .openapi({ enum: [0, 1] }),
  client_cert: z.string().optional(),
  client_key: z.string().optional(),
  ca_cert: z.string().optional(),
  last_bootstrap_at: z.string().optional().openapi({
    description: 'Last successful fetch (RFC 3339; coalesced: may lag by up to a minute)',
  }),
  last_failure_at: z.string().optional(),
  last_failure: z.string().optional().openapi({ description: 'Why the last failed fetch failed' }),
}

export const configRes = z
  .object({ ...configFields, mainflux_channels: z.array(channelRes).optional() })
  .openapi('BootstrapConfig')

export const configListItem = z.object(configFields).openapi('BootstrapConfigListItem')

export const configsPageRes = pageOf('configs', configListItem, 'BootstrapConfigsPage')

/** `limit`: absent or 0 → 10; above 100 silently becomes 100 (0.12.1's bootstrap list). */
const configsLimit = z
  .string()
  .regex(/^\d+$/, 'limit must be a non-negative integer')
  .transform((s) => Number(s))
  .optional()
  .transform((n) => (!n ? LIMITS.pageDefault : Math.min(n, LIMITS.pageMax)))
  .openapi({ param: { name: 'limit', in: 'query' }, type: 'integer', example: 10 })

const exact = (name: string, description: string) =>
  z
    .string()
    .max(LIMITS.keyMax, `${name} is too long`)
    .optional()
    .transform((s) => s || undefined)
    .openapi({ param: { name, in: 'query' }, description })

export const configsQuery = z.object({
  offset: offsetParam,
  limit: configsLimit,
  state: z
    .enum(['0', '1'], { error: 'state must be 0 or 1' })
    .optional()
    .transform((s) => (s === undefined ? undefined : Number(s)))
    .openapi({ param: { name: 'state', in: 'query' }, type: 'integer', enum: [0, 1] }),
  external_id: exact('external_id', 'Exact external id'),
  mainflux_id: exact('mainflux_id', 'Exact thing id'),
  mainflux_key: exact('mainflux_key', 'Exact thing key'),
  name: containsFilter('name', LIMITS.nameMax)
    .optional()
    .openapi({
      param: { name: 'name', in: 'query' },
      description: 'Case-insensitive substring; % and _ match literally',
    }),
})

export const configIdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

export const externalIdParam = z.object({
  externalId: z.string().openapi({ param: { name: 'externalId', in: 'path' } }),
})

/** The plain fetch answer, in 0.12.1's shape. */
export const bootstrapRes = z
  .object({
    mainflux_id: z.string(),
    mainflux_key: z.string(),
    mainflux_channels: z
      .array(channelRes)
      .nullable()
      .openapi({ description: 'Control first, then data, then the rest by name; null when none' }),
    content: z.string().optional(),
    client_cert: z.string().optional(),
    client_key: z.string().optional(),
    ca_cert: z.string().optional(),
  })
  .openapi('BootstrapAnswer')

export type CreateConfigReq = z.output<typeof createConfigReq>
export type UpdateConfigReq = z.output<typeof updateConfigReq>
export type UpdateCertsReq = z.output<typeof updateCertsReq>
export type ConfigsQuery = z.output<typeof configsQuery>

/** One throttle of a gateway, as its owner sees it (GET /things/configs/{id}/lock). */
const throttleRes = z
  .object({
    locked: z.boolean().openapi({
      description: 'Locked for every address that has not succeeded since the failures began',
    }),
    retry_after: z.number().int().optional().openapi({ description: 'Seconds left of that lock' }),
    failures: z
      .number()
      .int()
      .openapi({ description: 'Failures counted for the gateway (reset by a success)' }),
    last_failure_at: z.string().optional(),
    known_addresses: z
      .number()
      .int()
      .openapi({ description: 'Addresses that succeeded since the failures began' }),
    addresses: z
      .array(
        z.object({
          address: z.string().openapi({
            description: 'Client address (an IPv6 /64, or * for addresses past the 1,000th)',
          }),
          failures: z.number().int(),
          locked: z.boolean(),
          retry_after: z.number().int().optional(),
          last_failure_at: z.string(),
        })
      )
      .openapi({ description: 'Addresses with failures, most recent first (at most 20)' }),
  })
  .openapi('Throttle')

export const lockRes = z
  .object({
    external_id: z.string(),
    fetch: throttleRes.openapi({ description: 'Bootstrap fetches of the external id' }),
    connect: throttleRes.openapi({ description: 'Broker connects of the thing' }),
  })
  .openapi('GatewayLock')
