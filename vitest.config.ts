import { spawnSync } from 'node:child_process'
import { webcrypto } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { createCa } from './scripts/dev-ca.mjs'

// Wrangler loads a developer's .dev.vars for the test Worker too. The suite must not depend on it:
// every key that file defines is blanked (config treats '' as unset) unless set below.
const devVarKeys = existsSync('.dev.vars')
  ? [...readFileSync('.dev.vars', 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!)
  : []

// The layouts/ directory as the Node side sees it: a test compares it with what the Worker bundles.
const layoutFiles = Object.fromEntries(
  readdirSync('layouts')
    .filter((f) => f.endsWith('.toml'))
    .map((f) => [f.slice(0, -'.toml'.length), readFileSync(`layouts/${f}`, 'utf8')])
)

// wrangler.toml's [assets] folder (the built console) must exist before the test Worker is made;
// `npm test` builds it in pretest, this covers `npx vitest run <file>` (a no-op when up to date).
if (spawnSync(process.execPath, ['scripts/build-console.mjs'], { stdio: 'inherit' }).status !== 0) {
  throw new Error('console build failed (node scripts/build-console.mjs)')
}

export default defineConfig({
  plugins: [
    cloudflareTest(async () => {
      // A fresh CA per run, made here on the Node side: no key is ever committed.
      const ca = await createCa(webcrypto as Crypto, { name: 'Fluxgate test CA' })
      return {
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            ...Object.fromEntries(devVarKeys.map((k) => [k, ''])),
            TEST_MIGRATIONS: await readD1Migrations('migrations'),
            TEST_LAYOUT_FILES: layoutFiles,
            // wrangler.toml as committed: a test runs the deploy guard on it.
            TEST_WRANGLER_TOML: readFileSync('wrangler.toml', 'utf8'),
            MF_AUTH_SECRET: 'test-secret-test-secret-test-secret-0123456789',
            MF_USERS_ADMIN_EMAIL: 'admin@fluxgate.test',
            MF_USERS_ADMIN_PASSWORD: 'admin-password-for-tests',
            MF_MAIL_TRANSPORT: 'memory',
            FLUXGATE_BROKER_SECRET: 'test-broker-secret-0123456789',
            // Reset links need a public URL (none: no reset mail is sent at all).
            FLUXGATE_PUBLIC_URL: 'http://fluxgate.test',
            MF_CERTS_CA_CERT: ca.cert,
            MF_CERTS_CA_KEY: ca.key,
            // Not the dev default (localhost:1883), so a hard-coded address cannot pass for it.
            FLUXGATE_MQTT_URL: 'tcp://mqtt.fluxgate.test:1883',
          },
        },
      }
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/apply-migrations.ts'],
  },
})
