import type { Db } from '../db/client'
import type { Identity } from '../env'
import { signToken, TokenType } from '../lib/auth'
import type { Config } from '../lib/config'
import { sha256 } from '../lib/crypto'
import { AppError } from '../lib/errors'
import * as repo from './repo'

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString())

function view(row: repo.KeyRow) {
  return {
    id: row.id,
    issuer_id: row.owner,
    subject: row.subject,
    type: row.type,
    issued_at: new Date(row.issuedAt).toISOString(),
    expires_at: iso(row.expiresAt),
  }
}

export function makeKeysService(deps: { db: Db; read: Db; config: Config }) {
  const { db, read, config } = deps
  return {
    /**
     * Issues an API key for the caller; `durationSec` 0 or absent means it never expires.
     * Only the key's hash is stored; the value is returned once.
     */
    async issueKey(identity: Identity, durationSec: number | undefined) {
      const now = Date.now()
      const id = crypto.randomUUID()
      const ttlMs = durationSec ? durationSec * 1000 : undefined
      const value = await signToken(
        config,
        { sub: identity.userId, email: identity.email, type: TokenType.apiKey, jti: id },
        ttlMs,
        now
      )
      // JWT times are whole seconds; store the same instants so both agree.
      const issuedAt = Math.floor(now / 1000) * 1000
      const expiresAt = ttlMs === undefined ? null : Math.floor((now + ttlMs) / 1000) * 1000
      await repo.save(db, {
        id,
        owner: identity.userId,
        subject: identity.email,
        type: TokenType.apiKey,
        secretHash: await sha256(value),
        issuedAt,
        expiresAt,
      })
      return { id, value, issued_at: new Date(issuedAt).toISOString(), expires_at: iso(expiresAt) }
    },

    /**
     * One of the caller's keys, without its secret.
     * @throws AppError('not_found') for an unknown key or another user's.
     */
    async retrieveKey(identity: Identity, id: string) {
      const row = await repo.retrieveById(read, identity.userId, id).get()
      if (!row) throw new AppError('not_found', 'key not found')
      return view(row)
    },

    /** A page of the caller's keys, newest first. */
    async listKeys(identity: Identity, offset: number, limit: number) {
      const [rows, [total]] = await read.batch(
        repo.retrieveAll(read, identity.userId, offset, limit)
      )
      return { total: total?.n ?? 0, offset, limit, keys: rows.map(view) }
    },

    /**
     * Revokes one of the caller's keys; it stops working on the very next request. An API key may
     * revoke only itself, so a leaked key cannot cut off the owner's other integrations.
     * @throws AppError('not_found') for an unknown key or another user's.
     * @throws AppError('forbidden') when an API key names another key.
     */
    async revokeKey(identity: Identity, id: string) {
      if (identity.kind === 'api_key' && identity.keyId !== id) {
        throw new AppError('forbidden', 'an API key may revoke only itself; use a login token')
      }
      const removed = await repo.remove(db, identity.userId, id)
      if (removed.length === 0) throw new AppError('not_found', 'key not found')
    },
  }
}
