// The development secrets `npm start` writes to .dev.vars when absent. Each capability adds its own.
import { randomBytes, webcrypto } from 'node:crypto'
import { createCa } from './dev-ca.mjs'

/** @param {{ randomSecret: () => string }} tools */
export async function devSecrets({ randomSecret }) {
  // A local CA for POST /certs; dev-setup writes PEMs with \n escapes, which config accepts.
  const ca = await createCa(webcrypto, { name: 'Fluxgate dev CA' })
  return {
    MF_AUTH_SECRET: randomSecret(),
    MF_USERS_ADMIN_EMAIL: 'admin@fluxgate.local',
    MF_USERS_ADMIN_PASSWORD: randomSecret(),
    MF_CERTS_CA_CERT: ca.cert,
    MF_CERTS_CA_KEY: ca.key,
    // Bootstrap: the secure (AES-CFB, 0.12.1) fetch key as hex, the sealed-mode master key, and the
    // HMAC key of stored external-key hashes.
    MF_BOOTSTRAP_ENCRYPT_KEY: randomBytes(16).toString('hex'),
    FLUXGATE_BOOTSTRAP_SEALED_KEY: randomBytes(32).toString('hex'),
    FLUXGATE_BOOTSTRAP_KEY_SECRET: randomSecret(),
    // The shared secret broker hooks must carry (README: Connect a broker).
    FLUXGATE_BROKER_SECRET: randomSecret(),
    // Not a secret: the broker address gateways get in their bootstrap content (layouts'
    // ${FLUXGATE_MQTT_URL}); a broker on this machine. Added to an existing .dev.vars too.
    FLUXGATE_MQTT_URL: 'localhost:1883',
    // Where `npm start` serves (package.json: wrangler dev --port 8787): password-reset links point
    // at <this>/console/reset. Not a secret, but deployment-specific, so it is not in wrangler.toml.
    FLUXGATE_PUBLIC_URL: 'http://localhost:8787',
  }
}
