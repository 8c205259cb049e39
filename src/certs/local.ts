import './x509'
import { PemConverter } from '@peculiar/x509'
import { AppError } from '../lib/errors'
import type { AuthorityDeps, CertificateAuthority, Reservation, Signed } from './authority'
import { type Ca, CaConfigError, loadCa } from './ca'
import { buildCrl } from './crl'
import { generateKeyPair, type KeySpec, privateKeyPem, type PublicKey } from './keys'
import { newSerial } from './pem'
import * as repo from './repo'
import { signLeaf } from './sign'

// The built-in CA: signs with MF_CERTS_CA_CERT/MF_CERTS_CA_KEY here, chooses serials and validity
// itself (so the service records a certificate before signing it), keeps no revocation state of
// its own (D1's rows are the record) and builds the CRL from D1.

/** Vault backdates notBefore by 30 s against clock skew; so do we. */
const BACKDATE_MS = 30_000

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The last CRL each CA signed in this isolate. Building one costs CPU per entry, and GET /certs/crl
 * needs no credentials, so it is reused while the set of entries (count and latest revocation) is
 * unchanged and at least half of its validity is left.
 */
const crlMemo = new WeakMap<Ca, { key: string; der: ArrayBuffer; refreshAt: number }>()

function misconfigured(reason: string, cause?: unknown) {
  return new AppError('internal', 'certificate authority misconfigured', {
    cause: new Error(reason, { cause }),
  })
}

export function makeLocalAuthority(
  deps: Pick<AuthorityDeps, 'db' | 'config'>
): CertificateAuthority {
  const { db, config } = deps
  const configured = () => Boolean(config.MF_CERTS_CA_CERT && config.MF_CERTS_CA_KEY)

  /** The CA, checked. @throws AppError('internal') with the reason in the log. */
  async function ca(): Promise<Ca> {
    const { MF_CERTS_CA_CERT: cert, MF_CERTS_CA_KEY: key } = config
    if (!cert || !key) {
      throw misconfigured(
        'MF_CERTS_CA_CERT and MF_CERTS_CA_KEY must both be set (npm start writes a dev CA), ' +
          'or MF_CERTS_VAULT_HOST'
      )
    }
    let loaded: Ca
    try {
      loaded = await loadCa(cert, key)
    } catch (e) {
      if (e instanceof CaConfigError) throw misconfigured(e.message)
      throw e
    }
    if (loaded.notAfter <= Date.now())
      throw misconfigured(`MF_CERTS_CA_CERT expired at ${iso(loaded.notAfter)}`)
    return loaded
  }

  /** Validity from now for `ttlMs` (default from config), never past the CA's own expiry. */
  async function reserve(ttlMs: number | undefined, now: number): Promise<Reservation> {
    const { notBefore: caFrom, notAfter: caUntil } = await ca()
    const notBefore = Math.max(Math.floor(now / 1000) * 1000 - BACKDATE_MS, caFrom)
    const notAfter =
      Math.floor(Math.min(now + (ttlMs ?? config.MF_CERTS_DEFAULT_TTL), caUntil) / 1000) * 1000
    if (notAfter <= now) throw misconfigured(`MF_CERTS_CA_CERT expired at ${iso(caUntil)}`)
    return { serial: newSerial(), notBefore, notAfter }
  }

  /** The reservation asked for, or one made now. */
  const reservationFor = async (req: { ttlMs?: number; reservation?: Reservation }) =>
    req.reservation ?? (await reserve(req.ttlMs, Date.now()))

  async function sign(
    commonName: string,
    r: Reservation,
    spec: KeySpec,
    publicKey: CryptoKey | PublicKey
  ): Promise<Omit<Signed, 'keyPem'>> {
    const authority = await ca()
    const cert = await signLeaf(authority, {
      serial: r.serial,
      commonName,
      publicKey,
      spec,
      notBefore: r.notBefore,
      notAfter: r.notAfter,
    })
    return {
      certPem: cert.toString('pem'),
      caPem: authority.certPem,
      serial: r.serial,
      spec,
      notAfter: r.notAfter,
    }
  }

  /** Every revoked, unexpired serial in D1, signed; reused as `crlMemo` says. */
  async function crlDer(): Promise<ArrayBuffer> {
    const authority = await ca()
    const now = Date.now()
    const [stamp] = await repo.retrieveRevokedStamp(db, now)
    const key = `${stamp?.n ?? 0}:${stamp?.latest ?? 0}`
    let memo = crlMemo.get(authority)
    if (!memo || memo.key !== key || memo.refreshAt <= now) {
      const rows = await repo.retrieveRevoked(db, now)
      const der = await buildCrl(
        authority,
        rows.map((r) => ({ serial: r.serial, revokedAt: r.revokedAt! })),
        now,
        now + config.MF_CERTS_CRL_VALIDITY
      )
      memo = { key, der, refreshAt: now + config.MF_CERTS_CRL_VALIDITY / 2 }
      crlMemo.set(authority, memo)
    }
    return memo.der
  }

  return {
    kind: 'local',
    capabilities: { revokesRemotely: false },
    reserve,

    async issue(req) {
      const r = await reservationFor(req)
      const keys = await generateKeyPair(req.key)
      const signed = await sign(req.commonName, r, req.key, keys.publicKey)
      return { ...signed, keyPem: await privateKeyPem(keys.privateKey) }
    },

    async signCsr(req) {
      return sign(req.commonName, await reservationFor(req), req.csr.spec, req.csr.publicKey)
    },

    // Nothing to tell anyone: the D1 row is the revocation, and the CRL is read from D1.
    revoke: async () => Date.now(),
    revokeMany: async (serials) =>
      serials.map(() => ({ status: 'fulfilled', value: Date.now() }) as const),

    async crl(format) {
      const der = await crlDer()
      // OpenSSL reads only the "X509 CRL" label (@peculiar/x509 writes "CRL").
      return format === 'pem' ? PemConverter.encode(der, 'X509 CRL') : der
    },

    async caCertificate() {
      if (!configured()) throw new AppError('unavailable', 'no certificate authority configured')
      return (await ca()).certPem
    },
  }
}
