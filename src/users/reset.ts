import { invalidateSessions } from '../auth/sessions'
import * as keysRepo from '../keys/repo'
import { signToken, TokenType, verifyToken } from '../lib/auth'
import type { Config } from '../lib/config'
import type { Db } from '../db/client'
import { hashPassword, sha256 } from '../lib/crypto'
import { AppError } from '../lib/errors'
import type { Mailer } from '../lib/mail'
import type { Throttles } from '../throttle'
import * as repo from './repo'

/*
 * Password reset: the mailed link with a short-lived recovery token, and the reset it allows.
 */

/** Path of the console's reset page under FLUXGATE_PUBLIC_URL; it reads the token from `#token=`. */
export const RESET_PAGE_PATH = '/console/reset'

/**
 * The page a reset link opens: MF_USERS_RESET_URL, else FLUXGATE_PUBLIC_URL + the console's reset
 * page. Never derived from the request: its Host header is the client's to choose, and a forged one
 * would mail a victim's recovery token to the attacker's host.
 */
export function resetPage(config: Config): string | undefined {
  if (config.MF_USERS_RESET_URL) return config.MF_USERS_RESET_URL
  if (config.FLUXGATE_PUBLIC_URL) return `${config.FLUXGATE_PUBLIC_URL}${RESET_PAGE_PATH}`
  return undefined
}

/** Ties a recovery token to the password it may replace: once the password changes, it is dead. */
async function passwordFingerprint(passwordHash: string) {
  return (await sha256(passwordHash)).slice(0, 22)
}

interface ResetDeps {
  db: Db
  config: Config
  mailer: Mailer
  throttles: Throttles
  kv: KVNamespace
  checkPolicy: (password: string) => void
}

export function makeResetFlow({ db, config, mailer, throttles, kv, checkPolicy }: ResetDeps) {
  /**
   * Mails a reset link with a short-lived recovery token when the address is known and its mail
   * quota allows. The route runs this after answering, so neither the answer nor its timing
   * reveals who has an account or whether a mail went out. Without a configured reset page
   * nothing is sent, whoever asks, and the log says why.
   */
  async function requestReset(email: string) {
    const page = resetPage(config)
    if (!page) {
      console.error(
        'password reset mail not sent: neither FLUXGATE_PUBLIC_URL nor MF_USERS_RESET_URL is set, ' +
          'so there is no page to link to (the request was answered as usual)'
      )
      return
    }
    const row = await repo.retrieveByEmail(db, email).get()
    if (!row) return
    // At most FLUXGATE_THROTTLE_RESET_MAIL mails per address, so the endpoint cannot be used to
    // flood a mailbox. This runs after the answer, which is the same either way.
    if (!(await throttles.mailAllowed(row.email))) {
      console.warn('password reset: mail quota of an address used up; not sent')
      return
    }
    const token = await signToken(
      config,
      {
        sub: row.id,
        email: row.email,
        type: TokenType.recovery,
        pwh: await passwordFingerprint(row.passwordHash),
      },
      config.MF_AUTH_RECOVERY_DURATION
    )
    // In the fragment, which browsers never send: the token stays out of every server's log.
    const link = `${page}#token=${encodeURIComponent(token)}`
    await mailer.send({
      to: row.email,
      subject: 'Fluxgate password reset',
      text: `A password reset was requested for ${row.email}.\n\nOpen this link within ${Math.round(config.MF_AUTH_RECOVERY_DURATION / 60000)} minutes to choose a new password:\n${link}\n\nIf you did not ask for this, ignore this message.\n`,
    })
  }

  /**
   * Sets a new password with a recovery token; the token is good once (it names the old hash).
   * Every login token of the account ends in the same D1 batch, and with `revokeKeys` every API
   * key too (for an account that may be compromised; by default integrations keep working).
   * @throws AppError('unauthenticated') bad, expired, used or non-recovery token;
   *   AppError('malformed_entity') mismatch or weak password; AppError('unavailable') saved, but
   *   the session cache could not be refreshed.
   */
  async function resetPassword(
    token: string,
    password: string,
    confirm: string,
    revokeKeys = false
  ) {
    if (password !== confirm) throw new AppError('malformed_entity', 'passwords do not match')
    checkPolicy(password)
    const claims = await verifyToken(config, token)
    if (claims.type !== TokenType.recovery) {
      throw new AppError('unauthenticated', 'not a password recovery token')
    }
    const row = await repo.retrieveById(db, claims.sub).get()
    if (!row || claims.pwh !== (await passwordFingerprint(row.passwordHash))) {
      throw new AppError('unauthenticated', 'recovery token already used or superseded')
    }
    const hash = await hashPassword(password)
    // The other statements apply only if the guarded update did (the new hash is in the row).
    const guard = repo.passwordIs(row.id, hash)
    const update = repo.updatePassword(db, row.id, row.passwordHash, hash)
    const prune = repo.removeAllRevokedSessions(db, row.id, guard)
    const [updated] = revokeKeys
      ? await db.batch([update, prune, keysRepo.removeAll(db, row.id, guard)])
      : await db.batch([update, prune])
    if (updated.length === 0)
      throw new AppError('unauthenticated', 'recovery token already used or superseded')
    await invalidateSessions(kv, row.id)
  }

  return { requestReset, resetPassword }
}
