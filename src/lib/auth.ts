import { errors as joseErrors, jwtVerify, SignJWT } from 'jose'
import type { Config } from './config'
import { hmacKey } from './crypto'
import { AppError } from './errors'

/** Mainflux key types: 0 login, 1 password recovery, 2 API key. */
export const TokenType = { login: 0, recovery: 1, apiKey: 2 } as const
export type TokenType = (typeof TokenType)[keyof typeof TokenType]

export interface TokenClaims {
  /** User id. */
  sub: string
  email: string
  type: TokenType
  /** API keys: the key id. Login tokens: the token's own id (signing out names it). */
  jti?: string
  /** Login tokens: the user's session generation when issued (only that one is accepted). */
  gen?: number
  /** Recovery tokens: a fingerprint of the password hash they may replace (single use in effect). */
  pwh?: string
  /**
   * Login tokens: the account's metadata when the token was issued, so GET /users/profile can answer
   * at the edge without D1. `null` means the metadata was too large to carry (the profile reads D1).
   */
  metadata?: Record<string, unknown> | null
}

/** Signs an HS256 JWT; `ttlMs` undefined means no expiry (API keys with duration 0). */
export async function signToken(
  config: Config,
  claims: TokenClaims,
  ttlMs: number | undefined,
  now = Date.now()
): Promise<string> {
  const { sub, jti, ...rest } = claims
  // issuer_id is 0.12.1's claim for the user id; kept for tools that read it.
  const jwt = new SignJWT({ ...rest, issuer_id: sub })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(config.MF_AUTH_ISSUER)
    .setSubject(sub)
    .setIssuedAt(Math.floor(now / 1000))
  if (jti) jwt.setJti(jti)
  if (ttlMs !== undefined) jwt.setExpirationTime(Math.floor((now + ttlMs) / 1000))
  return jwt.sign(await hmacKey(config.MF_AUTH_SECRET))
}

export interface VerifiedToken extends TokenClaims {
  iat: number
  /** Absent only on API keys issued with duration 0; login and recovery tokens must expire. */
  exp?: number
}

/**
 * Verifies signature, issuer, expiry and claim shapes of a token.
 * @throws AppError('unauthenticated') for anything that is not a valid token of ours.
 */
export async function verifyToken(config: Config, token: string): Promise<VerifiedToken> {
  const verified = verifiedTokens(config)
  const hit = verified.get(token)
  if (hit) {
    if (hit.exp === undefined || hit.exp * 1000 > Date.now()) return hit
    verified.delete(token)
    throw new AppError('unauthenticated', 'token expired')
  }
  const claims = await verifySignedToken(config, token)
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!)
  verified.set(token, claims)
  return claims
}

/**
 * Tokens whose signature and claims this isolate has already checked, per configuration (so a
 * different secret never sees them). A token is immutable, so a repeat only needs its expiry
 * checked again: the HMAC and JSON work is skipped. API-key revocation is still checked in D1 on
 * every use (identify). Bounded; the oldest entry goes first.
 */
const VERIFIED_MAX = 4096
const verifiedCache = new WeakMap<Config, Map<string, VerifiedToken>>()
function verifiedTokens(config: Config) {
  let m = verifiedCache.get(config)
  if (!m) {
    m = new Map()
    verifiedCache.set(config, m)
  }
  return m
}

async function verifySignedToken(config: Config, token: string): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, await hmacKey(config.MF_AUTH_SECRET), {
      issuer: config.MF_AUTH_ISSUER,
      algorithms: ['HS256'],
    })
    const { sub, email, type, jti, gen, pwh, iat, exp, metadata } = payload as Record<
      string,
      unknown
    >
    if (
      typeof sub !== 'string' ||
      typeof email !== 'string' ||
      (type !== 0 && type !== 1 && type !== 2) ||
      typeof iat !== 'number' ||
      (type === TokenType.apiKey && typeof jti !== 'string') ||
      (type === TokenType.login &&
        (typeof jti !== 'string' || typeof gen !== 'number' || !Number.isSafeInteger(gen)))
    ) {
      throw new AppError('unauthenticated', 'invalid token claims')
    }
    // A login or recovery token without an expiry would be a session nothing but a password
    // change could end; only API keys may be issued without one (duration 0).
    if (type !== TokenType.apiKey && typeof exp !== 'number') {
      throw new AppError('unauthenticated', 'token without expiry')
    }
    return {
      sub,
      email,
      type,
      iat,
      jti: typeof jti === 'string' ? jti : undefined,
      gen: typeof gen === 'number' ? gen : undefined,
      pwh: typeof pwh === 'string' ? pwh : undefined,
      exp: typeof exp === 'number' ? exp : undefined,
      metadata:
        metadata === null || (typeof metadata === 'object' && !Array.isArray(metadata))
          ? (metadata as Record<string, unknown> | null)
          : undefined,
    }
  } catch (e) {
    if (e instanceof AppError) throw e
    if (e instanceof joseErrors.JWTExpired) throw new AppError('unauthenticated', 'token expired')
    throw new AppError('unauthenticated')
  }
}

/**
 * The credential in an Authorization header: `Bearer <t>` or the raw value (0.12.1 clients).
 * `Thing <key>` is a thing credential, never a user token.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const value = header.trim()
  const m = /^(\w+)\s+(\S+)$/.exec(value)
  if (m) return m[1]!.toLowerCase() === 'bearer' ? m[2] : undefined
  return value || undefined
}

/** A thing key from `Thing <key>` or the raw header value. */
export function thingKeyFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined
  const value = header.trim()
  const m = /^(\w+)\s+(\S+)$/.exec(value)
  if (m) return m[1]!.toLowerCase() === 'thing' ? m[2] : undefined
  return value || undefined
}

/** The thing key of an identify or access check: the body's `token`, else `Authorization`. */
export function thingKeyOf(
  body: { token?: string },
  header: string | undefined
): string | undefined {
  return body.token || thingKeyFromHeader(header)
}
