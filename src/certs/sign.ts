import './x509'
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Name,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509'
import type { Ca } from './ca'
import type { KeySpec, PublicKey } from './keys'

interface LeafParams {
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
