import { parse, TomlError } from 'smol-toml'
import { z } from 'zod'
import type { KeySpec } from '../certs/pki'
import { keySpec } from '../certs/schema'
import { parseDuration } from '../lib/duration'
import { LIMITS } from '../lib/limits'
import {
  checkAgentContent,
  contentPlaceholders,
  fillPlaceholders,
  isAgentContent,
  mentionsPlaceholder,
  type Placeholder,
  type PlaceholderValues,
} from './content'

/*
 * Provision layouts: one TOML file per layout in layouts/, bundled into the Worker as text
 * (src/provision/layouts.ts) and validated here, by the test suite and by `npm start`
 * (scripts/check-layouts.mjs). The schema is 0.12.1's `[bootstrap]`, `[certs]`, `[[things]]`,
 * `[[channels]]` (its `[server]` section and `file` key are service settings, not part of a
 * layout), plus an optional `channels` list on non-gateway things. String values in
 * `[bootstrap.content]` may name settings as placeholders, filled when a mapping is made, and a
 * layout whose content has an `agent` table is checked for what the Mainflux agent needs
 * (src/provision/content.ts).
 */

/** A layout name is its file name without `.toml`; it appears in `?layout=NAME`. */
export const LAYOUT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/

export const CHANNEL_TYPES = ['control', 'data', 'export'] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]

/** A bundled layout that does not parse or validate; the message names the file and the field. */
export class LayoutError extends Error {
  override name = 'LayoutError'
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`)
  }
}

export const layoutFile = (name: string) => `layouts/${name}.toml`

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
  { error: '[bootstrap] must be a table' },
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
  { error: '[certs] must be a table' },
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

const layoutSchema = z.strictObject({
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

type RawLayout = z.output<typeof layoutSchema>

export interface LayoutThing {
  name: string
  metadata: Record<string, unknown> | null
  /** Names of the layout channels a non-gateway thing is connected to (none for the gateway). */
  channels: string[]
}

export interface LayoutChannel {
  name: string
  metadata: Record<string, unknown> | null
  type?: ChannelType
}

/** A layout as its file says it: settings it leaves out are undefined (see `effectiveLayout`). */
export interface Layout {
  name: string
  provision?: boolean
  autowhiteList?: boolean
  x509?: boolean
  /** `[bootstrap.content]` as written: placeholders unfilled. */
  content?: Record<string, unknown>
  /** The settings its content names as placeholders. */
  placeholders: Placeholder[]
  /** Whether it is meant for the Mainflux agent (its content has an `agent` table). */
  agent: boolean
  ttlMs?: number
  /** Set when the file gives key_type or key_bits. */
  key?: KeySpec
  things: LayoutThing[]
  channels: LayoutChannel[]
  /** Index in `things` of the thing whose metadata has `external_id`. */
  gateway: number
}

const HINTS: Record<string, string> = {
  server:
    '[server] holds service settings in 0.12.1; Fluxgate takes them from MF_PROVISION_* settings',
  file: "0.12.1's file key is a service setting; a layout is chosen with ?layout=NAME",
}

/** A field path as the TOML reader sees it: `channels[1].metadata.type`. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
    .join('')
}

function describe(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const field = fieldPath([...issue.path, k])
      return `${field}: ${HINTS[field] ?? 'unknown key'}`
    })
  }
  const field = fieldPath(issue.path)
  return [field ? `${field}: ${issue.message}` : issue.message]
}

/** Checks that need more than one field; issues are added to `ctx` with their paths. */
function crossCheck(raw: RawLayout, add: (path: PropertyKey[], message: string) => void) {
  const gateways = raw.things.flatMap((t, i) =>
    t.metadata && Object.hasOwn(t.metadata, 'external_id') ? [i] : [],
  )
  if (gateways.length !== 1) {
    add(
      ['things'],
      `exactly one thing must have metadata.external_id (the gateway the request's external_id ` +
        `and external_key belong to); found ${gateways.length}`,
    )
  }
  const names = new Set<string>()
  const types = new Map<string, number>()
  raw.channels.forEach((c, i) => {
    if (names.has(c.name)) add(['channels', i, 'name'], `"${c.name}" is used by another channel`)
    names.add(c.name)
    const type = c.metadata?.type
    if (type === undefined) return
    if (typeof type !== 'string' || !(CHANNEL_TYPES as readonly string[]).includes(type)) {
      add(['channels', i, 'metadata', 'type'], `must be ${CHANNEL_TYPES.join(', ')} or absent`)
      return
    }
    const first = types.get(type)
    if (first !== undefined) {
      add(
        ['channels', i, 'metadata', 'type'],
        `"${type}" is already the type of channels[${first}]`,
      )
    } else types.set(type, i)
  })
  raw.things.forEach((t, i) => {
    if (!t.channels) return
    if (gateways.includes(i)) {
      add(
        ['things', i, 'channels'],
        'the gateway is connected to every layout channel through its bootstrap config; remove this list',
      )
      return
    }
    const seen = new Set<string>()
    t.channels.forEach((c, j) => {
      if (!names.has(c)) add(['things', i, 'channels', j], `no layout channel is named "${c}"`)
      if (seen.has(c)) add(['things', i, 'channels', j], `"${c}" is listed twice`)
      seen.add(c)
    })
  })
  const b = raw.bootstrap
  if (b?.autowhite_list === true && b.provision === false) {
    add(
      ['bootstrap', 'autowhite_list'],
      'needs provision (whitelisting activates the bootstrap config)',
    )
  }
  if (b?.content && JSON.stringify(b.content).length > LIMITS.bootstrapContentMax) {
    add(['bootstrap', 'content'], `must be at most ${LIMITS.bootstrapContentMax} bytes as JSON`)
  }
  misplacedPlaceholders(raw, add)
  if (isAgentContent(b?.content)) agentCheck(raw, add)
}

