import { z } from 'zod'
import { LIMITS } from '../../lib/limits'
import { fieldPath } from './types'

// The zod schema of a layout file as smol-toml reads it, and its issues as "field: message" lines.

// TOML tables become plain JSON objects: a TOML date becomes its RFC 3339 string, as JSON has no
// dates, and what is stored or sent is exactly what GET /mapping shows.
const jsonObject = (what: string) =>
  z
    .record(z.string(), z.unknown(), { error: `${what} must be a table` })
    .transform((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>)

const bool = (field: string) => z.boolean({ error: `${field} must be true or false` }).optional()

const bootstrapSection = z.strictObject(
  {
    provision: bool('provision'),
    autowhite_list: bool('autowhite_list'),
    x509_provision: bool('x509_provision'),
    content: jsonObject('content (the agent configuration, [bootstrap.content])').optional(),
  },
  { error: '[bootstrap] must be a table' }
)

const certsSection = z.strictObject(
  {
    ttl: z.string({ error: 'ttl must be a duration string like "2400h"' }).optional(),
    // 0.12.1's name for the same thing (a Go duration despite the name).
    days_valid: z.string({ error: 'days_valid must be a duration string like "2400h"' }).optional(),
    key_type: z.string({ error: 'key_type must be a string: rsa, ec or ed25519' }).optional(),
    key_bits: z
      .number({ error: 'key_bits must be an integer' })
      .int('key_bits must be an integer')
      .optional(),
  },
  { error: '[certs] must be a table' }
)

const name = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .max(LIMITS.nameMax, `${what} must be at most ${LIMITS.nameMax} characters`)

const thingEntry = z.strictObject({
  name: name('name').optional(),
  metadata: jsonObject('metadata').optional(),
  channels: z
    .array(z.string({ error: 'channels must name layout channels' }), {
      error: 'channels must be a list of layout channel names',
    })
    .optional(),
})

const channelEntry = z.strictObject({
  name: name('name').min(1, 'name is required (things name the channels they connect to)'),
  metadata: jsonObject('metadata').optional(),
})

export const layoutSchema = z.strictObject({
  bootstrap: bootstrapSection.optional(),
  certs: certsSection.optional(),
  things: z
    .array(thingEntry, { error: 'at least one [[things]] entry is required' })
    .min(1, 'at least one [[things]] entry is required')
    .max(LIMITS.provisionThingsMax, `at most ${LIMITS.provisionThingsMax} things`),
  channels: z
    .array(channelEntry, { error: 'at least one [[channels]] entry is required' })
    .min(1, 'at least one [[channels]] entry is required')
    .max(LIMITS.provisionChannelsMax, `at most ${LIMITS.provisionChannelsMax} channels`),
})

export type RawLayout = z.output<typeof layoutSchema>

const HINTS: Record<string, string> = {
  server:
    '[server] holds service settings in 0.12.1; Fluxgate takes them from MF_PROVISION_* settings',
  file: "0.12.1's file key is a service setting; a layout is chosen with ?layout=NAME",
}

export function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const field = fieldPath([...issue.path, k])
      return `${field}: ${HINTS[field] ?? 'unknown key'}`
    })
  }
  const field = fieldPath(issue.path)
  return [field ? `${field}: ${issue.message}` : issue.message]
}
