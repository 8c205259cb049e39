// `npm run build:cli`: bundles cli/src/main.ts with esbuild into cli/dist/fluxgate.mjs (one
// executable ES module for Node 22, its npm dependencies inlined; cli/dist is gitignored).
import { build } from 'esbuild'
import { chmodSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'))
const outfile = join(here, 'dist', 'fluxgate.mjs')

await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // pg's optional native binding is never installed; the pure-JS client is used.
  external: ['pg-native'],
  define: { 'process.env.FLUXGATE_CLI_VERSION': JSON.stringify(pkg.version) },
  // CommonJS dependencies (cli-progress, pg) call require() for Node built-ins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __fluxgateCreateRequire } from 'node:module';\nconst require = __fluxgateCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
})
chmodSync(outfile, 0o755)
