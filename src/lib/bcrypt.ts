import bcrypt from 'bcryptjs'

/**
 * bcrypt hashes as Mainflux 0.12.1 stored them (Go's x/crypto/bcrypt: `$2a$`, cost 10 by
 * default; `$2b$`/`$2y$` are the same algorithm). Only imported accounts have one: the first
 * successful login replaces it with PBKDF2 (lib/crypto.ts), so each is verified once.
 */
const BCRYPT = /^\$2[aby]\$(0[4-9]|1[0-2])\$[./A-Za-z0-9]{53}$/

export function isBcryptHash(stored: string): boolean {
  return BCRYPT.test(stored)
}

/** Verifies a password against a bcrypt hash (bcryptjs: pure JS, runs in workerd). */
export function verifyBcrypt(password: string, stored: string): Promise<boolean> {
  if (!isBcryptHash(stored)) return Promise.resolve(false)
  return bcrypt.compare(password, stored)
}
