import { Pkcs10CertificateRequestGenerator } from '@peculiar/x509'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, countAll, expectError, newUser, uid } from '../helpers'
import { apiWith } from './fixtures'
import { installVaultDouble, VAULT_ENV } from './vault-double'

afterEach(() => vi.restoreAllMocks())

const ID_CN = { MF_CERTS_CN: 'thing_id' }

/** A thing inserted straight into D1 with a key from before the key rules (or a Mainflux import). */
async function legacyThing(owner: string, key: string) {
  const id = crypto.randomUUID()
  await env.DB.prepare(
    'INSERT INTO things (id, owner, name, key, metadata, created_at) VALUES (?, ?, ?, ?, NULL, ?)'
  )
    .bind(id, owner, '', key, Date.now())
    .run()
  return { id, key, owner }
}

describe('issuing for a key that cannot be a CN', () => {
  const LEGACY = [
    { desc: 'longer than 64 characters', key: () => `legacy-${uid()}-${'k'.repeat(4000)}` },
    { desc: 'with a space', key: () => `legacy ${uid()}` },
    { desc: 'with a newline', key: () => `legacy\n${uid()}` },
    { desc: 'with a NUL', key: () => `legacy\u0000${uid()}` },
  ]

  it.each(LEGACY)(
    'POST /certs answers 422 saying how to fix it (key $desc), recording nothing',
    async ({ key }) => {
      const u = await newUser()
      const thing = await legacyThing(u.id, key())
      const before = await countAll()
      const res = await api('POST', '/certs', { token: u.token, json: { thing_id: thing.id } })
      expectError(
        res,
        422,
        /^this thing's key cannot be the subject CN of a certificate \(MF_CERTS_CN=thing_key\): key must be/
      )
      expect(res.body.error).toMatch(
        /Give the thing a new key with PATCH \/things\/\{id\}\/key, or set MF_CERTS_CN=thing_id$/
      )
      expect(await countAll()).toEqual(before)
    }
  )

  it('POST /certs/csr and Vault mode refuse it too (Vault is never asked)', async () => {
    const u = await newUser()
    const thing = await legacyThing(u.id, `legacy ${uid()}`)
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])
    const csr = await Pkcs10CertificateRequestGenerator.create({
      name: 'CN=device',
      keys: keys as CryptoKeyPair,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    })
    expectError(
      await api('POST', '/certs/csr', {
        token: u.token,
        json: { thing_id: thing.id, csr: csr.toString('pem') },
      }),
      422,
      /cannot be the subject CN/
    )
    const double = await installVaultDouble()
    expectError(
      await apiWith(VAULT_ENV, 'POST', '/certs', { token: u.token, json: { thing_id: thing.id } }),
      422,
      /cannot be the subject CN/
    )
    expect(double.calls).toEqual([])
  })

  it('with MF_CERTS_CN=thing_id the same thing gets its certificate; after a rotation it does with thing_key too', async () => {
    const u = await newUser()
    const thing = await legacyThing(u.id, `legacy ${uid()} ${'k'.repeat(100)}`)
    const byId = await apiWith(ID_CN, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(byId.status, byId.text).toBe(200)
    const rotated = await api('PATCH', `/things/${thing.id}/key`, {
      token: u.token,
      json: { key: `r-${uid()}` },
    })
    expect(rotated.status).toBe(200)
    expect(
      (await api('POST', '/certs', { token: u.token, json: { thing_id: thing.id } })).status
    ).toBe(200)
  })
})
