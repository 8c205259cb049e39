import { isForeignKeyViolation } from '../db/client'
import type { Identity } from '../env'
import { signToken, TokenType } from '../lib/auth'
import type { Config } from '../lib/config'
import type { Deps } from '../lib/context'
import { isBcryptHash, verifyBcrypt } from '../lib/bcrypt'
import { dummyPasswordHash, hashPassword, timingSafeEqual, verifyPassword } from '../lib/crypto'
import { AppError } from '../lib/errors'
import type { Mailer } from '../lib/mail'
import type { Throttles } from '../throttle'
import { makeResetFlow } from './reset'
import * as repo from './repo'
import type { CreateUserReq } from './schema'
import { invalidateSessions, newSessionId } from '../auth/sessions'

export function view(row: repo.UserRow) {
  return { id: row.id, email: row.email, metadata: row.metadata ?? undefined }
}

/** Whether an identity is the admin account, the one MF_USERS_ADMIN_EMAIL names. */
export function adminCheck(config: Config) {
  const adminEmail = config.MF_USERS_ADMIN_EMAIL?.toLowerCase()
  return (identity: Identity) => adminEmail !== undefined && identity.email === adminEmail
}

/** PBKDF2 (ours) or bcrypt (imported from 0.12.1, until the first login replaces it). */
function checkPassword(password: string, stored: string): Promise<boolean> {
  return isBcryptHash(stored) ? verifyBcrypt(password, stored) : verifyPassword(password, stored)
}

const INVALID_CREDENTIALS = 'missing or invalid credentials provided'

/** Metadata larger than this (as JSON) is not copied into login tokens. */
const TOKEN_METADATA_MAX = 2048

/**
 * Holds no request state (only D1, KV, settings, the mailer and the throttles), so one instance
 * can serve an isolate.
 */
