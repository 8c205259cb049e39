import { userGuard } from '../auth'
import { thingKeyFromHeader } from '../lib/auth'
import { deps } from '../lib/context'
import {
  defineRoute,
  errorResponses,
  externalKeyGuard,
  jsonBody,
  jsonContent,
  locationHeader,
  newRouter,
} from '../lib/openapi'
import { ifNoneMatch } from './answer'
import {
  bootstrapRes,
  configIdParam,
  configRes,
  configsPageRes,
  configsQuery,
  createConfigReq,
  externalIdParam,
  lockRes,
  stateReq,
  updateCertsReq,
  updateConfigReq,
  updateConnectionsReq,
} from './schema'
import { clientAddress } from '../throttle/middleware'
import { makeBootstrapService } from './service'

/** Mounted before the things router: `GET /things/{id}` would otherwise take `/things/configs`. */
export const bootstrap = newRouter()

const service = (c: Parameters<typeof deps>[0]) => makeBootstrapService(deps(c))

const binary = (description: string) => ({
  description,
  content: {
    'application/octet-stream': { schema: { type: 'string' as const, format: 'binary' } },
  },
})

bootstrap.openapi(
  defineRoute({
    method: 'post',
    path: '/things/configs',
    tags: ['bootstrap'],
    summary: 'Add a bootstrap config (a new thing is created when thing_id is absent)',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(createConfigReq) },
    responses: {
      201: { description: 'Created (inactive)', headers: locationHeader },
      ...errorResponses(400, 401, 404, 409, 413, 415),
    },
  }),
  async (c) => {
    const id = await service(c).addConfig(c.var.identity, c.req.valid('json'))
    c.header('Location', `/things/configs/${id}`)
    return c.body(null, 201)
  }
)

bootstrap.openapi(
  defineRoute({
    method: 'get',
    path: '/things/configs',
    tags: ['bootstrap'],
    summary: "List the caller's bootstrap configs (without channels)",
    guard: userGuard,
    d1: 'read',
    request: { query: configsQuery },
    responses: {
      200: jsonContent(configsPageRes, 'A page of configs'),
      ...errorResponses(400, 401),
    },
  }),
  async (c) => c.json(await service(c).listConfigs(c.var.identity, c.req.valid('query')), 200)
)

