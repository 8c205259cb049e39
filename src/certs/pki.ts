// @peculiar/x509 needs decorator metadata before it loads (src/index.ts does this too).
import 'reflect-metadata'
import { AsnConvert } from '@peculiar/asn1-schema'
import { CertificateList, RevokedCertificate, Time } from '@peculiar/asn1-x509'
import {
  AsnEcSignatureFormatter,
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  cryptoProvider,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Name,
  PemConverter,
  Pkcs10CertificateRequest,
  type PublicKey,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  X509CrlGenerator,
} from '@peculiar/x509'
import { randomBytes, toHex } from '../lib/crypto'

// The X.509 side of the built-in CA: keys, certificates, CSRs and CRLs on WebCrypto. Nothing here
// touches D1 or HTTP, so provision and the tests can call it directly.

cryptoProvider.set(crypto)

export type { PublicKey }

export type KeyType = 'rsa' | 'ec' | 'ed25519'

/** A key algorithm and size as stored in D1 (`key_type`, `key_bits`). */
export interface KeySpec {
  type: KeyType
  bits: number
}

export const RSA_BITS = [2048, 3072, 4096] as const
export const EC_BITS = [256, 384, 521] as const
const CURVE_BITS: Record<string, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521 }
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

/** How a key of this kind signs (the hash follows the curve size, as Vault does). */
function signingAlgorithmFor(key: CryptoKey): SubtleCryptoSignAlgorithm {
  const alg = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } }
  if (alg.name === 'ECDSA') {
    return { name: 'ECDSA', hash: EC_HASH[CURVE_BITS[alg.namedCurve ?? ''] ?? 256]! }
  }
  if (alg.name === 'RSASSA-PKCS1-v1_5') return { name: alg.name, hash: alg.hash ?? 'SHA-256' }
  return { name: alg.name }
}

/** Accepts PEM with real newlines or with literal `\n` sequences (one-line secrets, .dev.vars). */
export function normalizePem(text: string): string {
  return text.replaceAll('\\r', '').replaceAll('\\n', '\n').replaceAll('\r', '').trim()
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

async function parseCa(certPem: string, keyPem: string): Promise<Ca> {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(certPem)
  } catch (e) {
    throw new CaConfigError(`MF_CERTS_CA_CERT is not a PEM certificate (${(e as Error).message})`)
  }
  const basic = cert.getExtension(BasicConstraintsExtension)
  if (!basic?.ca) {
    throw new CaConfigError('MF_CERTS_CA_CERT is not a CA certificate (basicConstraints cA is not set)')
  }
  const usage = cert.getExtension(KeyUsagesExtension)
  if (usage && !(usage.usages & KeyUsageFlags.keyCertSign)) {
    throw new CaConfigError('MF_CERTS_CA_CERT may not sign certificates (keyUsage lacks keyCertSign)')
  }
  // The same key signs the CRL: relying parties reject a CRL from a CA whose usage lacks cRLSign.
  if (usage && !(usage.usages & KeyUsageFlags.cRLSign)) {
    throw new CaConfigError('MF_CERTS_CA_CERT may not sign CRLs (keyUsage lacks cRLSign)')
  }
  const publicAlg = cert.publicKey.algorithm as { name: string; namedCurve?: string }
  const importAlg: SubtleCryptoImportKeyAlgorithm =
    publicAlg.name === 'RSASSA-PKCS1-v1_5' || publicAlg.name === 'RSA-PSS' || publicAlg.name === 'RSA-OAEP'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
      : publicAlg.name === 'ECDSA' || publicAlg.name === 'ECDH'
        ? { name: 'ECDSA', namedCurve: publicAlg.namedCurve }
        : { name: publicAlg.name }
  let der: ArrayBuffer
  try {
    const blocks = PemConverter.decodeWithHeaders(keyPem)
    const block = blocks[0]
    if (!block || block.type !== 'PRIVATE KEY') {
      throw new Error(`expected a "PRIVATE KEY" (PKCS#8) block, found ${block ? `"${block.type}"` : 'none'}`)
    }
    der = block.rawData
  } catch (e) {
    throw new CaConfigError(`MF_CERTS_CA_KEY is not a PKCS#8 PEM key: ${(e as Error).message}`)
  }
  let privateKey: CryptoKey
  try {
    privateKey = await crypto.subtle.importKey('pkcs8', der, importAlg, false, ['sign'])
  } catch (e) {
    throw new CaConfigError(
      `MF_CERTS_CA_KEY is not a key of the certificate's type, ${importAlg.name} (${(e as Error).message})`,
    )
  }
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

/**
 * A certificate serial: 128 random bits as 32 lowercase hex digits. The top bit is cleared so the
 * DER INTEGER is positive without padding, and the first byte is never 0 so the hex form is stable.
 */
export function newSerial(): string {
  const b = randomBytes(16)
  b[0] = b[0]! & 0x7f || 1
  return toHex(b)
}

/**
 * Our serial form from what a client or Vault sends: hex with or without `:`/`-` separators, any
 * case. Returns undefined for anything else.
 */
export function normalizeSerial(input: string): string | undefined {
  const s = input.trim().toLowerCase()
  if (!/^[0-9a-f]{1,2}([:-]?[0-9a-f]{2})*$/.test(s)) return undefined
  const hex = s.replace(/[:-]/g, '')
  if (hex.length > 40) return undefined
  return hex.length % 2 ? `0${hex}` : hex
}

/** Vault's colon-separated form of one of our serials. */
export function colonSerial(serial: string): string {
  return serial.match(/../g)!.join(':')
}

export async function generateKeyPair(spec: KeySpec): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(keyAlgorithm(spec), true, ['sign', 'verify'])) as CryptoKeyPair
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = (await crypto.subtle.exportKey('pkcs8', key)) as ArrayBuffer
  return PemConverter.encode(der, 'PRIVATE KEY')
}

