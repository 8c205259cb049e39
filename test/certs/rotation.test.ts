import { X509Crl } from '@peculiar/x509'
import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { colonSerial } from '../../src/certs/pki'
import { api, countAll, expectError, newUser, type TestUser, uid } from '../helpers'
import { counted, fetchConfig, newConfig, warm } from '../bootstrap/helpers'
import { gatewayCreds, gatewayOf, provisioned } from '../provision/helpers'
import { apiWith, certRow, issue, newThing } from './fixtures'
import { installVaultDouble, VAULT_ENV } from './vault-double'

afterEach(() => vi.restoreAllMocks())

const ID_CN = { MF_CERTS_CN: 'thing_id' }

async function crl() {
  const res = await exports.default.fetch('http://fluxgate.test/certs/crl')
  return new X509Crl(await res.arrayBuffer())
}

const rotate = (u: TestUser, id: string, key = `rotated-${uid()}`) =>
  api('PATCH', `/things/${id}/key`, { token: u.token, json: { key } })

const revokedAt = async (serial: string) => (await certRow(serial))!.revoked_at

describe('key rotation revokes the certificates bound to the old key (built-in CA)', () => {
  it('every live certificate whose CN is the old key is revoked and in the CRL; others are not', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const other = await newThing(u)
    const a = await issue(u.token, { thing_id: thing.id })
    const b = await issue(u.token, { thing_id: thing.id, key_type: 'ed25519' })
    const c = await issue(u.token, { thing_id: other.id })
    expect((await rotate(u, thing.id)).status).toBe(200)
    expect(await revokedAt(a.serial)).toEqual(expect.any(Number))
    expect(await revokedAt(b.serial)).toBe(await revokedAt(a.serial))
    expect(await revokedAt(c.serial)).toBeNull()
    const list = await crl()
    expect(list.findRevoked(a.serial)).not.toBeNull()
    expect(list.findRevoked(b.serial)).not.toBeNull()
    expect(list.findRevoked(c.serial)).toBeNull()
    const viewed = await api('GET', `/certs/serial/${a.serial}`, { token: u.token })
    expect(viewed.body.revoked_at).toEqual(expect.any(String))
  })

  it("the old key given to another owner's thing: the certificate naming it is already in the CRL", async () => {
    const [u, v] = [await newUser(), await newUser()]
    const thing = await newThing(u)
    const cert = await issue(u.token, { thing_id: thing.id })
    expect((await rotate(u, thing.id)).status).toBe(200)
    const heir = await api('POST', '/things', { token: v.token, json: { key: thing.key } })
    expect(heir.status, heir.text).toBe(201)
    expect((await crl()).findRevoked(cert.serial)).not.toBeNull()
  })

  it('a certificate issued after the rotation (CN = the new key) stays live until the next rotation', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    expect((await rotate(u, thing.id)).status).toBe(200)
    const fresh = await issue(u.token, { thing_id: thing.id })
    expect(await revokedAt(fresh.serial)).toBeNull()
    expect((await rotate(u, thing.id)).status).toBe(200)
    expect(await revokedAt(fresh.serial)).toEqual(expect.any(Number))
  })

  it('stays one D1 round trip', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const cert = await issue(u.token, { thing_id: thing.id })
    const { res, d1 } = await counted((o) =>
      apiWith(o, 'PATCH', `/things/${thing.id}/key`, {
        token: u.token,
        json: { key: `counted-${uid()}` },
      })
    )
    expect(res.status, res.text).toBe(200)
    expect(d1).toBe(1)
    expect(await revokedAt(cert.serial)).toEqual(expect.any(Number))
  })

  it('certificates with CN = thing id (MF_CERTS_CN=thing_id) do not name the key: not revoked', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const byId = await apiWith(ID_CN, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(byId.status, byId.text).toBe(200)
    const byKey = await issue(u.token, { thing_id: thing.id })
    expect(await certRow(byId.body.serial)).toMatchObject({ cn_source: 'thing_id' })
    expect(await certRow(byKey.serial)).toMatchObject({ cn_source: 'thing_key' })
    // Whatever MF_CERTS_CN says at rotation time: what counts is what each certificate names.
    const res = await apiWith(ID_CN, 'PATCH', `/things/${thing.id}/key`, {
      token: u.token,
      json: { key: `r-${uid()}` },
    })
    expect(res.status, res.text).toBe(200)
    expect(await revokedAt(byId.body.serial)).toBeNull()
    expect(await revokedAt(byKey.serial)).toEqual(expect.any(Number))
  })

  it('nothing is revoked when the rotation does not happen: same key, key in use, another owner, bad key', async () => {
    const [u, v] = [await newUser(), await newUser()]
    const thing = await newThing(u)
    const taken = await newThing(u)
    const cert = await issue(u.token, { thing_id: thing.id })
    expect((await rotate(u, thing.id, thing.key)).status).toBe(200)
    expectError(await rotate(u, thing.id, taken.key), 409)
    expectError(await rotate(v, thing.id), 404)
    expectError(await rotate(u, thing.id, 'has space'), 400)
    expect(await revokedAt(cert.serial)).toBeNull()
    expect((await crl()).findRevoked(cert.serial)).toBeNull()
  })

  it('expired and already revoked certificates keep their records as they were', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const old = await issue(u.token, { thing_id: thing.id })
    const done = await issue(u.token, { thing_id: thing.id })
    await env.DB.prepare('UPDATE certs SET expires_at = ? WHERE serial = ?')
      .bind(Date.now() - 1000, old.serial)
      .run()
    const first = await api('DELETE', `/certs/${done.serial}`, { token: u.token })
    expect(first.status).toBe(200)
    const firstAt = await revokedAt(done.serial)
    expect((await rotate(u, thing.id)).status).toBe(200)
    expect(await revokedAt(old.serial)).toBeNull()
    expect(await revokedAt(done.serial)).toBe(firstAt)
  })
})

