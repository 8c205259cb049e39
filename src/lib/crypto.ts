const enc = new TextEncoder()

export function b64url(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  let s = ''
  for (const b of u8) s += String.fromCharCode(b)
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

export function fromB64url(text: string): Uint8Array {
  const s = atob(text.replaceAll('-', '+').replaceAll('_', '/'))
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  let s = ''
  for (const b of u8) s += b.toString(16).padStart(2, '0')
  return s
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n))
}

export async function sha256(text: string): Promise<string> {
  return b64url(await crypto.subtle.digest('SHA-256', enc.encode(text)))
}

/** Constant-time comparison of two strings (length differences leak only the length). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = enc.encode(a)
  const y = enc.encode(b)
  if (x.byteLength !== y.byteLength) {
    // Still spend the same time comparing, against itself.
    crypto.subtle.timingSafeEqual(x, x)
    return false
  }
  return crypto.subtle.timingSafeEqual(x, y)
}

const hmacKeys = new Map<string, Promise<CryptoKey>>()

/** HMAC-SHA256 key for a secret, imported once per isolate. */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey(
      'raw',
      enc.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify']
    )
    hmacKeys.set(secret, key)
  }
  return key
}

/** Keyed hash (HMAC-SHA256, base64url) for secrets that are only ever compared, never read back. */
export async function keyedHash(secret: string, purpose: string, value: string): Promise<string> {
  const key = await hmacKey(secret)
  return b64url(await crypto.subtle.sign('HMAC', key, enc.encode(`${purpose}\0${value}`)))
}

// PBKDF2-SHA256 at 100,000 iterations: the Workers platform ceiling (a higher count fails on the
// edge even though local workerd accepts it). The stored form names the algorithm and count so the
// cost can be raised later and old hashes still verify.
export const PBKDF2_ITERATIONS = 100_000
const PREFIX = 'pbkdf2-sha256'

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', enc.encode(password), 'PBKDF2', false, [
    'deriveBits',
  ])
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    base,
    256
  )
  return new Uint8Array(bits)
}

export async function hashPassword(
  password: string,
  iterations = PBKDF2_ITERATIONS
): Promise<string> {
  const salt = randomBytes(16)
  const hash = await pbkdf2(password, salt, iterations)
  return `${PREFIX}$${iterations}$${b64url(salt)}$${b64url(hash)}`
}

/** Verifies a password against a stored hash in constant time; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, iter, salt, hash] = stored.split('$')
  const iterations = Number(iter)
  if (alg !== PREFIX || !salt || !hash || !Number.isInteger(iterations) || iterations < 1)
    return false
  const actual = await pbkdf2(password, fromB64url(salt), iterations)
  const expected = fromB64url(hash)
  if (actual.byteLength !== expected.byteLength) return false
  return crypto.subtle.timingSafeEqual(actual, expected)
}

let dummy: Promise<string> | undefined
/**
 * A real hash of a random password, computed once per isolate, so a login for an unknown e-mail
 * spends the same PBKDF2 time as one for a known e-mail.
 */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(b64url(randomBytes(16)))
  return dummy
}

const GCM_IV = 12

/** An AES-256-GCM key derived with HKDF-SHA256 (empty salt) from `ikm` for the purpose `info`. */
export async function gcmKey(ikm: Uint8Array, info: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: enc.encode(info) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt']
  )
}

/** AES-GCM with a fresh random IV: IV[12] || ciphertext || tag. */
export async function gcmSeal(
  key: CryptoKey,
  plain: Uint8Array,
  aad: Uint8Array
): Promise<Uint8Array<ArrayBuffer>> {
  const iv = randomBytes(GCM_IV)
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, plain)
  const out = new Uint8Array(GCM_IV + ct.byteLength)
  out.set(iv)
  out.set(new Uint8Array(ct), GCM_IV)
  return out
}

/** Opens `gcmSeal`'s output; rejects when it does not authenticate. */
export function gcmOpen(key: CryptoKey, sealed: Uint8Array, aad: Uint8Array): Promise<ArrayBuffer> {
  return crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: sealed.subarray(0, GCM_IV), additionalData: aad },
    key,
    sealed.subarray(GCM_IV)
  )
}
