import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations('migrations'),
          MF_AUTH_SECRET: 'test-secret-test-secret-test-secret-0123456789',
          MF_USERS_ADMIN_EMAIL: 'admin@fluxgate.test',
          MF_USERS_ADMIN_PASSWORD: 'admin-password-for-tests',
          MF_MAIL_TRANSPORT: 'memory',
        },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/apply-migrations.ts'],
  },
})