describe('key rotation in Vault mode', () => {
  it('revokes the key-bound serials in Vault right after the batch, and marks them in D1', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    const issued = await apiWith(VAULT_ENV, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expect(issued.status, issued.text).toBe(200)
    const serial = issued.body.serial as string
    const res = await apiWith(VAULT_ENV, 'PATCH', `/things/${thing.id}/key`, {
      token: u.token,
      json: { key: `v-${uid()}` },
    })
    expect(res.status, res.text).toBe(200)
    expect(double.calls.filter((c) => c.path === '/v1/pki_int/revoke').map((c) => c.body)).toEqual([
      { serial_number: colonSerial(serial) },
    ])
    expect(double.revoked.has(colonSerial(serial))).toBe(true)
    expect(await revokedAt(serial)).toEqual(expect.any(Number))
  })

  it('a certificate Vault signed for the old key while the key rotated is revoked, not recorded (409)', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const thing = await newThing(u)
    double.hooks.push(async (call) => {
      if (call.path === '/v1/pki_int/issue/mainflux') {
        await env.DB.prepare('UPDATE things SET key = ? WHERE id = ?')
          .bind(`moved-${uid()}`, thing.id)
          .run()
      }
    })
    const before = await countAll()
    const res = await apiWith(VAULT_ENV, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    expectError(res, 409, "the thing's key changed while the certificate was issued; retry")
    expect(await countAll()).toEqual(before)
    const issuedCn = double.calls.find((c) => c.path === '/v1/pki_int/issue/mainflux')!.body
      .common_name
    expect(issuedCn).toBe(thing.key)
    expect(double.calls.filter((c) => c.path === '/v1/pki_int/revoke')).toHaveLength(1)
  })
})

