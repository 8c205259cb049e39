#!/usr/bin/env node
// `npm start`'s second step: writes missing development secrets to .dev.vars (never overwriting a
// value that is there) and applies D1 migrations to the local database in .wrangler/state.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { devSecrets } from './dev-secrets.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const file = join(root, '.dev.vars')

/** Keys present in a dotenv file (values may span lines inside double quotes). */
function presentKeys(text) {
  return new Set([...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]))
}

const existing = existsSync(file) ? readFileSync(file, 'utf8') : ''
const have = presentKeys(existing)
const wanted = {
  ...(await devSecrets({ randomSecret: () => randomBytes(32).toString('base64url') })),
  // Outgoing mail (the console's reset links) is kept for GET /dev/mailbox instead of being sent.
  // Development only: the Worker refuses it unless FLUXGATE_PUBLIC_URL is a loopback URL, and
  // `npm run deploy:check` refuses a wrangler.toml that sets it.
  FLUXGATE_DEV_MAILBOX: '1',
}
const added = []
let out = existing
for (const [key, value] of Object.entries(wanted)) {
  if (have.has(key)) continue
  if (out && !out.endsWith('\n')) out += '\n'
  // Double quotes with \n escapes keep PEM blocks on one line for dotenv.
  out += `${key}="${String(value).replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"')}"\n`
  added.push(key)
}
if (added.length) {
  writeFileSync(file, out, { mode: 0o600 })
  console.log(`dev-setup: wrote ${added.join(', ')} to .dev.vars`)
} else {
  console.log('dev-setup: .dev.vars already complete')
}

const r = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CI: 'true' },
})
if (r.status !== 0) process.exit(r.status ?? 1)
