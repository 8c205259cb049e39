import { beforeAll, describe, expect, it } from 'vitest'
import { cfbDecrypt, cfbEncrypt, openCfbHeader } from '../../src/bootstrap/crypto'
import { b64url, fromB64url } from '../../src/lib/crypto'
import { api, expectError, newUser, type TestUser, uid } from '../helpers'
import { newChannel } from '../things/helpers'
import vectors from './fixtures/vectors.json'
import { type Env, fetchConfig, hex, newConfig, rawCall, unhex } from './helpers'

const enc = new TextEncoder()
const dec = new TextDecoder()
const vector = (name: string) => vectors.cfb.find((v) => v.name === name)!

describe('AES-CFB128 against OpenSSL vectors (test/bootstrap/fixtures/make-vectors.sh)', () => {
  it.each(vectors.cfb)("$name: encrypts to OpenSSL's bytes and decrypts back", async (v) => {
    const key = unhex(v.key)
    const iv = unhex(v.iv)
    const ct = await cfbEncrypt(key, iv, enc.encode(v.plaintext))
    expect(hex(ct)).toBe(v.ciphertext)
    expect(dec.decode(await cfbDecrypt(key, iv, unhex(v.ciphertext)))).toBe(v.plaintext)
  })

  it.each(vectors.cfb.filter((v) => v.name.startsWith('key-')))(
    '$name: a 0.12.1 header hex(IV || ciphertext) opens to the external key',
    async (v) => {
      expect(await openCfbHeader(unhex(v.key), v.iv + v.ciphertext)).toBe(v.plaintext)
      expect(await openCfbHeader(unhex(v.key), (v.iv + v.ciphertext).toUpperCase())).toBe(
        v.plaintext
      )
    }
  )
})

describe('GET /things/bootstrap/secure/{external_id} (0.12.1 format)', () => {
  const path = (id: string) => `/things/bootstrap/secure/${id}`

  /** A config whose external key is the vector's plaintext, and the env with the vector's key. */
  async function setup(name: string) {
    const v = vector(name)
    const u = await newUser()
    const c = await newChannel(u.token, { name: 'control', metadata: { type: 'control' } })
    const cfg = await newConfig(u.token, {
      external_key: v.plaintext,
      channels: [c],
      content: '{"agent":{}}',
    })
    return {
      v,
      u,
      cfg,
      env: { MF_BOOTSTRAP_ENCRYPT_KEY: v.key } as Env,
      header: v.iv + v.ciphertext,
    }
  }

  it.each(['key-aes128-mf-default', 'key-aes192', 'key-aes256'])(
    '%s: the OpenSSL-encrypted key is accepted; the body is IV || AES-CFB(the plain answer)',
    async (name) => {
      const { v, cfg, env, header } = await setup(name)
      const res = await rawCall(path(cfg.externalId), header, env)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/octet-stream')
      expect(res.bytes.length).toBeGreaterThan(16)
      const plain = await cfbDecrypt(
        unhex(v.key),
        res.bytes.subarray(0, 16),
        res.bytes.subarray(16)
      )
      const expected = await fetchConfig(cfg.externalId, cfg.externalKey)
      expect(dec.decode(plain)).toBe(expected.text)
    }
  )

  it('every answer has a fresh IV; Thing <hex> works too', async () => {
    const { cfg, env, header } = await setup('key-aes128-mf-default')
    const a = await rawCall(path(cfg.externalId), header, env)
    const b = await rawCall(path(cfg.externalId), `Thing ${header}`, env)
    expect(b.status).toBe(200)
    expect(hex(a.bytes.subarray(0, 16))).not.toBe(hex(b.bytes.subarray(0, 16)))
  })

  it("wrong key, unknown id and bad hex → the plain route's 404; under 16 bytes → 400; none → 401", async () => {
    const { v, cfg, env, header } = await setup('key-aes128-mf-default')
    const plain404 = await fetchConfig(`nope-${uid()}`, 'k')
    const other = hex(await cfbEncrypt(unhex(v.key), unhex(v.iv), enc.encode('not-the-key')))
    for (const [id, auth] of [
      [cfg.externalId, v.iv + other],
      [`nope-${uid()}`, header],
      [cfg.externalId, 'zz' + header],
      [cfg.externalId, header.slice(1)],
    ] as const) {
      const res = await rawCall(path(id), auth, env)
      expect(res.status, auth).toBe(404)
      expect(dec.decode(res.bytes)).toBe(plain404.text)
    }
    const short = await rawCall(path(cfg.externalId), header.slice(0, 30), env)
    expect(short.status).toBe(400)
    expect(dec.decode(short.bytes)).toMatch(/at least 16 bytes/)
    expect((await rawCall(path(cfg.externalId), undefined, env)).status).toBe(401)
  })

  it('503 when MF_BOOTSTRAP_ENCRYPT_KEY is unset; a key of another length is a configuration error', async () => {
    const { cfg, header } = await setup('key-aes128-mf-default')
    const off = await api('GET', path(cfg.externalId), { auth: header })
    expectError(off, 503, /MF_BOOTSTRAP_ENCRYPT_KEY/)
    for (const bad of ['0011', 'xyz', '00'.repeat(20)]) {
      const res = await rawCall(path(cfg.externalId), header, {
        MF_BOOTSTRAP_ENCRYPT_KEY: bad,
      } as Env)
      expect(res.status).toBe(500)
      expect(dec.decode(res.bytes)).toContain('server misconfigured')
    }
  })
})