bootstrap.openapi(
  defineRoute({
    method: 'get',
    path: '/things/configs/{id}',
    tags: ['bootstrap'],
    summary: 'View a bootstrap config with its channels and last fetches (never the external key)',
    guard: userGuard,
    d1: 'read',
    request: { params: configIdParam },
    responses: { 200: jsonContent(configRes, 'The config'), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(await service(c).viewConfig(c.var.identity, c.req.valid('param').id), 200)
)

bootstrap.openapi(
  defineRoute({
    method: 'put',
    path: '/things/configs/{id}',
    tags: ['bootstrap'],
    summary: "Replace a config's name and content",
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { params: configIdParam, body: jsonBody(updateConfigReq) },
    responses: { 200: { description: 'Updated' }, ...errorResponses(400, 401, 404, 413, 415, 503) },
  }),
  async (c) => {
    await service(c).updateConfig(c.var.identity, c.req.valid('param').id, c.req.valid('json'))
    return c.body(null, 200)
  }
)

bootstrap.openapi(
  defineRoute({
    method: 'delete',
    path: '/things/configs/{id}',
    tags: ['bootstrap'],
    summary: 'Remove a bootstrap config (its thing and connections stay)',
    guard: userGuard,
    d1: 'write',
    request: { params: configIdParam },
    responses: { 204: { description: 'Removed' }, ...errorResponses(401, 404, 503) },
  }),
  async (c) => {
    await service(c).removeConfig(c.var.identity, c.req.valid('param').id)
    return c.body(null, 204)
  }
)

bootstrap.openapi(
  defineRoute({
    method: 'patch',
    path: '/things/configs/certs/{id}',
    tags: ['bootstrap'],
    summary: 'Replace the certificate and key served to the gateway',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { params: configIdParam, body: jsonBody(updateCertsReq) },
    responses: { 200: { description: 'Updated' }, ...errorResponses(400, 401, 404, 413, 415, 503) },
  }),
  async (c) => {
    await service(c).updateCerts(c.var.identity, c.req.valid('param').id, c.req.valid('json'))
    return c.body(null, 200)
  }
)

bootstrap.openapi(
  defineRoute({
    method: 'put',
    path: '/things/configs/connections/{id}',
    tags: ['bootstrap'],
    summary: "Replace a config's channels; an active config's thing connections follow",
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { params: configIdParam, body: jsonBody(updateConnectionsReq) },
    responses: { 200: { description: 'Updated' }, ...errorResponses(400, 401, 404, 413, 415, 503) },
  }),
  async (c) => {
    const { channels } = c.req.valid('json')
    await service(c).updateConnections(c.var.identity, c.req.valid('param').id, channels)
    return c.body(null, 200)
  }
)

bootstrap.openapi(
  defineRoute({
    method: 'put',
    path: '/things/state/{id}',
    tags: ['bootstrap'],
    summary: 'Activate (1: connect the thing to its config channels) or deactivate (0) a config',
    description: '`{}` means 0, as the Go SDK sends a zero state.',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { params: configIdParam, body: jsonBody(stateReq) },
    responses: {
      200: { description: 'State set' },
      ...errorResponses(400, 401, 404, 413, 415, 503),
    },
  }),
  async (c) => {
    await service(c).changeState(c.var.identity, c.req.valid('param').id, c.req.valid('json').state)
    return c.body(null, 200)
  }
)

bootstrap.openapi(
  defineRoute({
    method: 'get',
    path: '/things/configs/{id}/lock',
    tags: ['bootstrap'],
    summary: "A gateway's throttles: failed bootstrap fetches and broker connects, and their locks",
    guard: userGuard,
    d1: 'read',
    request: { params: configIdParam },
    responses: { 200: jsonContent(lockRes, 'The throttles'), ...errorResponses(401, 404, 503) },
  }),
  async (c) => c.json(await service(c).viewLock(c.var.identity, c.req.valid('param').id), 200)
)

bootstrap.openapi(
  defineRoute({
    method: 'delete',
    path: '/things/configs/{id}/lock',
    tags: ['bootstrap'],
    summary: "Clear a gateway's throttles (counts and locks of its fetches and connects)",
    guard: userGuard,
    d1: 'write',
    request: { params: configIdParam },
    responses: { 204: { description: 'Cleared' }, ...errorResponses(401, 404, 503) },
  }),
  async (c) => {
    await service(c).clearLock(c.var.identity, c.req.valid('param').id)
    return c.body(null, 204)
  }
)

bootstrap.openapi(
  defineRoute({
    method: 'get',
    path: '/things/bootstrap/{externalId}',
    tags: ['bootstrap'],
    summary: 'A gateway fetches its configuration with its external key',
    description:
      'Unknown external id and wrong key answer the same 404. `If-None-Match` with the ' +
      'current ETag answers 304. After repeated failures the external id is locked (429 with ' +
      'Retry-After, the right key included); see the README, Security.',
    guard: externalKeyGuard,
    request: { params: externalIdParam },
    responses: {
      200: {
        ...jsonContent(bootstrapRes, 'The configuration'),
        headers: {
          ETag: { description: 'Strong validator of the answer', schema: { type: 'string' } },
        },
      },
      304: { description: 'Unchanged since the given ETag' },
      ...errorResponses(401, 404, 429, 503),
    },
  }),
  async (c) => {
    const key = thingKeyFromHeader(c.req.header('authorization'))
    const answer = await service(c).bootstrap(
      c.req.valid('param').externalId,
      key,
      clientAddress(c)
    )
    // The answer holds secrets: no shared cache may keep it; the gateway revalidates with the ETag.
    c.header('ETag', answer.etag)
    c.header('Cache-Control', 'private, no-cache')
    if (ifNoneMatch(c.req.header('if-none-match'), answer.etag)) return c.body(null, 304)
    c.header('Content-Type', 'application/json')
    return c.body(answer.body, 200)
  }
)

bootstrap.openapi(
  defineRoute({
    method: 'get',
    path: '/things/bootstrap/secure/{externalId}',
    tags: ['bootstrap'],
    summary: 'Encrypted fetch as 0.12.1 (AES-CFB; confidentiality only, replayable)',
    description:
      'Authorization: hex(IV || AES-CFB(external key)) under MF_BOOTSTRAP_ENCRYPT_KEY; the body ' +
      'is IV || AES-CFB(JSON answer).',
    guard: externalKeyGuard,
    request: { params: externalIdParam },
    responses: {
      200: binary('IV (16 bytes) followed by the AES-CFB encrypted JSON answer'),
      ...errorResponses(400, 401, 404, 429, 503),
    },
  }),
  async (c) => {
    const header = thingKeyFromHeader(c.req.header('authorization'))
    const sealed = await service(c).bootstrapSecure(
      c.req.valid('param').externalId,
      header,
      clientAddress(c)
    )
    c.header('Content-Type', 'application/octet-stream')
    c.header('Cache-Control', 'no-store')
    return c.body(sealed, 200)
  }
)

bootstrap.openapi(
  defineRoute({
    method: 'get',
    path: '/things/bootstrap/sealed/{externalId}',
    tags: ['bootstrap'],
    summary: 'Encrypted and authenticated fetch (AES-GCM, replay-protected)',
    description:
      'Authorization: base64url(IV[12] || AES-256-GCM(JSON {ts, nonce, key})) under the gateway ' +
      'key derived from FLUXGATE_BOOTSTRAP_SEALED_KEY, with associated data ' +
      '"fluxgate-bootstrap-v1 request <external_id>". The body is IV[12] || AES-GCM(JSON answer) ' +
      'with associated data "fluxgate-bootstrap-v1 response <external_id> <nonce>". See the README.',
    guard: externalKeyGuard,
    request: { params: externalIdParam },
    responses: {
      200: binary('IV (12 bytes) followed by the AES-GCM sealed JSON answer and its tag'),
      ...errorResponses(400, 401, 404, 429, 503),
    },
  }),
  async (c) => {
    const header = thingKeyFromHeader(c.req.header('authorization'))
    const sealed = await service(c).bootstrapSealed(
      c.req.valid('param').externalId,
      header,
      clientAddress(c)
    )
    c.header('Content-Type', 'application/octet-stream')
    c.header('Cache-Control', 'no-store')
    return c.body(sealed, 200)
  }
)
