import './x509'
import { SubjectAlternativeNameExtension, X509Certificate } from '@peculiar/x509'
import { randomBytes, toHex } from '../lib/crypto'
import { specOfPublicKey } from './keys'

// PEM text and serial numbers as they come in (settings, Vault, clients) and go out.

/** Accepts PEM with real newlines or with literal `\n` sequences (one-line secrets, .dev.vars). */
export function normalizePem(text: string): string {
  return text.replaceAll('\\r', '').replaceAll('\\n', '\n').replaceAll('\r', '').trim()
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
