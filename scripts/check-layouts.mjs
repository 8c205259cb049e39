#!/usr/bin/env node
// Runs before `npm start` and the bundle checks: every layouts/*.toml must be bundled by
// src/provision/layouts.ts and valid, checked with the Worker's own code (src/provision/layout/,
// bundled here with the esbuild that wrangler uses). A problem stops the command with a message
// naming the file and the field.
import { build } from 'esbuild'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = join(root, 'layouts')

const files = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.toml'))
    .map((f) => [f.slice(0, -'.toml'.length), readFileSync(join(dir, f), 'utf8')])
)

const out = await build({
  stdin: {
    contents:
      "export { LAYOUT_SOURCES } from './src/provision/layouts'\n" +
      "export { checkLayouts, parseLayout } from './src/provision/layout'\n",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  loader: { '.toml': 'text' },
  write: false,
  logLevel: 'silent',
})
const tmp = mkdtempSync(join(tmpdir(), 'fluxgate-layouts-'))
let mod
try {
  const file = join(tmp, 'check.mjs')
  writeFileSync(file, out.outputFiles[0].text)
  mod = await import(pathToFileURL(file).href)
} finally {
  rmSync(tmp, { recursive: true, force: true })
}

const problems = mod.checkLayouts(files, mod.LAYOUT_SOURCES)
if (problems.length > 0) {
  console.error(`\nprovision layouts are not valid:\n${problems.map((p) => `  ${p}`).join('\n')}\n`)
  process.exit(1)
}
// The settings their content placeholders name: a mapping with a layout whose setting is unset
// is refused (503), so say which ones the deployment needs.
const needed = [
  ...new Set(
    Object.entries(files).flatMap(([name, text]) => mod.parseLayout(name, text).placeholders)
  ),
].sort()
console.log(
  `check-layouts: ${Object.keys(files).length} layouts valid (${Object.keys(files).sort().join(', ')})` +
    (needed.length ? `; their content needs the setting ${needed.join(', ')}` : '')
)
