import { subjectCommonName } from '../certs/pki'
import type { Config } from '../lib/config'
import { keyedHash } from '../lib/crypto'
import { channelView } from '../lib/views'
import type { Status } from '../throttle/object'
import { orderChannels } from './answer'
import type * as repo from './repo'

/** Stored external-key hashes name their scheme, so it can change without breaking old rows. */
const KEY_HASH_VERSION = 'v1'
const KEY_HASH_PURPOSE = 'bootstrap-external-key'

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString())

/**
 * What `client_cert_cn` records for a config's client certificate: its subject CN ('' when it is
 * not a certificate with one CN), so that a key rotation can tell in SQL whether the certificate
 * is bound to the key being given up. Exported for provision, which inserts configs itself.
 */
export function certCn(clientCert: string | null): string | null {
  return clientCert === null ? null : subjectCommonName(clientCert)
}

const seconds = (ms: number) => (ms > 0 ? Math.ceil(ms / 1000) : undefined)

/** A throttle's state on the wire. */
export function throttleView(s: Status) {
  return {
    locked: s.lockedForMs > 0,
    retry_after: seconds(s.lockedForMs),
    failures: s.failures,
    last_failure_at: iso(s.lastFailure),
    known_addresses: s.known,
    addresses: s.addresses.map((a) => ({
      address: a.address,
      failures: a.failures,
      locked: a.lockedForMs > 0,
      retry_after: seconds(a.lockedForMs),
      last_failure_at: new Date(a.lastFailure).toISOString(),
    })),
  }
}

/** A config on the wire, in 0.12.1's field order; the list leaves out channels. */
export function configFields(row: repo.ConfigWithKey, channels?: repo.ChannelRow[]) {
  return {
    mainflux_id: row.thingId,
    mainflux_key: row.thingKey,
    mainflux_channels:
      channels && channels.length > 0 ? orderChannels(channels).map(channelView) : undefined,
    external_id: row.externalId,
    content: row.content || undefined,
    name: row.name || undefined,
    state: row.state,
    client_cert: row.clientCert || undefined,
    client_key: row.clientKey || undefined,
    ca_cert: row.caCert || undefined,
    last_bootstrap_at: iso(row.lastBootstrapAt),
    last_failure_at: iso(row.lastFailureAt),
    last_failure: row.lastFailure || undefined,
  }
}

/**
 * What D1 stores for an external key: `v1:` + HMAC-SHA256 (base64url) keyed by
 * FLUXGATE_BOOTSTRAP_KEY_SECRET (else MF_AUTH_SECRET). Exported for provision, which inserts
 * configs in its own batch.
 */
export async function externalKeyHash(config: Config, externalKey: string): Promise<string> {
  const secret = config.FLUXGATE_BOOTSTRAP_KEY_SECRET ?? config.MF_AUTH_SECRET
  return `${KEY_HASH_VERSION}:${await keyedHash(secret, KEY_HASH_PURPOSE, externalKey)}`
}
