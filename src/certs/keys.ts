import './x509'
import { PemConverter, type PublicKey } from '@peculiar/x509'

// Key generation and key facts: which algorithms and sizes the CA issues for, what a public key
// is, and the PKCS#8 form private keys are handed out in.

export type { PublicKey }

type KeyType = 'rsa' | 'ec' | 'ed25519'

/** A key algorithm and size as stored in D1 (`key_type`, `key_bits`). */
export interface KeySpec {
  type: KeyType
  bits: number
}

export const RSA_BITS = [2048, 3072, 4096] as const
export const EC_BITS = [256, 384, 521] as const
/** Bits of each named curve WebCrypto knows. */
export const CURVE_BITS: Record<string, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521 }

function keyAlgorithm(spec: KeySpec): SubtleCryptoGenerateKeyAlgorithm {
  switch (spec.type) {
    case 'rsa':
      return {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: spec.bits,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      }
    case 'ec':
      return { name: 'ECDSA', namedCurve: `P-${spec.bits}` }
    case 'ed25519':
      return { name: 'Ed25519' }
  }
}

/** The algorithm and size of any RSA, EC or Ed25519 public key. */
export function specOfPublicKey(publicKey: PublicKey): KeySpec | undefined {
  const alg = publicKey.algorithm as { name: string; modulusLength?: number; namedCurve?: string }
  switch (alg.name) {
    case 'RSASSA-PKCS1-v1_5':
    case 'RSA-PSS':
    case 'RSA-OAEP':
      return alg.modulusLength ? { type: 'rsa', bits: alg.modulusLength } : undefined
    case 'ECDSA':
    case 'ECDH': {
      const bits = CURVE_BITS[alg.namedCurve ?? '']
      return bits ? { type: 'ec', bits } : undefined
    }
    case 'Ed25519':
      return { type: 'ed25519', bits: 256 }
    default:
      return undefined
  }
}

/** True for the key types and sizes this CA issues for (the set WebCrypto in workerd can make). */
export function isIssuable(spec: KeySpec): boolean {
  if (spec.type === 'rsa') return (RSA_BITS as readonly number[]).includes(spec.bits)
  if (spec.type === 'ec') return (EC_BITS as readonly number[]).includes(spec.bits)
  return spec.type === 'ed25519'
}

export async function generateKeyPair(spec: KeySpec): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(keyAlgorithm(spec), true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = (await crypto.subtle.exportKey('pkcs8', key)) as ArrayBuffer
  return PemConverter.encode(der, 'PRIVATE KEY')
}
