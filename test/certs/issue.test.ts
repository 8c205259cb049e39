import { KeyUsageFlags, X509Certificate } from '@peculiar/x509'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCa } from '../../scripts/dev-ca.mjs'
import { api, countAll, expectError, newUser } from '../helpers'
import { countingD1 } from '../things/helpers'
import {
  apiWith,
  certRow,
  expectLeaf,
  issue,
  keyMatchesCert,
  newThing,
  oneLine,
  testCa,
} from './fixtures'

const HOUR = 3_600_000

afterEach(() => vi.restoreAllMocks())

describe('POST /certs', () => {
  it('issues an EC P-256 certificate by default, with every field name clients read', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const before = Date.now()
    const res = await api('POST', '/certs', { token: u.token, json: { thing_id: thing.id } })
    expect(res.status, res.text).toBe(200)
    const b = res.body
    expect(b.thing_id).toBe(thing.id)
    expect(b.client_cert).toBe(b.cert)
    expect(b.client_key).toBe(b.cert_key)
    expect(b.issuing_ca).toBe(b.ca_cert)
    expect(b.serial).toBe(b.cert_serial)
    expect(b.serial).toMatch(/^[0-9a-f]{32}$/)
    expect(res.headers.get('Location')).toBe(`/certs/serial/${b.serial}`)
    expect(new X509Certificate(b.ca_cert).equal(testCa())).toBe(true)

    const cert = await expectLeaf(b.cert, { cn: thing.key, rsa: false, serial: b.serial })
    expect(cert.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' })
    expect(await keyMatchesCert(b.cert, b.cert_key)).toBe(true)

    // Validity: backdated a little, 2400h (MF_CERTS_DEFAULT_TTL) long, `expire` is notAfter.
    expect(cert.notBefore.getTime()).toBeLessThanOrEqual(before)
    expect(cert.notBefore.getTime()).toBeGreaterThan(before - 60_000)
    expect(Math.abs(cert.notAfter.getTime() - (before + 2400 * HOUR))).toBeLessThan(5_000)
    expect(b.expire).toBe(cert.notAfter.toISOString())

    const row = await certRow(b.serial)
    expect(row).toMatchObject({
      thing_id: thing.id,
      owner: u.id,
      key_type: 'ec',
      key_bits: 256,
      expires_at: cert.notAfter.getTime(),
      revoked_at: null,
    })
    // No key material in D1.
    const stored = JSON.stringify(row)
    expect(stored).not.toContain('BEGIN')
    expect(stored).not.toContain(b.cert_key.split('\n')[1])
  })

  it.each([
    { desc: 'rsa default size', json: { key_type: 'rsa' }, type: 'rsa', bits: 2048 },
    { desc: 'rsa 3072', json: { key_type: 'rsa', key_bits: 3072 }, type: 'rsa', bits: 3072 },
    {
      desc: 'only key_bits 4096 (0.12.1 provision) means RSA',
      json: { key_bits: 4096 },
      type: 'rsa',
      bits: 4096,
    },
    { desc: 'rsa_bits alias', json: { key_type: 'rsa', rsa_bits: 2048 }, type: 'rsa', bits: 2048 },
    { desc: 'ec with key_bits 0', json: { key_type: 'ec', key_bits: 0 }, type: 'ec', bits: 256 },
    { desc: 'ecdsa 384', json: { key_type: 'ecdsa', key_bits: 384 }, type: 'ec', bits: 384 },
    { desc: 'EC in capitals, 521', json: { key_type: 'EC', key_bits: 521 }, type: 'ec', bits: 521 },
    {
      desc: 'empty key_type with 384',
      json: { key_type: '', key_bits: 384 },
      type: 'ec',
      bits: 384,
    },
    { desc: 'ed25519', json: { key_type: 'ed25519' }, type: 'ed25519', bits: 256 },
  ])('key $desc → $type $bits', async ({ json, type, bits }) => {
    const u = await newUser()
    const thing = await newThing(u)
    const b = await issue(u.token, { thing_id: thing.id, ...json })
    const cert = await expectLeaf(b.cert, { cn: thing.key, rsa: type === 'rsa' })
    const alg = cert.publicKey.algorithm as {
      name: string
      modulusLength?: number
      namedCurve?: string
    }
    if (type === 'rsa')
      expect(alg).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', modulusLength: bits })
    if (type === 'ec') expect(alg).toMatchObject({ name: 'ECDSA', namedCurve: `P-${bits}` })
    if (type === 'ed25519') expect(alg.name).toBe('Ed25519')
    expect(await keyMatchesCert(b.cert, b.cert_key!)).toBe(true)
    expect(await certRow(b.serial)).toMatchObject({ key_type: type, key_bits: bits })
  })

  it.each([
    { desc: 'ttl as Go duration', json: { ttl: '10h' }, ms: 10 * HOUR },
    { desc: 'ttl as bare seconds string (Vault rule)', json: { ttl: '3600' }, ms: HOUR },
    { desc: 'ttl as number of seconds', json: { ttl: 7200 }, ms: 2 * HOUR },
    { desc: '0.12.1 valid', json: { valid: '1h30m' }, ms: 1.5 * HOUR },
    {
      desc: 'valid as digits in a string: hours (mainflux-cli --ttl)',
      json: { valid: '8760' },
      ms: 8760 * HOUR,
    },
    { desc: 'valid as a JSON number: seconds', json: { valid: 5400 }, ms: 1.5 * HOUR },
    {
      desc: 'ttl in seconds and valid in hours that agree',
      json: { ttl: '7200', valid: '2' },
      ms: 2 * HOUR,
    },
    { desc: 'days_valid as days', json: { days_valid: '2' }, ms: 48 * HOUR },
    { desc: 'days_valid as duration', json: { days_valid: '5h' }, ms: 5 * HOUR },
    { desc: 'ttl and valid that agree', json: { ttl: '1h', valid: '60m' }, ms: HOUR },
  ])('validity from $desc', async ({ json, ms }) => {
    const u = await newUser()
    const thing = await newThing(u)
    const before = Date.now()
    const b = await issue(u.token, { thing_id: thing.id, ...json })
    const cert = new X509Certificate(b.cert)
    expect(Math.abs(cert.notAfter.getTime() - (before + ms))).toBeLessThan(5_000)
    expect(Date.parse(b.expire)).toBe(cert.notAfter.getTime())
  })

  it('costs one D1 round trip (ownership check and record in one batch) with a login token', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const { db, counter } = countingD1(env.DB)
    const res = await apiWith({ DB: db }, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(res.status, res.text).toBe(200)
    expect(counter.calls).toBe(1)
    expect(await certRow(res.body.serial)).not.toBeNull()
  })

  it('accepts an API key and the raw 0.12.1 Authorization value', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const key = await api('POST', '/keys', { token: u.token, json: { type: 2 } })
    expect(key.status).toBe(201)
    const viaKey = await api('POST', '/certs', {
      token: key.body.value,
      json: { thing_id: thing.id },
    })
    expect(viaKey.status, viaKey.text).toBe(200)
    const raw = await api('POST', '/certs', { auth: u.token, json: { thing_id: thing.id } })
    expect(raw.status, raw.text).toBe(200)
  })

  it('401 without or with an invalid token, writing nothing', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const before = await countAll()
    expectError(await api('POST', '/certs', { json: { thing_id: thing.id } }), 401)
    expectError(await api('POST', '/certs', { token: 'nope', json: { thing_id: thing.id } }), 401)
    expect(await countAll()).toEqual(before)
  })

  it("404 for an unknown thing and for another owner's thing, writing nothing", async () => {
    const u = await newUser()
    const other = await newUser()
    const theirs = await newThing(other)
    const before = await countAll()
    expectError(
      await api('POST', '/certs', { token: u.token, json: { thing_id: crypto.randomUUID() } }),
      404
    )
    expectError(await api('POST', '/certs', { token: u.token, json: { thing_id: theirs.id } }), 404)
    expect(await countAll()).toEqual(before)
  })

  it.each([
    { desc: 'missing thing_id', json: { thing_id: undefined }, msg: /thing_id/ },
    { desc: 'empty thing_id', json: { thing_id: '' }, msg: /thing_id/ },
    { desc: 'unknown key_type', json: { key_type: 'dsa' }, msg: /key_type must be/ },
    {
      desc: 'RSA below 2048',
      json: { key_type: 'rsa', key_bits: 1024 },
      msg: /2048, 3072 or 4096/,
    },
    { desc: 'RSA 8192', json: { key_type: 'rsa', key_bits: 8192 }, msg: /2048, 3072 or 4096/ },
    { desc: 'EC 224', json: { key_type: 'ec', key_bits: 224 }, msg: /256, 384 or 521/ },
    { desc: 'ed25519 with a size', json: { key_type: 'ed25519', key_bits: 2048 }, msg: /Ed25519/ },
    { desc: 'bits alone that fit no type', json: { key_bits: 1000 }, msg: /key_bits/ },
    {
      desc: 'key_bits and rsa_bits disagree',
      json: { key_bits: 2048, rsa_bits: 4096 },
      msg: /disagree/,
    },
    { desc: 'negative key_bits', json: { key_bits: -1 }, msg: /key_bits/ },
    { desc: 'key_bits as string', json: { key_bits: '2048' }, msg: /key_bits/ },
    { desc: 'ttl with a d unit', json: { ttl: '10d' }, msg: /ttl.*not a duration/ },
    { desc: 'zero ttl', json: { ttl: '0' }, msg: /ttl.*positive/ },
    { desc: 'ttl and valid disagree', json: { ttl: '1h', valid: '2h' }, msg: /disagree/ },
    {
      desc: 'the same digits in ttl (seconds) and valid (hours)',
      json: { ttl: '3600', valid: '3600' },
      msg: /disagree/,
    },
    { desc: 'zero valid', json: { valid: '0' }, msg: /valid.*positive/ },
    { desc: 'negative ttl number', json: { ttl: -5 }, msg: /ttl/ },
  ])('400 for $desc, writing nothing', async ({ json, msg }) => {
    const u = await newUser()
    const thing = await newThing(u)
    const before = await countAll()
    expectError(
      await api('POST', '/certs', { token: u.token, json: { thing_id: thing.id, ...json } }),
      400,
      msg
    )
    expect(await countAll()).toEqual(before)
  })

  it('400 for malformed JSON, 415 without a JSON content type', async () => {
    const u = await newUser()
    expectError(
      await api('POST', '/certs', {
        token: u.token,
        body: '{"thing_id":',
        headers: { 'Content-Type': 'application/json' },
      }),
      400
    )
    expectError(await api('POST', '/certs', { token: u.token, body: '{"thing_id":"x"}' }), 415)
  })

  it('accepts application/json with a charset (0.12.1 demanded the exact type)', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const res = await api('POST', '/certs', {
      token: u.token,
      body: JSON.stringify({ thing_id: thing.id }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    })
    expect(res.status, res.text).toBe(200)
  })
})

