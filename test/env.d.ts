import type { D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[]
      /** layouts/*.toml by name, read on the Node side (vitest.config.ts). */
      TEST_LAYOUT_FILES: Record<string, string>
      /** wrangler.toml's text, read on the Node side (vitest.config.ts). */
      TEST_WRANGLER_TOML: string
      MF_AUTH_SECRET: string
      MF_USERS_ADMIN_EMAIL: string
      MF_USERS_ADMIN_PASSWORD: string
      MF_CERTS_CA_CERT: string
      MF_CERTS_CA_KEY: string
      FLUXGATE_BROKER_SECRET: string
      /** The broker address layouts fill in as ${FLUXGATE_MQTT_URL} (vitest.config.ts). */
      FLUXGATE_MQTT_URL: string
    }
  }
}
