import { and, asc, count, eq, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { isUniqueViolation } from '../db/client'
import { users } from '../db/schema'
import { AppError } from '../lib/errors'
import { metadataContains } from '../lib/metadata'
import { likeContains } from '../lib/page'

export type UserRow = typeof users.$inferSelect

export async function save(db: Db, row: UserRow) {
  try {
    await db.insert(users).values(row)
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('conflict', 'email already taken')
    throw e
  }
}

export function retrieveByEmail(db: Db, email: string) {
  return db.select().from(users).where(eq(users.email, email)).get()
}

export function retrieveById(db: Db, id: string) {
  return db.select().from(users).where(eq(users.id, id)).get()
}

export interface UserFilter {
  /** Restrict to one user (non-admin callers see only themselves). */
  id?: string
  email?: string
  metadata?: Record<string, unknown>
}

export async function retrieveAll(db: Db, filter: UserFilter, offset: number, limit: number) {
  const conds: SQL[] = []
  if (filter.id) conds.push(eq(users.id, filter.id))
  if (filter.email) conds.push(sql`${users.email} LIKE ${likeContains(filter.email)} ESCAPE '\\'`)
  if (filter.metadata && Object.keys(filter.metadata).length > 0) {
    conds.push(metadataContains(users.metadata, filter.metadata))
  }
  const where = conds.length ? and(...conds) : undefined
  const [rows, [total]] = await db.batch([
    db.select().from(users).where(where).orderBy(asc(users.email)).limit(limit).offset(offset),
    db.select({ n: count() }).from(users).where(where),
  ])
  return { rows, total: total?.n ?? 0 }
}

export function updateMetadata(db: Db, id: string, metadata: Record<string, unknown>) {
  return db.update(users).set({ metadata }).where(eq(users.id, id)).returning({ id: users.id })
}

/** Replaces a password hash only if it is still `previous` (a concurrent change wins once). */
export function updatePassword(db: Db, id: string, previous: string, passwordHash: string) {
  return db
    .update(users)
    .set({ passwordHash })
    .where(and(eq(users.id, id), eq(users.passwordHash, previous)))
    .returning({ id: users.id })
}
