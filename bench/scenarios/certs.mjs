// Certificates (issue 4): issuing with the built-in CA (keys generated in the Worker), signing a
// device's CSR, and the CRL. RSA-4096 key generation takes seconds per request, so few
// requests complete in the window: its row shows the cost, not a throughput.
import 'reflect-metadata'
import { randomUUID } from 'node:crypto'
import { webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

const auth = (token) => ({ authorization: `Bearer ${token}` })

/** A user and one of their things. */
async function userWithThing(ctx) {
  const user = await ctx.newUser()
  const res = await ctx.call(201, 'POST', '/things', {
    token: user.token,
    json: { name: 'bench-cert' },
  })
  return {
    token: user.token,
    userId: user.id,
    thingId: res.headers.get('location').split('/').pop(),
  }
}

const issue = (name, body, load = {}) => ({
  name,
  seed: userWithThing,
  ...load,
  request: (s) => ({
    method: 'POST',
    path: '/certs',
    headers: auth(s.token),
    body: { thing_id: s.thingId, ttl: '24h', ...body },
  }),
  expectStatus: 200,
})

/** @type {import('../lib/types').Scenario[]} */
export default [
  // The EC target is a latency (p50 under 10 ms in the Worker): one connection, no queueing.
  issue('POST /certs (EC P-256, 1 conn)', {}, { connections: 1 }),
  issue('POST /certs (EC P-256)', {}),
  issue('POST /certs (Ed25519, 1 conn)', { key_type: 'ed25519' }, { connections: 1 }),
  issue(
    'POST /certs (RSA-2048, 1 conn)',
    { key_type: 'rsa', key_bits: 2048 },
    { connections: 1, minDuration: 10 }
  ),
  issue(
    'POST /certs (RSA-4096, 1 conn)',
    { key_type: 'rsa', key_bits: 4096 },
    { connections: 1, minDuration: 30 }
  ),
  {
    name: 'POST /certs/csr (EC P-256 CSR, 1 conn)',
    connections: 1,
    async seed(ctx) {
      const s = await userWithThing(ctx)
      x509.cryptoProvider.set(webcrypto)
      const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify'])
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: 'CN=device',
        keys,
        signingAlgorithm: alg,
      })
      return { ...s, csr: csr.toString('pem') }
    },
    // The same CSR every time: each request verifies and signs it anew.
    request: (s) => ({
      method: 'POST',
      path: '/certs/csr',
      headers: auth(s.token),
      body: { thing_id: s.thingId, csr: s.csr, ttl: '24h' },
    }),
    expectStatus: 201,
  },
  {
    name: 'GET /certs/crl (1,000 revoked)',
    async seed(ctx) {
      const s = await userWithThing(ctx)
      const now = Date.now()
      await ctx.insertRows(
        'certs',
        Array.from({ length: 1000 }, () => ({
          serial: `7${randomUUID().replaceAll('-', '').slice(1)}`,
          thing_id: s.thingId,
          owner: s.userId,
          key_type: 'ec',
          key_bits: 256,
          issued_at: now - 3_600_000,
          expires_at: now + 30 * 24 * 3_600_000,
          revoked_at: now - 60_000,
        }))
      )
      return s
    },
    request: () => ({ path: '/certs/crl' }),
    expectStatus: 200,
  },
]
