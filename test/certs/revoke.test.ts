import {
  AuthorityKeyIdentifierExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509Crl,
} from '@peculiar/x509'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import * as certsRepo from '../../src/certs/repo'
import { createDb } from '../../src/db/client'
import { toHex } from '../../src/lib/crypto'
import { api, countAll, expectError, newUser } from '../helpers'
import { certRow, issue, newThing, testCa } from './fixtures'

const HOUR = 3_600_000

async function crl(query = '') {
  const res = await fetchCrl(query)
  return new X509Crl(res.bytes)
}

async function fetchCrl(query = '') {
  const { exports } = await import('cloudflare:workers')
  const res = await exports.default.fetch(`http://fluxgate.test/certs/crl${query}`)
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    bytes: await res.arrayBuffer(),
  }
}

describe('GET /certs/serial/{serial}', () => {
  it('shows the record without key material; serials in Vault colon form and capitals work', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const b = await issue(u.token, { thing_id: thing.id, key_type: 'rsa' })
    const res = await api('GET', `/certs/serial/${b.serial}`, { token: u.token })
    expect(res.status, res.text).toBe(200)
    expect(res.body).toEqual({
      thing_id: thing.id,
      serial: b.serial,
      cert_serial: b.serial,
      key_type: 'rsa',
      key_bits: 2048,
      issued_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      expire: b.expire,
    })
    const colon = b.serial.toUpperCase().match(/../g)!.join(':')
    expect((await api('GET', `/certs/serial/${colon}`, { token: u.token })).body.serial).toBe(
      b.serial
    )
  })

  it("404 for an unknown serial or another owner's; 400 for a non-hex serial; 401 without a token", async () => {
    const u = await newUser()
    const other = await newUser()
    const b = await issue(u.token, { thing_id: (await newThing(u)).id })
    expectError(await api('GET', `/certs/serial/${b.serial}`, { token: other.token }), 404)
    expectError(await api('GET', `/certs/serial/${'ab'.repeat(16)}`, { token: u.token }), 404)
    expectError(await api('GET', '/certs/serial/not-a-serial', { token: u.token }), 400, /serial/)
    expectError(await api('GET', `/certs/serial/${b.serial}`), 401)
  })
})

describe('GET /certs/{thingId}', () => {
  it("lists only that thing's certificates, ordered by expiry, with paging", async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const otherThing = await newThing(u)
    const c3 = await issue(u.token, { thing_id: thing.id, ttl: '3h' })
    const c1 = await issue(u.token, { thing_id: thing.id, ttl: '1h' })
    const c2 = await issue(u.token, { thing_id: thing.id, ttl: '2h' })
    await issue(u.token, { thing_id: otherThing.id })

    const all = await api('GET', `/certs/${thing.id}`, { token: u.token })
    expect(all.status, all.text).toBe(200)
    expect(all.body).toMatchObject({ total: 3, offset: 0, limit: 10 })
    expect(all.body.certs.map((c: { serial: string }) => c.serial)).toEqual([
      c1.serial,
      c2.serial,
      c3.serial,
    ])
    expect(all.body.certs[0]).toMatchObject({
      thing_id: thing.id,
      cert_serial: c1.serial,
      expire: c1.expire,
    })
    expect(JSON.stringify(all.body)).not.toContain('BEGIN')

    const page = await api('GET', `/certs/${thing.id}?offset=1&limit=1`, { token: u.token })
    expect(page.body).toMatchObject({ total: 3, offset: 1, limit: 1 })
    expect(page.body.certs.map((c: { serial: string }) => c.serial)).toEqual([c2.serial])
  })

  it('an owned thing without certificates is an empty page', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const res = await api('GET', `/certs/${thing.id}`, { token: u.token })
    expect(res.body).toEqual({ total: 0, offset: 0, limit: 10, certs: [] })
  })

  it.each([
    { desc: 'limit=0 (0.12.1: 500)', q: 'limit=0' },
    { desc: 'limit=101', q: 'limit=101' },
    { desc: 'limit=abc', q: 'limit=abc' },
    { desc: 'offset=-1', q: 'offset=-1' },
    { desc: 'a repeated limit', q: 'limit=1&limit=2' },
  ])('400 for $desc', async ({ q }) => {
    const u = await newUser()
    const thing = await newThing(u)
    expectError(
      await api('GET', `/certs/${thing.id}?${q}`, { token: u.token }),
      400,
      /invalid query parameters/
    )
  })

  it("404 for an unknown or another owner's thing (even when it has certificates); 401 without a token", async () => {
    const u = await newUser()
    const other = await newUser()
    const theirs = await newThing(other)
    await issue(other.token, { thing_id: theirs.id })
    expectError(await api('GET', `/certs/${theirs.id}`, { token: u.token }), 404)
    expectError(await api('GET', `/certs/${crypto.randomUUID()}`, { token: u.token }), 404)
    expectError(await api('GET', `/certs/${theirs.id}`), 401)
  })
})

