import agentExport from '../../layouts/agent-export.toml'
import defaultLayout from '../../layouts/default.toml'
import x509 from '../../layouts/x509.toml'

/**
 * Every layout bundled into the Worker (wrangler's Text rule for `*.toml`), by name: the file
 * name without `.toml`. A file in layouts/ that is missing here, or listed under another name,
 * fails `npm test` and `npm start` (scripts/check-layouts.mjs).
 */
export const LAYOUT_SOURCES: Readonly<Record<string, string>> = {
  'agent-export': agentExport,
  default: defaultLayout,
  x509,
}
