import type { Config } from '../../lib/config'
import { AppError } from '../../lib/errors'
import { PLACEHOLDERS, type PlaceholderValues, unsetMessage } from '../content'
import { LAYOUT_SOURCES } from '../layouts'
import { type EffectiveLayout, effectiveLayout } from './effective'
import { parseLayout } from './parse'
import { type Layout, LayoutError } from './types'

type Sources = Readonly<Record<string, string>>

// Layouts are parsed once per isolate, and resolved against the settings once per config object.
const parsed = new WeakMap<Sources, Map<string, Layout | LayoutError>>()
const resolved = new WeakMap<Config, WeakMap<Sources, Map<string, EffectiveLayout | LayoutError>>>()

function misconfigured(e: LayoutError) {
  return new AppError('internal', 'server misconfigured', { cause: e })
}

function memo<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V {
  let v = map.get(key)
  if (v === undefined) map.set(key, (v = make()))
  return v
}

function resolve(config: Config, sources: Sources, name: string): EffectiveLayout | LayoutError {
  const layouts = memo(parsed, sources, () => new Map<string, Layout | LayoutError>())
  let layout = layouts.get(name)
  if (!layout) {
    try {
      layout = parseLayout(name, sources[name]!)
    } catch (e) {
      if (!(e instanceof LayoutError)) throw e
      layout = e
    }
    layouts.set(name, layout)
  }
  if (layout instanceof LayoutError) return layout
  const settings: PlaceholderValues = {}
  for (const p of PLACEHOLDERS) settings[p] = config[p]
  try {
    return effectiveLayout(layout, {
      provision: config.MF_PROVISION_BS_CONFIG_PROVISIONING,
      autowhiteList: config.MF_PROVISION_BS_AUTO_WHITELIST,
      x509: config.MF_PROVISION_X509_PROVISIONING,
      ttlMs: config.MF_PROVISION_CERTS_HOURS_VALID,
      keyType: config.MF_PROVISION_CERTS_KEY_TYPE,
      keyBits: config.MF_PROVISION_CERTS_KEY_BITS,
      certsDefaultTtlMs: config.MF_CERTS_DEFAULT_TTL,
      settings,
    })
  } catch (e) {
    if (!(e instanceof LayoutError)) throw e
    return e
  }
}

/**
 * The layout `name` (MF_PROVISION_LAYOUT when absent) with every setting resolved and its
 * content placeholders filled.
 * @throws AppError('not_found') for a layout that is not bundled; AppError('unavailable') when its
 *   content names a setting that is not set (the message names both); AppError('internal') when it
 *   or the settings are invalid (the log names the file and the field).
 */
export function loadLayout(
  config: Config,
  name: string | undefined,
  sources: Sources = LAYOUT_SOURCES
): EffectiveLayout {
  const wanted = name ?? config.MF_PROVISION_LAYOUT
  if (!Object.hasOwn(sources, wanted)) {
    if (name === undefined) {
      throw misconfigured(
        new LayoutError('MF_PROVISION_LAYOUT', [`no layout is named "${wanted}"`])
      )
    }
    throw new AppError('not_found', `layout "${wanted}" not found`)
  }
  const perConfig = memo(
    resolved,
    config,
    () => new WeakMap<Sources, Map<string, EffectiveLayout | LayoutError>>()
  )
  const layouts = memo(perConfig, sources, () => new Map<string, EffectiveLayout | LayoutError>())
  let hit = layouts.get(wanted)
  if (!hit) layouts.set(wanted, (hit = resolve(config, sources, wanted)))
  if (hit instanceof LayoutError) throw misconfigured(hit)
  if (hit.unset.length > 0) throw new AppError('unavailable', unsetMessage(hit.name, hit.unset))
  return hit
}
