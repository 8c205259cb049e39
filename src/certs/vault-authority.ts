import { chunks } from '../lib/limits'
import { AppError, logError } from '../lib/errors'
import type { AuthorityDeps, CertificateAuthority, Signed } from './authority'
import type { KeySpec } from './keys'
import { colonSerial, describeCertificate, normalizePem } from './pem'
import { makeVaultClient, type VaultCert } from './vault'

// Vault's PKI secrets engine as our certificate authority: Vault chooses serials and validity
// (the service records a certificate after Vault signed it), and Vault must hear of every
// revocation, since its CRL is the one relying parties read.

/** Vault calls in flight at once: a thing's certificates are revoked a few at a time. */
const VAULT_CONCURRENCY = 8

/** `Promise.allSettled` over `items`, at most VAULT_CONCURRENCY calls at a time, in order. */
async function settledInRuns<T, R>(items: readonly T[], call: (item: T) => Promise<R>) {
  const out: PromiseSettledResult<R>[] = []
  for (const run of chunks(items, VAULT_CONCURRENCY))
    out.push(...(await Promise.allSettled(run.map(call))))
  return out
}

const vaultTtl = (ttlMs: number | undefined) =>
  ttlMs === undefined ? undefined : `${Math.ceil(ttlMs / 1000)}s`

export function makeVaultAuthority(
  deps: Pick<AuthorityDeps, 'config' | 'waitUntil'>
): CertificateAuthority {
  const { config } = deps
  const vault = makeVaultClient({
    host: config.MF_CERTS_VAULT_HOST!,
    pkiPath: config.MF_CERTS_VAULT_PKI_PATH,
    role: config.MF_CERTS_VAULT_ROLE,
    token: config.MF_CERTS_VAULT_TOKEN,
    timeoutMs: config.MF_CERTS_VAULT_TIMEOUT,
  })

  const revoke = (serial: string) => vault.revoke(colonSerial(serial))

  /**
   * Vault's role decides a certificate's subject: with `use_csr_common_name`/`use_csr_sans` (on by
   * default) a CSR could name another thing or add host names. Whatever Vault signed must carry
   * exactly our CN and no subject alternative names; otherwise it is revoked and refused.
   */
  function checkSubject(
    expected: string,
    serial: string,
    facts: ReturnType<typeof describeCertificate>
  ) {
    const { commonNames, hasSubjectAltNames } = facts
    if (commonNames.length === 1 && commonNames[0] === expected && !hasSubjectAltNames) return
    deps.waitUntil(revoke(serial).catch((err) => logError('Vault revoke failed:', err)))
    throw new AppError('internal', 'certificate authority (Vault) misconfigured', {
      cause: new Error(
        `Vault signed a certificate with subject CN ${JSON.stringify(commonNames)}${hasSubjectAltNames ? ' and SANs' : ''}; ` +
          'set use_csr_common_name=false and use_csr_sans=false on the role'
      ),
    })
  }

  /** Vault's answer as ours, with the facts to record taken from the certificate itself. */
  function signed(v: VaultCert, commonName: string, requested: KeySpec): Signed {
    let facts: ReturnType<typeof describeCertificate>
    try {
      facts = describeCertificate(v.certificate)
    } catch (e) {
      throw new AppError('unavailable', 'certificate authority (Vault) gave an unexpected answer', {
        cause: e,
      })
    }
    const serial = v.serial ?? facts.serial
    checkSubject(commonName, serial, facts)
    return {
      certPem: normalizePem(v.certificate),
      keyPem: v.privateKey ? normalizePem(v.privateKey) : undefined,
      caPem: normalizePem(v.issuingCa),
      serial,
      spec: facts.spec ?? requested,
      notAfter: facts.notAfter,
    }
  }

  return {
    kind: 'vault',
    capabilities: { revokesRemotely: true },

    async issue(req) {
      const v = await vault.issue({
        commonName: req.commonName,
        ttl: vaultTtl(req.ttlMs),
        keyType: req.key.type,
        keyBits: req.key.type === 'ed25519' ? 0 : req.key.bits,
      })
      return signed(v, req.commonName, req.key)
    },

    async signCsr(req) {
      const v = await vault.sign({
        csr: req.csr.pem,
        commonName: req.commonName,
        ttl: vaultTtl(req.ttlMs),
      })
      return signed(v, req.commonName, req.csr.spec)
    },

    revoke,
    revokeMany: (serials) => settledInRuns(serials, revoke),
    crl: (format) => vault.crl(format),
    caCertificate: () => vault.caPem(),
  }
}
