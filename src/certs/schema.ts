import { z } from '@hono/zod-openapi'
import { parseDuration } from '../lib/duration'
import { AppError } from '../lib/errors'
import { LIMITS } from '../lib/limits'
import { offsetParam, pageOf } from '../lib/page'
import { EC_BITS, type KeySpec, RSA_BITS } from './keys'
import { normalizeSerial } from './pem'

const thingId = z
  .string()
  .min(1, 'thing_id is required')
  .max(256, 'thing_id is too long')
  .openapi({ example: '21911f58-2eb6-4aef-93ef-d1a2b336d283' })

const ttlValue = z
  .union([z.string().max(64, 'too long'), z.number().int().min(0)])
  .optional()
  .openapi({ example: '2400h' })

const ttlFields = {
  ttl: ttlValue.openapi({
    description:
      'Validity: a Go duration ("2400h") or whole seconds (a bare integer, as Vault reads it)',
  }),
  valid: ttlValue.openapi({
    description:
      '0.12.1 name of `ttl`: a Go duration; digits alone in a string are hours (mainflux-cli sends ' +
      '`--ttl 8760` as "8760"); a JSON number is seconds',
  }),
  days_valid: ttlValue.openapi({
    description: 'Name in the 0.12.1 OpenAPI file: a Go duration, or a bare integer meaning days',
  }),
}

type TtlField = 'ttl' | 'valid' | 'days_valid'
type TtlFields = Partial<Record<TtlField, string | number>>

const SECOND = 1000
const HOUR = 3_600_000
const DAY = 86_400_000

/**
 * What a value without a unit means, by field and JSON type. `valid` as a string of digits is
 * hours because the only published client that sends one is mainflux-cli 0.12.1, whose `--ttl` is
 * documented in hours and sent as a decimal string ("8760"); its Go SDK can send `valid` only as a
 * string. A JSON number (which that SDK cannot send) keeps Vault's reading, seconds.
 */
const BARE_UNIT_MS: Record<TtlField, { string: number; number: number }> = {
  ttl: { string: SECOND, number: SECOND },
  valid: { string: HOUR, number: SECOND },
  days_valid: { string: DAY, number: DAY },
}

/** Milliseconds of validity from whichever of ttl / valid / days_valid was given. */
function resolveTtl(body: TtlFields, ctx: z.RefinementCtx): number | undefined {
  const values: { field: string; ms: number }[] = []
  for (const field of ['ttl', 'valid', 'days_valid'] as const) {
    const v = body[field]
    if (v === undefined || v === '') continue
    const unit = BARE_UNIT_MS[field]
    const ms =
      typeof v === 'number'
        ? v * unit.number
        : /^\s*\d+\s*$/.test(v)
          ? Number(v) * unit.string
          : parseDuration(v)
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `"${v}" is not a duration like 2400h`,
      })
      return undefined
    }
    if (ms <= 0) {
      ctx.addIssue({ code: 'custom', path: [field], message: 'must be a positive duration' })
      return undefined
    }
    values.push({ field, ms })
  }
  if (values.some((v) => v.ms !== values[0]!.ms)) {
    ctx.addIssue({
      code: 'custom',
      message: `${values.map((v) => v.field).join(' and ')} disagree; give one of them`,
    })
  }
  return values[0]?.ms
}

const KEY_TYPES = 'rsa, ec (or ecdsa) or ed25519'

type KeyChoice = { spec: KeySpec } | { error: string; path?: 'key_type' | 'key_bits' }

/**
 * The key to generate. An empty key_type takes its type from key_bits (0.12.1 provision sends
 * only `key_bits: 4096`); key_bits 0 or absent means the type's default (RSA 2048, EC P-256).
 */
