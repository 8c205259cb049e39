import type { Deps } from '../lib/context'
import type { KeySpec, PublicKey } from './keys'
import { makeLocalAuthority } from './local'
import { makeVaultAuthority } from './vault-authority'

// The certificate authority behind the certs service, one interface with two implementations
// chosen once from the settings (as Mainflux's certs service picks its PKI agent): the built-in CA
// (local.ts: MF_CERTS_CA_CERT/_KEY, revocations and CRL from D1) or Vault's PKI secrets engine
// (vault-authority.ts: MF_CERTS_VAULT_HOST and the rest). The service does the rest: ownership,
// records, batching and errors.

/** Serial and validity fixed before signing, so the record can be written first. */
export interface Reservation {
  serial: string
  notBefore: number
  notAfter: number
}

interface CertRequest {
  /** The subject CN; the service decides it, and nothing else goes into the subject. */
  commonName: string
  /** Validity asked for; undefined → the authority's default. */
  ttlMs?: number
  /** From `reserve`, for an authority that has it. */
  reservation?: Reservation
}

/** A certificate for a key the authority makes (and hands out once). */
interface KeyRequest extends CertRequest {
  key: KeySpec
}

/** A certificate for the key of a CSR whose self-signature was verified already. */
export interface CsrRequest extends CertRequest {
  csr: { pem: string; publicKey: PublicKey; spec: KeySpec }
}

/** What an authority signed. */
export interface Signed {
  certPem: string
  /** PKCS#8 PEM; absent when the key stayed with the device (CSR). */
  keyPem?: string
  caPem: string
  serial: string
  /** The certified key as D1 records it. */
  spec: { type: string; bits: number }
  notAfter: number
}

export interface CertificateAuthority {
  readonly kind: 'local' | 'vault'
  readonly capabilities: {
    /**
     * Revocations must reach the authority, whose CRL is the one that counts. Without it, D1's
     * rows are the revocation record and the CRL is built from them.
     */
    revokesRemotely: boolean
  }
  /**
   * Present when the authority lets us choose the serial and validity before signing: the record
   * can then go in first, in the same D1 round trip as the ownership check.
   * @throws AppError('internal') for a misconfigured CA.
   */
  reserve?(ttlMs: number | undefined, now: number): Promise<Reservation>
  /** @throws AppError('malformed_entity' | 'unavailable' | 'internal') */
  issue(req: KeyRequest): Promise<Signed>
  /** @throws AppError('malformed_entity' | 'unavailable' | 'internal') */
  signCsr(req: CsrRequest): Promise<Signed>
  /** Revokes one serial (ours); returns the revocation time in ms. */
  revoke(serial: string): Promise<number>
  /** Revokes many serials, a few at a time, each settled on its own (in order). */
  revokeMany(serials: readonly string[]): Promise<PromiseSettledResult<number>[]>
  /** @throws AppError('internal' | 'unavailable') */
  crl(format: 'der' | 'pem'): Promise<string | ArrayBuffer>
  /**
   * The CA certificate (PEM) that signs client certificates.
   * @throws AppError('unavailable') when no CA is configured; AppError('internal') when it is
   *   misconfigured.
   */
  caCertificate(): Promise<string>
}

export type AuthorityDeps = Pick<Deps, 'db' | 'config' | 'waitUntil'>

/** Vault when MF_CERTS_VAULT_HOST is set, else the built-in CA. */
export function makeAuthority(deps: AuthorityDeps): CertificateAuthority {
  return deps.config.MF_CERTS_VAULT_HOST ? makeVaultAuthority(deps) : makeLocalAuthority(deps)
}
