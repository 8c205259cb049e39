import { and, asc, count, eq, gt, inArray, isNotNull, isNull, max, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { certs, things } from '../db/schema'
import { insertAll } from '../lib/json-insert'

export type CertRow = typeof certs.$inferSelect

// Ownership of a thing is read straight from the `things` table (owner = user id); certificates
// do not depend on the things service.

/** The caller's thing: what a certificate needs from it (its key is the default CN). */
export function retrieveThing(db: Db, owner: string, thingId: string) {
  return db
    .select({ id: things.id, key: things.key })
    .from(things)
    .where(and(eq(things.id, thingId), eq(things.owner, owner)))
    .limit(1)
}

/**
 * Plain inserts of many rows, bound as one JSON parameter (provision records the certificates of a
 * whole layout inside its batch).
 */
export function saveAll(db: Db, rows: CertRow[]) {
  return insertAll(db, certs, rows)
}

/**
 * Inserts the row only if `row.thingId` is a thing of `row.owner`, in the same statement: an
 * empty `returning` means the thing is unknown or someone else's. With `key`, also only while the
 * thing still has that key (a certificate whose CN is the key, signed before a rotation committed,
 * must not be recorded as live after it).
 */
export function saveForOwnedThing(db: Db, row: CertRow, key?: string) {
  const sameKey = key === undefined ? sql`` : sql` AND ${things.key} = ${key}`
  return db
    .insert(certs)
    .select(
      sql`SELECT ${row.serial}, ${things.id}, ${things.owner}, ${row.keyType}, ${row.keyBits},
        ${row.issuedAt}, ${row.expiresAt}, NULL, ${row.cnSource}
        FROM ${things}
        WHERE ${things.id} = ${row.thingId} AND ${things.owner} = ${row.owner}${sameKey}`
    )
    .returning({ serial: certs.serial })
}

/** Undoes a recorded row whose certificate could not be signed after all. */
export function remove(db: Db, serial: string) {
  return db.delete(certs).where(eq(certs.serial, serial))
}

export function retrieveBySerial(db: Db, owner: string, serial: string) {
  return db
    .select()
    .from(certs)
    .where(and(eq(certs.serial, serial), eq(certs.owner, owner)))
    .get()
}

/** A page of a thing's certificates ordered by expiry (as 0.12.1), with the total. */
export function retrieveByThing(
  db: Db,
  owner: string,
  thingId: string,
  offset: number,
  limit: number
) {
  const where = and(eq(certs.owner, owner), eq(certs.thingId, thingId))
  return [
    db
      .select()
      .from(certs)
      .where(where)
      .orderBy(asc(certs.expiresAt), asc(certs.serial))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(certs).where(where),
  ] as const
}

/**
 * Marks one of the owner's certificates revoked. Idempotent: an already revoked row keeps its
 * first revocation time, which is what `returning` gives back.
 */
export function revoke(db: Db, owner: string, serial: string, at: number) {
  return db
    .update(certs)
    .set({ revokedAt: sql`COALESCE(${certs.revokedAt}, ${at})` })
    .where(and(eq(certs.serial, serial), eq(certs.owner, owner)))
    .returning({ serial: certs.serial, revokedAt: certs.revokedAt })
}

/**
 * Marks every not yet revoked certificate of the owner's thing revoked; `returning` lists the
 * serials. Thing removal puts this in its own `db.batch` (anywhere: it does not read `things`),
 * then passes the serials to `syncRevocations` for Vault.
 */
export function revokeByThing(db: Db, owner: string, thingId: string, at: number) {
  return db
    .update(certs)
    .set({ revokedAt: at })
    .where(and(eq(certs.thingId, thingId), eq(certs.owner, owner), isNull(certs.revokedAt)))
    .returning({ serial: certs.serial })
}

/** As `revokeByThing`, for the owner's request: only if the thing is theirs, in one statement. */
export function revokeByOwnedThing(db: Db, owner: string, thingId: string, at: number) {
  return db
    .update(certs)
    .set({ revokedAt: at })
    .where(
      and(
        eq(certs.thingId, thingId),
        eq(certs.owner, owner),
        isNull(certs.revokedAt),
        sql`EXISTS (SELECT 1 FROM ${things} WHERE ${things.id} = ${thingId} AND ${things.owner} = ${owner})`
      )
    )
    .returning({ serial: certs.serial })
}

/**
 * Key rotation: marks revoked every live (unrevoked, unexpired) certificate of the owner's thing
 * whose CN is its key (`cn_source` thing_key), as long as the thing's current key is not
 * `newKey`. Batch it BEFORE the key update, which it must accompany: every such certificate names
 * the key being replaced, since each rotation revokes those of the key before (rows recorded
 * before `cn_source` existed may name an older key still; revoking those errs on the safe side).
 * `returning` lists the serials (for `syncRevocations` in Vault mode).
 */
export function revokeKeyBound(db: Db, owner: string, thingId: string, newKey: string, at: number) {
  return db
    .update(certs)
    .set({ revokedAt: at })
    .where(
      and(
        eq(certs.thingId, thingId),
        eq(certs.owner, owner),
        isNull(certs.revokedAt),
        gt(certs.expiresAt, at),
        eq(certs.cnSource, 'thing_key'),
        sql`EXISTS (SELECT 1 FROM ${things}
          WHERE ${things.id} = ${thingId} AND ${things.owner} = ${owner} AND ${things.key} <> ${newKey})`
      )
    )
    .returning({ serial: certs.serial })
}

/** Serials of a thing's certificates that are neither revoked nor expired (Vault revokes them). */
export function retrieveLiveByThing(db: Db, owner: string, thingId: string, now: number) {
  return db
    .select({ serial: certs.serial })
    .from(certs)
    .where(
      and(
        eq(certs.thingId, thingId),
        eq(certs.owner, owner),
        isNull(certs.revokedAt),
        gt(certs.expiresAt, now)
      )
    )
}

/** Marks the given serials revoked at `at` (after Vault accepted them). */
export function markRevoked(db: Db, serials: string[], at: number) {
  return db
    .update(certs)
    .set({ revokedAt: at })
    .where(and(inArray(certs.serial, serials), isNull(certs.revokedAt)))
}

/** Every revoked certificate that has not expired yet: the CRL's entries. */
export function retrieveRevoked(db: Db, now: number) {
  return db
    .select({ serial: certs.serial, revokedAt: certs.revokedAt })
    .from(certs)
    .where(and(isNotNull(certs.revokedAt), gt(certs.expiresAt, now)))
    .orderBy(asc(certs.revokedAt))
}

/** How many CRL entries there are and the latest revocation: changes whenever the CRL would. */
export function retrieveRevokedStamp(db: Db, now: number) {
  return db
    .select({ n: count(), latest: max(certs.revokedAt) })
    .from(certs)
    .where(and(isNotNull(certs.revokedAt), gt(certs.expiresAt, now)))
}
