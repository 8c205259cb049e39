import { z } from 'zod'
import type { Bindings } from '../env'
import { addressKey, NO_ADDRESS } from './address'
import { parseQuota, parseTier } from './lockout'
import { parseDuration } from './duration'
import { AppError } from './errors'
import { LIMITS } from './limits'
import { brokerUrlProblem } from './mqtt-url'

const duration = (fallback: string) =>
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

const intString = (fallback: number, min: number) =>
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

const optional = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s))

/** A PEM block; literal `\n` sequences (one-line secrets, .dev.vars) become newlines. */
const pem = optional.transform((s) => s?.replaceAll('\\r', '').replaceAll('\\n', '\n').trim())

const regex = z
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
const hexKey = (name: string, sizes: number[]) =>
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
const goBool = (name: string) =>
  optional.transform((s, ctx) => {
    if (s === undefined) return undefined
    if (GO_TRUE.has(s.trim())) return true
    if (GO_FALSE.has(s.trim())) return false
    ctx.addIssue({ code: 'custom', message: `${name} must be true or false` })
    return z.NEVER
  })

const optionalDuration = (name: string) =>
  optional.transform((s, ctx) => {
    if (s === undefined) return undefined
    const ms = parseDuration(s)
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `${name}: "${s}" is not a duration like 2400h` })
      return z.NEVER
    }
    return ms
  })

