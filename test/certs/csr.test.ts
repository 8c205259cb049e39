import {
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  PemConverter,
  Pkcs10CertificateRequestGenerator,
  X509Certificate,
} from '@peculiar/x509'
import { describe, expect, it } from 'vitest'
import { toHex } from '../../src/lib/crypto'
import { api, countAll, expectError, newUser } from '../helpers'
import { certRow, expectLeaf, newThing, oneLine } from './fixtures'

const EC = { name: 'ECDSA', namedCurve: 'P-256' }
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' }
const RSA = (bits: number) => ({
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: bits,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
})

async function keyPair(alg: object) {
  return (await crypto.subtle.generateKey(alg as SubtleCryptoGenerateKeyAlgorithm, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
}

/** A device's CSR asking for things we do not grant (its own CN, serverAuth). */
async function deviceCsr(
  keys: CryptoKeyPair,
  signingAlgorithm: SubtleCryptoSignAlgorithm = EC_SIGN
) {
  const csr = await Pkcs10CertificateRequestGenerator.create({
    name: 'CN=i-choose-my-own-name, O=Evil',
    keys,
    signingAlgorithm,
    extensions: [new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth])],
  })
  return csr.toString('pem')
}

const spki = async (key: CryptoKey) =>
  toHex((await crypto.subtle.exportKey('spki', key)) as ArrayBuffer)

describe('POST /certs/csr', () => {
  it("certifies the device's own key under our CN and usages, returning no private key", async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const keys = await keyPair(EC)
    const res = await api('POST', '/certs/csr', {
      token: u.token,
      json: { thing_id: thing.id, csr: await deviceCsr(keys), ttl: '24h' },
    })
    expect(res.status, res.text).toBe(201)
    const b = res.body
    expect(b.cert_key).toBeUndefined()
    expect(b.client_key).toBeUndefined()
    expect(b.client_cert).toBe(b.cert)
    expect(res.headers.get('Location')).toBe(`/certs/serial/${b.serial}`)
    const cert = await expectLeaf(b.cert, { cn: thing.key, rsa: false, serial: b.serial })
    expect(toHex(cert.publicKey.rawData)).toBe(await spki(keys.publicKey))
    expect(cert.subject).not.toContain('Evil')
    expect(Math.abs(cert.notAfter.getTime() - Date.now() - 24 * 3_600_000)).toBeLessThan(5_000)
    expect(await certRow(b.serial)).toMatchObject({
      thing_id: thing.id,
      owner: u.id,
      key_type: 'ec',
      key_bits: 256,
    })
  })

  it('certifies an RSA CSR (with keyEncipherment) and accepts PEM with literal \\n', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const keys = await keyPair(RSA(2048))
    const csr = oneLine(await deviceCsr(keys, { name: 'RSASSA-PKCS1-v1_5' }))
    const res = await api('POST', '/certs/csr', {
      token: u.token,
      json: { thing_id: thing.id, csr },
    })
    expect(res.status, res.text).toBe(201)
    const cert = await expectLeaf(res.body.cert, { cn: thing.key, rsa: true })
    expect(toHex(cert.publicKey.rawData)).toBe(await spki(keys.publicKey))
    expect(await certRow(res.body.serial)).toMatchObject({ key_type: 'rsa', key_bits: 2048 })
  })

  it('400 for a forged CSR (signed by another key than the one it names), writing nothing', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const victim = await keyPair(EC)
    const attacker = await keyPair(EC)
    const forged = await deviceCsr({ publicKey: victim.publicKey, privateKey: attacker.privateKey })
    const before = await countAll()
    expectError(
      await api('POST', '/certs/csr', {
        token: u.token,
        json: { thing_id: thing.id, csr: forged },
      }),
      400,
      'csr signature does not verify'
    )
    expect(await countAll()).toEqual(before)
  })

  it('400 for a CSR whose signature bytes were altered', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const der = new Uint8Array(PemConverter.decodeFirst(await deviceCsr(await keyPair(EC))))
    der[der.length - 5]! ^= 0x01
    const tampered = PemConverter.encode(der.buffer, 'CERTIFICATE REQUEST')
    expectError(
      await api('POST', '/certs/csr', {
        token: u.token,
        json: { thing_id: thing.id, csr: tampered },
      }),
      400,
      /csr/
    )
  })

  it.each([
    { desc: 'garbage', csr: 'hello', msg: /not a PEM certificate request/ },
    { desc: 'a certificate instead of a CSR', csr: 'CERT', msg: /not a PEM certificate request/ },
    { desc: 'an empty csr', csr: '', msg: /csr is required/ },
    { desc: 'an RSA-1024 key', csr: 'RSA1024', msg: /csr key must be/ },
  ])('400 for $desc', async ({ csr, msg }) => {
    const u = await newUser()
    const thing = await newThing(u)
    let pem = csr
    if (csr === 'CERT')
      pem = (await api('POST', '/certs', { token: u.token, json: { thing_id: thing.id } })).body
        .cert
    if (csr === 'RSA1024')
      pem = await deviceCsr(await keyPair(RSA(1024)), { name: 'RSASSA-PKCS1-v1_5' })
    const before = await countAll()
    expectError(
      await api('POST', '/certs/csr', { token: u.token, json: { thing_id: thing.id, csr: pem } }),
      400,
      msg
    )
    expect(await countAll()).toEqual(before)
  })

  it("404 for an unknown or another owner's thing, 401 without a token, 415 without JSON", async () => {
    const u = await newUser()
    const other = await newUser()
    const theirs = await newThing(other)
    const csr = await deviceCsr(await keyPair(EC))
    const before = await countAll()
    expectError(
      await api('POST', '/certs/csr', { token: u.token, json: { thing_id: theirs.id, csr } }),
      404
    )
    expectError(
      await api('POST', '/certs/csr', {
        token: u.token,
        json: { thing_id: crypto.randomUUID(), csr },
      }),
      404
    )
    expectError(await api('POST', '/certs/csr', { json: { thing_id: theirs.id, csr } }), 401)
    expectError(
      await api('POST', '/certs/csr', {
        token: u.token,
        body: JSON.stringify({ thing_id: theirs.id, csr }),
      }),
      415
    )
    expect(await countAll()).toEqual(before)
  })

  it('the issued certificate chains to the CA the answer names', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const res = await api('POST', '/certs/csr', {
      token: u.token,
      json: { thing_id: thing.id, csr: await deviceCsr(await keyPair(EC)) },
    })
    const cert = new X509Certificate(res.body.cert)
    expect(await cert.verify({ publicKey: new X509Certificate(res.body.ca_cert).publicKey })).toBe(
      true
    )
  })
})
