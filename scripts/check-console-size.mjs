#!/usr/bin/env node
// First-load JavaScript of the console (every script and module preload console/dist/console/
// index.html names), gzipped, must stay within 150 KB. Run by `npm test` (pretest) after the build.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

export const LIMIT_BYTES = 150 * 1024
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'console', 'dist', 'console')
const indexFile = join(out, 'index.html')

if (!existsSync(indexFile)) {
  console.error(
    'console size: console/dist/console/index.html missing (run node scripts/build-console.mjs)'
  )
  process.exit(1)
}
const html = readFileSync(indexFile, 'utf8')
const urls = [
  ...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g),
  ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
].map((m) => m[1])
if (urls.length === 0) {
  console.error('console size: index.html names no script')
  process.exit(1)
}
let total = 0
for (const url of new Set(urls)) {
  if (!url.startsWith('/console/')) {
    console.error(`console size: ${url} is not served from /console/ (no CDN)`)
    process.exit(1)
  }
  total += gzipSync(readFileSync(join(out, url.slice('/console/'.length)))).length
}
const kb = (total / 1024).toFixed(1)
if (total > LIMIT_BYTES) {
  console.error(
    `console size: first-load JS is ${kb} KB gzipped, over the ${LIMIT_BYTES / 1024} KB budget`
  )
  process.exit(1)
}
console.log(`console size: first-load JS ${kb} KB gzipped (budget ${LIMIT_BYTES / 1024} KB)`)
