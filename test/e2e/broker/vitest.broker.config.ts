import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `npm run test:broker`: the end-to-end test against a real RabbitMQ, in Node (not the workers
// pool). Its files end in .e2e.ts under test/e2e/, which the main config (test/**/*.test.ts) never
// picks up.
// The config lives beside its tests; paths below are from the repository root.
export default defineConfig({
  root: join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'),
  test: {
    include: ['test/e2e/broker/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/broker/setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Booting RabbitMQ and building the Worker (globalSetup) is not bounded by hookTimeout.
    teardownTimeout: 60_000,
  },
})