export interface LeafParams {
  serial: string
  commonName: string
  publicKey: CryptoKey | PublicKey
  spec: KeySpec
  notBefore: number
  notAfter: number
}

/**
 * Signs a client certificate: subject CN, issuer = the CA's subject (same bytes), KeyUsage
 * digitalSignature (+ keyEncipherment for RSA keys), ExtendedKeyUsage clientAuth, SKI from the
 * leaf key and AKI from the CA's key identifier.
 */
export async function signLeaf(ca: Ca, p: LeafParams): Promise<X509Certificate> {
  const usages =
    p.spec.type === 'rsa'
      ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment
      : KeyUsageFlags.digitalSignature
  return X509CertificateGenerator.create({
    serialNumber: p.serial,
    subject: new Name([{ CN: [{ utf8String: p.commonName }] }]),
    issuer: ca.cert.subjectName,
    notBefore: new Date(p.notBefore),
    notAfter: new Date(p.notAfter),
    publicKey: p.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: ca.signingAlgorithm,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(usages, true),
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.clientAuth]),
      await SubjectKeyIdentifierExtension.create(p.publicKey),
      new AuthorityKeyIdentifierExtension(ca.keyId),
    ],
  })
}

/**
 * Parses a PEM CSR and checks its self-signature, so only the holder of the private key can have
 * it certified.
 * @throws Error with a message fit for a 400 answer.
 */
export async function parseCsr(pem: string): Promise<{ publicKey: PublicKey; spec: KeySpec }> {
  let csr: Pkcs10CertificateRequest
  try {
    csr = new Pkcs10CertificateRequest(normalizePem(pem))
  } catch {
    throw new Error('csr is not a PEM certificate request')
  }
  const spec = specOfPublicKey(csr.publicKey)
  if (!spec || !isIssuable(spec)) {
    throw new Error('csr key must be RSA 2048/3072/4096, EC P-256/P-384/P-521 or Ed25519')
  }
  let ok = false
  try {
    ok = await csr.verify()
  } catch {
    ok = false
  }
  if (!ok) throw new Error('csr signature does not verify')
  return { publicKey: csr.publicKey, spec }
}