describe('revocation', () => {
  it('DELETE /certs/{serial} revokes one certificate; repeating it answers the first time', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const keep = await issue(u.token, { thing_id: thing.id })
    const b = await issue(u.token, { thing_id: thing.id })
    const before = Date.now()
    const res = await api('DELETE', `/certs/${b.serial}`, { token: u.token })
    expect(res.status, res.text).toBe(200)
    expect(res.body.serials).toEqual([b.serial])
    expect(res.body.revocation_time).toBe(res.body.RevocationTime)
    const at = Date.parse(res.body.RevocationTime)
    expect(res.body.RevocationTime).toBe(new Date(at).toISOString())
    expect(at).toBeGreaterThanOrEqual(before)
    expect(at).toBeLessThanOrEqual(Date.now())

    const again = await api('DELETE', `/certs/${b.serial}`, { token: u.token })
    expect(again.status).toBe(200)
    expect(again.body.RevocationTime).toBe(res.body.RevocationTime)

    expect(
      (await api('GET', `/certs/serial/${b.serial}`, { token: u.token })).body.revoked_at
    ).toBe(res.body.RevocationTime)
    expect((await certRow(keep.serial))!.revoked_at).toBeNull()
  })

  it("DELETE /certs/{serial}: 404 for another owner's or an unknown serial (nothing revoked), 400 bad serial, 401", async () => {
    const u = await newUser()
    const other = await newUser()
    const b = await issue(u.token, { thing_id: (await newThing(u)).id })
    expectError(await api('DELETE', `/certs/${b.serial}`, { token: other.token }), 404)
    expectError(await api('DELETE', `/certs/${'0a'.repeat(16)}`, { token: u.token }), 404)
    expectError(await api('DELETE', '/certs/zz', { token: u.token }), 400)
    expectError(await api('DELETE', `/certs/${b.serial}`), 401)
    expect((await certRow(b.serial))!.revoked_at).toBeNull()
  })

  it("DELETE /certs/revoke {thing_id} revokes all of that thing's certificates, and only those", async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const sibling = await newThing(u)
    const a = await issue(u.token, { thing_id: thing.id })
    const b = await issue(u.token, { thing_id: thing.id })
    const c = await issue(u.token, { thing_id: sibling.id })
    await api('DELETE', `/certs/${a.serial}`, { token: u.token })

    // The static path wins over DELETE /certs/{serial}.
    const res = await api('DELETE', '/certs/revoke', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(res.status, res.text).toBe(200)
    expect(res.body.serials).toEqual([b.serial])
    expect(res.body.revocation_time).toBe(res.body.RevocationTime)
    expect((await certRow(a.serial))!.revoked_at).not.toBeNull()
    expect((await certRow(b.serial))!.revoked_at).toBe(Date.parse(res.body.RevocationTime))
    expect((await certRow(c.serial))!.revoked_at).toBeNull()

    const again = await api('DELETE', '/certs/revoke', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(again.status).toBe(200)
    expect(again.body.serials).toEqual([])
  })

  it("DELETE /certs/revoke: 404 for another owner's or an unknown thing, 400, 401, 415", async () => {
    const u = await newUser()
    const other = await newUser()
    const theirs = await newThing(other)
    const b = await issue(other.token, { thing_id: theirs.id })
    const before = await countAll()
    expectError(
      await api('DELETE', '/certs/revoke', { token: u.token, json: { thing_id: theirs.id } }),
      404
    )
    expectError(
      await api('DELETE', '/certs/revoke', {
        token: u.token,
        json: { thing_id: crypto.randomUUID() },
      }),
      404
    )
    expectError(await api('DELETE', '/certs/revoke', { token: u.token, json: {} }), 400, /thing_id/)
    expectError(await api('DELETE', '/certs/revoke', { json: { thing_id: theirs.id } }), 401)
    expectError(
      await api('DELETE', '/certs/revoke', { token: u.token, body: `{"thing_id":"${theirs.id}"}` }),
      415
    )
    expect(await countAll()).toEqual(before)
    expect((await certRow(b.serial))!.revoked_at).toBeNull()
  })

  it("DELETE /things/{id} revokes the thing's certificates in the same batch; records outlive it", async () => {
    const u = await newUser()
    const other = await newUser()
    const thing = await newThing(u)
    const keep = await newThing(u)
    const a = await issue(u.token, { thing_id: thing.id })
    const b = await issue(u.token, { thing_id: thing.id })
    const c = await issue(u.token, { thing_id: keep.id })
    // Another owner deleting this id: 404, nothing revoked.
    expectError(await api('DELETE', `/things/${thing.id}`, { token: other.token }), 404)
    expect((await certRow(a.serial))!.revoked_at).toBeNull()
    expect((await api('DELETE', `/things/${thing.id}`, { token: u.token })).status).toBe(204)
    const list = await crl()
    expect(list.findRevoked(a.serial)).not.toBeNull()
    expect(list.findRevoked(b.serial)).not.toBeNull()
    expect(list.findRevoked(c.serial)).toBeNull()
    const viewed = await api('GET', `/certs/serial/${a.serial}`, { token: u.token })
    expect(viewed.status).toBe(200)
    expect(viewed.body.revoked_at).toEqual(expect.any(String))
    expect((await certRow(c.serial))!.revoked_at).toBeNull()
    // A second delete is a 404 and changes nothing.
    expectError(await api('DELETE', `/things/${thing.id}`, { token: u.token }), 404)
  })

  it('the revocation builder is guarded by owner', async () => {
    const u = await newUser()
    const other = await newUser()
    const thing = await newThing(u)
    const a = await issue(u.token, { thing_id: thing.id })
    const db = createDb(env.DB)
    const [none] = await db.batch([certsRepo.revokeByThing(db, other.id, thing.id, Date.now())])
    expect(none).toEqual([])
    expect((await certRow(a.serial))!.revoked_at).toBeNull()
  })
})

