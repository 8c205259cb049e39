// The X.509 side of the built-in CA on WebCrypto, one module per role: key generation (keys.ts),
// the CA's own certificate and key (ca.ts), CSR checks (csr.ts), leaf signing (sign.ts), CRLs
// (crl.ts), PEM and serial helpers (pem.ts). Nothing here touches D1 or HTTP, so provision and the
// tests can call it directly. This module gathers their exports under the name other folders use.

export { CaConfigError, type Ca, loadCa } from './ca'
export { buildCrl } from './crl'
export { parseCsr } from './csr'
export {
  EC_BITS,
  generateKeyPair,
  isIssuable,
  type KeySpec,
  privateKeyPem,
  type PublicKey,
  RSA_BITS,
  specOfPublicKey,
} from './keys'
export {
  colonSerial,
  describeCertificate,
  newSerial,
  normalizePem,
  normalizeSerial,
  subjectCommonName,
} from './pem'
export { signLeaf } from './sign'
