import { and, asc, count, eq, lte, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { isUniqueViolation } from '../db/client'
import { revokedSessions, users } from '../db/schema'
import { AppError } from '../lib/errors'
import { metadataContains } from '../lib/metadata'
import { likeContains } from '../lib/page'

export type UserRow = typeof users.$inferSelect

export function save(db: Db, row: typeof users.$inferInsert) {
  return db.insert(users).values(row)
}

/**
 * Maps a failed `save` to the error the caller should see.
 * @throws AppError('conflict') when the e-mail is taken, else the original error.
 */
export function emailTaken(e: unknown): never {
  if (isUniqueViolation(e)) throw new AppError('conflict', 'email already taken')
  throw e
}

export function retrieveByEmail(db: Db, email: string) {
  return db.select().from(users).where(eq(users.email, email))
}

export function retrieveById(db: Db, id: string) {
  return db.select().from(users).where(eq(users.id, id))
}

export interface UserFilter {
  /** Restrict to one user (non-admin callers see only themselves). */
  id?: string
  email?: string
  metadata?: Record<string, unknown>
}

/** A page of users and the total matching the same filter: batch both. */
export function retrieveAll(db: Db, filter: UserFilter, offset: number, limit: number) {
  const conds: SQL[] = []
  if (filter.id) conds.push(eq(users.id, filter.id))
  if (filter.email) conds.push(sql`${users.email} LIKE ${likeContains(filter.email)} ESCAPE '\\'`)
  if (filter.metadata && Object.keys(filter.metadata).length > 0) {
    conds.push(metadataContains(users.metadata, filter.metadata))
  }
  const where = conds.length ? and(...conds) : undefined
  return [
    db.select().from(users).where(where).orderBy(asc(users.email)).limit(limit).offset(offset),
    db.select({ n: count() }).from(users).where(where),
  ] as const
}

export function updateMetadata(db: Db, id: string, metadata: Record<string, unknown>) {
  return db.update(users).set({ metadata }).where(eq(users.id, id)).returning({ id: users.id })
}

/**
 * Replaces a password hash only if it is still `previous` (a concurrent change wins once), and ends
 * every login session in the same statement (the generation moves on). Empty result: not applied.
 */
export function updatePassword(db: Db, id: string, previous: string, passwordHash: string) {
  return db
    .update(users)
    .set({ passwordHash, sessionGen: sql`${users.sessionGen} + 1` })
    .where(and(eq(users.id, id), eq(users.passwordHash, previous)))
    .returning({ id: users.id, sessionGen: users.sessionGen })
}

/**
 * Replaces the stored hash of the same password (an imported bcrypt hash upgraded to PBKDF2) while
 * it is still `previous`; sessions stay valid.
 */
export function replaceHash(db: Db, id: string, previous: string, passwordHash: string) {
  return db
    .update(users)
    .set({ passwordHash })
    .where(and(eq(users.id, id), eq(users.passwordHash, previous)))
    .returning({ id: users.id })
}

/** Ends every login session of the user without touching the password. */
export function bumpSessionGen(db: Db, id: string) {
  return db
    .update(users)
    .set({ sessionGen: sql`${users.sessionGen} + 1` })
    .where(eq(users.id, id))
    .returning({ id: users.id, sessionGen: users.sessionGen })
}

/**
 * The SQL condition "the user's password hash is now `passwordHash`": statements batched after
 * `updatePassword` guard on it, so they apply only when the update did (the new hash has a fresh
 * salt, so no other row state can match it).
 */
export function passwordIs(id: string, passwordHash: string) {
  return sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${id} AND ${users.passwordHash} = ${passwordHash})`
}

/** Signs out one login token until it expires (a repeat changes nothing). */
export function insertRevokedSession(db: Db, owner: string, sid: string, expiresAt: number) {
  return db.insert(revokedSessions).values({ sid, owner, expiresAt }).onConflictDoNothing()
}

/** Drops the owner's sign-out rows whose tokens have expired: they can never be presented again. */
export function removeExpiredSessions(db: Db, owner: string, now: number) {
  return db
    .delete(revokedSessions)
    .where(and(eq(revokedSessions.owner, owner), lte(revokedSessions.expiresAt, now)))
}

/**
 * Drops all of the owner's sign-out rows, after a generation bump made every token they name dead.
 * `guard` (see `passwordIs`) makes it apply only if the batch's password update did.
 */
export function removeAllRevokedSessions(db: Db, owner: string, guard?: SQL) {
  return db.delete(revokedSessions).where(and(eq(revokedSessions.owner, owner), guard))
}
