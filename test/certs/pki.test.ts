import { describe, expect, it } from 'vitest'
import { colonSerial, newSerial, normalizePem, normalizeSerial } from '../../src/certs/pki'
import { keySpec } from '../../src/certs/schema'
import { api } from '../helpers'

describe('serials', () => {
  it('are 128 random bits as 32 hex digits whose first byte keeps the DER integer positive and unpadded', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 500; i++) {
      const s = newSerial()
      expect(s).toMatch(/^[0-9a-f]{32}$/)
      const first = parseInt(s.slice(0, 2), 16)
      expect(first).toBeGreaterThanOrEqual(1)
      expect(first).toBeLessThanOrEqual(0x7f)
      seen.add(s)
    }
    expect(seen.size).toBe(500)
  })

  it.each([
    { input: '0f:53:FA:eb', out: '0f53faeb' },
    { input: '0f-53-fa-eb', out: '0f53faeb' },
    { input: 'ABCDEF', out: 'abcdef' },
    { input: 'f53', out: '0f53' },
    { input: ' 01 ', out: '01' },
    { input: 'xyz', out: undefined },
    { input: '0f::53', out: undefined },
    { input: '', out: undefined },
    { input: 'ab'.repeat(21), out: undefined },
  ])('normalizeSerial($input) → $out', ({ input, out }) => {
    expect(normalizeSerial(input)).toBe(out)
  })

  it("colonSerial gives Vault's form", () => {
    expect(colonSerial('0f53faeb')).toBe('0f:53:fa:eb')
  })
})

it('normalizePem turns literal \\n sequences into newlines', () => {
  expect(normalizePem('-----BEGIN X-----\\nAAAA\\n-----END X-----\\n')).toBe(
    '-----BEGIN X-----\nAAAA\n-----END X-----'
  )
})

it('the OpenAPI document describes every certificate route', async () => {
  const doc = await api('GET', '/openapi.json')
  const paths = doc.body.paths
  expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/certs', '/certs/csr', '/certs/crl']))
  expect(Object.keys(paths['/certs/{id}']).sort()).toEqual(['delete', 'get'])
  expect(Object.keys(paths['/certs/serial/{serial}'])).toEqual(['get'])
  expect(Object.keys(paths['/certs/revoke'])).toEqual(['delete'])
  expect(paths['/certs/crl'].get.security).toBeUndefined()
  expect(doc.body.components.schemas.IssueCertRequest.properties).toHaveProperty('rsa_bits')
  // POST /certs answers 200 (what the 0.12.1 Go SDK accepts); the CSR route, ours alone, 201.
  expect(Object.keys(paths['/certs'].post.responses)).toContain('200')
  expect(Object.keys(paths['/certs'].post.responses)).not.toContain('201')
  expect(Object.keys(paths['/certs/csr'].post.responses)).toContain('201')
})

describe('keySpec (for provision)', () => {
  it.each([
    { type: undefined, bits: undefined, spec: { type: 'ec', bits: 256 } },
    { type: '', bits: 4096, spec: { type: 'rsa', bits: 4096 } },
    { type: 'rsa', bits: 0, spec: { type: 'rsa', bits: 2048 } },
    { type: 'ed25519', bits: undefined, spec: { type: 'ed25519', bits: 256 } },
  ])('($type, $bits) → $spec', ({ type, bits, spec }) => {
    expect(keySpec(type, bits)).toEqual(spec)
  })

  it('throws malformed_entity for what POST /certs refuses', () => {
    expect(() => keySpec('rsa', 1024)).toThrow(
      expect.objectContaining({ code: 'malformed_entity' })
    )
    expect(() => keySpec('dsa')).toThrow(/key_type/)
  })
})