/** DER INTEGER for small non-negative numbers (the CRL number extension). */
function derInteger(n: number): Uint8Array {
  const bytes: number[] = []
  let v = BigInt(n)
  do {
    bytes.unshift(Number(v & 0xffn))
    v >>= 8n
  } while (v > 0n)
  if (bytes[0]! & 0x80) bytes.unshift(0)
  return new Uint8Array([0x02, bytes.length, ...bytes])
}

export interface RevokedEntry {
  serial: string
  revokedAt: number
}

const fromHex = (hex: string) => new Uint8Array(hex.match(/../g)!.map((b) => parseInt(b, 16)))
const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000)

/**
 * A v2 CRL (DER) signed by the CA: every given serial with its revocation date, the CA's AKI, a CRL
 * number (the issue time in ms, so it grows across isolates) and nextUpdate.
 *
 * X509CrlGenerator checks each entry against all earlier ones (quadratic: 5,000 entries cost
 * seconds of CPU) and writes an empty extensions SEQUENCE per entry, which RFC 5280 forbids. So it
 * only makes the CRL without entries; the entries (unique: serials are D1's primary key) are
 * added to that structure here and the TBS is signed again.
 */
export async function buildCrl(
  ca: Ca,
  entries: RevokedEntry[],
  thisUpdate: number,
  nextUpdate: number,
): Promise<ArrayBuffer> {
  const empty = await X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate: wholeSeconds(thisUpdate),
    nextUpdate: wholeSeconds(nextUpdate),
    signingKey: ca.privateKey,
    signingAlgorithm: ca.signingAlgorithm,
    extensions: [
      new AuthorityKeyIdentifierExtension(ca.keyId),
      new Extension('2.5.29.20', false, derInteger(thisUpdate)),
    ],
  })
  if (entries.length === 0) return empty.rawData
  const list = AsnConvert.parse(empty.rawData, CertificateList)
  list.tbsCertList.revokedCertificates = entries.map(
    (e) =>
      new RevokedCertificate({
        userCertificate: fromHex(e.serial).buffer,
        revocationDate: new Time(wholeSeconds(e.revokedAt)),
      }),
  )
  const tbs = AsnConvert.serialize(list.tbsCertList)
  const raw = await crypto.subtle.sign(ca.signingAlgorithm, ca.privateKey, tbs)
  // WebCrypto's ECDSA signature is r||s; X.509 wants the DER SEQUENCE of two INTEGERs.
  const signature =
    ca.signingAlgorithm.name === 'ECDSA'
      ? new AsnEcSignatureFormatter().toAsnSignature(
          { ...ca.signingAlgorithm, ...ca.privateKey.algorithm } as never,
          raw,
        )!
      : raw
  list.signature = signature
  // DER as is: parsing it back would hit @peculiar's node-count limit for large lists.
  return AsnConvert.serialize(list)
}

/** A certificate (PEM) as the facts D1 records about it. */
export function describeCertificate(pem: string) {
  const cert = new X509Certificate(normalizePem(pem))
  return {
    serial: cert.serialNumber.toLowerCase(),
    spec: specOfPublicKey(cert.publicKey),
    notAfter: cert.notAfter.getTime(),
    commonNames: cert.subjectName.getField('CN'),
    hasSubjectAltNames: cert.getExtension(SubjectAlternativeNameExtension) !== null,
  }
}

/**
 * The subject CN of the (first) certificate in a PEM text, for records that must know what a
 * stored certificate authenticates as: '' when the text is not a certificate or its subject has
 * no CN or several.
 */
export function subjectCommonName(pem: string): string {
  try {
    const names = new X509Certificate(normalizePem(pem)).subjectName.getField('CN')
    return names.length === 1 ? names[0]! : ''
  } catch {
    return ''
  }
}
