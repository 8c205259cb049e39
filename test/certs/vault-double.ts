import { Pkcs10CertificateRequest } from '@peculiar/x509'
import { vi } from 'vitest'
import { createCa } from '../../scripts/dev-ca.mjs'
import {
  colonSerial,
  generateKeyPair,
  type KeySpec,
  loadCa,
  parseCsr,
  privateKeyPem,
  signLeaf,
} from '../../src/certs/pki'
import { parseDuration } from '../../src/lib/duration'
import { toHex } from '../../src/lib/crypto'

// An HTTP double of Vault's PKI secrets engine as its API documentation describes it
// (developer.hashicorp.com/vault/api-docs/secret/pki): `{"data": {...}}` answers, colon-separated
// 20-byte serials, `expiration` and `revocation_time` in epoch seconds, `{"errors": [...]}` on
// failure. It is installed by spying on the global fetch, which the Worker under test shares.

export const VAULT_HOST = 'http://vault.test:8200'
export const VAULT_TOKEN = 's.test-vault-token'

/** Settings that switch the app to Vault mode against this double. */
export const VAULT_ENV = {
  MF_CERTS_VAULT_HOST: VAULT_HOST,
  MF_CERTS_VAULT_TOKEN: VAULT_TOKEN,
  MF_CERTS_VAULT_PKI_PATH: 'pki_int',
  MF_CERTS_VAULT_ROLE: 'mainflux',
}

export interface VaultCall {
  method: string
  path: string
  token: string | null
  body: any
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

/** Vault-style serial: 20 random bytes, positive. */
function vaultSerial(): string {
  const b = crypto.getRandomValues(new Uint8Array(20))
  b[0] = b[0]! & 0x7f || 1
  return toHex(b)
}

export async function installVaultDouble() {
  const issuer = await createCa(crypto, { name: 'Vault intermediate CA' })
  const ca = await loadCa(issuer.cert, issuer.key)
  const calls: VaultCall[] = []
  /** One-off answers, consumed in order before the normal behaviour. */
  const queued: ((call: VaultCall) => Response | Promise<Response>)[] = []
  const revoked = new Map<string, number>()
  /**
   * The role's settings that decide a certificate's subject. Vault's defaults take the CN and SANs
   * from a CSR (`use_csr_common_name`, `use_csr_sans`); the double starts as a role configured as
   * the README asks (both off), and tests turn them on.
   */
  const role = { useCsrCommonName: false }
  /** Runs before each call is answered (to make things happen "while Vault works"). */
  const hooks: ((call: VaultCall) => void | Promise<void>)[] = []

  async function certFor(
    commonName: string,
    ttl: string | undefined,
    publicKey: any,
    spec: KeySpec
  ) {
    const now = Date.now()
    const ttlMs = ttl ? parseDuration(ttl)! : 72 * 3_600_000
    const serial = vaultSerial()
    const cert = await signLeaf(ca, {
      serial,
      commonName,
      publicKey,
      spec,
      notBefore: now - 30_000,
      notAfter: Math.floor((now + ttlMs) / 1000) * 1000,
    })
    return { cert, serial }
  }

  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init as RequestInit)
    const url = new URL(req.url)
    if (url.origin !== VAULT_HOST) throw new Error(`unexpected outbound fetch ${req.url}`)
    const call: VaultCall = {
      method: req.method,
      path: url.pathname,
      token: req.headers.get('X-Vault-Token'),
      body: req.method === 'POST' ? await req.json() : undefined,
    }
    calls.push(call)
    for (const hook of hooks) await hook(call)
    const next = queued.shift()
    if (next) return next(call)
    if (call.token !== VAULT_TOKEN) return json(403, { errors: ['permission denied'] })
    const b = call.body
    switch (`${call.method} ${call.path}`) {
      case 'POST /v1/pki_int/issue/mainflux': {
        if (!b.common_name) return json(400, { errors: ['the common_name field is required'] })
        const spec: KeySpec =
          b.key_type === 'rsa'
            ? { type: 'rsa', bits: b.key_bits || 2048 }
            : b.key_type === 'ed25519'
              ? { type: 'ed25519', bits: 256 }
              : { type: 'ec', bits: b.key_bits || 256 }
        const keys = await generateKeyPair(spec)
        const { cert, serial } = await certFor(b.common_name, b.ttl, keys.publicKey, spec)
        return json(200, {
          lease_id: '',
          renewable: false,
          lease_duration: 0,
          data: {
            certificate: cert.toString('pem'),
            issuing_ca: issuer.cert,
            ca_chain: [issuer.cert],
            private_key: await privateKeyPem(keys.privateKey),
            private_key_type: spec.type,
            serial_number: colonSerial(serial),
            expiration: Math.floor(cert.notAfter.getTime() / 1000),
          },
          warnings: null,
        })
      }
      case 'POST /v1/pki_int/sign/mainflux': {
        let csr
        try {
          csr = await parseCsr(b.csr)
        } catch {
          return json(400, { errors: ['certificate request could not be parsed'] })
        }
        const cn = role.useCsrCommonName
          ? (new Pkcs10CertificateRequest(b.csr).subjectName.getField('CN')[0] ?? b.common_name)
          : b.common_name
        const { cert, serial } = await certFor(cn, b.ttl, csr.publicKey, csr.spec)
        return json(200, {
          data: {
            certificate: cert.toString('pem'),
            issuing_ca: issuer.cert,
            ca_chain: [issuer.cert],
            serial_number: colonSerial(serial),
            expiration: Math.floor(cert.notAfter.getTime() / 1000),
          },
        })
      }
      case 'POST /v1/pki_int/revoke': {
        const serial = String(b.serial_number ?? '')
        if (!/^[0-9a-f]{2}(:[0-9a-f]{2})*$/.test(serial)) {
          return json(400, { errors: [`invalid serial number: ${serial}`] })
        }
        const at = revoked.get(serial) ?? Math.floor(Date.now() / 1000) - 1
        revoked.set(serial, at)
        return json(200, {
          data: { revocation_time: at, revocation_time_rfc3339: new Date(at * 1000).toISOString() },
        })
      }
      case 'GET /v1/pki_int/crl':
        return new Response(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), {
          headers: { 'Content-Type': 'application/pkix-crl' },
        })
      case 'GET /v1/pki_int/crl/pem':
        return new Response('-----BEGIN X509 CRL-----\nVAULTCRL\n-----END X509 CRL-----\n', {
          headers: { 'Content-Type': 'application/pem-certificate-chain' },
        })
      case 'GET /v1/pki_int/ca/pem':
        // Vault sends the bare PEM (no `data` wrapper), and no body at all for a mount without a CA.
        return new Response(issuer.cert, {
          headers: { 'Content-Type': 'application/pem-certificate-chain' },
        })
      default:
        return json(404, { errors: [] })
    }
  })

  return {
    issuer,
    ca,
    calls,
    revoked,
    spy,
    role,
    hooks,
    /** The next request gets this answer instead (status + Vault error body, or a thrown error). */
    fail(status: number | 'network', errors: string[] = []) {
      queued.push(() => {
        if (status === 'network') throw new TypeError('fetch failed: connection refused')
        return json(status, { errors })
      })
    },
    answer(fn: (call: VaultCall) => Response | Promise<Response>) {
      queued.push(fn)
    },
  }
}
