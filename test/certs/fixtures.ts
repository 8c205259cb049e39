import 'reflect-metadata'
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectKeyIdentifierExtension,
  X509Certificate,
} from '@peculiar/x509'
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { toHex } from '../../src/lib/crypto'
import type { ApiOptions, ApiResponse } from '../helpers'
import { api, call, uid } from '../helpers'

export interface TestThing {
  id: string
  key: string
  owner: string
}

/** A thing of `user`, made through POST /things (its key is the default certificate CN). */
export async function newThing(user: { id: string; token: string }): Promise<TestThing> {
  const res = await api('POST', '/things', { token: user.token, json: { name: `thing-${uid()}` } })
  expect(res.status, res.text).toBe(201)
  const id = res.headers.get('Location')!.replace('/things/', '')
  const view = await api('GET', `/things/${id}`, { token: user.token })
  expect(view.status, view.text).toBe(200)
  return { id, key: view.body.key, owner: user.id }
}

/** POST /certs, expecting 200 (the status the 0.12.1 Go SDK accepts). */
export async function issue(token: string, json: Record<string, unknown>) {
  const res = await api('POST', '/certs', { token, json })
  expect(res.status, res.text).toBe(200)
  return res.body as IssuedBody
}

export interface IssuedBody {
  thing_id: string
  cert: string
  cert_key?: string
  cert_serial: string
  ca_cert: string
  client_cert: string
  client_key?: string
  issuing_ca: string
  serial: string
  expire: string
}

export const testCa = () => new X509Certificate(env.MF_CERTS_CA_CERT)

/** A certificate row as stored. */
export async function certRow(serial: string) {
  return env.DB.prepare('SELECT * FROM certs WHERE serial = ?')
    .bind(serial)
    .first<Record<string, unknown>>()
}

/** One request through a fresh app with some settings changed (see `call` in test/helpers.ts). */
export function apiWith<T = any>(
  overrides: Record<string, unknown>,
  method: string,
  path: string,
  opts: ApiOptions = {}
): Promise<ApiResponse<T>> {
  return call<T>(method, path, opts, overrides)
}

/** PEM with its newlines written as literal `\n`, as one-line secrets and .dev.vars hold it. */
export const oneLine = (pem: string) => pem.trim().replaceAll('\n', '\\n')

/** Proves a PKCS#8 PEM key is the private half of a certificate's public key. */
export async function keyMatchesCert(certPem: string, keyPem: string): Promise<boolean> {
  const cert = new X509Certificate(certPem)
  const alg = cert.publicKey.algorithm as { name: string; namedCurve?: string }
  const importAlg = alg.name === 'RSASSA-PKCS1-v1_5' ? { name: alg.name, hash: 'SHA-256' } : alg
  const signAlg = alg.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : importAlg
  expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
  const der = PemConverter.decodeFirst(keyPem)
  const priv = await crypto.subtle.importKey('pkcs8', der, importAlg, false, ['sign'])
  const data = crypto.getRandomValues(new Uint8Array(32))
  const sig = await crypto.subtle.sign(signAlg, priv, data)
  const pub = await cert.publicKey.export(importAlg, ['verify'])
  return crypto.subtle.verify(signAlg, pub, sig, data)
}

/**
 * Asserts everything a client certificate from our CA must be: signed by `ca` (issuer bytes equal
 * the CA's subject bytes), subject CN, KeyUsage, EKU clientAuth, SKI/AKI, not a CA, serial form.
 */
export async function expectLeaf(
  certPem: string,
  want: { cn: string; rsa: boolean; ca?: X509Certificate; serial?: string }
) {
  const ca = want.ca ?? testCa()
  const cert = new X509Certificate(certPem)
  expect(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true)
  expect(toHex(cert.issuerName.toArrayBuffer())).toBe(toHex(ca.subjectName.toArrayBuffer()))
  expect(cert.subjectName.getField('CN')).toEqual([want.cn])
  expect(cert.serialNumber).toMatch(/^[0-9a-f]{32}$/)
  if (want.serial) expect(cert.serialNumber).toBe(want.serial)
  const basic = cert.getExtension(BasicConstraintsExtension)!
  expect(basic.ca).toBe(false)
  const ku = cert.getExtension(KeyUsagesExtension)!
  expect(ku.critical).toBe(true)
  expect(ku.usages).toBe(
    want.rsa
      ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment
      : KeyUsageFlags.digitalSignature
  )
  expect(cert.getExtension(ExtendedKeyUsageExtension)!.usages).toEqual([
    ExtendedKeyUsage.clientAuth,
  ])
  const ski = cert.getExtension(SubjectKeyIdentifierExtension)!
  expect(ski.keyId).toBe(toHex(await cert.publicKey.getKeyIdentifier()))
  const caSki = ca.getExtension(SubjectKeyIdentifierExtension)!
  expect(cert.getExtension(AuthorityKeyIdentifierExtension)!.keyId).toBe(caSki.keyId)
  return cert
}
