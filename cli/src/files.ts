import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/** A folder only its owner can enter (0700), made if missing, tightened if it exists. */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 })
  chmodSync(path, 0o700)
}

/** Writes a file readable by its owner only (0600), whole: a temp file, then a rename. */
export function writePrivate(path: string, content: string): void {
  privateDir(dirname(path))
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, content, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, path)
}

/**
 * An id as a folder name: letters, digits, `.`, `_`, `-` kept; anything else (a MAC's colons, a
 * slash) becomes `_`, and then a short hash of the original keeps two ids apart.
 */
export function safeName(id: string): string {
  const clean = id
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 80)
  if (clean === id) return id
  return `${clean}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`
}

/** One CSV field, quoted when it must be. */
export function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v)
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const csvLine = (vals: unknown[]) => `${vals.map(csvField).join(',')}\r\n`

/** As `privateDir`, without blocking the event loop (no chmod when it made the folder itself). */
export async function privateDirAsync(path: string): Promise<void> {
  const made = await mkdir(path, { recursive: true, mode: 0o700 })
  if (made !== path) await chmod(path, 0o700)
}

/**
 * As `writePrivate` (the folder must exist), without blocking the event loop. The temp file is
 * created with mode 0600 (the umask can only narrow it), so no chmod is needed.
 */
export async function writePrivateAsync(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, content, { mode: 0o600, flag: 'w' })
  await rename(tmp, path)
}
