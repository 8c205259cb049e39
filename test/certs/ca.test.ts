import { X509Certificate } from '@peculiar/x509'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCa } from '../../scripts/dev-ca.mjs'
import { api, countAll, expectError } from '../helpers'
import { toHex } from '../../src/lib/crypto'
import { apiWith, oneLine, testCa } from './fixtures'
import { installVaultDouble, VAULT_ENV } from './vault-double'

afterEach(() => vi.restoreAllMocks())

describe('GET /certs/ca', () => {
  it('serves the built-in CA certificate as PEM without credentials', async () => {
    const res = await api('GET', '/certs/ca')
    expect(res.status, res.text).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-pem-file')
    expect(res.text).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/)
    const served = new X509Certificate(res.text)
    expect(served.serialNumber).toBe(testCa().serialNumber)
    expect(toHex(served.rawData)).toBe(toHex(testCa().rawData))
  })

  it('serves the configured CA, also one written on one line with literal \\n', async () => {
    const other = await createCa(crypto, { name: 'Other test CA' })
    const res = await apiWith(
      { MF_CERTS_CA_CERT: oneLine(other.cert), MF_CERTS_CA_KEY: other.key },
      'GET',
      '/certs/ca'
    )
    expect(res.status, res.text).toBe(200)
    expect(new X509Certificate(res.text).subjectName.getField('CN')).toEqual(['Other test CA'])
  })

  it('503 {"error"} when no CA is configured, writing nothing', async () => {
    const before = await countAll()
    for (const overrides of [
      { MF_CERTS_CA_CERT: undefined, MF_CERTS_CA_KEY: undefined },
      { MF_CERTS_CA_CERT: '', MF_CERTS_CA_KEY: env.MF_CERTS_CA_KEY },
      { MF_CERTS_CA_CERT: env.MF_CERTS_CA_CERT, MF_CERTS_CA_KEY: '' },
    ]) {
      expectError(
        await apiWith(overrides, 'GET', '/certs/ca'),
        503,
        'no certificate authority configured'
      )
    }
    expect(await countAll()).toEqual(before)
  })

  it('500 with the reason logged for a CA certificate and key that do not belong together', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const other = await createCa(crypto, { name: 'Mismatched CA' })
    const res = await apiWith({ MF_CERTS_CA_KEY: other.key }, 'GET', '/certs/ca')
    expectError(res, 500, 'certificate authority misconfigured')
    const logged = errors.mock.calls
      .flat()
      .map((a) => (a instanceof Error ? `${a.message} ${a.cause ?? ''}` : String(a)))
    expect(logged.join('\n')).toMatch(/does not match/)
  })

  it('in Vault mode serves GET /v1/{pki}/ca/pem', async () => {
    const double = await installVaultDouble()
    const res = await apiWith(VAULT_ENV, 'GET', '/certs/ca')
    expect(res.status, res.text).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-pem-file')
    expect(res.text).toBe(`${double.issuer.cert.trim()}\n`)
    expect(double.calls).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v1/pki_int/ca/pem' }),
    ])
  })

  it('in Vault mode 503 {"error"} when the mount has no CA (an empty answer)', async () => {
    const double = await installVaultDouble()
    double.answer(() => new Response(null, { status: 204 }))
    expectError(
      await apiWith(VAULT_ENV, 'GET', '/certs/ca'),
      503,
      'no certificate authority configured'
    )
  })

  it('in Vault mode 503 when Vault is unreachable, sealed or answers something else', async () => {
    const double = await installVaultDouble()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    double.fail('network')
    expectError(await apiWith(VAULT_ENV, 'GET', '/certs/ca'), 503, /unreachable/)
    double.fail(503, ['Vault is sealed'])
    expectError(await apiWith(VAULT_ENV, 'GET', '/certs/ca'), 503, /unavailable/)
    double.answer(() => new Response('<html>proxy</html>', { status: 200 }))
    expectError(await apiWith(VAULT_ENV, 'GET', '/certs/ca'), 503, /unexpected answer/)
  })

  it('is in the OpenAPI document, without security, as PEM', async () => {
    const doc = (await api('GET', '/openapi.json')).body
    const op = doc.paths['/certs/ca'].get
    expect(op.security).toBeUndefined()
    expect(Object.keys(op.responses['200'].content)).toEqual(['application/x-pem-file'])
    expect(Object.keys(op.responses)).toContain('503')
  })
})
