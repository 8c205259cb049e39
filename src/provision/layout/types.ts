import type { KeySpec } from '../../certs/pki'
import type { Placeholder } from '../content'

// The names, the parsed shape and the error of a provision layout (see ./index.ts).

/** A layout name is its file name without `.toml`; it appears in `?layout=NAME`. */
export const LAYOUT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/

export const CHANNEL_TYPES = ['control', 'data', 'export'] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]

/** A bundled layout that does not parse or validate; the message names the file and the field. */
export class LayoutError extends Error {
  override name = 'LayoutError'
  constructor(
    readonly file: string,
    readonly problems: string[]
  ) {
    super(`${file}: ${problems.join('; ')}`)
  }
}

export const layoutFile = (name: string) => `layouts/${name}.toml`

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

/** Records one problem at a field path (the checks of a layout report through it). */
export type AddProblem = (path: PropertyKey[], message: string) => void

/** A field path as the TOML reader sees it: `channels[1].metadata.type`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`))
    .join('')
}
