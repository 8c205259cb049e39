import { isUniqueViolation } from '../db/client'
import type { Identity } from '../env'
import { allSettledOrThrow, batchAll } from '../lib/batch'
import type { Deps } from '../lib/context'
import { AppError } from '../lib/errors'
import type { Guard } from '../lib/guard'
import { hooksOf, prepare } from '../lib/hooks'
import type { PageQuery } from '../lib/query'
import { type CnSource, newKeyProblem } from '../lib/thingkey'
import { newThingRow, thingView, type ThingView } from '../lib/views'
import { invalidateAccess, makeThingCache } from './cache'
import * as repo from './repo'
import type { CreateThingReq, UpdateThingReq } from './schema'

// Shared with bootstrap and provision; they live in lib (kept here for existing importers).
export { batchAll } from '../lib/batch'
export { metadataView, newThingRow, thingView, type ThingView } from '../lib/views'

/**
 * New keys follow `newKeyProblem` for the configured CN (the schemas check what does not depend
 * on it). `at` names the item of a bulk request, as zod's issue paths do.
 * @throws AppError('malformed_entity')
 */
function checkNewKey(key: string, cn: CnSource, at?: number) {
  const problem = newKeyProblem(key, cn)
  if (problem) {
    const path = at === undefined ? 'key' : `${at}.key`
    throw new AppError('malformed_entity', `malformed entity specification: ${path}: ${problem}`)
  }
}

/** Thing keys are unique across all owners (the unique index decides, also within one batch). */
function keyTaken(e: unknown): never {
  if (isUniqueViolation(e)) throw new AppError('conflict', 'thing key already in use')
  throw e
}