/** A throttle tier (`5,1m,15m` or `off`), see src/throttle/policy.ts. */
const tier = (name: string, fallback: string) =>
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
const addressList = (name: string) =>
  optional.transform((s, ctx) => {
    const keys = new Set<string>()
    for (const part of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
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
const httpUrl = (name: string, kind: 'base' | 'page') =>
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

/**
 * Every setting, parsed once per isolate. Names follow Mainflux's MF_* variables where one exists.
 * The README's configuration table mirrors this schema.
 */
export const configSchema = z.object({
  MF_AUTH_SECRET: z
    .string({ error: 'MF_AUTH_SECRET is not set (npm start writes one to .dev.vars)' })
    .min(32, 'MF_AUTH_SECRET must be at least 32 characters'),
  MF_AUTH_ISSUER: z.string().default('fluxgate'),
  MF_AUTH_LOGIN_DURATION: duration('10h'),
  MF_AUTH_RECOVERY_DURATION: duration('5m'),
  MF_USERS_ADMIN_EMAIL: optional,
  MF_USERS_ADMIN_PASSWORD: optional,
  MF_USERS_PASS_REGEX: regex,
  // Where this deployment is reached from outside, e.g. https://iot.example.com: mailed links are
  // built from it, never from the request (its Host header is the client's to choose).
  FLUXGATE_PUBLIC_URL: httpUrl('FLUXGATE_PUBLIC_URL', 'base'),
  // The reset page itself, overriding <FLUXGATE_PUBLIC_URL>/console/reset.
  MF_USERS_RESET_URL: httpUrl('MF_USERS_RESET_URL', 'page'),
  // Seconds a user's login-session state lives in KV (src/auth/sessions.ts); it bounds how long
  // another location may accept a login token after it was ended. 0: every check asks D1.
  FLUXGATE_SESSION_CACHE_TTL: intString(300, 0).refine(
    (n) => n === 0 || (n >= 60 && n <= 3600),
    'FLUXGATE_SESSION_CACHE_TTL must be 0 (cache off) or between 60 (the KV minimum) and 3600',
  ),
  MF_EMAIL_FROM: z.string().default('fluxgate@localhost'),
  MF_MAIL_TRANSPORT: z.enum(['send_email', 'log', 'memory']).optional(),
  FLUXGATE_MAX_BODY_BYTES: intString(LIMITS.bodyBytes, 1024),
  // Seconds a thing-access cache entry lives in KV (KV's minimum is 60); 0 turns the cache off.
  FLUXGATE_CACHE_TTL: intString(300, 0).refine(
    (n) => n === 0 || n >= 60,
    'FLUXGATE_CACHE_TTL must be 0 (cache off) or at least 60 (the KV minimum)',
  ),
  // Certificates. The CA is parsed (and its key checked against it) by src/certs, so a bad CA
  // breaks only the certificate routes.
  MF_CERTS_CA_CERT: pem,
  MF_CERTS_CA_KEY: pem,
  MF_CERTS_CN: z.enum(['thing_key', 'thing_id']).default('thing_key'),
  MF_CERTS_DEFAULT_TTL: duration('2400h'),
  MF_CERTS_CRL_VALIDITY: duration('1h'),
  MF_CERTS_VAULT_HOST: optional,
  MF_CERTS_VAULT_PKI_PATH: z.string().default('pki_int'),
  MF_CERTS_VAULT_ROLE: z.string().default('mainflux'),
  MF_CERTS_VAULT_TOKEN: optional,
  MF_CERTS_VAULT_TIMEOUT: duration('10s'),
  // Bootstrap. 0.12.1's variable: AES key of the secure fetch, hex of 16, 24 or 32 bytes. Unset
  // means the secure route is off (0.12.1's public default key is not carried over).
  MF_BOOTSTRAP_ENCRYPT_KEY: hexKey('MF_BOOTSTRAP_ENCRYPT_KEY', [16, 24, 32]),
  // Master key of the sealed (AES-GCM) fetch; each gateway's key is derived from it and its id.
  FLUXGATE_BOOTSTRAP_SEALED_KEY: hexKey('FLUXGATE_BOOTSTRAP_SEALED_KEY', [32]),
  FLUXGATE_BOOTSTRAP_SEALED_WINDOW: duration('60s').refine(
    (ms) => ms >= 1000 && ms <= 10 * 60_000,
    'FLUXGATE_BOOTSTRAP_SEALED_WINDOW must be between 1s and 10m',
  ),
  // HMAC key of the stored external-key hashes; MF_AUTH_SECRET when unset.
  FLUXGATE_BOOTSTRAP_KEY_SECRET: optional.refine(
    (s) => s === undefined || s.length >= 32,
    'FLUXGATE_BOOTSTRAP_KEY_SECRET must be at least 32 characters',
  ),
  // Seconds a cached bootstrap answer lives in KV; 0 turns that cache off.
  FLUXGATE_BOOTSTRAP_CACHE_TTL: intString(300, 0).refine(
    (n) => n === 0 || (n >= 60 && n <= 3600),
    'FLUXGATE_BOOTSTRAP_CACHE_TTL must be 0 (cache off) or between 60 (the KV minimum) and 3600',
  ),
  // The public address of the MQTT broker that checks Fluxgate credentials, as gateways dial it.
  // Layouts use it as ${FLUXGATE_MQTT_URL} in [bootstrap.content]; unset, they are refused.
  FLUXGATE_MQTT_URL: optional.transform((s, ctx) => {
    if (s === undefined) return undefined
    const url = s.trim()
    const problem = brokerUrlProblem(url)
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `FLUXGATE_MQTT_URL: ${problem}` })
      return z.NEVER
    }
    return url
  }),
  // Provision. The layout used when a request names none.
  MF_PROVISION_LAYOUT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'MF_PROVISION_LAYOUT must be a layout name like "default"')
    .default('default'),
  // Service credentials for requests without Authorization (anyone who can reach /mapping then
  // provisions as that account): an API key, else an account's e-mail and password.
  MF_PROVISION_API_KEY: optional,
  MF_PROVISION_USER: optional,
  MF_PROVISION_PASSWORD: optional,
  // Fill what a layout leaves out (a layout's own value wins, false included).
  MF_PROVISION_BS_CONFIG_PROVISIONING: goBool('MF_PROVISION_BS_CONFIG_PROVISIONING'),
  MF_PROVISION_BS_AUTO_WHITELIST: goBool('MF_PROVISION_BS_AUTO_WHITELIST'),
  MF_PROVISION_X509_PROVISIONING: goBool('MF_PROVISION_X509_PROVISIONING'),
  MF_PROVISION_CERTS_HOURS_VALID: optionalDuration('MF_PROVISION_CERTS_HOURS_VALID'),
  MF_PROVISION_CERTS_KEY_TYPE: optional.pipe(
    z.enum(['rsa', 'ec', 'ecdsa', 'ed25519'], {
      error: 'MF_PROVISION_CERTS_KEY_TYPE must be rsa, ec, ecdsa or ed25519',
    }).optional(),
  ),
  MF_PROVISION_CERTS_KEY_BITS: optional.transform((s, ctx) => {
    if (s === undefined) return undefined
    const n = Number(s)
    if (!Number.isInteger(n) || n <= 0) {
      ctx.addIssue({ code: 'custom', message: 'MF_PROVISION_CERTS_KEY_BITS must be a positive integer' })
      return z.NEVER
    }
    return n
  }),
  // Broker hooks (src/broker). The shared secret every hook call must carry; unset means every
  // hook answers deny.
  FLUXGATE_BROKER_SECRET: optional.refine(
    (s) => s === undefined || s.length >= 16,
    'FLUXGATE_BROKER_SECRET must be at least 16 characters',
  ),
  // The RabbitMQ virtual host things may use.
  FLUXGATE_BROKER_VHOST: z.string().default('/'),
  // EMQX: an authenticated session ends (and re-authenticates) at most this long after connect.
  FLUXGATE_BROKER_SESSION_MAX: duration('1h').refine(
    (ms) => ms >= 60_000 && ms <= 7 * 24 * 3600_000,
    'FLUXGATE_BROKER_SESSION_MAX must be between 1m and 168h',
  ),
  // The broker's management API, used to close a thing's open sessions after a revocation.
  FLUXGATE_BROKER_ADMIN_KIND: optional.pipe(
    z.enum(['rabbitmq', 'emqx'], { error: 'FLUXGATE_BROKER_ADMIN_KIND must be rabbitmq or emqx' }).optional(),
  ),
  FLUXGATE_BROKER_ADMIN_URL: optional.refine(
    (s) => s === undefined || /^https?:\/\/[^\s]+$/.test(s),
    'FLUXGATE_BROKER_ADMIN_URL must be an http(s) URL',
  ),
  FLUXGATE_BROKER_ADMIN_USER: optional,
  FLUXGATE_BROKER_ADMIN_PASSWORD: optional,
  FLUXGATE_BROKER_ADMIN_TIMEOUT: duration('5s').refine(
    (ms) => ms >= 100 && ms <= 30_000,
    'FLUXGATE_BROKER_ADMIN_TIMEOUT must be between 100ms and 30s',
  ),
  // Throttles (README: Security). Per (subject, client address) first, per subject above it.
  FLUXGATE_THROTTLE_LOGIN_IP: tier('FLUXGATE_THROTTLE_LOGIN_IP', '5,1m,15m'),
  FLUXGATE_THROTTLE_LOGIN: tier('FLUXGATE_THROTTLE_LOGIN', '20,1m,15m'),
  FLUXGATE_THROTTLE_FETCH_IP: tier('FLUXGATE_THROTTLE_FETCH_IP', '5,1m,15m'),
  FLUXGATE_THROTTLE_FETCH: tier('FLUXGATE_THROTTLE_FETCH', '20,1m,15m'),
  FLUXGATE_THROTTLE_CONNECT_IP: tier('FLUXGATE_THROTTLE_CONNECT_IP', '5,1m,15m'),
  FLUXGATE_THROTTLE_CONNECT: tier('FLUXGATE_THROTTLE_CONNECT', '20,1m,15m'),
  FLUXGATE_THROTTLE_RESET_MAIL: z
    .string()
    .default('3,1h')
    .transform((s, ctx) => {
      const q = parseQuota(s)
      if (typeof q === 'string') {
        ctx.addIssue({ code: 'custom', message: `FLUXGATE_THROTTLE_RESET_MAIL: ${q}` })
        return z.NEVER
      }
      return q
    }),
  FLUXGATE_THROTTLE_TRUSTED_IPS: addressList('FLUXGATE_THROTTLE_TRUSTED_IPS'),
}).superRefine((c, ctx) => {
  if ((c.MF_PROVISION_USER === undefined) !== (c.MF_PROVISION_PASSWORD === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['MF_PROVISION_PASSWORD'],
      message: 'MF_PROVISION_USER and MF_PROVISION_PASSWORD are set together or not at all',
    })
  }
  if ((c.FLUXGATE_BROKER_ADMIN_KIND === undefined) !== (c.FLUXGATE_BROKER_ADMIN_URL === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['FLUXGATE_BROKER_ADMIN_URL'],
      message: 'FLUXGATE_BROKER_ADMIN_KIND and FLUXGATE_BROKER_ADMIN_URL are set together or not at all',
    })
  }
  // 0.12.1's start-up sanity check: there is nothing to whitelist without a bootstrap config.
  if (c.MF_PROVISION_BS_AUTO_WHITELIST === true && c.MF_PROVISION_BS_CONFIG_PROVISIONING === false) {
    ctx.addIssue({
      code: 'custom',
      path: ['MF_PROVISION_BS_AUTO_WHITELIST'],
      message: 'MF_PROVISION_BS_AUTO_WHITELIST needs MF_PROVISION_BS_CONFIG_PROVISIONING',
    })
  }
})

export type Config = z.output<typeof configSchema>

const cache = new WeakMap<object, Config>()

/**
 * Parses the Worker's string settings once per isolate (per env object).
 * @throws AppError('internal') naming every invalid setting.
 */
export function loadConfig(env: Bindings): Config {
  const hit = cache.get(env)
  if (hit) return hit
  // An empty setting means "not set" everywhere (wrangler [vars], secrets, blanked test values),
  // so every default applies to it.
  const settings = Object.fromEntries(
    Object.entries(env).filter(([, v]) => !(typeof v === 'string' && v.trim() === '')),
  )
  const parsed = configSchema.safeParse(settings)
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${i.path.join('.')}: ${i.message}`)
      .join('; ')
    throw new AppError('internal', 'server misconfigured', { cause: new Error(detail) })
  }
  cache.set(env, parsed.data)
  return parsed.data
}
