import type { Config } from '../lib/config'
import { b64url, fromB64url, gcmKey, gcmOpen, gcmSeal, keyedHash } from '../lib/crypto'

/*
 * Stored answers of `POST /mapping` with an `Idempotency-Key`. An answer holds thing keys and may
 * hold private keys, so D1 keeps it only sealed: AES-256-GCM under a key derived (HKDF-SHA256) from
 * MF_AUTH_SECRET, the associated data binding it to its owner, key and request. The request itself
 * is kept as a keyed hash (HMAC), because it contains the external key: an unkeyed hash would let
 * whoever reads the table guess weak external keys offline. Rotating MF_AUTH_SECRET makes stored
 * answers unreadable; a repeat then gets 409 (they expire after 24 h anyway).
 */

const enc = new TextEncoder()
const dec = new TextDecoder()
const VERSION = 'v1'

const keys = new Map<string, Promise<CryptoKey>>()

function sealingKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = gcmKey(enc.encode(secret), 'fluxgate-provision-idempotency-v1')
    keys.set(secret, key)
  }
  return key
}

/** What the same request must repeat: layout, external id and key, and name. */
export function requestHash(
  config: Config,
  layout: string,
  req: { external_id: string; external_key: string; name?: string }
): Promise<string> {
  const canonical = JSON.stringify([layout, req.external_id, req.external_key, req.name ?? null])
  return keyedHash(config.MF_AUTH_SECRET, 'provision-idempotency-request', canonical)
}

const aad = (owner: string, key: string, hash: string) => enc.encode(`${owner}\0${key}\0${hash}`)

/** The answer as stored: `v1:` + base64url(IV[12] || AES-GCM ciphertext and tag). */
export async function sealAnswer(
  config: Config,
  bind: { owner: string; key: string; hash: string },
  answer: unknown
): Promise<string> {
  const key = await sealingKey(config.MF_AUTH_SECRET)
  const sealed = await gcmSeal(
    key,
    enc.encode(JSON.stringify(answer)),
    aad(bind.owner, bind.key, bind.hash)
  )
  return `${VERSION}:${b64url(sealed)}`
}

/** The stored answer, or undefined when it cannot be opened (another secret, damaged). */
export async function openAnswer(
  config: Config,
  bind: { owner: string; key: string; hash: string },
  stored: string
): Promise<unknown> {
  const [version, body] = stored.split(':')
  if (version !== VERSION || !body) return undefined
  try {
    const key = await sealingKey(config.MF_AUTH_SECRET)
    const plain = await gcmOpen(key, fromB64url(body), aad(bind.owner, bind.key, bind.hash))
    return JSON.parse(dec.decode(plain))
  } catch {
    return undefined
  }
}
