import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { apiKeys, revokedSessions, users } from '../db/schema'

/*
 * The two reads authentication makes on every request, on tables that the keys and users domains
 * write: here so that those domains can use the auth middleware without a cycle.
 */

/** What authentication needs to accept an API key: one primary-key lookup. */
export function retrieveKeyForAuth(db: Db, id: string) {
  return db
    .select({
      id: apiKeys.id,
      owner: apiKeys.owner,
      secretHash: apiKeys.secretHash,
      expiresAt: apiKeys.expiresAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.id, id))
}

/**
 * What a login token is checked against: the session generation and the ids of the tokens signed
 * out one by one that have not expired yet. One statement; no row when the user is gone. Read the
 * row with `sessionState`.
 */
export function retrieveSessionState(db: Db, id: string, now: number) {
  return db
    .select({
      gen: users.sessionGen,
      revoked: sql<string>`(SELECT json_group_array(${revokedSessions.sid}) FROM ${revokedSessions} WHERE ${revokedSessions.owner} = ${users.id} AND ${revokedSessions.expiresAt} > ${now})`,
    })
    .from(users)
    .where(eq(users.id, id))
}

/** The session state in a `retrieveSessionState` row. */
export function sessionState(row: { gen: number; revoked: string } | undefined) {
  if (!row) return undefined
  return { gen: row.gen, revoked: JSON.parse(row.revoked) as string[] }
}
