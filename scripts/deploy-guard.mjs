#!/usr/bin/env node
// Run by `npm run deploy:check` and before `npm run deploy`: refuses a wrangler.toml whose [vars]
// (top level or any [env.*]) turn on a development-only setting. FLUXGATE_DEV_MAILBOX keeps every
// outgoing mail, reset links included, readable without authentication at GET /dev/mailbox; the
// Worker itself also refuses it unless FLUXGATE_PUBLIC_URL is a loopback URL.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'smol-toml'

/** Settings that must never be on in a deployment. */
export const DEV_ONLY = ['FLUXGATE_DEV_MAILBOX']

// Go's strconv.ParseBool true values, as the Worker reads its boolean settings.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])

/** Problems of a parsed wrangler.toml: one line per development-only setting it turns on. */
export function devOnlyProblems(toml) {
  const scopes = [['[vars]', toml.vars ?? {}]]
  for (const [name, env] of Object.entries(toml.env ?? {}))
    scopes.push([`[env.${name}.vars]`, env?.vars ?? {}])
  const problems = []
  for (const [where, vars] of scopes) {
    for (const key of DEV_ONLY) {
      const value = vars[key]
      if (value === undefined) continue
      if (value === true || value === 1 || TRUE.has(String(value).trim())) {
        problems.push(
          `wrangler.toml ${where} sets ${key}: it is for local development only (.dev.vars), never for a deployment`
        )
      }
    }
  }
  return problems
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  const problems = devOnlyProblems(parse(readFileSync(join(root, 'wrangler.toml'), 'utf8')))
  for (const p of problems) console.error(`deploy-guard: ${p}`)
  if (problems.length > 0) process.exit(1)
}