export function makeThingsService(deps: Deps) {
  const { db, read, config, env, waitUntil } = deps
  const hooks = hooksOf(deps)
  const cache = makeThingCache(env.CACHE, config.FLUXGATE_CACHE_TTL, waitUntil)

  /**
   * Creates things for the caller (all or nothing, one D1 batch) and returns them with their
   * generated ids and keys. `bulk` says the request was a list (errors then name the item).
   * @throws AppError('conflict') when a key is already in use (also within the request);
   *   AppError('malformed_entity') for a key the configured CN does not allow.
   */
  async function createThings(
    identity: Identity,
    reqs: CreateThingReq[],
    bulk = false
  ): Promise<ThingView[]> {
    reqs.forEach((r, i) => r.key && checkNewKey(r.key, config.MF_CERTS_CN, bulk ? i : undefined))
    const createdAt = Date.now()
    const rows = reqs.map((r) => newThingRow(identity.userId, r, createdAt))
    await batchAll(db, repo.save(db, rows)).catch(keyTaken)
    return rows.map(thingView)
  }

  /**
   * One of the caller's things (replica-eligible: `read`).
   * @throws AppError('not_found') for an unknown id or another owner's thing.
   */
  async function viewThing(identity: Identity, id: string): Promise<ThingView> {
    const row = await repo.retrieveById(read, identity.userId, id).get()
    if (!row) throw new AppError('not_found', 'thing not found')
    return thingView(row)
  }

  /** A page of the caller's things with the name and metadata filters (one D1 round trip, `read`). */
  async function listThings(identity: Identity, q: PageQuery) {
    const [rows, [total]] = await read.batch(repo.retrieveAll(read, identity.userId, q))
    return {
      total: total?.n ?? 0,
      offset: q.offset,
      limit: q.limit,
      order: q.order,
      direction: q.dir,
      things: rows.map(thingView),
    }
  }

  /**
   * Replaces name and metadata of one of the caller's things (omitted fields are cleared).
   * @throws AppError('not_found')
   */
  async function updateThing(identity: Identity, id: string, req: UpdateThingReq) {
    const updated = await repo.update(db, identity.userId, id, {
      name: req.name ?? '',
      metadata: req.metadata ?? null,
    })
    if (updated.length === 0) throw new AppError('not_found', 'thing not found')
  }

  /**
   * Gives a thing a new key. The old key fails identify and access checks from the very next
   * request on: its cache entries are gone before this returns. What authenticates with the old
   * key goes too, as the old key may be given to another thing: the thing's live certificates
   * whose CN is the old key are revoked in the same batch (in Vault right after it), and its
   * bootstrap config stops serving a client certificate whose CN is the old key (cleared with
   * its private key). Giving a thing the key it has changes nothing.
   * @throws AppError('not_found'); AppError('conflict') when the key belongs to another thing;
   *   AppError('malformed_entity') for a key the configured CN does not allow.
   */
  async function updateKey(identity: Identity, id: string, key: string) {
    checkNewKey(key, config.MF_CERTS_CN)
    const owner = identity.userId
    // One batch, in this order: the old key is read, the other domains' statements run (the
    // certificates and the bootstrap certificate bound to the old key are revoked / cleared:
    // they compare with the key before the update, and are guarded by the thing being the
    // caller's), and the key is replaced.
    const reactions = await prepare(hooks.thingKeyChanged, deps, { owner, thingId: id, key })
    const results: unknown[] = await batchAll(db, [
      repo.retrieveKey(db, owner, id),
      ...reactions.statements,
      repo.updateKey(db, owner, id, key),
    ]).catch(keyTaken)
    const [before] = results[0] as { key: string }[]
    const updated = results.at(-1) as { id: string }[]
    if (!before || updated.length === 0) throw new AppError('not_found', 'thing not found')
    await allSettledOrThrow([
      invalidateAccess(env.CACHE, { things: [{ id, key: before.key }] }),
      reactions.after(results.slice(1, -1), { oldKey: before.key }),
    ])
  }

  /**
   * Removes one of the caller's things; its connections go with it and its cache entries are
   * gone before this returns.
   * @throws AppError('not_found')
   */
  async function removeThing(identity: Identity, id: string) {
    const owner = identity.userId
    // One batch: the other domains' statements first (certificates revoked, guarded by the thing
    // being the caller's; the bootstrap config's external id read before the cascade takes it),
    // then the thing, with connections and bootstrap config by cascade.
    const reactions = await prepare(hooks.thingRemoved, deps, { owner, thingId: id })
    const results: unknown[] = await batchAll(db, [
      ...reactions.statements,
      repo.remove(db, owner, id),
    ])
    const row = (results.at(-1) as { key: string }[])[0]
    if (!row) throw new AppError('not_found', 'thing not found')
    await allSettledOrThrow([
      invalidateAccess(env.CACHE, { things: [{ id, key: row.key }] }),
      reactions.after(results.slice(0, -1)),
    ])
  }

  /**
   * The id of the thing holding `key`: from KV when cached, else one D1 query. `guards` (lock
   * markers of the caller's throttles) are read with the first KV read and checked first.
   * @throws AppError('unauthenticated') for a missing or unknown key; what a guard throws.
   */
  async function identify(key: string | undefined, guards: readonly Guard[] = []): Promise<string> {
    if (!key) throw new AppError('unauthenticated', 'missing thing key')
    const hit = await cache.identify(key, guards)
    if (hit.id) return hit.id
    const row = await repo.retrieveByKey(db, key).get()
    cache.fillLater(hit.snap, { thingId: row?.id })
    if (!row) throw new AppError('unauthenticated', 'unknown thing key')
    return row.id
  }

  /**
   * Whether `key` is the key of the thing `thingId` (a broker connect): from KV when cached
   * (one bulk read, guards included), else one D1 query. Unknown keys and another thing's key
   * are both false.
   * @throws what a guard throws (see identify).
   */
  async function isKeyOf(
    thingId: string,
    key: string,
    guards: readonly Guard[] = []
  ): Promise<boolean> {
    if (!key || !thingId) return false
    const hit = await cache.keyOfThing(thingId, key, guards)
    if (hit.id) return true
    const row = await repo.retrieveByKey(db, key).get()
    cache.fillLater(hit.snap, { thingId: row?.id })
    return row?.id === thingId
  }

  return {
    createThings,
    viewThing,
    listThings,
    updateThing,
    updateKey,
    removeThing,
    identify,
    isKeyOf,
  }
}
