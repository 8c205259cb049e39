/*
 * Provision layouts: `types` (names, the parsed shape, LayoutError), `schema` (zod, one file's
 * fields), `check` (what spans fields), `parse` (one file, and layouts/ against the bundle),
 * `effective` (a layout resolved against the MF_PROVISION_* settings, and its wire view), `cache`
 * (parsed once per isolate, resolved once per config, and looked up by name).
 */
export { loadLayout } from './cache'
export {
  type EffectiveLayout,
  effectiveLayout,
  formatDuration,
  type LayoutDefaults,
  layoutView,
} from './effective'
export { checkLayouts, parseLayout } from './parse'
export {
  CHANNEL_TYPES,
  type ChannelType,
  GATEWAY_KEYS,
  LAYOUT_NAME,
  type Layout,
  type LayoutChannel,
  LayoutError,
  type LayoutThing,
  layoutFile,
} from './types'
