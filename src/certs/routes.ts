import { userGuard } from '../auth'
import { deps } from '../lib/context'
import {
  defineRoute,
  errorResponses,
  jsonBody,
  jsonContent,
  newRouter,
  publicRoute,
} from '../lib/openapi'
import {
  certRes,
  certsPageQuery,
  certsPageRes,
  crlQuery,
  issuedCertRes,
  issueCertReq,
  revokeRes,
  revokeSerialParam,
  revokeThingReq,
  serialParam,
  signCsrReq,
  thingIdParam,
} from './schema'
import { makeCertsService } from './service'

export const certs = newRouter()

const service = (c: Parameters<typeof deps>[0]) => makeCertsService(deps(c))

// Static segments (csr, crl, ca, serial, revoke) are registered before /certs/{id} so that, for
// example, DELETE /certs/revoke is never read as a serial.

certs.openapi(
  defineRoute({
    method: 'post',
    path: '/certs',
    tags: ['certs'],
    summary: 'Issue a certificate and private key for a thing',
    description:
      'The key is generated here (or by Vault) and returned once, never stored. CN is the thing key ' +
      '(MF_CERTS_CN=thing_id: the thing id); EKU clientAuth. Answers 200, not 201: the Mainflux ' +
      '0.12.1 Go SDK (and so mainflux-cli and 0.12.1 provision) accepts only 200 here. Location ' +
      'still names the new record.',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(issueCertReq) },
    responses: {
      200: jsonContent(issuedCertRes, 'The certificate, its key and the CA certificate'),
      ...errorResponses(400, 401, 404, 413, 415, 422, 503),
    },
  }),
  async (c) => {
    const issued = await service(c).issueCert(c.var.identity, c.req.valid('json'))
    c.header('Location', `/certs/serial/${issued.serial}`)
    // 200 on purpose: the 0.12.1 Go SDK's IssueCert treats anything else, 201 included, as failure.
    return c.json(issued, 200)
  }
)

certs.openapi(
  defineRoute({
    method: 'post',
    path: '/certs/csr',
    tags: ['certs'],
    summary: "Certify a device's CSR (the private key never leaves the device)",
    description:
      "The CSR's signature is verified; its subject and extensions are replaced by ours.",
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(signCsrReq) },
    responses: {
      201: jsonContent(issuedCertRes, 'The certificate and the CA certificate (no key)'),
      ...errorResponses(400, 401, 404, 413, 415, 422, 503),
    },
  }),
  async (c) => {
    const issued = await service(c).signCsr(c.var.identity, c.req.valid('json'))
    c.header('Location', `/certs/serial/${issued.serial}`)
    return c.json(issued, 201)
  }
)

certs.openapi(
  defineRoute({
    method: 'get',
    path: '/certs/crl',
    tags: ['certs'],
    summary: 'Certificate revocation list (no authentication)',
    description:
      'Signed by the CA; lists every revoked certificate that has not expired. DER by default, ' +
      "PEM with ?format=pem. In Vault mode this is Vault's CRL.",
    guard: publicRoute,
    request: { query: crlQuery },
    responses: {
      200: {
        description: 'The CRL',
        content: {
          'application/pkix-crl': { schema: { type: 'string', format: 'binary' } },
          'application/x-pem-file': { schema: { type: 'string' } },
        },
      },
      ...errorResponses(400, 503),
    },
  }),
  async (c) => {
    const format = c.req.valid('query').format ?? 'der'
    const body = await service(c).crl(format)
    c.header('Content-Type', format === 'pem' ? 'application/x-pem-file' : 'application/pkix-crl')
    c.header('Cache-Control', 'no-cache')
    return c.body(body, 200)
  }
)

certs.openapi(
  defineRoute({
    method: 'get',
    path: '/certs/ca',
    guard: publicRoute,
    tags: ['certs'],
    summary: 'The CA certificate that signs client certificates (no authentication)',
    description:
      "PEM. With the built-in CA this is MF_CERTS_CA_CERT; in Vault mode, Vault's " +
      '/v1/{pki}/ca/pem. 503 when no CA is configured.',
    responses: {
      200: {
        description: 'The CA certificate',
        content: { 'application/x-pem-file': { schema: { type: 'string' } } },
      },
      ...errorResponses(503),
    },
  }),
  async (c) => {
    const pem = await service(c).caCertificate()
    c.header('Content-Type', 'application/x-pem-file')
    c.header('Cache-Control', 'no-cache')
    return c.body(`${pem}\n`, 200)
  }
)

certs.openapi(
  defineRoute({
    method: 'get',
    path: '/certs/serial/{serial}',
    tags: ['certs'],
    summary: 'View a certificate record by serial',
    guard: userGuard,
    d1: 'read',
    request: { params: serialParam },
    responses: { 200: jsonContent(certRes, 'The record'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => c.json(await service(c).viewCert(c.var.identity, c.req.valid('param').serial), 200)
)

certs.openapi(
  defineRoute({
    method: 'delete',
    path: '/certs/revoke',
    tags: ['certs'],
    summary: "Revoke all of a thing's certificates",
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(revokeThingReq) },
    responses: {
      200: jsonContent(revokeRes, 'Revoked (an empty list when nothing was left to revoke)'),
      ...errorResponses(400, 401, 404, 415, 503),
    },
  }),
  async (c) => {
    const { thing_id } = c.req.valid('json')
    return c.json(await service(c).revokeThingCerts(c.var.identity, thing_id), 200)
  }
)

certs.openapi(
  defineRoute({
    method: 'delete',
    path: '/certs/{id}',
    tags: ['certs'],
    summary: 'Revoke one certificate by serial',
    description: 'Revoking an already revoked certificate answers its first revocation time.',
    guard: userGuard,
    d1: 'write',
    request: { params: revokeSerialParam },
    responses: {
      200: jsonContent(revokeRes, 'Revoked'),
      ...errorResponses(400, 401, 404, 503),
    },
  }),
  async (c) => c.json(await service(c).revokeCert(c.var.identity, c.req.valid('param').id), 200)
)

certs.openapi(
  defineRoute({
    method: 'get',
    path: '/certs/{id}',
    tags: ['certs'],
    summary: "List a thing's certificates, ordered by expiry",
    guard: userGuard,
    d1: 'read',
    request: { params: thingIdParam, query: certsPageQuery },
    responses: {
      200: jsonContent(certsPageRes, 'A page of records'),
      ...errorResponses(400, 401, 404),
    },
  }),
  async (c) => {
    const { offset, limit } = c.req.valid('query')
    const { id } = c.req.valid('param')
    return c.json(await service(c).listCerts(c.var.identity, id, offset, limit), 200)
  }
)