function chooseKey(
  keyType: string | undefined,
  keyBits: number | undefined,
  rsaBits?: number
): KeyChoice {
  if (keyBits && rsaBits && keyBits !== rsaBits) {
    return { error: 'key_bits and rsa_bits disagree; give one of them' }
  }
  const bits = keyBits || rsaBits || undefined
  const type = (keyType ?? '').trim().toLowerCase()
  const rsa = RSA_BITS as readonly number[]
  const ec = EC_BITS as readonly number[]
  const fail = (error: string, path: 'key_type' | 'key_bits' = 'key_bits') => ({ error, path })
  switch (type) {
    case '':
      if (bits === undefined) return { spec: { type: 'ec', bits: 256 } }
      if (rsa.includes(bits)) return { spec: { type: 'rsa', bits } }
      if (ec.includes(bits)) return { spec: { type: 'ec', bits } }
      return fail('must be 2048, 3072 or 4096 (RSA) or 256, 384 or 521 (EC)')
    case 'rsa':
      if (bits === undefined) return { spec: { type: 'rsa', bits: 2048 } }
      return rsa.includes(bits)
        ? { spec: { type: 'rsa', bits } }
        : fail('RSA keys are 2048, 3072 or 4096 bits')
    case 'ec':
    case 'ecdsa':
      if (bits === undefined) return { spec: { type: 'ec', bits: 256 } }
      return ec.includes(bits)
        ? { spec: { type: 'ec', bits } }
        : fail('EC keys are 256, 384 or 521 bits (P-256/P-384/P-521)')
    case 'ed25519':
      return bits === undefined || bits === 256
        ? { spec: { type: 'ed25519', bits: 256 } }
        : fail('Ed25519 keys have no size choice (omit key_bits)')
    default:
      return fail(`key_type must be ${KEY_TYPES}`, 'key_type')
  }
}

/**
 * `key_type`/`key_bits` as POST /certs reads them, for other callers (provision's x509 settings).
 * @throws AppError('malformed_entity') naming what is wrong.
 */
export function keySpec(keyType?: string, keyBits?: number): KeySpec {
  const choice = chooseKey(keyType, keyBits)
  if ('error' in choice) {
    throw new AppError(
      'malformed_entity',
      choice.path ? `${choice.path}: ${choice.error}` : choice.error
    )
  }
  return choice.spec
}

export const issueCertReq = z
  .object({
    thing_id: thingId,
    key_type: z
      .string()
      .max(16)
      .optional()
      .openapi({
        description: `${KEY_TYPES}; default ec (P-256), or from key_bits when only that is given`,
        example: 'ec',
      }),
    key_bits: z.number().int().min(0).optional().openapi({
      description: 'RSA 2048/3072/4096, EC 256/384/521; 0 or absent: the type default',
      example: 256,
    }),
    rsa_bits: z.number().int().min(0).optional().openapi({ description: 'Alias of key_bits' }),
    ...ttlFields,
  })
  .openapi('IssueCertRequest')
  .transform((body, ctx) => {
    const key = chooseKey(body.key_type, body.key_bits, body.rsa_bits)
    const ttlMs = resolveTtl(body, ctx)
    if ('error' in key) {
      ctx.addIssue({ code: 'custom', path: key.path ? [key.path] : [], message: key.error })
      return z.NEVER
    }
    return { thingId: body.thing_id, key: key.spec, ttlMs }
  })

export const signCsrReq = z
  .object({
    thing_id: thingId,
    csr: z
      .string()
      .min(1, 'csr is required')
      .max(LIMITS.csrPemMax, 'csr is too long')
      .openapi({ description: 'PKCS#10 request in PEM; its subject and extensions are ignored' }),
    ...ttlFields,
  })
  .openapi('SignCsrRequest')
  .transform((body, ctx) => {
    const ttlMs = resolveTtl(body, ctx)
    return { thingId: body.thing_id, csr: body.csr, ttlMs }
  })

export const revokeThingReq = z.object({ thing_id: thingId }).openapi('RevokeThingCertsRequest')