/** Placeholders are filled only in content strings: anywhere else one would stay as written. */
function misplacedPlaceholders(
  raw: RawLayout,
  add: (path: PropertyKey[], message: string) => void,
) {
  const message = 'placeholders are filled only in string values inside [bootstrap.content]'
  const visit = (value: unknown, path: PropertyKey[]) => {
    if (typeof value === 'string') {
      if (mentionsPlaceholder(value)) add(path, message)
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...path, i]))
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (mentionsPlaceholder(k)) add([...path, k], message)
        visit(v, [...path, k])
      }
    }
  }
  visit(raw.things, ['things'])
  visit(raw.channels, ['channels'])
}

/**
 * A layout meant for the agent must give it what it needs to go live: the agent aborts its
 * bootstrap with fewer than 2 channels, takes control and data by position (the answer lists
 * the control channel first, then data), and gets its content only through the bootstrap config.
 */
function agentCheck(raw: RawLayout, add: (path: PropertyKey[], message: string) => void) {
  const why = '(the layout has [bootstrap.content.agent], so it is for the Mainflux agent)'
  if (raw.channels.length < 2) {
    add(['channels'], `the agent needs at least 2 channels, control and data ${why}`)
  }
  for (const type of ['control', 'data'] as const) {
    if (!raw.channels.some((c) => c.metadata?.type === type)) {
      add(['channels'], `the agent needs a channel with metadata.type = "${type}" ${why}`)
    }
  }
  if (raw.bootstrap?.provision === false) {
    add(
      ['bootstrap', 'provision'],
      `the agent gets its content only through the bootstrap config, which provision = false turns off ${why}`,
    )
  }
  checkAgentContent(raw.bootstrap!.content!, add)
}

function certsTtl(raw: RawLayout, add: (path: PropertyKey[], message: string) => void) {
  const given = (['ttl', 'days_valid'] as const).flatMap((field) => {
    const text = raw.certs?.[field]
    if (text === undefined) return []
    const ms = parseDuration(text)
    if (ms === undefined || ms <= 0) {
      add(['certs', field], `"${text}" is not a positive duration like "2400h"`)
      return []
    }
    return [{ field, ms }]
  })
  if (given.length === 2 && given[0]!.ms !== given[1]!.ms) {
    add(['certs', 'ttl'], 'ttl and days_valid disagree; give one of them')
  }
  return given[0]?.ms
}

