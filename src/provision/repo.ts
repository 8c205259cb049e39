import { and, eq, lte } from 'drizzle-orm'
import type { Db } from '../db/client'
import { errorMentions, isUniqueViolation } from '../db/client'
import { idempotencyKeys } from '../db/schema'

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect

/**
 * Claims an idempotency key inside a mapping's batch: an expired row with this key is removed,
 * then the new row is inserted. A live row makes the insert fail on the primary key, which aborts
 * the whole batch (see `isKeyTaken`): the first request to commit decides.
 */
export function claim(db: Db, row: IdempotencyRow, expiredBefore: number) {
  return [
    db
      .delete(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.owner, row.owner),
          eq(idempotencyKeys.key, row.key),
          lte(idempotencyKeys.createdAt, expiredBefore)
        )
      ),
    db.insert(idempotencyKeys).values(row),
  ] as const
}

/** True when a batch failed because its idempotency key is already held. */
export function isKeyTaken(e: unknown): boolean {
  return isUniqueViolation(e) && errorMentions(e, 'idempotency_keys.')
}

/** The stored row of an owner's key (primary key lookup). */
export function retrieve(db: Db, owner: string, key: string) {
  return db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key)))
}
