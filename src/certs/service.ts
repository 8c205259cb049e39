import { PemConverter } from '@peculiar/x509'
import type { Identity } from '../env'
import type { Deps } from '../lib/context'
import { AppError, logError } from '../lib/errors'
import { chunks, LIMITS } from '../lib/limits'
import { keyAsCnProblem } from '../lib/thingkey'
import {
  buildCrl,
  type Ca,
  CaConfigError,
  colonSerial,
  describeCertificate,
  generateKeyPair,
  type KeySpec,
  loadCa,
  newSerial,
  normalizePem,
  parseCsr,
  privateKeyPem,
  type PublicKey,
  signLeaf,
} from './pki'
import * as repo from './repo'
import type { IssueCertReq, SignCsrReq } from './schema'
import { makeVaultClient, type VaultCert } from './vault'

/** Vault backdates notBefore by 30 s against clock skew; so do we. */
const BACKDATE_MS = 30_000

/** What a certificate needs to know about its thing. */
export interface ThingRef {
  id: string
  key: string
  owner: string
}

/** A signed certificate and the D1 row that records it. */
export interface Issued {
  thingId: string
  certPem: string
  /** PKCS#8 PEM; absent when the key stayed with the device (CSR). */
  keyPem?: string
  caPem: string
  serial: string
  row: repo.CertRow
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The last CRL each CA signed in this isolate. Building one costs CPU per entry, and GET /certs/crl
 * needs no credentials, so it is reused while the set of entries (count and latest revocation) is
 * unchanged and at least half of its validity is left.
 */
const crlMemo = new WeakMap<Ca, { key: string; der: ArrayBuffer; refreshAt: number }>()

/** The POST /certs and POST /certs/csr answer: 0.12.1's names plus its SDK's and docs'. */
export function issuedView(i: Issued) {
  return {
    thing_id: i.thingId,
    cert: i.certPem,
    cert_key: i.keyPem,
    cert_serial: i.serial,
    ca_cert: i.caPem,
    client_cert: i.certPem,
    client_key: i.keyPem,
    issuing_ca: i.caPem,
    serial: i.serial,
    expire: iso(i.row.expiresAt),
  }
}

function certView(row: repo.CertRow) {
  return {
    thing_id: row.thingId,
    serial: row.serial,
    cert_serial: row.serial,
    key_type: row.keyType,
    key_bits: row.keyBits,
    issued_at: iso(row.issuedAt),
    expire: iso(row.expiresAt),
    revoked_at: row.revokedAt === null ? undefined : iso(row.revokedAt),
  }
}

function revocationView(at: number, serials: string[]) {
  return { RevocationTime: iso(at), revocation_time: iso(at), serials }
}

function misconfigured(reason: string, cause?: unknown) {
  return new AppError('internal', 'certificate authority misconfigured', {
    cause: new Error(reason, { cause }),
  })
}

/** Vault calls in flight at once: a thing's certificates are revoked a few at a time. */
const VAULT_CONCURRENCY = 8

/** `Promise.allSettled` over `items`, at most VAULT_CONCURRENCY calls at a time, in order. */
async function settledInRuns<T, R>(items: readonly T[], call: (item: T) => Promise<R>) {
  const out: PromiseSettledResult<R>[] = []
  for (const run of chunks(items, VAULT_CONCURRENCY)) out.push(...(await Promise.allSettled(run.map(call))))
  return out
}

export function makeCertsService(deps: Pick<Deps, 'db' | 'config' | 'waitUntil'>) {
  const { db, config } = deps
  const vault = config.MF_CERTS_VAULT_HOST
    ? makeVaultClient({
        host: config.MF_CERTS_VAULT_HOST,
        pkiPath: config.MF_CERTS_VAULT_PKI_PATH,
        role: config.MF_CERTS_VAULT_ROLE,
        token: config.MF_CERTS_VAULT_TOKEN,
        timeoutMs: config.MF_CERTS_VAULT_TIMEOUT,
      })
    : undefined

  /** The built-in CA. @throws AppError('internal') with the reason in the log. */
  async function authority(): Promise<Ca> {
    const { MF_CERTS_CA_CERT: cert, MF_CERTS_CA_KEY: key } = config
    if (!cert || !key) {
      throw misconfigured(
        'MF_CERTS_CA_CERT and MF_CERTS_CA_KEY must both be set (npm start writes a dev CA), ' +
          'or MF_CERTS_VAULT_HOST',
      )
    }
    let ca: Ca
    try {
      ca = await loadCa(cert, key)
    } catch (e) {
      if (e instanceof CaConfigError) throw misconfigured(e.message)
      throw e
    }
    if (ca.notAfter <= Date.now()) throw misconfigured(`MF_CERTS_CA_CERT expired at ${iso(ca.notAfter)}`)
    return ca
  }

  /**
   * The subject CN of a thing's certificate. A key that could not be created today (longer than
   * 64 characters, spaces, control or non-ASCII characters) is refused as a CN, saying how to fix it.
   * @throws AppError('unprocessable')
   */
  function commonName(thing: { id: string; key: string }) {
    if (config.MF_CERTS_CN === 'thing_id') return thing.id
    const problem = keyAsCnProblem(thing.key, config.MF_CERTS_CN)
    if (problem) throw new AppError('unprocessable', problem)
    return thing.key
  }

  /** Validity from now for `ttlMs` (default from config), never past the CA's own expiry. */
  function validity(ca: Ca, ttlMs: number | undefined, now: number) {
    const notBefore = Math.max(Math.floor(now / 1000) * 1000 - BACKDATE_MS, ca.notBefore)
    const notAfter =
      Math.floor(Math.min(now + (ttlMs ?? config.MF_CERTS_DEFAULT_TTL), ca.notAfter) / 1000) * 1000
    if (notAfter <= now) {
      throw misconfigured(`MF_CERTS_CA_CERT expired at ${iso(ca.notAfter)}`)
    }
    return { notBefore, notAfter }
  }

  function newRow(thing: ThingRef, spec: KeySpec, now: number, notAfter: number, serial = newSerial()) {
    return {
      serial,
      thingId: thing.id,
      owner: thing.owner,
      keyType: spec.type,
      keyBits: spec.bits,
      issuedAt: now,
      expiresAt: notAfter,
      revokedAt: null,
      cnSource: config.MF_CERTS_CN,
    } satisfies repo.CertRow
  }

  /** Key generation (unless a CSR brought the public key) and signing with the built-in CA. */
  async function signLocally(
    ca: Ca,
    thing: ThingRef,
    row: repo.CertRow,
    spec: KeySpec,
    notBefore: number,
    publicKey?: PublicKey,
  ): Promise<Issued> {
    const keys = publicKey ? undefined : await generateKeyPair(spec)
    const cert = await signLeaf(ca, {
      serial: row.serial,
      commonName: commonName(thing),
      publicKey: publicKey ?? keys!.publicKey,
      spec,
      notBefore,
      notAfter: row.expiresAt,
    })
    return {
      thingId: thing.id,
      certPem: cert.toString('pem'),
      keyPem: keys ? await privateKeyPem(keys.privateKey) : undefined,
      caPem: ca.certPem,
      serial: row.serial,
      row,
    }
  }

  /** Vault's answer as ours, with the row taken from the certificate itself. */
  function fromVault(thing: ThingRef, v: VaultCert, requested: KeySpec | undefined, now: number): Issued {
    let facts: ReturnType<typeof describeCertificate>
    try {
      facts = describeCertificate(v.certificate)
    } catch (e) {
      throw new AppError('unavailable', 'certificate authority (Vault) gave an unexpected answer', {
        cause: e,
      })
    }
    const serial = v.serial ?? facts.serial
    const spec: { type: string; bits: number } = facts.spec ??
      requested ?? { type: v.privateKeyType ?? 'unknown', bits: 0 }
    const issued: Issued = {
      thingId: thing.id,
      certPem: normalizePem(v.certificate),
      keyPem: v.privateKey ? normalizePem(v.privateKey) : undefined,
      caPem: normalizePem(v.issuingCa),
      serial,
      row: {
        serial,
        thingId: thing.id,
        owner: thing.owner,
        keyType: spec.type,
        keyBits: spec.bits,
        issuedAt: now,
        expiresAt: facts.notAfter,
        revokedAt: null,
        cnSource: config.MF_CERTS_CN,
      },
    }
    checkVaultSubject(thing, issued, facts)
    return issued
  }

  const vaultTtl = (ttlMs: number | undefined) =>
    ttlMs === undefined ? undefined : `${Math.ceil(ttlMs / 1000)}s`

  async function ownedThing(owner: string, thingId: string): Promise<ThingRef> {
    const [thing] = await repo.retrieveThing(db, owner, thingId)
    if (!thing) throw new AppError('not_found', 'thing not found')
    return { ...thing, owner }
  }

  const revokeInVault = (serial: string) =>
    deps.waitUntil(vault!.revoke(colonSerial(serial)).catch((err) => logError('Vault revoke failed:', err)))

  /**
   * Vault's role decides a certificate's subject: with `use_csr_common_name`/`use_csr_sans` (on by
   * default) a CSR could name another thing or add host names. Whatever Vault signed must carry
   * exactly our CN and no subject alternative names; otherwise it is revoked and refused.
   */
  function checkVaultSubject(thing: ThingRef, issued: Issued, facts: { commonNames: string[]; hasSubjectAltNames: boolean }) {
    const expected = commonName(thing)
    if (facts.commonNames.length !== 1 || facts.commonNames[0] !== expected || facts.hasSubjectAltNames) {
      revokeInVault(issued.serial)
      throw new AppError('internal', 'certificate authority (Vault) misconfigured', {
        cause: new Error(
          `Vault signed a certificate with subject CN ${JSON.stringify(facts.commonNames)}${facts.hasSubjectAltNames ? ' and SANs' : ''}; ` +
            'set use_csr_common_name=false and use_csr_sans=false on the role',
        ),
      })
    }
  }

  /**
   * Records a Vault-issued certificate, guarded by the thing still being the owner's (it may have
   * been removed while Vault signed) and, for a CN that is the key, still having that key (a
   * rotation may have committed meanwhile). If nothing is recorded, the certificate is revoked
   * again.
   * @throws AppError('not_found'); AppError('conflict') when the key changed meanwhile.
   */
  async function recordVaultCert(issued: Issued, thing: ThingRef) {
    let saved: { serial: string }[]
    try {
      const key = issued.row.cnSource === 'thing_key' ? thing.key : undefined
      saved = await repo.saveForOwnedThing(db, issued.row, key)
    } catch (e) {
      revokeInVault(issued.serial)
      throw e
    }
    if (saved.length === 0) {
      revokeInVault(issued.serial)
      const [still] = await repo.retrieveThing(db, thing.owner, thing.id)
      if (still) {
        const why = "the thing's key changed while the certificate was issued; retry"
        throw new AppError('conflict', why)
      }
      throw new AppError('not_found', 'thing not found')
    }
  }

  /** The local issue path in one D1 round trip: ownership check and row insert together. */
  async function issueLocally(
    identity: Identity,
    thingId: string,
    spec: KeySpec,
    ttlMs: number | undefined,
    publicKey?: PublicKey,
  ): Promise<Issued> {
    const ca = await authority()
    const now = Date.now()
    const { notBefore, notAfter } = validity(ca, ttlMs, now)
    const owner = identity.userId
    const row = newRow({ id: thingId, key: '', owner }, spec, now, notAfter)
    const [found, saved] = await db.batch([
      repo.retrieveThing(db, owner, thingId),
      repo.saveForOwnedThing(db, row),
    ])
    const thing = found[0]
    if (!thing || saved.length === 0) throw new AppError('not_found', 'thing not found')
    try {
      return await signLocally(ca, { ...thing, owner }, row, spec, notBefore, publicKey)
    } catch (e) {
      // The row went in first to save a round trip; take it out again if signing failed.
      await repo.remove(db, row.serial).catch((err) => logError('removing an unsigned certificate row failed:', err))
      throw e
    }
  }

  /**
   * The sign step without any D1 write, for callers that record the row in their own batch
   * (provision): signs with the built-in CA, or asks Vault, and returns the PEMs plus the row
   * to insert with `repo.save(db, issued.row)`. The caller vouches that `thing` is the owner's.
   * @throws AppError('malformed_entity' | 'unavailable' | 'internal') as issueCert.
   */
  async function prepareCert(thing: ThingRef, opts: { key: KeySpec; ttlMs?: number }): Promise<Issued> {
    const now = Date.now()
    if (vault) {
      const v = await vault.issue({
        commonName: commonName(thing),
        ttl: vaultTtl(opts.ttlMs),
        keyType: opts.key.type,
        keyBits: opts.key.type === 'ed25519' ? 0 : opts.key.bits,
      })
      return fromVault(thing, v, opts.key, now)
    }
    const ca = await authority()
    const { notBefore, notAfter } = validity(ca, opts.ttlMs, now)
    return signLocally(ca, thing, newRow(thing, opts.key, now, notAfter), opts.key, notBefore)
  }

  async function markRevoked(serials: string[], at: number) {
    // One statement per chunk keeps each under D1's bound-parameter limit.
    const [first, ...rest] = chunks(serials, LIMITS.d1Params - 2).map((c) => repo.markRevoked(db, c, at))
    if (first) await db.batch([first, ...rest])
  }

  return {
    /** True when certificates come from Vault rather than the built-in CA. */
    usesVault: vault !== undefined,

    /**
     * Issues a certificate and a fresh private key for one of the caller's things.
     * @throws AppError('not_found') for an unknown thing or another owner's.
     * @throws AppError('unprocessable') when the thing's key cannot be the CN (see commonName).
     * @throws AppError('malformed_entity') when Vault refuses the parameters.
     * @throws AppError('unavailable') when Vault cannot be reached or fails.
     * @throws AppError('internal') for a CA (or Vault) misconfiguration; the reason is logged.
     */
    async issueCert(identity: Identity, req: IssueCertReq) {
      if (!vault) return issuedView(await issueLocally(identity, req.thingId, req.key, req.ttlMs))
      const thing = await ownedThing(identity.userId, req.thingId)
      const issued = await prepareCert(thing, req)
      await recordVaultCert(issued, thing)
      return issuedView(issued)
    },

    /**
     * Certifies the key of a device-generated CSR (verified first) for one of the caller's things;
     * the subject and extensions asked for in the CSR are ignored.
     * @throws AppError('malformed_entity') for a malformed, unsupported or forged CSR.
     * @throws AppError('not_found') for an unknown thing or another owner's.
     * @throws AppError('unprocessable') when the thing's key cannot be the CN (see commonName).
     * @throws AppError('unavailable' | 'internal') as issueCert.
     */
    async signCsr(identity: Identity, req: SignCsrReq) {
      let csr: Awaited<ReturnType<typeof parseCsr>>
      try {
        csr = await parseCsr(req.csr)
      } catch (e) {
        throw new AppError('malformed_entity', (e as Error).message)
      }
      if (!vault) {
        return issuedView(await issueLocally(identity, req.thingId, csr.spec, req.ttlMs, csr.publicKey))
      }
      const thing = await ownedThing(identity.userId, req.thingId)
      const now = Date.now()
      const v = await vault.sign({
        csr: normalizePem(req.csr),
        commonName: commonName(thing),
        ttl: vaultTtl(req.ttlMs),
      })
      const issued = fromVault(thing, v, csr.spec, now)
      await recordVaultCert(issued, thing)
      return issuedView(issued)
    },

    prepareCert,

    /**
     * Undoes certificates from `prepareCert` whose batch failed. The built-in CA's were never
     * recorded nor returned, so nothing is left of them (their keys are dropped with the request).
     * Vault's exist in Vault: they are revoked after the answer, best effort (failures are
     * logged; Vault's CRL then lists them).
     */
    discardPrepared(issued: readonly Issued[]) {
      if (!vault || issued.length === 0) return
      deps.waitUntil(
        settledInRuns(issued, (i) => vault.revoke(colonSerial(i.serial))).then((results) => {
          for (const r of results) {
            if (r.status === 'rejected') logError('revoking a discarded certificate failed:', r.reason)
          }
        }),
      )
    },

    /**
     * One of the caller's certificate records (never key material).
     * @throws AppError('not_found') for an unknown serial or another owner's.
     */
    async viewCert(identity: Identity, serial: string) {
      const row = await repo.retrieveBySerial(db, identity.userId, serial)
      if (!row) throw new AppError('not_found', 'certificate not found')
      return certView(row)
    },

    /**
     * A page of one thing's certificates, ordered by expiry.
     * @throws AppError('not_found') for an unknown thing or another owner's.
     */
    async listCerts(identity: Identity, thingId: string, offset: number, limit: number) {
      const [page, count] = repo.retrieveByThing(db, identity.userId, thingId, offset, limit)
      const [found, rows, [total]] = await db.batch([
        repo.retrieveThing(db, identity.userId, thingId),
        page,
        count,
      ])
      if (!found[0]) throw new AppError('not_found', 'thing not found')
      return { total: total?.n ?? 0, offset, limit, certs: rows.map(certView) }
    },

    /**
     * Revokes one of the caller's certificates; revoking it again answers the first revocation.
     * @throws AppError('not_found') for an unknown serial or another owner's.
     * @throws AppError('unavailable' | 'malformed_entity' | 'internal') from Vault.
     */
    async revokeCert(identity: Identity, serial: string) {
      const owner = identity.userId
      let at = Date.now()
      if (vault) {
        const row = await repo.retrieveBySerial(db, owner, serial)
        if (!row) throw new AppError('not_found', 'certificate not found')
        if (row.revokedAt !== null) return revocationView(row.revokedAt, [serial])
        // An expired certificate is dead already; Vault may refuse to put it on its CRL.
        if (row.expiresAt > at) at = await vault.revoke(colonSerial(serial))
      }
      const [done] = await repo.revoke(db, owner, serial, at)
      if (!done) throw new AppError('not_found', 'certificate not found')
      return revocationView(done.revokedAt ?? at, [serial])
    },

    /**
     * Revokes every certificate of one of the caller's things (none left is fine).
     * @throws AppError('not_found') for an unknown thing or another owner's.
     * @throws AppError('unavailable' | 'malformed_entity' | 'internal') from Vault; serials Vault
     *   did revoke are recorded before the error is raised.
     */
    async revokeThingCerts(identity: Identity, thingId: string) {
      const owner = identity.userId
      const now = Date.now()
      if (vault) {
        const [found, live] = await db.batch([
          repo.retrieveThing(db, owner, thingId),
          repo.retrieveLiveByThing(db, owner, thingId, now),
        ])
        if (!found[0]) throw new AppError('not_found', 'thing not found')
        const serials = live.map((r) => r.serial)
        const results = await settledInRuns(serials, (s) => vault.revoke(colonSerial(s)))
        // Only what Vault revoked is marked: a certificate issued meanwhile stays valid in Vault
        // (whose CRL is the one that counts in this mode), so it must not look revoked here.
        const done = serials.filter((_, i) => results[i]!.status === 'fulfilled')
        await markRevoked(done, now)
        const failed = results.find((r) => r.status === 'rejected')
        if (failed) throw failed.reason
        return revocationView(now, done)
      }
      const [found, revoked] = await db.batch([
        repo.retrieveThing(db, owner, thingId),
        repo.revokeByOwnedThing(db, owner, thingId, now),
      ])
      if (!found[0]) throw new AppError('not_found', 'thing not found')
      return revocationView(now, revoked.map((r) => r.serial))
    },

    /**
     * For thing removal and key rotation: after their batch marked certificates revoked in D1
     * (`repo.revokeByOwnedThing`, `repo.revokeKeyBound`), revokes the same serials in Vault.
     * Nothing to do for the built-in CA, whose CRL is read from D1. Failures are logged, never
     * thrown (run it in waitUntil).
     */
    async syncRevocations(serials: string[]) {
      if (!vault) return
      const results = await settledInRuns(serials, (s) => vault.revoke(colonSerial(s)))
      results.forEach((r, i) => {
        if (r.status === 'rejected') logError(`Vault revoke of ${serials[i]} failed`, r.reason)
      })
    },

    /**
     * The CRL: built and signed here from D1 (every revoked, unexpired serial), or Vault's own.
     * @throws AppError('internal' | 'unavailable') for a CA misconfiguration or Vault failure.
     */
    async crl(format: 'der' | 'pem'): Promise<string | ArrayBuffer> {
      if (vault) return vault.crl(format)
      const ca = await authority()
      const now = Date.now()
      const [stamp] = await repo.retrieveRevokedStamp(db, now)
      const key = `${stamp?.n ?? 0}:${stamp?.latest ?? 0}`
      let memo = crlMemo.get(ca)
      if (!memo || memo.key !== key || memo.refreshAt <= now) {
        const rows = await repo.retrieveRevoked(db, now)
        const der = await buildCrl(
          ca,
          rows.map((r) => ({ serial: r.serial, revokedAt: r.revokedAt! })),
          now,
          now + config.MF_CERTS_CRL_VALIDITY,
        )
        memo = { key, der, refreshAt: now + config.MF_CERTS_CRL_VALIDITY / 2 }
        crlMemo.set(ca, memo)
      }
      // OpenSSL reads only the "X509 CRL" label (@peculiar/x509 writes "CRL").
      return format === 'pem' ? PemConverter.encode(memo.der, 'X509 CRL') : memo.der
    },
  }
}

export type CertsService = ReturnType<typeof makeCertsService>
