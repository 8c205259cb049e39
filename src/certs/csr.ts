import './x509'
import { Pkcs10CertificateRequest } from '@peculiar/x509'
import { isIssuable, type KeySpec, type PublicKey, specOfPublicKey } from './keys'
import { normalizePem } from './pem'

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
