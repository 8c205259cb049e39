import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/*
 * The token file: `$XDG_CONFIG_HOME/fluxgate/credentials.json` (or `~/.config/fluxgate/`), folder
 * 0700 and file 0600, written whole through a temp file and a rename. One token per API URL, so a
 * login against staging does not replace the one for production.
 */

export interface Credential {
  token: string
  email?: string
  saved_at: string
}

interface CredentialFile {
  tokens: Record<string, Credential>
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.trim() || join(homedir(), '.config')
  return join(base, 'fluxgate')
}

export const credentialsPath = (env: NodeJS.ProcessEnv = process.env) =>
  join(configDir(env), 'credentials.json')

/** The URL as the key of the token file: no trailing slash. */
export const normalizeUrl = (url: string) => url.trim().replace(/\/+$/, '')

function readFile(): CredentialFile {
  try {
    const parsed = JSON.parse(readFileSync(credentialsPath(), 'utf8')) as Partial<CredentialFile>
    return {
      tokens: parsed && typeof parsed.tokens === 'object' && parsed.tokens ? parsed.tokens : {},
    }
  } catch {
    return { tokens: {} }
  }
}

export function loadCredential(url: string): Credential | undefined {
  return readFile().tokens[normalizeUrl(url)]
}

function writeFile(data: CredentialFile): string {
  const dir = configDir()
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  const path = credentialsPath()
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
  return path
}

export function saveCredential(url: string, cred: Omit<Credential, 'saved_at'>): string {
  const data = readFile()
  data.tokens[normalizeUrl(url)] = { ...cred, saved_at: new Date().toISOString() }
  return writeFile(data)
}

export function removeCredential(url: string): boolean {
  const data = readFile()
  const key = normalizeUrl(url)
  if (!data.tokens[key]) return false
  delete data.tokens[key]
  writeFile(data)
  return true
}
