import type { Identity } from '../env'
import type { Deps } from '../lib/context'
import { AppError } from '../lib/errors'
import * as repo from './repo'
import type { UsersPageQuery } from './schema'
import { adminCheck, view } from './service'

/**
 * Accounts as their owners (and the admin) see them: the profile, a user, the user list, and the
 * metadata they replace. Built per request, unlike the users service (which an isolate shares),
 * because these follow the request's D1 session: the three views read `read` (replica-eligible,
 * see docs/consistency.md) and the metadata write goes through the request's `db`, so its answer's
 * bookmark covers it. None of them decides an access: the credential was checked on the primary.
 */
export function makeProfiles(deps: Pick<Deps, 'db' | 'read' | 'config'>) {
  const { db, read } = deps
  const isAdmin = adminCheck(deps.config)

  return {
    /**
     * The caller's profile. With a login token it is answered from the token (0 D1 round trips):
     * metadata as of login. API keys, and tokens whose metadata was too large to carry, read D1.
     * @throws AppError('not_found') if the caller's account is gone.
     */
    async viewProfile(identity: Identity) {
      // `admin: true` only for the configured admin account (additive: 0.12.1 has no such field).
      const admin = isAdmin(identity) ? { admin: true as const } : {}
      if (identity.kind === 'login' && identity.metadata !== null) {
        return { id: identity.userId, email: identity.email, metadata: identity.metadata, ...admin }
      }
      const row = await repo.retrieveById(read, identity.userId).get()
      if (!row) throw new AppError('not_found', 'user not found')
      return { ...view(row), ...admin }
    },

    /**
     * A user by id: the caller's own account, or any account for the admin.
     * @throws AppError('not_found') otherwise (no existence leak).
     */
    async viewUser(identity: Identity, id: string) {
      if (id !== identity.userId && !isAdmin(identity))
        throw new AppError('not_found', 'user not found')
      const row = await repo.retrieveById(read, id).get()
      if (!row) throw new AppError('not_found', 'user not found')
      return view(row)
    },

    /** All users for the admin; for anyone else a page holding at most their own account. */
    async listUsers(identity: Identity, q: UsersPageQuery) {
      const filter = {
        id: isAdmin(identity) ? undefined : identity.userId,
        email: q.email,
        metadata: q.metadata,
      }
      const [rows, [total]] = await read.batch(repo.retrieveAll(read, filter, q.offset, q.limit))
      return { total: total?.n ?? 0, offset: q.offset, limit: q.limit, users: rows.map(view) }
    },

    /** Replaces the caller's metadata (0.12.1 semantics: not a merge). */
    async updateUser(identity: Identity, metadata: Record<string, unknown>) {
      const updated = await repo.updateMetadata(db, identity.userId, metadata)
      if (updated.length === 0) throw new AppError('not_found', 'user not found')
    },
  }
}