const serial = z
  .string()
  .max(64)
  .transform((s, ctx) => {
    const n = normalizeSerial(s)
    if (!n) {
      ctx.addIssue({ code: 'custom', message: 'serial must be hexadecimal (colons allowed)' })
      return z.NEVER
    }
    return n
  })

export const serialParam = z.object({
  serial: serial.openapi({
    param: { name: 'serial', in: 'path' },
    type: 'string',
    example: '5c3e9f0a1b2c3d4e5f60718293a4b5c6',
  }),
})

// GET and DELETE /certs/{id} share one parameter name: OpenAPI treats /certs/{thingId} and
// /certs/{serial} as the same path, which a document may not contain twice.

/** DELETE /certs/{id}: the id is a certificate serial. */
export const revokeSerialParam = z.object({
  id: serial.openapi({
    param: { name: 'id', in: 'path', description: 'Certificate serial (hex; colons allowed)' },
    type: 'string',
    example: '5c3e9f0a1b2c3d4e5f60718293a4b5c6',
  }),
})

/** GET /certs/{id}: the id is a thing id. */
export const thingIdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path', description: 'Thing id' } }),
})

/** Certs paging as 0.12.1 meant it: absent → 10, 0 or above 100 → 400 (0.12.1 answered 500). */
const certsLimit = z
  .string()
  .regex(/^\d+$/, 'limit must be a non-negative integer')
  .transform((s) => Number(s))
  .refine((n) => n >= 1 && n <= LIMITS.pageMax, `limit must be between 1 and ${LIMITS.pageMax}`)
  .optional()
  .transform((n) => n ?? LIMITS.pageDefault)
  .openapi({ param: { name: 'limit', in: 'query' }, type: 'integer', example: 10 })

export const certsPageQuery = z.object({ offset: offsetParam, limit: certsLimit })

export const crlQuery = z.object({
  format: z
    .enum(['der', 'pem'], { error: 'format must be der or pem' })
    .optional()
    .openapi({ param: { name: 'format', in: 'query' }, example: 'pem' }),
})

const pemCert = z.string().openapi({ example: '-----BEGIN CERTIFICATE-----\n...' })
const rfc3339 = z.string().openapi({ format: 'date-time' })

export const issuedCertRes = z
  .object({
    thing_id: z.string(),
    cert: pemCert,
    cert_key: z
      .string()
      .optional()
      .openapi({ description: 'PKCS#8 PEM; shown only in this answer' }),
    cert_serial: z.string().openapi({ example: '5c3e9f0a1b2c3d4e5f60718293a4b5c6' }),
    ca_cert: pemCert,
    client_cert: pemCert.openapi({ description: 'Same as cert (name the 0.12.1 SDK reads)' }),
    client_key: z.string().optional().openapi({ description: 'Same as cert_key' }),
    issuing_ca: pemCert.openapi({ description: 'Same as ca_cert' }),
    serial: z.string().openapi({ description: 'Same as cert_serial' }),
    expire: rfc3339,
  })
  .openapi('IssuedCert')

export const certRes = z
  .object({
    thing_id: z.string(),
    serial: z.string(),
    cert_serial: z.string().openapi({ description: 'Same as serial (0.12.1 name)' }),
    key_type: z.string().openapi({ example: 'ec' }),
    key_bits: z.number().int().openapi({ example: 256 }),
    issued_at: rfc3339,
    expire: rfc3339,
    revoked_at: rfc3339.optional(),
  })
  .openapi('Cert')

export const certsPageRes = pageOf('certs', certRes, 'CertsPage')

export const revokeRes = z
  .object({
    RevocationTime: rfc3339.openapi({ description: '0.12.1 field name' }),
    revocation_time: rfc3339.openapi({
      description: 'Same time, as the 0.12.1 OpenAPI file names it',
    }),
    serials: z.array(z.string()).openapi({ description: 'The serials this request revoked' }),
  })
  .openapi('Revocation')

export type IssueCertReq = z.output<typeof issueCertReq>
export type SignCsrReq = z.output<typeof signCsrReq>
