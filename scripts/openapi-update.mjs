#!/usr/bin/env node
// `npm run openapi:update`: boots the real Worker (src/index.ts built by `wrangler deploy --dry-run`,
// run in workerd through Miniflare as the broker end-to-end test does), fetches its /openapi.json
// and writes
//   docs/openapi.json   the document as served (same key order), pretty-printed
//   docs/openapi.d.ts   its TypeScript types, generated with openapi-typescript
// `--check-types` regenerates only the types from the committed docs/openapi.json and fails when
// docs/openapi.d.ts differs (run by `npm run typecheck`); that the JSON matches the Worker is
// checked by test/openapi.test.ts in `npm test`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const jsonPath = join(root, 'docs', 'openapi.json')
const dtsPath = join(root, 'docs', 'openapi.d.ts')

/** The served document as committed: two-space indents, a final newline. */
export const snapshotText = (doc) => `${JSON.stringify(doc, null, 2)}\n`

/** docs/openapi.d.ts for `doc`, by openapi-typescript (with the TypeScript 5 API it needs). */
export async function typesFor(doc) {
  const gen = join(
    root,
    'scripts',
    'openapi-typescript',
    'node_modules',
    'openapi-typescript',
    'dist',
    'index.mjs'
  )
  const { default: openapiTS, astToString } = await import(pathToFileURL(gen).href)
  const ast = await openapiTS(structuredClone(doc), { alphabetize: false })
  return (
    '// Generated from docs/openapi.json by openapi-typescript (npm run openapi:update). Do not edit.\n' +
    astToString(ast)
  )
}

async function servedDocument() {
  const { buildFluxgate, startFluxgate } = await import('../test/e2e/broker/fluxgate.mjs')
  const outdir = mkdtempSync(join(tmpdir(), 'fluxgate-openapi-build-'))
  try {
    await buildFluxgate(root, outdir)
    const worker = await startFluxgate({ root, outdir })
    try {
      const res = await fetch(`${worker.url}/openapi.json`)
      if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}: ${await res.text()}`)
      return await res.json()
    } finally {
      await worker.stop()
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--check-types')) {
    const want = await typesFor(JSON.parse(readFileSync(jsonPath, 'utf8')))
    let have = ''
    try {
      have = readFileSync(dtsPath, 'utf8')
    } catch {}
    if (have !== want) {
      console.error(
        'docs/openapi.d.ts is not generated from docs/openapi.json: run npm run openapi:update'
      )
      process.exit(1)
    }
    console.log('openapi: docs/openapi.d.ts is current')
  } else {
    const doc = await servedDocument()
    writeFileSync(jsonPath, snapshotText(doc))
    writeFileSync(dtsPath, await typesFor(doc))
    console.log(
      `openapi: wrote docs/openapi.json (${Object.keys(doc.paths ?? {}).length} paths) and docs/openapi.d.ts`
    )
  }
}
