import type { Identity } from '../env'
import type { Deps } from '../lib/context'
import { AppError, logError } from '../lib/errors'
import { chunks, LIMITS } from '../lib/limits'
import { keyAsCnProblem } from '../lib/thingkey'
import { type CsrRequest, makeAuthority, type Reservation, type Signed } from './authority'
import { parseCsr } from './csr'
import type { KeySpec } from './keys'
import { normalizePem } from './pem'
import * as repo from './repo'
import type { IssueCertReq, SignCsrReq } from './schema'
import { certView, type Issued, issuedView, revocationView } from './views'

export type { Issued } from './views'

// The certs service: ownership checks, D1 records (one batch each), errors and answers. Signing,
// revocation at the authority and the CRL belong to the certificate authority (authority.ts), the
// built-in CA or Vault, chosen once from the settings.

/** What a certificate needs to know about its thing. */
interface ThingRef {
  id: string
  key: string
  owner: string
}

/** What to certify: a key made for the thing, or the key of a device's CSR. */
interface Subject {
  key: KeySpec
  ttlMs?: number
  csr?: CsrRequest['csr']
}

const thingNotFound = () => new AppError('not_found', 'thing not found')
const certNotFound = () => new AppError('not_found', 'certificate not found')

/**
 * A verified CSR.
 * @throws AppError('malformed_entity') for a malformed, unsupported or forged one.
 */
async function checkedCsr(pem: string): Promise<CsrRequest['csr']> {
  try {
    const { publicKey, spec } = await parseCsr(pem)
    return { pem: normalizePem(pem), publicKey, spec }
  } catch (e) {
    throw new AppError('malformed_entity', (e as Error).message)
  }
}

