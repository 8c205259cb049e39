import type { Command } from 'commander'
import { Client } from './client'
import { loadCredential, normalizeUrl } from './config'
import { usage } from './errors'

export const DEFAULT_URL = 'http://localhost:8787'

export interface GlobalOptions {
  url: string
  json: boolean
}

/** The global options as any (sub)command sees them: `--url`, else FLUXGATE_URL, else the default. */
export function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as { url?: string; json?: boolean }
  const url = normalizeUrl(o.url || process.env.FLUXGATE_URL || DEFAULT_URL)
  try {
    const u = new URL(url)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error()
  } catch {
    throw usage(`--url must be an http(s) URL, got "${url}"`)
  }
  return { url, json: Boolean(o.json) }
}

/** The token: FLUXGATE_TOKEN, else the one `fluxgate login` stored for this URL. */
export function tokenFor(url: string): string | undefined {
  return process.env.FLUXGATE_TOKEN?.trim() || loadCredential(url)?.token
}

/** An API client for the command's URL and token. */
export function clientFor(
  cmd: Command,
  opts: { auth?: boolean } = {}
): { client: Client; g: GlobalOptions } {
  const g = globals(cmd)
  const client = new Client({
    url: g.url,
    token: opts.auth === false ? undefined : tokenFor(g.url),
  })
  return { client, g }
}
