import type { KeySpec } from '../../certs/pki'
import { keySpec } from '../../certs/schema'
import { LIMITS } from '../../lib/limits'
import {
  checkAgentContent,
  fillPlaceholders,
  type Placeholder,
  type PlaceholderValues,
} from '../content'
import { fieldPath, type Layout, LayoutError, layoutFile } from './types'

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