function certsKey(raw: RawLayout, add: (path: PropertyKey[], message: string) => void) {
  const c = raw.certs
  if (c?.key_type === undefined && c?.key_bits === undefined) return undefined
  try {
    return keySpec(c.key_type, c.key_bits)
  } catch (e) {
    // keySpec says "key_type: ..." or "key_bits: ..."; keep its field in the path.
    const m = /^(key_type|key_bits): (.*)$/.exec((e as Error).message)
    add(['certs', m?.[1] ?? 'key_bits'], m?.[2] ?? (e as Error).message)
    return undefined
  }
}

/**
 * Parses and validates one layout file.
 * @throws LayoutError naming the file and each offending field.
 */
export function parseLayout(name: string, text: string): Layout {
  const file = layoutFile(name)
  if (!LAYOUT_NAME.test(name)) {
    throw new LayoutError(file, [
      'the file name must be lower case letters, digits, ".", "_" or "-" (it is used as ?layout=NAME)',
    ])
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (e) {
    if (e instanceof TomlError) {
      throw new LayoutError(file, [
        `line ${e.line}, column ${e.column}: ${e.message.split('\n')[0]}`,
      ])
    }
    throw new LayoutError(file, [(e as Error).message])
  }
  const parsed = layoutSchema.safeParse(doc)
  if (!parsed.success) throw new LayoutError(file, parsed.error.issues.flatMap(describe))
  const raw = parsed.data
  const problems: string[] = []
  const add = (path: PropertyKey[], message: string) =>
    problems.push(`${fieldPath(path)}: ${message}`)
  crossCheck(raw, add)
  const content = raw.bootstrap?.content
  const placeholders = content ? contentPlaceholders(content, add) : []
  const ttlMs = certsTtl(raw, add)
  const key = certsKey(raw, add)
  if (problems.length > 0) throw new LayoutError(file, problems)

  return {
    name,
    provision: raw.bootstrap?.provision,
    autowhiteList: raw.bootstrap?.autowhite_list,
    x509: raw.bootstrap?.x509_provision,
    content,
    placeholders,
    agent: isAgentContent(content),
    ttlMs,
    key,
    things: raw.things.map((t) => ({
      name: t.name ?? '',
      metadata: t.metadata ?? null,
      channels: t.channels ?? [],
    })),
    channels: raw.channels.map((c) => ({
      name: c.name,
      metadata: c.metadata ?? null,
      type: c.metadata?.type as ChannelType | undefined,
    })),
    gateway: raw.things.findIndex((t) => t.metadata && Object.hasOwn(t.metadata, 'external_id')),
  }
}

/** The MF_PROVISION_* settings that fill what a layout leaves out (src/lib/config.ts). */
export interface LayoutDefaults {
  provision?: boolean
  autowhiteList?: boolean
  x509?: boolean
  ttlMs?: number
  keyType?: string
  keyBits?: number
  /** The certificates default validity, MF_CERTS_DEFAULT_TTL. */
  certsDefaultTtlMs: number
  /** Values of the settings content placeholders name; an absent one is unset. */
  settings?: PlaceholderValues
}

/** A layout with every setting resolved: what a mapping does. */
export interface EffectiveLayout extends Omit<
  Layout,
  'provision' | 'autowhiteList' | 'x509' | 'ttlMs' | 'key'
> {
  /** Content with its placeholders filled (as written while `unset` is not empty). */
  content?: Record<string, unknown>
  /** Settings its content needs that are not set: no mapping can be made with it then. */
  unset: Placeholder[]
  provision: boolean
  autowhiteList: boolean
  x509: boolean
  ttlMs: number
  key: KeySpec
}

/**
 * Resolves a layout against the settings: a value the layout sets wins (`false` included), a
 * MF_PROVISION_* setting fills what it leaves out, code defaults come last (provision on,
 * whitelisting on while provisioning, x509 off, EC P-256 keys, MF_CERTS_DEFAULT_TTL). Key type
 * and size are one choice, taken from the first level that sets either. Whitelisting needs a
 * config: when provision resolves to false, an autowhite_list the layout does not set is false.
 * Content placeholders are filled from `d.settings`; those that are unset are listed in `unset`.
 * @throws LayoutError when the settings make the layout contradict itself, or a filled content
 *   is one the agent could not use or too large.
 */
export function effectiveLayout(layout: Layout, d: LayoutDefaults): EffectiveLayout {
  const file = layoutFile(layout.name)
  const provision = layout.provision ?? d.provision ?? true
  const autowhiteList = layout.autowhiteList ?? (provision ? (d.autowhiteList ?? true) : false)
  if (autowhiteList && !provision) {
    throw new LayoutError(file, [
      'bootstrap.autowhite_list: needs provision, which MF_PROVISION_BS_CONFIG_PROVISIONING turns off',
    ])
  }
  let key = layout.key
  if (!key) {
    try {
      key =
        d.keyType !== undefined || d.keyBits !== undefined
          ? keySpec(d.keyType, d.keyBits)
          : keySpec()
    } catch (e) {
      throw new LayoutError(file, [
        `MF_PROVISION_CERTS_KEY_TYPE / MF_PROVISION_CERTS_KEY_BITS: ${(e as Error).message}`,
      ])
    }
  }
  const values = d.settings ?? {}
  const unset = layout.placeholders.filter((p) => values[p] === undefined)
  let content = layout.content
  if (content && unset.length === 0) {
    // Filling also turns each `$${` escape into `${`.
    content = fillPlaceholders(content, values)
    if (layout.placeholders.length > 0) {
      // What the settings put in: checked as the file's literal values were.
      const problems: string[] = []
      const filled = layout.placeholders.join(', ')
      const add = (path: PropertyKey[], message: string) =>
        problems.push(`${fieldPath(path)}: ${message} (with ${filled} filled in)`)
      if (layout.agent) checkAgentContent(content, add)
      if (JSON.stringify(content).length > LIMITS.bootstrapContentMax) {
        add(['bootstrap', 'content'], `must be at most ${LIMITS.bootstrapContentMax} bytes as JSON`)
      }
      if (problems.length > 0) throw new LayoutError(file, problems)
    }
  }
  return {
    name: layout.name,
    content,
    placeholders: layout.placeholders,
    agent: layout.agent,
    unset,
    things: layout.things,
    channels: layout.channels,
    gateway: layout.gateway,
    provision,
    autowhiteList,
    x509: layout.x509 ?? d.x509 ?? false,
    ttlMs: layout.ttlMs ?? d.ttlMs ?? d.certsDefaultTtlMs,
    key,
  }
}

/** Milliseconds as a Go duration in the largest whole unit ("2400h", "90m", "1500ms"). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/** The effective layout on the wire (GET /mapping), in the TOML file's own terms. */
export function layoutView(l: EffectiveLayout) {
  return {
    name: l.name,
    bootstrap: {
      provision: l.provision,
      autowhite_list: l.autowhiteList,
      x509_provision: l.x509,
      // What the config stores is this as JSON: `null` for a layout without content.
      content: l.content ?? null,
    },
    certs: { ttl: formatDuration(l.ttlMs), key_type: l.key.type, key_bits: l.key.bits },
    things: l.things.map((t, i) => ({
      name: t.name || undefined,
      metadata: t.metadata ?? undefined,
      gateway: i === l.gateway,
      channels: i === l.gateway ? l.channels.map((c) => c.name) : t.channels,
    })),
    channels: l.channels.map((c) => ({ name: c.name, metadata: c.metadata ?? undefined })),
  }
}

/**
 * Compares the layouts/ directory with the bundled layouts and validates each: every problem as
 * one line naming its file (empty: all good). `files` and `bundled` map names to TOML text.
 */
export function checkLayouts(
  files: Readonly<Record<string, string>>,
  bundled: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = []
  const registry = 'src/provision/layouts.ts'
  for (const name of Object.keys(files).sort()) {
    if (!Object.hasOwn(bundled, name)) {
      problems.push(
        `${layoutFile(name)}: not bundled; import it in ${registry} under the name "${name}"`,
      )
    }
  }
  for (const [name, text] of Object.entries(bundled).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!Object.hasOwn(files, name)) {
      problems.push(`${registry}: lists "${name}", but ${layoutFile(name)} does not exist`)
      continue
    }
    if (files[name] !== text) {
      problems.push(
        `${registry}: "${name}" is not the text of ${layoutFile(name)} (imported under the wrong name?)`,
      )
      continue
    }
    try {
      parseLayout(name, text)
    } catch (e) {
      if (!(e instanceof LayoutError)) throw e
      problems.push(...e.problems.map((p) => `${e.file}: ${p}`))
    }
  }
  return problems
}