export function makeUsersService(
  deps: Pick<Deps, 'db' | 'config' | 'env'> & { mailer: Mailer; throttles: Throttles }
) {
  const { db, config, mailer, throttles } = deps
  const kv = deps.env.CACHE
  const adminEmail = config.MF_USERS_ADMIN_EMAIL?.toLowerCase()
  const isAdmin = adminCheck(config)

  function checkPolicy(password: string) {
    if (!config.MF_USERS_PASS_REGEX.test(password)) {
      throw new AppError('malformed_entity', 'password does not meet the requirements')
    }
  }

  async function loginToken(user: repo.UserRow) {
    // The profile travels in the token so GET /users/profile needs no D1 round trip at the edge.
    const md = user.metadata ?? undefined
    const metadata = md && JSON.stringify(md).length > TOKEN_METADATA_MAX ? null : md
    // jti names this token (signing out one session); gen is the session generation read with the
    // password hash it was checked against, so a concurrent password change also ends this token.
    return signToken(
      config,
      {
        sub: user.id,
        email: user.email,
        type: TokenType.login,
        jti: newSessionId(),
        gen: user.sessionGen,
        metadata,
      },
      config.MF_AUTH_LOGIN_DURATION
    )
  }

  /**
   * The admin account named by MF_USERS_ADMIN_EMAIL is created from MF_USERS_ADMIN_PASSWORD on its
   * first login (Workers have no start-up hook; 0.12.1 created it when the service started).
   */
  async function bootstrapAdmin(email: string, password: string) {
    const configured = config.MF_USERS_ADMIN_PASSWORD
    if (email !== adminEmail || !configured || !timingSafeEqual(password, configured))
      return undefined
    const row: repo.UserRow = {
      id: crypto.randomUUID(),
      email,
      passwordHash: await hashPassword(password),
      metadata: null,
      createdAt: Date.now(),
      sessionGen: 0,
    }
    try {
      await repo.save(db, row).catch(repo.emailTaken)
    } catch (e) {
      // Created concurrently by another login: use that row.
      if (e instanceof AppError && e.code === 'conflict')
        return repo.retrieveByEmail(db, email).get()
      throw e
    }
    return row
  }

  /**
   * Replaces an imported bcrypt hash by PBKDF2 once its password was verified. Unlike a password
   * change it keeps the session generation (no session to end: the password is the same), and
   * applies only while the row still holds the bcrypt hash, so concurrent first logins upgrade once.
   */
  async function upgradeHash(user: repo.UserRow, password: string) {
    await repo.replaceHash(db, user.id, user.passwordHash, await hashPassword(password))
  }

  /**
   * Registers a user and returns its id.
   * @throws AppError('malformed_entity') weak password; AppError('conflict') e-mail taken or reserved.
   */
  async function register(req: CreateUserReq) {
    checkPolicy(req.password)
    // The admin address is reserved: registering it would hand out admin rights.
    if (adminEmail !== undefined && req.email === adminEmail) {
      throw new AppError('conflict', 'email already taken')
    }
    const id = crypto.randomUUID()
    await repo
      .save(db, {
        id,
        email: req.email,
        passwordHash: await hashPassword(req.password),
        metadata: req.metadata ?? null,
        createdAt: Date.now(),
      })
      .catch(repo.emailTaken)
    return id
  }

  /**
   * Exchanges e-mail and password for a login token. Unknown e-mail and wrong password give the
   * same error after the same PBKDF2 work, and are throttled alike: per (address, client
   * address) and per address, whether or not an account exists, so a lock says nothing about
   * that either. A locked address is refused before its password is looked at, the right one
   * included.
   * @throws AppError('unauthenticated'); ThrottledError while locked.
   */
  async function login(email: string, password: string, client: string) {
    const normalized = email.toLowerCase()
    const gate = throttles.gate('login', normalized, client)
    // The object lets the attempt through (or refuses it) before anything is read or checked, and
    // holds it as a failure until it is settled below (concurrent guesses stay exact); a
    // refused attempt costs no D1 read and no PBKDF2.
    await gate.begin()
    let token: string | undefined
    try {
      const user = await repo.retrieveByEmail(db, normalized).get()
      const stored = user?.passwordHash ?? (await dummyPasswordHash())
      // Accounts imported from Mainflux 0.12.1 keep its bcrypt hash until their first login.
      const imported = isBcryptHash(stored)
      const ok = await checkPassword(password, stored)
      if (user && ok) {
        if (imported) await upgradeHash(user, password)
        token = await loginToken(user)
      } else if (!user) {
        const admin = await bootstrapAdmin(normalized, password)
        if (admin) token = await loginToken(admin)
      }
    } catch (e) {
      await gate.abandon()
      throw e
    }
    if (token === undefined) {
      await gate.failed()
      throw new AppError('unauthenticated', INVALID_CREDENTIALS)
    }
    await gate.passed()
    return token
  }

  /**
   * Changes the caller's password after checking the old one, and ends every login token of the
   * account (the caller's too) in the same D1 batch; API keys keep working.
   * @throws AppError('forbidden') wrong old password; AppError('malformed_entity') weak password;
   *   AppError('unavailable') saved, but the session cache could not be refreshed.
   */
  async function changePassword(identity: Identity, oldPassword: string, password: string) {
    checkPolicy(password)
    const row = await repo.retrieveById(db, identity.userId).get()
    if (!row) throw new AppError('not_found', 'user not found')
    if (!(await checkPassword(oldPassword, row.passwordHash))) {
      throw new AppError('forbidden', 'old password is wrong')
    }
    const hash = await hashPassword(password)
    const [updated] = await db.batch([
      repo.updatePassword(db, row.id, row.passwordHash, hash),
      repo.removeAllRevokedSessions(db, row.id, repo.passwordIs(row.id, hash)),
    ])
    if (updated.length === 0)
      throw new AppError('conflict', 'password changed concurrently; try again')
    await invalidateSessions(kv, row.id)
  }

  /**
   * Signs out: ends the presented login token, or with `all` every login token of the account.
   * API keys are not sessions (they are revoked with DELETE /keys/{id}) and are not affected.
   * @throws AppError('forbidden') for an API key; AppError('unavailable') saved, but the session
   *   cache could not be refreshed.
   */
  async function signOut(identity: Identity, all: boolean) {
    const session = identity.session
    if (identity.kind !== 'login' || !session) {
      throw new AppError(
        'forbidden',
        'an API key is not a login session; revoke it with DELETE /keys/{id}'
      )
    }
    if (all) {
      const [bumped] = await db.batch([
        repo.bumpSessionGen(db, identity.userId),
        repo.removeAllRevokedSessions(db, identity.userId),
      ])
      if (bumped.length === 0) throw new AppError('not_found', 'user not found')
    } else {
      try {
        await db.batch([
          repo.removeExpiredSessions(db, identity.userId, Date.now()),
          repo.insertRevokedSession(db, identity.userId, session.id, session.expiresAt),
        ])
      } catch (e) {
        // The account is gone (revoked_sessions.owner references it).
        if (isForeignKeyViolation(e)) throw new AppError('not_found', 'user not found')
        throw e
      }
    }
    await invalidateSessions(kv, identity.userId)
  }

  const { requestReset, resetPassword } = makeResetFlow({
    db,
    config,
    mailer,
    throttles,
    kv,
    checkPolicy,
  })

  return {
    isAdmin,
    register,
    login,
    changePassword,
    signOut,
    requestReset,
    resetPassword,
  }
}