describe('GET /things/bootstrap/sealed/{external_id} (AES-GCM)', () => {
  const { master, external_id: externalId, key: derivedHex } = vectors.hkdf
  const env = {
    FLUXGATE_BOOTSTRAP_SEALED_KEY: master,
    FLUXGATE_BOOTSTRAP_SEALED_WINDOW: '30s',
  } as Env
  const path = (id: string) => `/things/bootstrap/sealed/${encodeURIComponent(id)}`
  let u: TestUser
  let externalKey: string
  let gcmKey: CryptoKey

  beforeAll(async () => {
    u = await newUser()
    externalKey = `sealed-${crypto.randomUUID()}`
    await newConfig(u.token, {
      external_id: externalId,
      external_key: externalKey,
      content: 'sealed',
    })
    // The gateway's key as OpenSSL derives it (HKDF-SHA256): the server must derive the same one.
    gcmKey = await crypto.subtle.importKey('raw', unhex(derivedHex), 'AES-GCM', false, [
      'encrypt',
      'decrypt',
    ])
  })

  /** A sealed request as a gateway builds it. */
  async function request(
    o: { ts?: number; nonce?: string; key?: string; id?: string; with?: CryptoKey } = {}
  ) {
    const nonce = o.nonce ?? b64url(crypto.getRandomValues(new Uint8Array(16)))
    const body = JSON.stringify({
      ts: o.ts ?? Math.floor(Date.now() / 1000),
      nonce,
      key: o.key ?? externalKey,
    })
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const ct = await crypto.subtle.encrypt(
      {
        name: 'AES-GCM',
        iv,
        additionalData: enc.encode(`fluxgate-bootstrap-v1 request ${o.id ?? externalId}`),
      },
      o.with ?? gcmKey,
      enc.encode(body)
    )
    const bytes = new Uint8Array(12 + ct.byteLength)
    bytes.set(iv)
    bytes.set(new Uint8Array(ct), 12)
    return { token: b64url(bytes), nonce }
  }

  async function openAnswer(bytes: Uint8Array, nonce: string) {
    const plain = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: bytes.subarray(0, 12),
        additionalData: enc.encode(`fluxgate-bootstrap-v1 response ${externalId} ${nonce}`),
      },
      gcmKey,
      bytes.subarray(12)
    )
    return dec.decode(plain)
  }

  it('answers the plain answer sealed under the gateway key, bound to the request nonce', async () => {
    const { token, nonce } = await request()
    const res = await rawCall(path(externalId), token, env)
    expect(res.status, dec.decode(res.bytes)).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    const plain = await fetchConfig(externalId, externalKey)
    expect(await openAnswer(res.bytes, nonce)).toBe(plain.text)
    // Bound to this request: it does not open as the answer to another nonce.
    await expect(openAnswer(res.bytes, `${nonce}x`)).rejects.toThrow()
  })

  it('a replayed request → 401', async () => {
    const { token } = await request()
    expect((await rawCall(path(externalId), token, env)).status).toBe(200)
    const again = await rawCall(path(externalId), token, env)
    expect(again.status).toBe(401)
    expect(dec.decode(again.bytes)).toContain('replayed request')
  })

  it('a timestamp outside the window (past or future) → 401', async () => {
    const now = Math.floor(Date.now() / 1000)
    for (const ts of [now - 45, now + 45]) {
      const res = await rawCall(path(externalId), (await request({ ts })).token, env)
      expect(res.status).toBe(401)
      expect(dec.decode(res.bytes)).toContain('outside the allowed window')
    }
    expect(
      (await rawCall(path(externalId), (await request({ ts: now - 20 })).token, env)).status
    ).toBe(200)
  })

  it("tampered, wrong gateway key, another gateway's id, wrong external key → the same 404", async () => {
    const plain404 = await fetchConfig(`nope-${uid()}`, 'k')
    const good = await request()
    const bytes = fromB64url(good.token)
    bytes[20]! ^= 1
    const wrongKey = await crypto.subtle.importKey(
      'raw',
      crypto.getRandomValues(new Uint8Array(32)),
      'AES-GCM',
      false,
      ['encrypt']
    )
    for (const token of [
      b64url(bytes),
      (await request({ with: wrongKey })).token,
      (await request({ id: 'another-gateway' })).token,
      (await request({ key: 'not-the-key' })).token,
    ]) {
      const res = await rawCall(path(externalId), token, env)
      expect(res.status).toBe(404)
      expect(dec.decode(res.bytes)).toBe(plain404.text)
    }
  })

  it('400 for something that is not a sealed request; 401 without one; 503 when not configured', async () => {
    for (const token of ['not*base64!', 'abcd']) {
      expect((await rawCall(path(externalId), token, env)).status).toBe(400)
    }
    expect((await rawCall(path(externalId), undefined, env)).status).toBe(401)
    expectError(
      await api('GET', path(externalId), { auth: (await request()).token }),
      503,
      /FLUXGATE_BOOTSTRAP_SEALED_KEY/
    )
  })
})
