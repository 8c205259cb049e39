#!/usr/bin/env node
// Builds the operator console (console/ -> console/dist/console/, Vite) and copies the /docs
// reference script (@scalar/api-reference's standalone bundle -> console/dist/docs-assets/) when
// their inputs changed since the last build: a hash of the console sources, this script and
// package-lock.json is kept in console/.build-stamp. Run by npm start, test, deploy:check, deploy and
// bench before they need the static assets; `--force` rebuilds anyway.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const consoleDir = join(root, 'console')
const dist = join(consoleDir, 'dist')
const stampFile = join(consoleDir, '.build-stamp')
export const SCALAR_OUT = join(dist, 'docs-assets', 'scalar-api-reference.js')

function files(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? files(path) : [path]
    })
}

const inputs = [
  join(consoleDir, 'index.html'),
  join(consoleDir, 'vite.config.ts'),
  join(consoleDir, 'tsconfig.json'),
  ...files(join(consoleDir, 'src')),
  ...files(join(consoleDir, 'public')),
  join(root, 'package-lock.json'),
  fileURLToPath(import.meta.url),
].filter((f) => existsSync(f))

const hash = createHash('sha256')
for (const f of inputs) {
  hash.update(relative(root, f).split(sep).join('/'))
  hash.update('\0')
  hash.update(readFileSync(f))
  hash.update('\0')
}
const digest = hash.digest('hex')
const built = existsSync(join(dist, 'console', 'index.html')) && existsSync(SCALAR_OUT)
const previous = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : ''

if (built && previous === digest && !process.argv.includes('--force')) {
  console.log('console: up to date')
  process.exit(0)
}

console.log('console: building (sources changed)')
const require = createRequire(import.meta.url)
const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js')
const r = spawnSync(
  process.execPath,
  [vite, 'build', '--config', join(consoleDir, 'vite.config.ts'), '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  }
)
if (r.status !== 0) {
  console.error('console: vite build failed')
  process.exit(r.status ?? 1)
}

// The package exports no package.json: find its folder through node_modules as Node resolves it.
const scalarDir = require.resolve
  .paths('@scalar/api-reference')
  .map((d) => join(d, '@scalar', 'api-reference'))
  .find((d) => existsSync(join(d, 'package.json')))
if (!scalarDir) {
  console.error('console: @scalar/api-reference is not installed (npm install)')
  process.exit(1)
}
mkdirSync(dirname(SCALAR_OUT), { recursive: true })
copyFileSync(join(scalarDir, 'dist', 'browser', 'standalone.js'), SCALAR_OUT)

writeFileSync(stampFile, `${digest}\n`)
console.log('console: built into console/dist/')
