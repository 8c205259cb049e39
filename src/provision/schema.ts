import { z } from '@hono/zod-openapi'
import { newExternalId } from '../bootstrap/schema'
import { channelRes } from '../channels/schema'
import { LIMITS } from '../lib/limits'
import { boolParam } from '../lib/page'
import { metadataObject } from '../lib/metadata'
import { thingRes } from '../things/schema'
import { LAYOUT_NAME } from './layout'

export const provisionReq = z
  .object({
    external_id: newExternalId,
    external_key: z
      .string({ error: 'external_key is required' })
      .min(1, 'external_key is required')
      .max(LIMITS.keyMax, `external_key must be at most ${LIMITS.keyMax} characters`)
      .openapi({
        description: "The gateway's bootstrap secret; only a keyed hash of it is stored",
      }),
    name: z
      .string({ error: 'name must be a string' })
      .max(LIMITS.nameMax, `name must be at most ${LIMITS.nameMax} characters`)
      .nullable()
      .optional()
      // Empty means "the layout's name", as 0.12.1 read it.
      .transform((s) => s || undefined)
      .openapi({
        type: 'string',
        description: "The gateway thing's name; the layout's when absent",
      }),
  })
  .openapi('ProvisionRequest')

const layoutParam = z
  .string()
  .regex(LAYOUT_NAME, 'layout must be a layout name like "default"')
  .optional()
  .openapi({
    param: { name: 'layout', in: 'query' },
    description: 'A layout in layouts/ (file name without .toml); MF_PROVISION_LAYOUT when absent',
    example: 'agent-export',
  })

export const layoutQuery = z.object({ layout: layoutParam })

export const mappingQuery = z.object({
  layout: layoutParam,
  dry_run: boolParam('dry_run').openapi({
    description: 'Validate and show what would be created (200), writing nothing',
  }),
})

const IDEMPOTENCY_KEY = /^[\x21-\x7e]+$/

export const mappingHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1, 'Idempotency-Key must not be empty')
    .max(
      LIMITS.idempotencyKeyMax,
      `Idempotency-Key must be at most ${LIMITS.idempotencyKeyMax} characters`
    )
    .regex(IDEMPOTENCY_KEY, 'Idempotency-Key must be visible ASCII characters without spaces')
    .optional()
    .openapi({
      description:
        'Repeating a request with the same key and body within 24 h returns the first answer and creates nothing',
    }),
})

const pemMap = z.record(z.string(), z.string()).openapi({ description: 'PEM by thing id' })

export const provisionRes = z
  .object({
    things: z.array(thingRes).openapi({ description: 'Layout order; metadata as stored' }),
    channels: z.array(channelRes),
    whitelisted: z.record(z.string(), z.boolean()).openapi({
      description: 'The gateway id → true when its config was activated (autowhite_list)',
    }),
    client_cert: pemMap.optional(),
    client_key: pemMap.optional(),
    ca_cert: z.string().optional(),
  })
  .openapi('ProvisionResponse')

const planThing = z.object({
  ref: z.string().openapi({ description: 'How other fields refer to it: things[i]' }),
  name: z.string().optional(),
  metadata: metadataObject.optional(),
  gateway: z.boolean(),
  channels: z.array(z.string()).openapi({ description: 'Refs of the channels it is connected to' }),
})

export const dryRunRes = z
  .object({
    dry_run: z.literal(true),
    layout: z.string(),
    things: z.array(planThing),
    channels: z.array(
      z.object({
        ref: z.string(),
        name: z.string(),
        metadata: metadataObject.optional(),
        type: z.enum(['control', 'data', 'export']).optional(),
      })
    ),
    connections: z
      .array(z.object({ thing: z.string(), channel: z.string() }))
      .openapi({ description: 'Made at once, or by whitelisting the gateway (autowhite_list)' }),
    bootstrap: z
      .object({
        external_id: z.string(),
        thing: z.string(),
        name: z.string().optional(),
        content: z.string().openapi({ description: 'The JSON document the config stores' }),
        channels: z
          .array(z.string())
          .openapi({ description: 'In the order the gateway receives them' }),
        state: z
          .number()
          .int()
          .openapi({ enum: [0, 1] }),
        certificates: z.boolean(),
      })
      .nullable(),
    whitelisted: z.boolean(),
    certs: z
      .object({
        things: z.array(z.string()),
        key_type: z.string(),
        key_bits: z.number().int(),
        ttl: z.string(),
        common_name: z.enum(['thing_key', 'thing_id']),
      })
      .nullable(),
  })
  .openapi('ProvisionDryRun')

export const layoutRes = z
  .object({
    name: z.string(),
    bootstrap: z.object({
      provision: z.boolean(),
      autowhite_list: z.boolean(),
      x509_provision: z.boolean(),
      content: metadataObject.nullable().openapi({
        description:
          '[bootstrap.content] with its placeholders filled; the config stores it as JSON (null without content)',
      }),
    }),
    certs: z.object({ ttl: z.string(), key_type: z.string(), key_bits: z.number().int() }),
    things: z.array(
      z.object({
        name: z.string().optional(),
        metadata: metadataObject.optional(),
        gateway: z.boolean(),
        channels: z.array(z.string()),
      })
    ),
    channels: z.array(z.object({ name: z.string(), metadata: metadataObject.optional() })),
  })
  .openapi('ProvisionLayout')
