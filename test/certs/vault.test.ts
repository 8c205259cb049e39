import {
  Pkcs10CertificateRequestGenerator,
  SubjectAlternativeNameExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { makeCertsService } from '../../src/certs/service'
import { createDb } from '../../src/db/client'
import { loadConfig } from '../../src/lib/config'
import { countAll, expectError, newUser } from '../helpers'
import { apiWith, certRow, keyMatchesCert, newThing } from './fixtures'
import { installVaultDouble, VAULT_ENV, VAULT_TOKEN } from './vault-double'

const vault = (method: string, path: string, opts: Parameters<typeof apiWith>[3] = {}) =>
  apiWith(VAULT_ENV, method, path, opts)

afterEach(() => vi.restoreAllMocks())

describe('Vault PKI mode: issuing', () => {
  it('issues through POST /v1/{pki}/issue/{role} and records the serial and expiry in D1', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    const res = await vault('POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id, key_type: 'rsa', key_bits: 2048, valid: '10h' },
    })
    expect(res.status, res.text).toBe(200)

    expect(double.calls).toHaveLength(1)
    const call = double.calls[0]!
    expect(call).toMatchObject({
      method: 'POST',
      path: '/v1/pki_int/issue/mainflux',
      token: VAULT_TOKEN,
    })
    expect(call.body).toEqual({
      common_name: thing.key,
      ttl: '36000s',
      key_type: 'rsa',
      key_bits: 2048,
      private_key_format: 'pkcs8',
      exclude_cn_from_sans: true,
    })

    const b = res.body
    const cert = new X509Certificate(b.cert)
    // Vault's colon form becomes ours; expiry from Vault's epoch seconds, correctly (0.12.1: 1970).
    expect(b.serial).toBe(cert.serialNumber)
    expect(b.serial).toMatch(/^[0-9a-f]{40}$/)
    expect(b.cert_serial).toBe(b.serial)
    expect(b.ca_cert).toBe(double.issuer.cert.trim())
    expect(b.issuing_ca).toBe(b.ca_cert)
    expect(b.expire).toBe(cert.notAfter.toISOString())
    expect(Math.abs(cert.notAfter.getTime() - Date.now() - 10 * 3_600_000)).toBeLessThan(5_000)
    expect(cert.subjectName.getField('CN')).toEqual([thing.key])
    expect(await keyMatchesCert(b.cert, b.cert_key)).toBe(true)
    expect(b.client_key).toBe(b.cert_key)
    expect(await certRow(b.serial)).toMatchObject({
      thing_id: thing.id,
      owner: u.id,
      key_type: 'rsa',
      key_bits: 2048,
      expires_at: cert.notAfter.getTime(),
      revoked_at: null,
    })
  })

  it('leaves the TTL to the Vault role when none is given, and uses the thing id as CN when configured', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    const res = await apiWith({ ...VAULT_ENV, MF_CERTS_CN: 'thing_id' }, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(res.status, res.text).toBe(200)
    expect(double.calls[0]!.body).not.toHaveProperty('ttl')
    expect(double.calls[0]!.body).toMatchObject({
      common_name: thing.id,
      key_type: 'ec',
      key_bits: 256,
    })
    expect(await certRow(res.body.serial)).toMatchObject({ key_type: 'ec', key_bits: 256 })
  })

  it("404 for another owner's thing without asking Vault", async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const other = await newUser()
    const theirs = await newThing(other)
    expectError(
      await vault('POST', '/certs', { token: u.token, json: { thing_id: theirs.id } }),
      404
    )
    expect(double.calls).toHaveLength(0)
  })

  it.each([
    {
      desc: 'Vault refuses the parameters (400)',
      fail: [400, ['common name x not allowed by this role']] as const,
      status: 400,
      msg: /common name x not allowed by this role/,
    },
    {
      desc: 'Vault is sealed (503)',
      fail: [503, ['Vault is sealed']] as const,
      status: 503,
      msg: /unavailable/,
    },
    {
      desc: 'Vault fails (500)',
      fail: [500, ['internal error']] as const,
      status: 503,
      msg: /unavailable/,
    },
    {
      desc: 'Vault is unreachable',
      fail: ['network', []] as const,
      status: 503,
      msg: /unreachable/,
    },
    {
      desc: 'Vault refuses our token (403)',
      fail: [403, ['permission denied']] as const,
      status: 500,
      msg: /misconfigured/,
    },
    {
      desc: 'the role does not exist',
      fail: [400, ['unknown role: mainflux']] as const,
      status: 500,
      msg: /misconfigured/,
    },
  ])('$desc → $status, recording nothing', async ({ fail, status, msg }) => {
    const double = await installVaultDouble()
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const u = await newUser()
    const thing = await newThing(u)
    double.fail(fail[0], [...fail[1]])
    const before = await countAll()
    expectError(
      await vault('POST', '/certs', { token: u.token, json: { thing_id: thing.id } }),
      status,
      msg
    )
    expect(await countAll()).toEqual(before)
    if (status >= 500) expect(logged).toHaveBeenCalled()
  })

  it('503 when Vault answers 200 without the documented fields', async () => {
    const double = await installVaultDouble()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const u = await newUser()
    const thing = await newThing(u)
    double.answer(() => new Response('{"data":{"certificate":""}}', { status: 200 }))
    expectError(
      await vault('POST', '/certs', { token: u.token, json: { thing_id: thing.id } }),
      503
    )
  })

  it('POST /certs/csr goes to POST /v1/{pki}/sign/{role}', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const csr = (
      await Pkcs10CertificateRequestGenerator.create({
        name: 'CN=device',
        keys,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
      })
    ).toString('pem')
    const res = await vault('POST', '/certs/csr', {
      token: u.token,
      json: { thing_id: thing.id, csr, ttl: '1h' },
    })
    expect(res.status, res.text).toBe(201)
    expect(double.calls[0]).toMatchObject({
      path: '/v1/pki_int/sign/mainflux',
      body: { csr, common_name: thing.key, ttl: '3600s' },
    })
    expect(res.body.cert_key).toBeUndefined()
    expect(await certRow(res.body.serial)).toMatchObject({ key_type: 'ec', key_bits: 384 })
  })

  it("a role that takes the CSR's CN is caught: the certificate is revoked, nothing recorded, 500", async () => {
    const double = await installVaultDouble()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    double.role.useCsrCommonName = true
    const u = await newUser()
    const mine = await newThing(u)
    const theirs = await newThing(await newUser())
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    // A CSR naming another owner's thing key: an mTLS identity for that thing if Vault obeys it.
    const csr = (
      await Pkcs10CertificateRequestGenerator.create({
        name: `CN=${theirs.key}`,
        keys,
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      })
    ).toString('pem')
    const before = await countAll()
    const res = await vault('POST', '/certs/csr', {
      token: u.token,
      json: { thing_id: mine.id, csr },
    })
    expectError(res, 500, 'certificate authority (Vault) misconfigured')
    expect(await countAll()).toEqual(before)
    const signed = double.calls.find((c) => c.path === '/v1/pki_int/sign/mainflux')
    expect(signed).toBeDefined()
    const revokes = double.calls.filter((c) => c.path === '/v1/pki_int/revoke')
    expect(revokes).toHaveLength(1)
  })

  it('a certificate from Vault with subject alternative names is revoked and refused', async () => {
    const double = await installVaultDouble()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const u = await newUser()
    const thing = await newThing(u)
    double.answer(async () => {
      const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ])) as CryptoKeyPair
      const cert = await X509CertificateGenerator.create({
        serialNumber: '0a0b0c0d',
        subject: `CN=${thing.key}`,
        issuer: double.ca.cert.subjectName,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 3_600_000),
        publicKey: keys.publicKey,
        signingKey: double.ca.privateKey,
        signingAlgorithm: double.ca.signingAlgorithm,
        extensions: [
          new SubjectAlternativeNameExtension([{ type: 'dns', value: 'bank.example.com' }]),
        ],
      })
      return Response.json({
        data: {
          certificate: cert.toString('pem'),
          issuing_ca: double.issuer.cert,
          private_key: 'unused',
          serial_number: '0a:0b:0c:0d',
          expiration: Math.floor(cert.notAfter.getTime() / 1000),
        },
      })
    })
    const before = await countAll()
    expectError(
      await vault('POST', '/certs', { token: u.token, json: { thing_id: thing.id } }),
      500,
      /misconfigured/
    )
    expect(await countAll()).toEqual(before)
    expect(
      double.calls.filter((c) => c.path === '/v1/pki_int/revoke').map((c) => c.body.serial_number)
    ).toEqual(['0a:0b:0c:0d'])
  })

  it('a thing removed while Vault issues: nothing recorded, the certificate revoked, 404', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    double.hooks.push(async (call) => {
      if (call.path === '/v1/pki_int/issue/mainflux') {
        await env.DB.prepare('DELETE FROM things WHERE id = ?').bind(thing.id).run()
      }
    })
    const res = await vault('POST', '/certs', { token: u.token, json: { thing_id: thing.id } })
    expectError(res, 404)
    expect(
      (await env.DB.prepare('SELECT COUNT(*) AS n FROM certs WHERE thing_id = ?')
        .bind(thing.id)
        .first<{ n: number }>())!.n
    ).toBe(0)
    expect(double.calls.filter((c) => c.path === '/v1/pki_int/revoke')).toHaveLength(1)
  })

  it('a forged CSR is refused before Vault is asked', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    expectError(
      await vault('POST', '/certs/csr', {
        token: u.token,
        json: { thing_id: thing.id, csr: 'junk' },
      }),
      400
    )
    expect(double.calls).toHaveLength(0)
  })

  it('500 when MF_CERTS_VAULT_HOST is set without a token', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const u = await newUser()
    const thing = await newThing(u)
    const res = await apiWith({ ...VAULT_ENV, MF_CERTS_VAULT_TOKEN: '' }, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expectError(res, 500)
    expect(
      String(errors.mock.calls.flat().map((e) => (e instanceof Error ? e.message : e)))
    ).toMatch(/MF_CERTS_VAULT_TOKEN/)
  })
})

