import type { BatchItem } from 'drizzle-orm/batch'
import type { Db } from '../db/client'
import { AppError } from './errors'

/** One statement of a D1 batch. */
export type Statement = BatchItem<'sqlite'>

/** Runs a non-empty list of statements as one D1 batch (one round trip, all or nothing). */
export function batchAll(db: Db, statements: Statement[]) {
  if (statements.length === 0) throw new AppError('internal', 'empty batch')
  return db.batch(statements as [Statement, ...Statement[]])
}

/** Runs every promise to the end and rethrows the first failure, if any. */
export async function allSettledOrThrow(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
}
