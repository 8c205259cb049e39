import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `npm run test:import`: the Mainflux 0.12.1 import end to end, in Node (not the workers pool): a
// real PostgreSQL 15 holding 0.12.1's tables, the Worker in workerd, and the built CLI between them.
// Its files end in .e2e.ts under test/e2e/, which the main config (test/**/*.test.ts) never picks up.
// The config lives beside its tests; paths below are from the repository root.
export default defineConfig({
  root: join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'),
  test: {
    include: ['test/e2e/import/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
})
