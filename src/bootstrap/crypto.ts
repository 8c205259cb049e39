import { fromB64url, gcmKey, gcmOpen, gcmSeal, randomBytes } from '../lib/crypto'

/*
 * The two encrypted fetch formats.
 *
 * Secure (0.12.1's format): AES-CFB with 128-bit segments (Go's cipher.NewCFBEncrypter, OpenSSL's
 * aes-128-cfb / aes-192-cfb / aes-256-cfb). WebCrypto has no CFB and workerd's node:crypto refuses
 * "aes-128-cfb", so it is built from single-block AES: E_K(x) is the first block of
 * AES-CBC-Encrypt(K, iv = 0, x). Encryption is C_i = P_i XOR E_K(C_{i-1}) with C_0 = IV (one AES
 * call per 16 bytes, in sequence); the last block may be partial.
 *
 * Sealed (ours): AES-256-GCM under a per-gateway key, HKDF-SHA256(master, info =
 * "fluxgate-bootstrap-sealed-v1:" + external_id). The request carries a timestamp, a nonce and the
 * external key, with the external id as associated data; the answer is sealed under the same key
 * and bound to the request's nonce.
 */

const enc = new TextEncoder()
const dec = new TextDecoder()
const BLOCK = 16
const ZERO_IV = new Uint8Array(BLOCK)

/** Hex to bytes; undefined for anything that is not an even number of hex digits. */
export function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return undefined
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}

const blockKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>()

/** The AES key for single-block encryption, imported once per isolate per key. */
function blockKey(raw: Uint8Array): Promise<CryptoKey> {
  let key = blockKeys.get(raw)
  if (!key) {
    key = crypto.subtle.importKey('raw', raw, { name: 'AES-CBC' }, false, ['encrypt'])
    blockKeys.set(raw, key)
  }
  return key
}

/** E_K(block) for one 16-byte block. */
async function encryptBlock(key: CryptoKey, block: Uint8Array): Promise<Uint8Array> {
  const out = await crypto.subtle.encrypt({ name: 'AES-CBC', iv: ZERO_IV }, key, block)
  // CBC with PKCS#7 padding appends a second block; the first is E_K(block XOR 0).
  return new Uint8Array(out, 0, BLOCK)
}

/** AES-CFB128 encryption (any length). */
export async function cfbEncrypt(
  rawKey: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array
): Promise<Uint8Array> {
  const key = await blockKey(rawKey)
  const out = new Uint8Array(plaintext.length)
  let prev = iv
  for (let i = 0; i < plaintext.length; i += BLOCK) {
    const stream = await encryptBlock(key, prev)
    const n = Math.min(BLOCK, plaintext.length - i)
    for (let j = 0; j < n; j++) out[i + j] = plaintext[i + j]! ^ stream[j]!
    prev = out.subarray(i, i + BLOCK)
  }
  return out
}

/** AES-CFB128 decryption: each keystream block depends only on ciphertext, so they run at once. */
export async function cfbDecrypt(
  rawKey: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array
): Promise<Uint8Array> {
  const key = await blockKey(rawKey)
  const starts: number[] = []
  for (let i = 0; i < ciphertext.length; i += BLOCK) starts.push(i)
  const streams = await Promise.all(
    starts.map((i) => encryptBlock(key, i === 0 ? iv : ciphertext.subarray(i - BLOCK, i)))
  )
  const out = new Uint8Array(ciphertext.length)
  starts.forEach((i, k) => {
    const n = Math.min(BLOCK, ciphertext.length - i)
    for (let j = 0; j < n; j++) out[i + j] = ciphertext[i + j]! ^ streams[k]![j]!
  })
  return out
}

/** 0.12.1's answer body: IV || AES-CFB(JSON) with a fresh random IV. */
export async function sealCfb(
  rawKey: Uint8Array,
  plaintext: string
): Promise<Uint8Array<ArrayBuffer>> {
  const iv = randomBytes(BLOCK)
  const ct = await cfbEncrypt(rawKey, iv, enc.encode(plaintext))
  const out = new Uint8Array(BLOCK + ct.length)
  out.set(iv)
  out.set(ct, BLOCK)
  return out
}

/**
 * The external key in a secure request header: hex(IV || AES-CFB(key)).
 * @returns 'bad_hex' and 'too_short' for 0.12.1's two distinct failures (404 and 400).
 */
export async function openCfbHeader(
  rawKey: Uint8Array,
  header: string
): Promise<string | 'bad_hex' | 'too_short'> {
  const bytes = fromHex(header)
  if (!bytes) return 'bad_hex'
  if (bytes.length < BLOCK) return 'too_short'
  const plain = await cfbDecrypt(rawKey, bytes.subarray(0, BLOCK), bytes.subarray(BLOCK))
  return dec.decode(plain)
}

const SEALED_INFO = 'fluxgate-bootstrap-sealed-v1:'
const GCM_IV = 12
const GCM_TAG = 16

/** The gateway's own AES-256-GCM key: HKDF-SHA256(master, salt empty, info + external id). */
export function sealedKey(master: Uint8Array, externalId: string): Promise<CryptoKey> {
  return gcmKey(master, SEALED_INFO + externalId)
}

/** Associated data of a sealed request and of its answer (domain-separated, bound to the id). */
export const requestAad = (externalId: string) =>
  enc.encode(`fluxgate-bootstrap-v1 request ${externalId}`)
export const responseAad = (externalId: string, nonce: string) =>
  enc.encode(`fluxgate-bootstrap-v1 response ${externalId} ${nonce}`)

export interface SealedRequest {
  /** Unix seconds. */
  ts: number
  nonce: string
  key: string
}

/**
 * Opens a sealed request: base64url(IV[12] || AES-GCM(JSON {ts, nonce, key}) || tag).
 * @returns 'malformed' when it is not even shaped like one, 'invalid' when authentication fails
 *   (tampered, wrong key, other gateway's id) or the plaintext is not the expected JSON.
 */
export async function openSealedRequest(
  key: CryptoKey,
  externalId: string,
  token: string
): Promise<SealedRequest | 'malformed' | 'invalid'> {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return 'malformed'
  let bytes: Uint8Array
  try {
    bytes = fromB64url(token)
  } catch {
    return 'malformed'
  }
  if (bytes.length < GCM_IV + GCM_TAG + 2) return 'malformed'
  let plain: ArrayBuffer
  try {
    plain = await gcmOpen(key, bytes, requestAad(externalId))
  } catch {
    return 'invalid'
  }
  try {
    const v = JSON.parse(dec.decode(plain)) as Partial<SealedRequest>
    if (
      typeof v.ts === 'number' &&
      Number.isFinite(v.ts) &&
      typeof v.nonce === 'string' &&
      /^[A-Za-z0-9_-]{16,64}$/.test(v.nonce) &&
      typeof v.key === 'string' &&
      v.key.length > 0
    ) {
      return { ts: v.ts, nonce: v.nonce, key: v.key }
    }
  } catch {
    // fall through
  }
  return 'invalid'
}

/** Seals an answer: IV[12] || AES-GCM(body) || tag, bound to the request's nonce. */
export async function sealAnswer(
  key: CryptoKey,
  externalId: string,
  nonce: string,
  body: string
): Promise<Uint8Array<ArrayBuffer>> {
  return gcmSeal(key, enc.encode(body), responseAad(externalId, nonce))
}