describe('Vault PKI mode: revocation and CRL', () => {
  async function issued(u: { id: string; token: string }, thingId: string) {
    const res = await vault('POST', '/certs', { token: u.token, json: { thing_id: thingId } })
    expect(res.status, res.text).toBe(200)
    return res.body as { serial: string }
  }

  it("DELETE /certs/{serial} revokes in Vault (colon form) and records Vault's time; again is a no-op", async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    const { serial } = await issued(u, thing.id)
    const res = await vault('DELETE', `/certs/${serial}`, { token: u.token })
    expect(res.status, res.text).toBe(200)
    const revokeCall = double.calls.at(-1)!
    expect(revokeCall).toMatchObject({
      path: '/v1/pki_int/revoke',
      body: { serial_number: serial.match(/../g)!.join(':') },
    })
    const vaultTime = double.revoked.get(revokeCall.body.serial_number)! * 1000
    expect(res.body.RevocationTime).toBe(new Date(vaultTime).toISOString())
    expect((await certRow(serial))!.revoked_at).toBe(vaultTime)

    const calls = double.calls.length
    const again = await vault('DELETE', `/certs/${serial}`, { token: u.token })
    expect(again.body.RevocationTime).toBe(res.body.RevocationTime)
    expect(double.calls).toHaveLength(calls)
  })

  it('an expired certificate is marked revoked without asking Vault', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    const serial = 'abcdef0123456789'
    await env.DB.prepare(
      'INSERT INTO certs (serial, thing_id, owner, key_type, key_bits, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)'
    )
      .bind(serial, thing.id, u.id, 'ec', 256, Date.now() - 7_200_000, Date.now() - 3_600_000)
      .run()
    const res = await vault('DELETE', `/certs/${serial}`, { token: u.token })
    expect(res.status, res.text).toBe(200)
    expect(double.calls).toHaveLength(0)
    expect((await certRow(serial))!.revoked_at).not.toBeNull()
  })

  it('503 and nothing recorded when Vault cannot revoke', async () => {
    const double = await installVaultDouble()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const u = await newUser()
    const thing = await newThing(u)
    const { serial } = await issued(u, thing.id)
    double.fail('network')
    expectError(await vault('DELETE', `/certs/${serial}`, { token: u.token }), 503)
    expect((await certRow(serial))!.revoked_at).toBeNull()
  })

  it('DELETE /certs/revoke revokes each live certificate in Vault; a partial failure records what Vault did', async () => {
    const double = await installVaultDouble()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const u = await newUser()
    const thing = await newThing(u)
    const a = await issued(u, thing.id)
    const b = await issued(u, thing.id)

    double.fail(503, ['Vault is sealed'])
    expectError(
      await vault('DELETE', '/certs/revoke', { token: u.token, json: { thing_id: thing.id } }),
      503
    )
    const rows = [await certRow(a.serial), await certRow(b.serial)]
    expect(rows.filter((r) => r!.revoked_at !== null)).toHaveLength(1)

    const res = await vault('DELETE', '/certs/revoke', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(res.status, res.text).toBe(200)
    expect(res.body.serials).toHaveLength(1)
    expect((await certRow(a.serial))!.revoked_at).not.toBeNull()
    expect((await certRow(b.serial))!.revoked_at).not.toBeNull()
    const revokes = double.calls.filter((c) => c.path === '/v1/pki_int/revoke')
    expect(revokes).toHaveLength(3)
  })

  it("GET /certs/crl is Vault's CRL (DER and PEM); 503 when Vault is down", async () => {
    const double = await installVaultDouble()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const der = await vault('GET', '/certs/crl')
    expect(der.status).toBe(200)
    expect(der.headers.get('content-type')).toBe('application/pkix-crl')
    const pem = await vault('GET', '/certs/crl?format=pem')
    expect(pem.text).toContain('VAULTCRL')
    expect(double.calls.map((c) => c.path)).toEqual(['/v1/pki_int/crl', '/v1/pki_int/crl/pem'])
    double.fail(502)
    expectError(await vault('GET', '/certs/crl'), 503)
  })

  it('DELETE /certs/revoke marks only what Vault revoked (a certificate issued meanwhile stays valid)', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    const a = await issued(u, thing.id)
    let late: string | undefined
    double.hooks.push(async (call) => {
      if (call.path === '/v1/pki_int/revoke' && !late) {
        // A POST /certs landing while the revocations run: Vault never revokes it.
        late = '7'.padEnd(32, 'e')
        await env.DB.prepare(
          'INSERT INTO certs (serial, thing_id, owner, key_type, key_bits, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)'
        )
          .bind(late, thing.id, u.id, 'ec', 256, Date.now(), Date.now() + 3_600_000)
          .run()
      }
    })
    const res = await vault('DELETE', '/certs/revoke', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(res.status, res.text).toBe(200)
    expect(res.body.serials).toEqual([a.serial])
    expect((await certRow(a.serial))!.revoked_at).not.toBeNull()
    expect((await certRow(late!))!.revoked_at).toBeNull()
  })

  it('DELETE /things/{id} revokes its certificates in Vault too', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    const issued = await vault('POST', '/certs', { token: u.token, json: { thing_id: thing.id } })
    expect(issued.status, issued.text).toBe(200)
    const del = await vault('DELETE', `/things/${thing.id}`, { token: u.token })
    expect(del.status, del.text).toBe(204)
    const revokes = double.calls.filter((c) => c.path === '/v1/pki_int/revoke')
    expect(revokes.map((c) => c.body.serial_number)).toEqual([
      issued.body.serial.match(/../g).join(':'),
    ])
    expect((await certRow(issued.body.serial))!.revoked_at).not.toBeNull()
  })

  it('syncRevocations (for thing removal) revokes the given serials in Vault', async () => {
    const double = await installVaultDouble()
    const config = loadConfig({ ...env, ...VAULT_ENV })
    const db = createDb(env.DB)
    const service = makeCertsService({ db, read: db, config, waitUntil: () => {} })
    expect(service.usesVault).toBe(true)
    await service.syncRevocations(['0a1b2c', 'ff00'])
    expect(double.calls.map((c) => c.body.serial_number)).toEqual(['0a:1b:2c', 'ff:00'])
    // With the built-in CA there is nothing to tell anyone.
    const local = makeCertsService({
      db,
      read: db,
      config: loadConfig({ ...env }),
      waitUntil: () => {},
    })
    await local.syncRevocations(['0a1b2c'])
    expect(double.calls).toHaveLength(2)
  })
})
