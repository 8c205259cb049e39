import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `npm run test:cli`: the built CLI (cli/dist/fluxgate.mjs, built by pretest:cli) run as a child
// process against the real Worker in workerd (cli/test/setup.ts), in Node (not the workers pool).
// The config lives beside its tests; paths below are from the repository root.
export default defineConfig({
  root: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  test: {
    include: ['cli/test/**/*.cli.test.ts'],
    environment: 'node',
    globalSetup: ['cli/test/setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
})
