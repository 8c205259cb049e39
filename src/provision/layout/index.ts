/*
 * Provision layouts: one TOML file per layout in layouts/, bundled into the Worker as text
 * (src/provision/layouts.ts) and validated by this module, by the test suite and by `npm start`
 * (scripts/check-layouts.mjs). The schema is 0.12.1's `[bootstrap]`, `[certs]`, `[[things]]`,
 * `[[channels]]` (its `[server]` section and `file` key are service settings, not part of a
 * layout), plus an optional `channels` list on non-gateway things. String values in
 * `[bootstrap.content]` may name settings as placeholders, filled when a mapping is made, and a
 * layout whose content has an `agent` table is checked for what the Mainflux agent needs
 * (src/provision/content.ts).
 *
 * `types`: names, the parsed shape, LayoutError. `schema`: one file's fields (zod). `check`: what
 * spans fields, the agent's needs, [certs]. `parse`: one file, and layouts/ against the bundle.
 * `effective`: a layout resolved against the MF_PROVISION_* settings, and its wire view. `cache`:
 * parsed once per isolate, resolved once per config, looked up by name.
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
