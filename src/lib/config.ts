import { z } from 'zod'
import type { Bindings } from '../env'
import {
  addressList,
  duration,
  goBool,
  hexKey,
  httpUrl,
  intString,
  optional,
  optionalDuration,
  pem,
  regex,
  tier,
} from './config-fields'
import { AppError } from './errors'
import { LIMITS } from './limits'
import { parseQuota } from './lockout'
import { brokerUrlProblem } from './mqtt-url'

/** Whether `url` points at this machine: localhost (or a name under it), 127.0.0.0/8 or [::1]. */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (url === undefined) return false
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return false
  }
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  )
}

/**
 * Every setting, parsed once per isolate. Names follow Mainflux's MF_* variables where one exists.
 * The README's configuration table mirrors this schema.
 */
export const configSchema = z
  .object({
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
      'FLUXGATE_SESSION_CACHE_TTL must be 0 (cache off) or between 60 (the KV minimum) and 3600'
    ),
    MF_EMAIL_FROM: z.string().default('fluxgate@localhost'),
    // Local development only: outgoing mail is kept in KV for `GET /dev/mailbox` instead of being
    // sent (src/lib/mail.ts). Refused unless FLUXGATE_PUBLIC_URL is a loopback URL.
    FLUXGATE_DEV_MAILBOX: goBool('FLUXGATE_DEV_MAILBOX'),
    MF_MAIL_TRANSPORT: z.enum(['send_email', 'log', 'memory']).optional(),
    FLUXGATE_MAX_BODY_BYTES: intString(LIMITS.bodyBytes, 1024),
    // Seconds a thing-access cache entry lives in KV (KV's minimum is 60); 0 turns the cache off.
    FLUXGATE_CACHE_TTL: intString(300, 0).refine(
      (n) => n === 0 || n >= 60,
      'FLUXGATE_CACHE_TTL must be 0 (cache off) or at least 60 (the KV minimum)'
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
      'FLUXGATE_BOOTSTRAP_SEALED_WINDOW must be between 1s and 10m'
    ),
    // HMAC key of the stored external-key hashes; MF_AUTH_SECRET when unset.
    FLUXGATE_BOOTSTRAP_KEY_SECRET: optional.refine(
      (s) => s === undefined || s.length >= 32,
      'FLUXGATE_BOOTSTRAP_KEY_SECRET must be at least 32 characters'
    ),
    // Seconds a cached bootstrap answer lives in KV; 0 turns that cache off.
    FLUXGATE_BOOTSTRAP_CACHE_TTL: intString(300, 0).refine(
      (n) => n === 0 || (n >= 60 && n <= 3600),
      'FLUXGATE_BOOTSTRAP_CACHE_TTL must be 0 (cache off) or between 60 (the KV minimum) and 3600'
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
      .regex(
        /^[a-z0-9][a-z0-9._-]{0,63}$/,
        'MF_PROVISION_LAYOUT must be a layout name like "default"'
      )
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
      z
        .enum(['rsa', 'ec', 'ecdsa', 'ed25519'], {
          error: 'MF_PROVISION_CERTS_KEY_TYPE must be rsa, ec, ecdsa or ed25519',
        })
        .optional()
    ),
    MF_PROVISION_CERTS_KEY_BITS: optional.transform((s, ctx) => {
      if (s === undefined) return undefined
      const n = Number(s)
      if (!Number.isInteger(n) || n <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: 'MF_PROVISION_CERTS_KEY_BITS must be a positive integer',
        })
        return z.NEVER
      }
      return n
    }),
    // Broker hooks (src/broker). The shared secret every hook call must carry; unset means every
    // hook answers deny.
    FLUXGATE_BROKER_SECRET: optional.refine(
      (s) => s === undefined || s.length >= 16,
      'FLUXGATE_BROKER_SECRET must be at least 16 characters'
    ),
    // The RabbitMQ virtual host things may use.
    FLUXGATE_BROKER_VHOST: z.string().default('/'),
    // EMQX: an authenticated session ends (and re-authenticates) at most this long after connect.
    FLUXGATE_BROKER_SESSION_MAX: duration('1h').refine(
      (ms) => ms >= 60_000 && ms <= 7 * 24 * 3600_000,
      'FLUXGATE_BROKER_SESSION_MAX must be between 1m and 168h'
    ),
    // The broker's management API, used to close a thing's open sessions after a revocation.
    FLUXGATE_BROKER_ADMIN_KIND: optional.pipe(
      z
        .enum(['rabbitmq', 'emqx'], {
          error: 'FLUXGATE_BROKER_ADMIN_KIND must be rabbitmq or emqx',
        })
        .optional()
    ),
    FLUXGATE_BROKER_ADMIN_URL: optional.refine(
      (s) => s === undefined || /^https?:\/\/[^\s]+$/.test(s),
      'FLUXGATE_BROKER_ADMIN_URL must be an http(s) URL'
    ),
    FLUXGATE_BROKER_ADMIN_USER: optional,
    FLUXGATE_BROKER_ADMIN_PASSWORD: optional,
    FLUXGATE_BROKER_ADMIN_TIMEOUT: duration('5s').refine(
      (ms) => ms >= 100 && ms <= 30_000,
      'FLUXGATE_BROKER_ADMIN_TIMEOUT must be between 100ms and 30s'
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
  })
  .superRefine((c, ctx) => {
    if (c.FLUXGATE_DEV_MAILBOX === true && !isLoopbackUrl(c.FLUXGATE_PUBLIC_URL)) {
      ctx.addIssue({
        code: 'custom',
        path: ['FLUXGATE_DEV_MAILBOX'],
        message:
          'FLUXGATE_DEV_MAILBOX is for local development only: it needs FLUXGATE_PUBLIC_URL to be a loopback URL (localhost, 127.0.0.1, [::1])',
      })
    }
    if ((c.MF_PROVISION_USER === undefined) !== (c.MF_PROVISION_PASSWORD === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['MF_PROVISION_PASSWORD'],
        message: 'MF_PROVISION_USER and MF_PROVISION_PASSWORD are set together or not at all',
      })
    }
    if (
      (c.FLUXGATE_BROKER_ADMIN_KIND === undefined) !==
      (c.FLUXGATE_BROKER_ADMIN_URL === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['FLUXGATE_BROKER_ADMIN_URL'],
        message:
          'FLUXGATE_BROKER_ADMIN_KIND and FLUXGATE_BROKER_ADMIN_URL are set together or not at all',
      })
    }
    // 0.12.1's start-up sanity check: there is nothing to whitelist without a bootstrap config.
    if (
      c.MF_PROVISION_BS_AUTO_WHITELIST === true &&
      c.MF_PROVISION_BS_CONFIG_PROVISIONING === false
    ) {
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
    Object.entries(env).filter(([, v]) => !(typeof v === 'string' && v.trim() === ''))
  )
  const parsed = configSchema.safeParse(settings)
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new AppError('internal', 'server misconfigured', { cause: new Error(detail) })
  }
  cache.set(env, parsed.data)
  return parsed.data
}
