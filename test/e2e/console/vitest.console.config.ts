import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `npm run test:console` (test/e2e/console/run.sh): the console's browser tests, in Node (not the
// workers pool), against `wrangler dev` started once by the globalSetup. Files end in .e2e.ts
// under test/e2e/console/, which the main config (test/**/*.test.ts) never picks up. The config
// lives beside its tests; paths below are from the repository root.
export default defineConfig({
  root: join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'),
  test: {
    include: ['test/e2e/console/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/console/setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
})
