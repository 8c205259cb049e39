import './x509'
import { AsnConvert } from '@peculiar/asn1-schema'
import { CertificateList, RevokedCertificate, Time } from '@peculiar/asn1-x509'
import {
  AsnEcSignatureFormatter,
  AuthorityKeyIdentifierExtension,
  Extension,
  X509CrlGenerator,
} from '@peculiar/x509'
import { fromHex } from '../lib/hex'
import type { Ca } from './ca'

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

interface RevokedEntry {
  /** Our serial form: lowercase hex, an even number of digits. */
  serial: string
  revokedAt: number
}

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
  nextUpdate: number
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
        userCertificate: fromHex(e.serial)!.buffer as ArrayBuffer,
        revocationDate: new Time(wholeSeconds(e.revokedAt)),
      })
  )
  const tbs = AsnConvert.serialize(list.tbsCertList)
  const raw = await crypto.subtle.sign(ca.signingAlgorithm, ca.privateKey, tbs)
  // WebCrypto's ECDSA signature is r||s; X.509 wants the DER SEQUENCE of two INTEGERs.
  const signature =
    ca.signingAlgorithm.name === 'ECDSA'
      ? new AsnEcSignatureFormatter().toAsnSignature(
          { ...ca.signingAlgorithm, ...ca.privateKey.algorithm } as never,
          raw
        )!
      : raw
  list.signature = signature
  // DER as is: parsing it back would hit @peculiar's node-count limit for large lists.
  return AsnConvert.serialize(list)
}