describe('key rotation and bootstrap certificates', () => {
  it('a config serving a certificate for the old key stops serving it and its key (cached answer too)', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const cert = await issue(u.token, { thing_id: thing.id })
    const cfg = await newConfig(u.token, {
      thing_id: thing.id,
      client_cert: cert.client_cert,
      client_key: cert.client_key,
      ca_cert: cert.ca_cert,
    })
    await warm(cfg)
    const newKey = `gw-${uid()}`
    expect((await rotate(u, thing.id, newKey)).status).toBe(200)
    const res = await fetchConfig(cfg.externalId, cfg.externalKey)
    expect(res.status, res.text).toBe(200)
    expect(res.body.mainflux_key).toBe(newKey)
    expect(res.body).not.toHaveProperty('client_cert')
    expect(res.body).not.toHaveProperty('client_key')
    expect(res.body.ca_cert).toBe(cert.ca_cert)
    const view = await api('GET', `/things/configs/${thing.id}`, { token: u.token })
    expect(view.body).not.toHaveProperty('client_cert')
    expect(view.body).not.toHaveProperty('client_key')
    expect((await crl()).findRevoked(cert.serial)).not.toBeNull()
  })

  it("a certificate naming something else (the thing id, another CA's subject, not a certificate) stays", async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const byId = await apiWith(ID_CN, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: thing.id },
    })
    const cfg = await newConfig(u.token, {
      thing_id: thing.id,
      client_cert: byId.body.client_cert,
      client_key: 'KEY',
    })
    const t2 = await newThing(u)
    const cfg2 = await newConfig(u.token, {
      thing_id: t2.id,
      client_cert: 'CERT',
      client_key: 'KEY2',
    })
    expect((await rotate(u, thing.id)).status).toBe(200)
    expect((await rotate(u, t2.id)).status).toBe(200)
    expect((await fetchConfig(cfg.externalId, cfg.externalKey)).body).toMatchObject({
      client_cert: byId.body.client_cert,
      client_key: 'KEY',
    })
    expect((await fetchConfig(cfg2.externalId, cfg2.externalKey)).body).toMatchObject({
      client_cert: 'CERT',
      client_key: 'KEY2',
    })
  })

  it('PATCH /things/configs/certs records the CN too: a certificate set later is cleared on rotation', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const cfg = await newConfig(u.token, { thing_id: thing.id })
    const cert = await issue(u.token, { thing_id: thing.id })
    const set = await api('PATCH', `/things/configs/certs/${thing.id}`, {
      token: u.token,
      json: { client_cert: cert.client_cert, client_key: cert.client_key, ca_cert: cert.ca_cert },
    })
    expect(set.status, set.text).toBe(200)
    expect((await rotate(u, thing.id)).status).toBe(200)
    expect((await fetchConfig(cfg.externalId, cfg.externalKey)).body).not.toHaveProperty(
      'client_cert'
    )
  })

  it('a gateway provisioned with x509 loses its key-bound certificate on rotation', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    const body = await provisioned(creds, {
      token: u.token,
      env: { MF_PROVISION_X509_PROVISIONING: 'true' },
    })
    const gw = gatewayOf(body)
    const before = await fetchConfig(creds.external_id, creds.external_key)
    expect(before.body.client_cert).toBe(body.client_cert![gw.id])
    expect((await rotate(u, gw.id)).status).toBe(200)
    const after = await fetchConfig(creds.external_id, creds.external_key)
    expect(after.body).not.toHaveProperty('client_cert')
    expect(after.body).not.toHaveProperty('client_key')
  })

  it('certificates stored before their CN was recorded are read on rotation: cleared, or their CN recorded', async () => {
    const u = await newUser()
    const thing = await newThing(u)
    const keep = await newThing(u)
    const cert = await issue(u.token, { thing_id: thing.id })
    const cfg = await newConfig(u.token, {
      thing_id: thing.id,
      client_cert: cert.client_cert,
      client_key: cert.client_key,
    })
    const other = await apiWith(ID_CN, 'POST', '/certs', {
      token: u.token,
      json: { thing_id: keep.id },
    })
    const cfg2 = await newConfig(u.token, {
      thing_id: keep.id,
      client_cert: other.body.client_cert,
      client_key: 'K',
    })
    await env.DB.prepare(
      'UPDATE bootstrap_configs SET client_cert_cn = NULL WHERE thing_id IN (?, ?)'
    )
      .bind(thing.id, keep.id)
      .run()
    expect((await rotate(u, thing.id)).status).toBe(200)
    expect((await rotate(u, keep.id)).status).toBe(200)
    expect((await fetchConfig(cfg.externalId, cfg.externalKey)).body).not.toHaveProperty(
      'client_cert'
    )
    expect((await fetchConfig(cfg2.externalId, cfg2.externalKey)).body.client_cert).toBe(
      other.body.client_cert
    )
    const row = await env.DB.prepare(
      'SELECT client_cert_cn AS cn FROM bootstrap_configs WHERE thing_id = ?'
    )
      .bind(keep.id)
      .first()
    expect(row).toEqual({ cn: keep.id })
  })
})
