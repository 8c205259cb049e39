import * as bootstrapRepo from '../bootstrap/repo'
import { externalKeyHash } from '../bootstrap/service'
import { type Issued, makeCertsService } from '../certs/service'
import { errorMentions, isUniqueViolation } from '../db/client'
import type { Identity } from '../env'
import type { Deps } from '../lib/context'
import { timingSafeEqual } from '../lib/crypto'
import { AppError } from '../lib/errors'
import { batchAll } from '../things/service'
import { openAnswer, requestHash, sealAnswer } from './idempotency'
import { layoutView, loadLayout } from './layout'
import {
  buildPlan,
  dryRunPlan,
  dryRunView,
  type MappingAnswer,
  type MappingRequest,
  mappingAnswer,
  type Plan,
  randomIds,
} from './plan'
import * as repo from './repo'
import { mappingStatements, type Statement } from './statements'

/*
 * POST /mapping and GET /mapping: the orchestration around a pure plan (./plan): the layout, the
 * idempotency claim, certificates signed before the batch, one D1 batch, the answer.
 */

export type { MappingAnswer, MappingRequest, Plan } from './plan'

export interface ProvisionDeps extends Deps {
  /**
   * Tests only; no route sets it. `plan` may change the plan before statements are built (e.g. a
   * thing key that collides), `batch` may rewrite the statements (e.g. add a failing one).
   */
  inject?: {
    /** Layouts to use instead of the bundled ones. */
    layouts?: Readonly<Record<string, string>>
    plan?: (plan: Plan) => void
    batch?: (statements: Statement[], plan: Plan) => Statement[]
  }
}

export interface MappingResult {
  status: 201
  body: MappingAnswer
  /** True when the answer is the stored one of an earlier request with the same Idempotency-Key. */
  replayed: boolean
}

/** A failed mapping batch as the caller should see it. */
function mapBatchError(e: unknown): never {
  if (isUniqueViolation(e)) {
    if (errorMentions(e, 'bootstrap_configs.external_id')) {
      throw new AppError('conflict', 'external_id already provisioned')
    }
    if (errorMentions(e, 'things.key')) throw new AppError('conflict', 'thing key already in use')
  }
  throw e
}

