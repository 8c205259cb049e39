import { AppError } from '../lib/errors'
import { normalizeSerial } from './pem'

// A small client for Vault's PKI secrets engine (the API 0.12.1's certs service proxied):
// POST /v1/{pki}/issue/{role}, /sign/{role}, /revoke and GET /v1/{pki}/crl[/pem], /ca/pem. Vault answers
// `{"data": {...}}` on success and `{"errors": ["..."]}` otherwise; this file maps both to ours.

interface VaultSettings {
  host: string
  pkiPath: string
  role: string
  /** Required; checked on first use so that a missing token fails only Vault calls. */
  token: string | undefined
  timeoutMs: number
}

/** What Vault hands back for issue and sign. */
export interface VaultCert {
  certificate: string
  issuingCa: string
  privateKey?: string
  privateKeyType?: string
  serial?: string
  /** ms since the epoch (Vault sends seconds). */
  expiration?: number
}

interface VaultData {
  certificate?: unknown
  issuing_ca?: unknown
  private_key?: unknown
  private_key_type?: unknown
  serial_number?: unknown
  expiration?: unknown
  revocation_time?: unknown
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

export function makeVaultClient(s: VaultSettings) {
  const base = `${s.host.replace(/\/+$/, '')}/v1/${s.pkiPath.replace(/^\/+|\/+$/g, '')}`

  async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    if (!s.token) {
      throw new AppError('internal', 'certificate authority misconfigured', {
        cause: new Error('MF_CERTS_VAULT_HOST is set but MF_CERTS_VAULT_TOKEN is not'),
      })
    }
    try {
      return await fetch(`${base}${path}`, {
        method,
        headers: {
          'X-Vault-Token': s.token,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(s.timeoutMs),
      })
    } catch (e) {
      throw new AppError('unavailable', 'certificate authority (Vault) unreachable', { cause: e })
    }
  }

  /** Vault's non-2xx answers as our errors: its 400s are the caller's, the rest are ours. */
  async function failure(res: Response): Promise<AppError> {
    let messages: string[] = []
    try {
      const body = (await res.json()) as { errors?: unknown }
      if (Array.isArray(body.errors)) messages = body.errors.filter((m) => typeof m === 'string')
    } catch {
      // Not JSON (a proxy in front of Vault, say): the status alone decides.
    }
    const detail = messages.join('; ') || `HTTP ${res.status}`
    const cause = new Error(`Vault ${res.status}: ${detail}`)
    if (res.status === 400 || res.status === 422) {
      // "unknown role" is a setting of ours, not something the caller can fix.
      if (/unknown role/i.test(detail)) {
        return new AppError('internal', 'server misconfigured', {
          cause: new Error(`Vault ${res.status}: ${detail} (check MF_CERTS_VAULT_ROLE)`),
        })
      }
      return new AppError(
        'malformed_entity',
        `certificate authority refused the request: ${detail}`
      )
    }
    if (res.status === 401 || res.status === 403 || res.status === 404 || res.status === 405) {
      return new AppError('internal', 'server misconfigured', {
        cause: new Error(
          `${cause.message} (check MF_CERTS_VAULT_TOKEN, MF_CERTS_VAULT_PKI_PATH and MF_CERTS_VAULT_ROLE)`
        ),
      })
    }
    return new AppError('unavailable', 'certificate authority (Vault) unavailable', { cause })
  }

  async function data(res: Response): Promise<VaultData> {
    if (!res.ok) throw await failure(res)
    try {
      const body = (await res.json()) as { data?: VaultData }
      if (body.data && typeof body.data === 'object') return body.data
    } catch {
      // fall through
    }
    throw new AppError('unavailable', 'certificate authority (Vault) gave an unexpected answer', {
      cause: new Error(`Vault ${res.status}: no "data" object in the answer`),
    })
  }

  function cert(d: VaultData): VaultCert {
    const certificate = str(d.certificate)
    const issuingCa = str(d.issuing_ca)
    if (!certificate || !issuingCa) {
      throw new AppError('unavailable', 'certificate authority (Vault) gave an unexpected answer', {
        cause: new Error('Vault answer lacks certificate or issuing_ca'),
      })
    }
    const serial = str(d.serial_number)
    return {
      certificate,
      issuingCa,
      privateKey: str(d.private_key),
      privateKeyType: str(d.private_key_type),
      serial: serial === undefined ? undefined : normalizeSerial(serial),
      expiration: typeof d.expiration === 'number' ? d.expiration * 1000 : undefined,
    }
  }

  return {
    /** `POST /v1/{pki}/issue/{role}`: Vault generates the key. `ttl` undefined → the role's. */
    async issue(p: { commonName: string; ttl?: string; keyType: string; keyBits: number }) {
      const res = await send('POST', `/issue/${encodeURIComponent(s.role)}`, {
        common_name: p.commonName,
        ttl: p.ttl,
        key_type: p.keyType,
        key_bits: p.keyBits,
        // Our API promises PKCS#8 keys; the CN is an identifier, not a host name.
        private_key_format: 'pkcs8',
        exclude_cn_from_sans: true,
      })
      return cert(await data(res))
    },

    /** `POST /v1/{pki}/sign/{role}`: certifies a CSR's key. */
    async sign(p: { csr: string; commonName: string; ttl?: string }) {
      const res = await send('POST', `/sign/${encodeURIComponent(s.role)}`, {
        csr: p.csr,
        common_name: p.commonName,
        ttl: p.ttl,
        exclude_cn_from_sans: true,
      })
      return cert(await data(res))
    },

    /** `POST /v1/{pki}/revoke`; returns the revocation time in ms (Vault's, else now). */
    async revoke(colonSerial: string): Promise<number> {
      const d = await data(await send('POST', '/revoke', { serial_number: colonSerial }))
      return typeof d.revocation_time === 'number' && d.revocation_time > 0
        ? d.revocation_time * 1000
        : Date.now()
    },

    /** Vault's CRL (unauthenticated endpoints), DER or PEM. */
    async crl(format: 'der' | 'pem'): Promise<ArrayBuffer> {
      const res = await send('GET', format === 'pem' ? '/crl/pem' : '/crl')
      if (!res.ok) throw await failure(res)
      return res.arrayBuffer()
    },

    /**
     * `GET /v1/{pki}/ca/pem` (unauthenticated in Vault): the mount's CA certificate. Vault answers
     * an empty body (204) when the mount has no CA yet.
     * @throws AppError('unavailable') for that case, as for an unreachable or failing Vault.
     */
    async caPem(): Promise<string> {
      const res = await send('GET', '/ca/pem')
      if (!res.ok) throw await failure(res)
      // Decoded by hand: Vault labels it application/pem-certificate-chain, which workerd's text() warns about.
      const pem = new TextDecoder().decode(await res.arrayBuffer()).trim()
      if (pem === '') throw new AppError('unavailable', 'no certificate authority configured')
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
        throw new AppError(
          'unavailable',
          'certificate authority (Vault) gave an unexpected answer',
          {
            cause: new Error(`Vault ${res.status}: GET /ca/pem answered no PEM certificate`),
          }
        )
      }
      return pem
    },
  }
}