export function makeCertsService(deps: Pick<Deps, 'db' | 'read' | 'config' | 'waitUntil'>) {
  const { db, read, config } = deps
  const authority = makeAuthority(deps)

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

  function newRow(
    thing: ThingRef,
    spec: { type: string; bits: number },
    now: number,
    serial: string,
    notAfter: number
  ) {
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

  const issued = (thing: ThingRef, s: Signed, row: repo.CertRow): Issued => ({
    thingId: thing.id,
    certPem: s.certPem,
    keyPem: s.keyPem,
    caPem: s.caPem,
    serial: s.serial,
    row,
  })

  /** Asks the authority for the certificate of `thing`. */
  function sign(thing: ThingRef, what: Subject, reservation?: Reservation): Promise<Signed> {
    const req = { commonName: commonName(thing), ttlMs: what.ttlMs, reservation }
    return what.csr
      ? authority.signCsr({ ...req, csr: what.csr })
      : authority.issue({ ...req, key: what.key })
  }

  /** Revokes at the authority after the answer, best effort (failures are logged). */
  function revokeLater(serials: string[], what: string) {
    if (serials.length === 0) return
    deps.waitUntil(
      authority.revokeMany(serials).then((results) => {
        for (const r of results) if (r.status === 'rejected') logError(`${what} failed:`, r.reason)
      })
    )
  }

  async function ownedThing(owner: string, thingId: string): Promise<ThingRef> {
    const [thing] = await repo.retrieveThing(db, owner, thingId)
    if (!thing) throw thingNotFound()
    return { ...thing, owner }
  }

  /**
   * For an authority with `reserve`, in one D1 round trip: ownership check and row insert
   * together, then signing (the row is taken out again if signing fails).
   */
  async function certifyRecordFirst(
    reserve: NonNullable<typeof authority.reserve>,
    owner: string,
    thingId: string,
    what: Subject
  ): Promise<Issued> {
    const now = Date.now()
    const reservation = await reserve(what.ttlMs, now)
    const row = newRow(
      { id: thingId, key: '', owner },
      what.key,
      now,
      reservation.serial,
      reservation.notAfter
    )
    const [found, saved] = await db.batch([
      repo.retrieveThing(db, owner, thingId),
      repo.saveForOwnedThing(db, row),
    ])
    const thing = found[0]
    if (!thing || saved.length === 0) throw thingNotFound()
    try {
      const ref = { ...thing, owner }
      return issued(ref, await sign(ref, what, reservation), row)
    } catch (e) {
      await repo
        .remove(db, row.serial)
        .catch((err) => logError('removing an unsigned certificate row failed:', err))
      throw e
    }
  }

  /**
   * For an authority that chooses serials itself (Vault): signs, then records the certificate,
   * guarded by the thing still being the owner's (it may have been removed while the authority
   * signed) and, for a CN that is the key, still having that key (a rotation may have committed
   * meanwhile). If nothing is recorded, the certificate is revoked again.
   * @throws AppError('not_found'); AppError('conflict') when the key changed meanwhile.
   */
  async function certifyRecordAfter(
    owner: string,
    thingId: string,
    what: Subject
  ): Promise<Issued> {
    const thing = await ownedThing(owner, thingId)
    const i = await prepare(thing, what)
    let saved: { serial: string }[]
    try {
      saved = await repo.saveForOwnedThing(
        db,
        i.row,
        i.row.cnSource === 'thing_key' ? thing.key : undefined
      )
    } catch (e) {
      revokeLater([i.serial], 'Vault revoke')
      throw e
    }
    if (saved.length > 0) return i
    revokeLater([i.serial], 'Vault revoke')
    const [still] = await repo.retrieveThing(db, owner, thingId)
    if (still)
      throw new AppError(
        'conflict',
        "the thing's key changed while the certificate was issued; retry"
      )
    throw thingNotFound()
  }

  /** Signs for a thing the caller vouches for, without any D1 write; the row is to be inserted. */
  async function prepare(thing: ThingRef, what: Subject): Promise<Issued> {
    const now = Date.now()
    const reservation = await authority.reserve?.(what.ttlMs, now)
    const s = await sign(thing, what, reservation)
    return issued(thing, s, newRow(thing, s.spec, now, s.serial, s.notAfter))
  }

  function certify(identity: Identity, thingId: string, what: Subject) {
    const { reserve } = authority
    return reserve
      ? certifyRecordFirst(reserve, identity.userId, thingId, what)
      : certifyRecordAfter(identity.userId, thingId, what)
  }

  async function markRevoked(serials: string[], at: number) {
    // One statement per chunk keeps each under D1's bound-parameter limit.
    const [first, ...rest] = chunks(serials, LIMITS.d1Params - 2).map((c) =>
      repo.markRevoked(db, c, at)
    )
    if (first) await db.batch([first, ...rest])
  }

  /**
   * The authority hears first when it keeps revocations itself; an already revoked record answers
   * its first revocation, and an expired certificate (dead already; Vault may refuse to put it on
   * its CRL) is only marked.
   */
  async function revokeOneRemotely(owner: string, serial: string) {
    const at = Date.now()
    const row = await repo.retrieveBySerial(db, owner, serial)
    if (!row) throw certNotFound()
    if (row.revokedAt !== null) return { already: row.revokedAt }
    return { at: row.expiresAt > at ? await authority.revoke(serial) : at }
  }

  /** Only what the authority revoked is marked: one issued meanwhile stays valid there and here. */
  async function revokeThingRemotely(owner: string, thingId: string, now: number) {
    const [found, live] = await db.batch([
      repo.retrieveThing(db, owner, thingId),
      repo.retrieveLiveByThing(db, owner, thingId, now),
    ])
    if (!found[0]) throw thingNotFound()
    const serials = live.map((r) => r.serial)
    const results = await authority.revokeMany(serials)
    const done = serials.filter((_, i) => results[i]!.status === 'fulfilled')
    await markRevoked(done, now)
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    return done
  }

  async function revokeThingInD1(owner: string, thingId: string, now: number) {
    const [found, revoked] = await db.batch([
      repo.retrieveThing(db, owner, thingId),
      repo.revokeByOwnedThing(db, owner, thingId, now),
    ])
    if (!found[0]) throw thingNotFound()
    return revoked.map((r) => r.serial)
  }

  const revokeThing = authority.capabilities.revokesRemotely ? revokeThingRemotely : revokeThingInD1

  return {
    /** True when certificates come from Vault rather than the built-in CA. */
    usesVault: authority.kind === 'vault',

    /**
     * Issues a certificate and a fresh private key for one of the caller's things.
     * @throws AppError('not_found') for an unknown thing or another owner's.
     * @throws AppError('unprocessable') when the thing's key cannot be the CN (see commonName).
     * @throws AppError('malformed_entity') when Vault refuses the parameters.
     * @throws AppError('unavailable') when Vault cannot be reached or fails.
     * @throws AppError('internal') for a CA (or Vault) misconfiguration; the reason is logged.
     */
    async issueCert(identity: Identity, req: IssueCertReq) {
      return issuedView(await certify(identity, req.thingId, { key: req.key, ttlMs: req.ttlMs }))
    },

    /**
     * Certifies the key of a device-generated CSR (verified first) for one of the caller's things;
     * the subject and extensions asked for in the CSR are ignored.
     * @throws AppError('malformed_entity') for a malformed, unsupported or forged CSR.
     * @throws AppError('not_found' | 'unprocessable' | 'unavailable' | 'internal') as issueCert.
     */
    async signCsr(identity: Identity, req: SignCsrReq) {
      const csr = await checkedCsr(req.csr)
      return issuedView(
        await certify(identity, req.thingId, { key: csr.spec, ttlMs: req.ttlMs, csr })
      )
    },

    /**
     * The sign step without any D1 write, for callers that record the row in their own batch
     * (provision, with `repo.saveAll`). The caller vouches that `thing` is the owner's.
     * @throws AppError('unprocessable' | 'malformed_entity' | 'unavailable' | 'internal') as issueCert.
     */
    prepareCert: (thing: ThingRef, opts: { key: KeySpec; ttlMs?: number }) =>
      prepare(thing, { key: opts.key, ttlMs: opts.ttlMs }),

    /**
     * Undoes certificates from `prepareCert` whose batch failed. The built-in CA's were never
     * recorded nor returned, so nothing is left of them (their keys are dropped with the request).
     * Vault's exist in Vault: they are revoked after the answer, best effort (failures are
     * logged; Vault's CRL then lists them).
     */
    discardPrepared(prepared: readonly Issued[]) {
      if (!authority.capabilities.revokesRemotely) return
      revokeLater(
        prepared.map((i) => i.serial),
        'revoking a discarded certificate'
      )
    },

    /**
     * One of the caller's certificate records (never key material).
     * @throws AppError('not_found') for an unknown serial or another owner's.
     */
    async viewCert(identity: Identity, serial: string) {
      const row = await repo.retrieveBySerial(read, identity.userId, serial)
      if (!row) throw certNotFound()
      return certView(row)
    },

    /**
     * A page of one thing's certificates, ordered by expiry.
     * @throws AppError('not_found') for an unknown thing or another owner's.
     */
    async listCerts(identity: Identity, thingId: string, offset: number, limit: number) {
      const [page, count] = repo.retrieveByThing(read, identity.userId, thingId, offset, limit)
      const [found, rows, [total]] = await read.batch([
        repo.retrieveThing(read, identity.userId, thingId),
        page,
        count,
      ])
      if (!found[0]) throw thingNotFound()
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
      if (authority.capabilities.revokesRemotely) {
        const r = await revokeOneRemotely(owner, serial)
        if (r.already !== undefined) return revocationView(r.already, [serial])
        at = r.at
      }
      const [done] = await repo.revoke(db, owner, serial, at)
      if (!done) throw certNotFound()
      return revocationView(done.revokedAt ?? at, [serial])
    },

    /**
     * Revokes every certificate of one of the caller's things (none left is fine).
     * @throws AppError('not_found') for an unknown thing or another owner's.
     * @throws AppError('unavailable' | 'malformed_entity' | 'internal') from Vault; serials Vault
     *   did revoke are recorded before the error is raised.
     */
    async revokeThingCerts(identity: Identity, thingId: string) {
      const now = Date.now()
      return revocationView(now, await revokeThing(identity.userId, thingId, now))
    },

    /**
     * For thing removal and key rotation: after their batch marked certificates revoked in D1
     * (`repo.revokeByOwnedThing`, `repo.revokeKeyBound`), revokes the same serials at the
     * authority (nothing to do for the built-in CA, whose CRL is read from D1). Failures are
     * logged, never thrown (run it in waitUntil).
     */
    async syncRevocations(serials: string[]) {
      if (!authority.capabilities.revokesRemotely) return
      const results = await authority.revokeMany(serials)
      results.forEach((r, i) => {
        if (r.status === 'rejected') logError(`Vault revoke of ${serials[i]} failed`, r.reason)
      })
    },

    /**
     * The CRL: built and signed here from D1 (every revoked, unexpired serial), or Vault's own.
     * @throws AppError('internal' | 'unavailable') for a CA misconfiguration or Vault failure.
     */
    crl: (format: 'der' | 'pem') => authority.crl(format),

    /**
     * The CA certificate (PEM), for GET /certs/ca.
     * @throws AppError('unavailable') when no CA is configured; AppError('internal' | 'unavailable')
     *   for a misconfigured or failing one.
     */
    caCertificate: () => authority.caCertificate(),
  }
}