describe('certificate authority settings', () => {
  it('MF_CERTS_CN=thing_id puts the thing id in the CN', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const res = await apiWith({ MF_CERTS_CN: 'thing_id' }, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(res.status, res.text).toBe(200)
    await expectLeaf(res.body.cert, { cn: thing.id, rsa: false })
  })

  it('MF_CERTS_DEFAULT_TTL sets the default validity', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const before = Date.now()
    const res = await apiWith({ MF_CERTS_DEFAULT_TTL: '48h' }, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(res.status, res.text).toBe(200)
    expect(Math.abs(Date.parse(res.body.expire) - (before + 48 * HOUR))).toBeLessThan(5_000)
  })

  it('accepts CA PEMs written with literal \\n sequences (.dev.vars, one-line secrets)', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const res = await apiWith(
      {
        MF_CERTS_CA_CERT: oneLine(env.MF_CERTS_CA_CERT),
        MF_CERTS_CA_KEY: oneLine(env.MF_CERTS_CA_KEY),
      },
      'POST',
      '/certs',
      { token: u.token, json: { thing_id: thing.id } }
    )
    expect(res.status, res.text).toBe(200)
    await expectLeaf(res.body.cert, { cn: thing.key, rsa: false })
  })

  it("never issues past the CA certificate's own expiry", async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + 2 * HOUR)
    const ca = await createCa(crypto, { name: 'Short CA', notAfter })
    const res = await apiWith(
      { MF_CERTS_CA_CERT: ca.cert, MF_CERTS_CA_KEY: ca.key },
      'POST',
      '/certs',
      {
        token: u.token,
        json: { thing_id: thing.id, ttl: '100h' },
      }
    )
    expect(res.status, res.text).toBe(200)
    const cert = await expectLeaf(res.body.cert, {
      cn: thing.key,
      rsa: false,
      ca: new X509Certificate(ca.cert),
    })
    expect(cert.notAfter.getTime()).toBe(notAfter.getTime())
    expect(res.body.expire).toBe(notAfter.toISOString())
  })

  it.each([
    { desc: 'an RSA CA', type: 'rsa' as const, sig: 'RSASSA-PKCS1-v1_5' },
    { desc: 'an Ed25519 CA', type: 'ed25519' as const, sig: 'Ed25519' },
  ])('signs with $desc', async ({ type, sig }) => {
    const u = await newUser()
    const thing = await newThing(u)
    const ca = await createCa(crypto, { name: `${type} CA`, type })
    const res = await apiWith(
      { MF_CERTS_CA_CERT: ca.cert, MF_CERTS_CA_KEY: ca.key },
      'POST',
      '/certs',
      {
        token: u.token,
        json: { thing_id: thing.id },
      }
    )
    expect(res.status, res.text).toBe(200)
    const cert = await expectLeaf(res.body.cert, {
      cn: thing.key,
      rsa: false,
      ca: new X509Certificate(ca.cert),
    })
    expect((cert.signatureAlgorithm as unknown as { name: string }).name).toBe(sig)
  })

  it.each([
    {
      desc: 'a key that does not match the certificate',
      env: async () => ({ MF_CERTS_CA_KEY: (await createCa(crypto)).key }),
      log: /does not match/,
    },
    {
      desc: 'a key of another type than the certificate',
      env: async () => ({ MF_CERTS_CA_KEY: (await createCa(crypto, { type: 'ed25519' })).key }),
      log: /not a key of the certificate's type, ECDSA/,
    },
    {
      desc: 'a certificate that is not a CA',
      env: async () => {
        const ca = await createCa(crypto, { isCa: false })
        return { MF_CERTS_CA_CERT: ca.cert, MF_CERTS_CA_KEY: ca.key }
      },
      log: /not a CA certificate/,
    },
    {
      desc: 'a CA whose keyUsage lacks cRLSign (its CRLs would be refused)',
      env: async () => {
        const ca = await createCa(crypto, {
          keyUsage: KeyUsageFlags.keyCertSign | KeyUsageFlags.digitalSignature,
        })
        return { MF_CERTS_CA_CERT: ca.cert, MF_CERTS_CA_KEY: ca.key }
      },
      log: /lacks cRLSign/,
    },
    {
      desc: 'an expired CA',
      env: async () => {
        const ca = await createCa(crypto, {
          notBefore: new Date(Date.now() - 48 * HOUR),
          notAfter: new Date(Date.now() - HOUR),
        })
        return { MF_CERTS_CA_CERT: ca.cert, MF_CERTS_CA_KEY: ca.key }
      },
      log: /expired/,
    },
    {
      desc: 'a key that is not PEM',
      env: async () => ({ MF_CERTS_CA_KEY: 'not a key' }),
      log: /MF_CERTS_CA_KEY is not a PKCS#8 PEM key/,
    },
    {
      desc: 'no CA at all',
      env: async () => ({ MF_CERTS_CA_CERT: undefined, MF_CERTS_CA_KEY: '' }),
      log: /must both be set/,
    },
  ])(
    '500 with the reason in the log for $desc, writing nothing',
    async ({ env: overrides, log }) => {
      const u = await newUser()
      const thing = await newThing(u)
      const settings = await overrides()
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
      const before = await countAll()
      const res = await apiWith(settings, 'POST', '/certs', {
        token: u.token,
        json: { thing_id: thing.id },
      })
      expectError(res, 500, 'certificate authority misconfigured')
      expect(await countAll()).toEqual(before)
      const logged = errors.mock.calls.map((args) =>
        args
          .map((a) => (a instanceof Error ? `${a.message} ${a.cause ?? ''}` : String(a)))
          .join(' ')
      )
      expect(logged.join('\n')).toMatch(log)
      // The CRL is signed by the same CA: it fails the same way.
      expectError(await apiWith(settings, 'GET', '/certs/crl'), 500)
    }
  )
})
