import './x509'
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectKeyIdentifierExtension,
  X509Certificate,
} from '@peculiar/x509'
import { randomBytes, toHex } from '../lib/crypto'
import { CURVE_BITS } from './keys'
import { normalizePem } from './pem'

// The built-in CA's own certificate and key (MF_CERTS_CA_CERT, MF_CERTS_CA_KEY): parsed, checked
// against each other and cached per isolate.

const EC_HASH: Record<number, string> = { 256: 'SHA-256', 384: 'SHA-384', 521: 'SHA-512' }

/** Thrown for a CA certificate or key that cannot be used; the message names the setting. */
export class CaConfigError extends Error {
  override name = 'CaConfigError'
}

/** The signing CA, parsed once per isolate. */
export interface Ca {
  cert: X509Certificate
  certPem: string
  privateKey: CryptoKey
  signingAlgorithm: SubtleCryptoSignAlgorithm
  /** Hex key identifier that leaf AKIs and the CRL's AKI must carry. */
  keyId: string
  notBefore: number
  notAfter: number
}

/** How a key of this kind signs (the hash follows the curve size, as Vault does). */
function signingAlgorithmFor(key: CryptoKey): SubtleCryptoSignAlgorithm {
  const alg = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } }
  if (alg.name === 'ECDSA') {
    return { name: 'ECDSA', hash: EC_HASH[CURVE_BITS[alg.namedCurve ?? ''] ?? 256]! }
  }
  if (alg.name === 'RSASSA-PKCS1-v1_5') return { name: alg.name, hash: alg.hash ?? 'SHA-256' }
  return { name: alg.name }
}

const caCache = new Map<string, Promise<Ca>>()

/**
 * Parses the CA certificate and its PKCS#8 key (PEM) once per isolate and proves they belong
 * together by signing and verifying a challenge.
 * @throws CaConfigError saying what is wrong with which setting.
 */
export function loadCa(certPem: string, keyPem: string): Promise<Ca> {
  const cacheKey = `${certPem}\0${keyPem}`
  let ca = caCache.get(cacheKey)
  if (!ca) {
    ca = parseCa(normalizePem(certPem), normalizePem(keyPem))
    caCache.set(cacheKey, ca)
    // A failure is cached too: the secrets do not change within an isolate.
  }
  return ca
}

/** @throws CaConfigError for a text that is no CA certificate allowed to sign certificates and CRLs. */
function parseCaCert(certPem: string): X509Certificate {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(certPem)
  } catch (e) {
    throw new CaConfigError(`MF_CERTS_CA_CERT is not a PEM certificate (${(e as Error).message})`)
  }
  const basic = cert.getExtension(BasicConstraintsExtension)
  if (!basic?.ca) {
    throw new CaConfigError(
      'MF_CERTS_CA_CERT is not a CA certificate (basicConstraints cA is not set)'
    )
  }
  const usage = cert.getExtension(KeyUsagesExtension)
  if (usage && !(usage.usages & KeyUsageFlags.keyCertSign)) {
    throw new CaConfigError(
      'MF_CERTS_CA_CERT may not sign certificates (keyUsage lacks keyCertSign)'
    )
  }
  // The same key signs the CRL: relying parties reject a CRL from a CA whose usage lacks cRLSign.
  if (usage && !(usage.usages & KeyUsageFlags.cRLSign)) {
    throw new CaConfigError('MF_CERTS_CA_CERT may not sign CRLs (keyUsage lacks cRLSign)')
  }
  return cert
}

/** The WebCrypto import parameters for a private key matching the certificate's public key. */
function importAlgorithmFor(cert: X509Certificate): SubtleCryptoImportKeyAlgorithm {
  const publicAlg = cert.publicKey.algorithm as { name: string; namedCurve?: string }
  if (
    publicAlg.name === 'RSASSA-PKCS1-v1_5' ||
    publicAlg.name === 'RSA-PSS' ||
    publicAlg.name === 'RSA-OAEP'
  ) {
    return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
  }
  if (publicAlg.name === 'ECDSA' || publicAlg.name === 'ECDH') {
    return { name: 'ECDSA', namedCurve: publicAlg.namedCurve }
  }
  return { name: publicAlg.name }
}

/** @throws CaConfigError for a text that is no PKCS#8 key of the given kind. */
async function importCaKey(
  keyPem: string,
  importAlg: SubtleCryptoImportKeyAlgorithm
): Promise<CryptoKey> {
  let der: ArrayBuffer
  try {
    const blocks = PemConverter.decodeWithHeaders(keyPem)
    const block = blocks[0]
    if (!block || block.type !== 'PRIVATE KEY') {
      throw new Error(
        `expected a "PRIVATE KEY" (PKCS#8) block, found ${block ? `"${block.type}"` : 'none'}`
      )
    }
    der = block.rawData
  } catch (e) {
    throw new CaConfigError(`MF_CERTS_CA_KEY is not a PKCS#8 PEM key: ${(e as Error).message}`)
  }
  try {
    return await crypto.subtle.importKey('pkcs8', der, importAlg, false, ['sign'])
  } catch (e) {
    throw new CaConfigError(
      `MF_CERTS_CA_KEY is not a key of the certificate's type, ${importAlg.name} (${(e as Error).message})`
    )
  }
}

async function parseCa(certPem: string, keyPem: string): Promise<Ca> {
  const cert = parseCaCert(certPem)
  const importAlg = importAlgorithmFor(cert)
  const privateKey = await importCaKey(keyPem, importAlg)
  const signingAlgorithm = signingAlgorithmFor(privateKey)
  const challenge = randomBytes(32)
  const signature = await crypto.subtle.sign(signingAlgorithm, privateKey, challenge)
  const publicKey = await cert.publicKey.export(importAlg, ['verify'])
  if (!(await crypto.subtle.verify(signingAlgorithm, publicKey, signature, challenge))) {
    throw new CaConfigError('MF_CERTS_CA_KEY does not match the public key in MF_CERTS_CA_CERT')
  }
  const ski = cert.getExtension(SubjectKeyIdentifierExtension)
  const keyId = ski?.keyId ?? toHex(await cert.publicKey.getKeyIdentifier())
  return {
    cert,
    certPem: cert.toString('pem'),
    privateKey,
    signingAlgorithm,
    keyId,
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
  }
}
