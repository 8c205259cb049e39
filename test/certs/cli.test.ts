// mainflux-cli 0.12.1 `certs issue` and the 0.12.1 Go SDK it is built on, byte for byte. The SDK's
// IssueCert marshals a struct { thing_id, key_bits, key_type, encryption, valid } (all strings but
// key_bits, no omitempty, in that order), POSTs it to {certs_url}/certs with the token as the raw
// Authorization value, accepts only 200, and unmarshals client_cert, client_key and issuing_ca.
// The CLI fills it from `certs issue <thing_id> <token> [--keysize=2048] [--keytype=rsa]
// [--ttl=8760]`, --ttl in hours, formatted as a decimal string.
import { X509Certificate } from '@peculiar/x509'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ApiOptions } from '../helpers'
import { api, countAll, expectError, newUser } from '../helpers'
import { apiWith, certRow, expectLeaf, keyMatchesCert, newThing, testCa } from './fixtures'
import { installVaultDouble, VAULT_ENV } from './vault-double'

const HOUR = 3_600_000
/** notBefore lies this far before issue (clock skew): notAfter - notBefore = asked + this. */
const BACKDATE_MS = 30_000

afterEach(() => vi.restoreAllMocks())

/** The request body exactly as Go's encoding/json marshals the 0.12.1 SDK's certReq. */
function sdkIssueBody(thingId: string, keyBits: number, keyType: string, valid: string): string {
  return (
    `{"thing_id":${JSON.stringify(thingId)},"key_bits":${keyBits},` +
    `"key_type":${JSON.stringify(keyType)},"encryption":"","valid":${JSON.stringify(valid)}}`
  )
}

/** The headers the 0.12.1 SDK sends: the token as is (no scheme) and exactly application/json. */
function sdkRequest(token: string, body: string): ApiOptions {
  return {
    auth: token,
    body,
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'Go-http-client/1.1' },
  }
}

/** `certs issue <thing_id> <token> --keysize --keytype --ttl`, sent as the CLI's SDK sends it. */
function cliIssue(
  token: string,
  thingId: string,
  flags: { keysize: number; keytype: string; ttl: number },
  overrides?: Record<string, unknown>
) {
  const opts = sdkRequest(
    token,
    sdkIssueBody(thingId, flags.keysize, flags.keytype, String(flags.ttl))
  )
  return overrides ? apiWith(overrides, 'POST', '/certs', opts) : api('POST', '/certs', opts)
}

/** What the SDK's Cert struct keeps of the answer (tags issuing_ca, client_key, client_cert). */
function sdkCert(body: Record<string, unknown>) {
  const { issuing_ca, client_key, client_cert } = body
  for (const v of [issuing_ca, client_key, client_cert]) {
    expect(typeof v).toBe('string')
    expect(v).not.toBe('')
  }
  return {
    issuingCa: issuing_ca as string,
    clientKey: client_key as string,
    clientCert: client_cert as string,
  }
}

const EC_YEAR = { keysize: 256, keytype: 'ec', ttl: 8760 }

describe('mainflux-cli 0.12.1: certs issue', () => {
  it('--keytype=ec --keysize=256 (default --ttl=8760): 200, a one-year certificate', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const before = Math.floor(Date.now() / 1000) * 1000
    const res = await cliIssue(u.token, thing.id, EC_YEAR)
    expect(res.status, res.text).toBe(200)

    const c = sdkCert(res.body)
    expect(new X509Certificate(c.issuingCa).equal(testCa())).toBe(true)
    const cert = await expectLeaf(c.clientCert, { cn: thing.key, rsa: false })
    expect(cert.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' })
    expect(await keyMatchesCert(c.clientCert, c.clientKey)).toBe(true)

    // --ttl is hours: 8760 h from the moment of issue, plus the backdated start.
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(8760 * HOUR + BACKDATE_MS)
    expect(cert.notAfter.getTime() - before).toBeGreaterThanOrEqual(8760 * HOUR)
    expect(cert.notAfter.getTime() - before).toBeLessThan(8760 * HOUR + 5_000)
    expect(await certRow(res.body.serial)).toMatchObject({
      thing_id: thing.id,
      key_type: 'ec',
      key_bits: 256,
      expires_at: cert.notAfter.getTime(),
    })
  })

  it('the defaults (--keysize=2048 --keytype=rsa --ttl=8760): RSA-2048 for a year', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const res = await cliIssue(u.token, thing.id, { keysize: 2048, keytype: 'rsa', ttl: 8760 })
    expect(res.status, res.text).toBe(200)
    const c = sdkCert(res.body)
    const cert = await expectLeaf(c.clientCert, { cn: thing.key, rsa: true })
    const alg = cert.publicKey.algorithm
    expect(alg).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048 })
    expect(await keyMatchesCert(c.clientCert, c.clientKey)).toBe(true)
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(8760 * HOUR + BACKDATE_MS)
  })

  it.each([1, 24, 720])('--ttl=%i gives that many hours', async (hours) => {
    const u = await newUser()
    const thing = await newThing(u)
    const res = await cliIssue(u.token, thing.id, { ...EC_YEAR, ttl: hours })
    expect(res.status, res.text).toBe(200)
    const cert = new X509Certificate(sdkCert(res.body).clientCert)
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(hours * HOUR + BACKDATE_MS)
  })

  it('in Vault mode the same request asks Vault for 8760 hours', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    const res = await cliIssue(u.token, thing.id, EC_YEAR, VAULT_ENV)
    expect(res.status, res.text).toBe(200)
    expect(double.calls).toHaveLength(1)
    expect(double.calls[0]!.body).toMatchObject({
      ttl: `${8760 * 3600}s`,
      key_type: 'ec',
      key_bits: 256,
    })
    sdkCert(res.body)
  })

  it('--ttl=0 is refused (400), so the CLI reports an error instead of a certificate', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const before = await countAll()
    expectError(await cliIssue(u.token, thing.id, { ...EC_YEAR, ttl: 0 }), 400, /valid.*positive/)
    expect(await countAll()).toEqual(before)
  })
})

describe('0.12.1 Go SDK: the other certs calls', () => {
  // The 0.12.1 SDK has no call to view or list certificates, and its RevokeCert panics before
  // sending anything. RemoveCert (used only by 0.12.1 provision's clean-up) sends
  // DELETE {certs_url}/{thing_id}: no `/certs` segment, and it accepts only 204.
  it("RemoveCert's DELETE {certs_url}/{thing_id}: no route (404); thing removal revokes", async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const issued = await cliIssue(u.token, thing.id, EC_YEAR)
    expect(issued.status, issued.text).toBe(200)

    expectError(await api('DELETE', `/${thing.id}`, { auth: u.token }), 404)
    expect(await certRow(issued.body.serial)).toMatchObject({ revoked_at: null })

    // 0.12.1 provision's clean-up deletes the thing before calling RemoveCert; here that is
    // what revokes the certificate.
    const del = await api('DELETE', `/things/${thing.id}`, { auth: u.token })
    expect(del.status, del.text).toBe(204)
    expect((await certRow(issued.body.serial))!.revoked_at).toEqual(expect.any(Number))
  })
})