export function makeProvisionService(deps: ProvisionDeps) {
  const { db, config, inject } = deps
  const certs = makeCertsService(deps)
  const layout = (name?: string) => loadLayout(config, name, inject?.layouts)

  /** Signs every thing's certificate (before the batch: no D1 write); all or none. */
  async function prepareCerts(p: Plan): Promise<Issued[]> {
    if (!p.layout.x509) return []
    const results = await Promise.allSettled(
      p.things.map((t) =>
        certs.prepareCert(
          { id: t.id, key: t.key, owner: p.owner },
          { key: p.layout.key, ttlMs: p.layout.ttlMs }
        )
      )
    )
    const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) {
      certs.discardPrepared(done)
      throw failed.reason
    }
    return done
  }

  /** The idempotency row of a request with a key: its hash and its sealed answer. */
  async function claimFor(
    owner: string,
    key: string | undefined,
    p: Plan,
    req: MappingRequest,
    body: MappingAnswer,
    now: number
  ): Promise<repo.IdempotencyRow | undefined> {
    if (key === undefined) return undefined
    const hash = await requestHash(config, p.layout.name, req)
    const response = await sealAnswer(config, { owner, key, hash }, body)
    return { owner, key, requestHash: hash, status: 201, response, createdAt: now }
  }

  /** Writes the whole mapping in one D1 batch. */
  function commit(p: Plan, issued: Issued[], claim?: repo.IdempotencyRow) {
    const statements = mappingStatements(db, p, issued, claim)
    return batchAll(db, inject?.batch ? inject.batch(statements, p) : statements)
  }

  /** The stored answer for a repeated Idempotency-Key (one D1 read). */
  async function replay(owner: string, key: string, hash: string): Promise<MappingResult> {
    const [row] = await repo.retrieve(db, owner, key)
    // The claim failed on this row a moment ago; it can only be gone if it expired meanwhile.
    if (!row) throw new AppError('conflict', 'Idempotency-Key is being reused concurrently; retry')
    const unreadable = () =>
      new AppError(
        'conflict',
        'the stored answer of this Idempotency-Key cannot be read (the server secret changed); use a new key'
      )
    if (!timingSafeEqual(row.requestHash, hash)) {
      // Another request, or the same one hashed under a rotated secret: only an answer that still
      // opens (bound to the stored hash) proves the secret is current and the request differs.
      const current = await openAnswer(config, { owner, key, hash: row.requestHash }, row.response)
      if (current === undefined) throw unreadable()
      throw new AppError(
        'unprocessable',
        'Idempotency-Key was already used with a different request'
      )
    }
    const body = await openAnswer(config, { owner, key, hash }, row.response)
    if (!body || typeof body !== 'object') throw unreadable()
    // What was stored is what `mappingAnswer` returned for this very request.
    return { status: 201, body: body as MappingAnswer, replayed: true }
  }

  return {
    /**
     * The layout `name` (MF_PROVISION_LAYOUT when absent) with every setting resolved.
     * @throws AppError('not_found') unknown layout; AppError('unavailable') a setting its content
     *   needs is unset; AppError('internal') invalid layout or settings.
     */
    viewLayout(name?: string) {
      return layoutView(layout(name))
    },

    /**
     * Provisions a gateway from a layout: every thing, channel, connection, the bootstrap config
     * and certificates in one D1 batch, all or nothing. Certificates are signed before the batch
     * and recorded inside it. With an idempotency key, a repeat of the same request returns the
     * first answer and creates nothing.
     * @throws AppError('not_found') unknown layout; AppError('unavailable') a setting its content
     *   needs is unset (nothing is written); AppError('conflict') external id already
     *   provisioned; AppError('unprocessable') idempotency key used with another request;
     *   AppError('malformed_entity' | 'unavailable' | 'internal') from certificate signing.
     */
    async provision(
      identity: Identity,
      req: MappingRequest,
      opts: { layout?: string; idempotencyKey?: string } = {}
    ): Promise<MappingResult> {
      const l = layout(opts.layout)
      const owner = identity.userId
      const now = Date.now()
      const keyHash = await externalKeyHash(config, req.external_key)
      const p = buildPlan(l, req, { owner, keyHash, ids: randomIds, now })
      inject?.plan?.(p)
      const issued = await prepareCerts(p)
      const body = mappingAnswer(p, issued)
      const claim = await claimFor(owner, opts.idempotencyKey, p, req, body, now)
      try {
        await commit(p, issued, claim)
      } catch (e) {
        certs.discardPrepared(issued)
        if (claim && repo.isKeyTaken(e)) return replay(owner, claim.key, claim.requestHash)
        mapBatchError(e)
      }
      // No bootstrap KV marker is written here: a KV write per mapping cost about a third of the
      // mapping rate, and without it the gateway's first fetch creates the marker itself (its
      // second fetch fills the cache, its third is a hit).
      return { status: 201, body, replayed: false }
    },

    /**
     * What `provision` would create, without writing anything: every name, metadata, connection,
     * the config and the certificate parameters. Ids do not exist yet, so things and channels are
     * named by their layout position (`things[0]`, `channels[1]`), in metadata too.
     * @throws AppError('not_found') unknown layout; AppError('unavailable') a setting its content
     *   needs is unset; AppError('conflict') external id provisioned.
     */
    async dryRun(req: MappingRequest, layoutName?: string) {
      const l = layout(layoutName)
      const [taken] = await bootstrapRepo.retrieveByExternalId(db, req.external_id)[0]
      if (taken) throw new AppError('conflict', 'external_id already provisioned')
      return dryRunView(dryRunPlan(l, req), config.MF_CERTS_CN)
    },
  }
}