describe('GET /certs/crl', () => {
  it('is a DER CRL signed by the CA listing revoked, unexpired serials, without authentication', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const revoked = await issue(u.token, { thing_id: thing.id })
    const live = await issue(u.token, { thing_id: thing.id })
    const del = await api('DELETE', `/certs/${revoked.serial}`, { token: u.token })
    // An expired revoked certificate no longer needs listing.
    const expired = 'ee'.repeat(16)
    await env.DB.prepare(
      'INSERT INTO certs (serial, thing_id, owner, key_type, key_bits, issued_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
    )
      .bind(
        expired,
        thing.id,
        u.id,
        'ec',
        256,
        Date.now() - 3 * HOUR,
        Date.now() - HOUR,
        Date.now() - 2 * HOUR
      )
      .run()

    const res = await fetchCrl()
    expect(res.status).toBe(200)
    expect(res.type).toBe('application/pkix-crl')
    const list = new X509Crl(res.bytes)
    const ca = testCa()
    expect(await list.verify({ publicKey: ca })).toBe(true)
    expect(list.issuer).toBe(ca.subject)
    const entry = list.findRevoked(revoked.serial)
    expect(entry).not.toBeNull()
    expect(entry!.revocationDate.getTime()).toBe(
      Math.floor(Date.parse(del.body.RevocationTime) / 1000) * 1000
    )
    expect(list.findRevoked(live.serial)).toBeNull()
    expect(list.findRevoked(expired)).toBeNull()

    // nextUpdate = thisUpdate + MF_CERTS_CRL_VALIDITY (1h); CRL number and AKI present.
    expect(list.nextUpdate!.getTime() - list.thisUpdate.getTime()).toBe(HOUR)
    expect(list.getExtension('2.5.29.20')).not.toBeNull()
    expect(list.getExtension(AuthorityKeyIdentifierExtension)!.keyId).toBe(
      ca.getExtension(SubjectKeyIdentifierExtension)!.keyId
    )
  })

  it('?format=pem gives the same list as PEM; another format is 400; a wrong CA does not verify it', async () => {
    const u = await newUser()
    const b = await issue(u.token, { thing_id: (await newThing(u)).id })
    await api('DELETE', `/certs/${b.serial}`, { token: u.token })
    const res = await api('GET', '/certs/crl?format=pem')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-pem-file')
    expect(res.text).toMatch(/^-----BEGIN X509 CRL-----\n/)
    const list = new X509Crl(res.text)
    expect(list.findRevoked(b.serial)).not.toBeNull()
    const { createCa } = await import('../../scripts/dev-ca.mjs')
    const stranger = new X509Certificate((await createCa(crypto)).cert)
    expect(await list.verify({ publicKey: stranger })).toBe(false)
    expectError(await api('GET', '/certs/crl?format=xml'), 400, /format/)
  })
})

describe('GET /certs/crl reuse', () => {
  it('serves the same signed CRL until an entry changes, then a new one with a higher CRL number', async () => {
    const u = await newUser()
    const b = await issue(u.token, { thing_id: (await newThing(u)).id })
    const first = await fetchCrl()
    const second = await fetchCrl()
    expect(toHex(second.bytes)).toBe(toHex(first.bytes))
    await api('DELETE', `/certs/${b.serial}`, { token: u.token })
    const third = new X509Crl((await fetchCrl()).bytes)
    expect(third.findRevoked(b.serial)).not.toBeNull()
    const number = (crl: X509Crl) => toHex(crl.getExtension('2.5.29.20')!.value)
    expect(number(third) > number(new X509Crl(first.bytes))).toBe(true)
  })
})

describe('route precedence', () => {
  it('static segments win over {thingId} and {serial}', async () => {
    // Were /certs/crl read as GET /certs/{thingId}, it would need a token.
    expect((await fetchCrl()).status).toBe(200)
    // Were /certs/revoke read as DELETE /certs/{serial}, a body-less call would be a 400 bad serial.
    const u = await newUser()
    expectError(await api('DELETE', '/certs/revoke', { token: u.token, json: {} }), 400, /thing_id/)
    // GET /certs/serial/{serial} exists, so other methods are 405 rather than a thing id.
    expectError(await api('POST', '/certs/serial/abcd', { token: u.token }), 405)
  })
})
