import { z } from 'zod'
import { addressKey, NO_ADDRESS } from './address'
import { parseTier } from './lockout'
import { parseDuration } from './duration'

/*
 * The kinds of setting the config schema (lib/config.ts) is made of: each parses a Worker string
 * setting into its typed value, or names the setting in a clear issue.
 */

export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const ms = parseDuration(s)
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration like 10h or 5m` })
        return z.NEVER
      }
      return ms
    })

export const intString = (fallback: number, min: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((s, ctx) => {
      const n = Number(s)
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `"${s}" must be an integer >= ${min}` })
        return z.NEVER
      }
      return n
    })

export const optional = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s))

/** A PEM block; literal `\n` sequences (one-line secrets, .dev.vars) become newlines. */
export const pem = optional.transform((s) =>
  s?.replaceAll('\\r', '').replaceAll('\\n', '\n').trim()
)

export const regex = z
  .string()
  .default('^.{8,}$')
  .transform((s, ctx) => {
    try {
      return new RegExp(s, 'u')
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not a valid regular expression` })
      return z.NEVER
    }
  })

/** An optional hex-encoded key whose decoded length must be one of `sizes` bytes. */
export const hexKey = (name: string, sizes: number[]) =>
  optional.transform((s, ctx) => {
    if (s === undefined) return undefined
    const hex = s.trim()
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be hex-encoded` })
      return z.NEVER
    }
    const bytes = new Uint8Array(hex.length / 2)
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
    if (!sizes.includes(bytes.length)) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must decode to ${sizes.join(', ')} bytes, not ${bytes.length}`,
      })
      return z.NEVER
    }
    return bytes
  })

// Go's strconv.ParseBool (0.12.1 reads its boolean settings with it); unset stays undefined so a
// layout can tell "not set" from false.
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False'])
export const goBool = (name: string) =>
  optional.transform((s, ctx) => {
    if (s === undefined) return undefined
    if (GO_TRUE.has(s.trim())) return true
    if (GO_FALSE.has(s.trim())) return false
    ctx.addIssue({ code: 'custom', message: `${name} must be true or false` })
    return z.NEVER
  })

export const optionalDuration = (name: string) =>
  optional.transform((s, ctx) => {
    if (s === undefined) return undefined
    const ms = parseDuration(s)
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `${name}: "${s}" is not a duration like 2400h` })
      return z.NEVER
    }
    return ms
  })

/** A throttle tier (`5,1m,15m` or `off`), parsed by parseTier in lib/lockout.ts. */
export const tier = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const t = parseTier(s)
      if (typeof t === 'string') {
        ctx.addIssue({ code: 'custom', message: `${name}: ${t}` })
        return z.NEVER
      }
      return t
    })

/** Client addresses exempt from the per-address caps: a comma-separated list of IPs. */
export const addressList = (name: string) =>
  optional.transform((s, ctx) => {
    const keys = new Set<string>()
    for (const part of (s ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const key = addressKey(part)
      if (key === NO_ADDRESS) {
        ctx.addIssue({ code: 'custom', message: `${name}: "${part}" is not an IP address` })
        return z.NEVER
      }
      keys.add(key)
    }
    return keys
  })

/**
 * An optional absolute http(s) URL without credentials or fragment (links are built from it, and
 * the fragment is where the link's secret goes). `base` also refuses a query, and drops a trailing
 * slash so paths can be appended.
 */
export const httpUrl = (name: string, kind: 'base' | 'page') =>
  optional.transform((s, ctx) => {
    if (s === undefined) return undefined
    const text = s.trim()
    let url: URL
    try {
      url = new URL(text)
    } catch {
      ctx.addIssue({ code: 'custom', message: `${name} must be an absolute http(s) URL` })
      return z.NEVER
    }
    const problem =
      url.protocol !== 'http:' && url.protocol !== 'https:'
        ? 'must be an http(s) URL'
        : url.username || url.password
          ? 'must not carry credentials'
          : url.hash || text.includes('#')
            ? 'must not have a #fragment'
            : kind === 'base' && (url.search || text.includes('?'))
              ? 'must not have a ?query'
              : undefined
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${name} ${problem}` })
      return z.NEVER
    }
    return kind === 'base' ? text.replace(/\/+$/, '') : text
  })
