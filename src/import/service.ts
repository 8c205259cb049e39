import { isForeignKeyViolation, isUniqueViolation } from '../db/client'
import type { Identity } from '../env'
import type { Deps } from '../lib/context'
import { AppError } from '../lib/errors'
import { batchAll } from '../things/service'
import { makePlanners } from './planners'
import type { Kind, RowResult, Rows } from './schema'

export interface ChunkOutcome {
  imported: number
  present: number
  refused: number
  results: RowResult[]
}

/**
 * The admin-only import of a Mainflux 0.12.1 deployment, one entity kind and one chunk per call.
 * Every row is classified first (new, already present, refused with its reason); the chunk is
 * written only if no row is refused, as one D1 batch, so a chunk is imported whole or not at all
 * and a re-run finds its rows present.
 */
export function makeImportService(deps: Deps) {
  const { db, config } = deps
  const adminEmail = config.MF_USERS_ADMIN_EMAIL?.toLowerCase()
  const planners = makePlanners(deps)

  return {
    /** Whether the caller is the configured admin account (MF_USERS_ADMIN_EMAIL), as users decides. */
    isAdmin: (identity: Identity) => adminEmail !== undefined && identity.email === adminEmail,

    /**
     * Imports one chunk of one kind: written whole (one D1 batch) when no row is refused,
     * otherwise not at all; the outcome lists every row.
     * @throws AppError('conflict') when the data changed between the checks and the batch
     *   (nothing was written; running the chunk again classifies it anew).
     */
    async importChunk<K extends Kind>(kind: K, rows: Rows[K][]): Promise<ChunkOutcome> {
      const plan = await planners[kind](rows)
      const count = (s: RowResult['status']) => plan.results.filter((x) => x.status === s).length
      const outcome = {
        imported: count('imported'),
        present: count('present'),
        refused: count('refused'),
      }
      if (outcome.refused > 0) {
        // Nothing of a refused chunk is written: the rows that were fine say so.
        const results = plan.results.map((x) =>
          x.status === 'imported'
            ? {
                ...x,
                status: 'skipped' as const,
                reason: 'not imported: other rows of this chunk were refused',
              }
            : x
        )
        return { imported: 0, present: outcome.present, refused: outcome.refused, results }
      }
      if (plan.statements.length > 0) {
        await batchAll(db, plan.statements).catch((e) => {
          if (isUniqueViolation(e) || isForeignKeyViolation(e)) {
            throw new AppError(
              'conflict',
              `${kind}: the data changed while importing; nothing of this chunk was imported, run it again`
            )
          }
          throw e
        })
        plan.after?.()
      }
      return { ...outcome, results: plan.results }
    },
  }
}
