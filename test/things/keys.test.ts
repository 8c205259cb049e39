import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, countAll, expectError, newUser, uid } from '../helpers'
import { call, newThing } from './helpers'

const ID_CN = { MF_CERTS_CN: 'thing_id' }

/** Keys no new or rotated thing may have, whatever MF_CERTS_CN says. */
const BAD_KEYS = [
  { desc: 'a NUL', key: `k\u0000${uid()}` },
  { desc: 'a newline', key: `k\n${uid()}` },
  { desc: 'a tab', key: `k\t${uid()}` },
  { desc: 'a space', key: `k ${uid()}` },
  { desc: 'a non-ASCII letter', key: `clé-${uid()}` },
  { desc: 'a no-break space', key: `k\u00a0${uid()}` },
  { desc: 'a zero-width space', key: `k\u200b${uid()}` },
  { desc: 'DEL', key: `k\u007f${uid()}` },
]

/** A thing inserted straight into D1, as one from before the key rules (or a Mainflux import). */
async function legacyThing(owner: string, key: string) {
  const id = crypto.randomUUID()
  await env.DB.prepare(
    'INSERT INTO things (id, owner, name, key, metadata, created_at) VALUES (?, ?, ?, ?, NULL, ?)'
  )
    .bind(id, owner, '', key, Date.now())
    .run()
  return id
}

describe('new thing keys: visible ASCII, at most 64 characters with MF_CERTS_CN=thing_key', () => {
  it.each(BAD_KEYS)('POST /things refuses $desc (400), writing nothing', async ({ key }) => {
    const u = await newUser()
    const before = await countAll()
    expectError(
      await api('POST', '/things', { token: u.token, json: { key } }),
      400,
      'malformed entity specification: key: key must be visible ASCII characters (! to ~): no spaces, control or non-ASCII characters'
    )
    expect(await countAll()).toEqual(before)
  })

  it.each(BAD_KEYS)(
    'PATCH /things/{id}/key refuses $desc (400), the old key stays',
    async ({ key }) => {
      const u = await newUser()
      const t = await newThing(u.token)
      expectError(
        await api('PATCH', `/things/${t.id}/key`, { token: u.token, json: { key } }),
        400,
        /key: key must be visible ASCII/
      )
      expect((await api('GET', `/things/${t.id}`, { token: u.token })).body.key).toBe(t.key)
    }
  )

  it('POST /things/bulk names the item with the bad key, and writes nothing', async () => {
    const u = await newUser()
    const before = await countAll()
    const res = await api('POST', '/things/bulk', {
      token: u.token,
      json: [{ key: `ok-${uid()}` }, { key: 'bad key' }],
    })
    expectError(res, 400, /1\.key: key must be visible ASCII/)
    expect(await countAll()).toEqual(before)
  })

  it('a key of 64 visible ASCII characters is fine; 65 is refused while the CN is the key', async () => {
    const u = await newUser()
    const key64 = `${'!~'.repeat(16)}${uid()}${'x'.repeat(24)}`
    expect(key64).toHaveLength(64)
    expect((await newThing(u.token, { key: key64 })).key).toBe(key64)
    const key65 = `${key64.slice(0, 56)}${uid()}z`
    const msg =
      "malformed entity specification: key: key must be at most 64 characters while MF_CERTS_CN=thing_key (it is the CN of the thing's certificates)"
    expectError(await api('POST', '/things', { token: u.token, json: { key: key65 } }), 400, msg)
    expectError(
      await api('POST', '/things/bulk', { token: u.token, json: [{ key: key65 }] }),
      400,
      /0\.key: key must be at most 64/
    )
    const t = await newThing(u.token)
    expectError(
      await api('PATCH', `/things/${t.id}/key`, { token: u.token, json: { key: key65 } }),
      400,
      msg
    )
  })

  it('4,096 characters were accepted (and became certificate subjects): refused now', async () => {
    const u = await newUser()
    expectError(
      await api('POST', '/things', {
        token: u.token,
        json: { key: `${uid()}${'k'.repeat(4088)}` },
      }),
      400,
      /at most 64/
    )
  })

  it('with MF_CERTS_CN=thing_id the bound is 4,096 (0.12.1), and the character rule still holds', async () => {
    const u = await newUser()
    const long = `${uid()}${'k'.repeat(4088)}`
    const made = await call('POST', '/things', { token: u.token, json: { key: long } }, ID_CN)
    expect(made.status, made.text).toBe(201)
    const t = await newThing(u.token)
    const longer = `${uid()}${'r'.repeat(4088)}`
    expect(
      (await call('PATCH', `/things/${t.id}/key`, { token: u.token, json: { key: longer } }, ID_CN))
        .status
    ).toBe(200)
    expectError(
      await call('POST', '/things', { token: u.token, json: { key: `a b${uid()}` } }, ID_CN),
      400,
      /visible ASCII/
    )
    expectError(
      await call('POST', '/things', { token: u.token, json: { key: 'k'.repeat(4097) } }, ID_CN),
      400,
      /at most 4096/
    )
  })

  it('generated keys (no key, an empty key, provision, bootstrap) are UUIDs and follow the rule', async () => {
    const u = await newUser()
    const a = await newThing(u.token)
    const b = await newThing(u.token, { key: '' })
    const cfg = await api('POST', '/things/configs', {
      token: u.token,
      json: { external_id: `gw-${uid()}`, external_key: 'k' },
    })
    const c = cfg.headers.get('Location')!.replace('/things/configs/', '')
    const keyOfC = (await api('GET', `/things/${c}`, { token: u.token })).body.key
    for (const key of [a.key, b.key, keyOfC]) expect(key).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('keys stored before the rule keep working: identify, access checks, rotation away from them', async () => {
    const u = await newUser()
    const key = `legacy key with spaces ${'x'.repeat(4000)}`
    const id = await legacyThing(u.id, key)
    const who = await api('POST', '/identify', { json: { token: key } })
    expect(who.status, who.text).toBe(200)
    expect(who.body).toEqual({ id })
    expect((await api('GET', `/things/${id}`, { token: u.token })).body.key).toBe(key)
    const fresh = `fresh-${uid()}`
    expect(
      (await api('PATCH', `/things/${id}/key`, { token: u.token, json: { key: fresh } })).status
    ).toBe(200)
    expect((await api('POST', '/identify', { json: { token: fresh } })).body).toEqual({ id })
  })
})
