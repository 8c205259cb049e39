import { loginGuard, userGuard } from '../auth'
import { deps } from '../lib/context'
import { defineRoute, errorResponses, jsonBody, jsonContent, newRouter } from '../lib/openapi'
import {
  createKeyReq,
  issuedKeyRes,
  keyIdParam,
  keyRes,
  keysPageQuery,
  keysPageRes,
} from './schema'
import { makeKeysService } from './service'

export const keys = newRouter()

const service = (c: Parameters<typeof deps>[0]) => makeKeysService(deps(c))

keys.openapi(
  defineRoute({
    method: 'post',
    path: '/keys',
    tags: ['keys'],
    summary: 'Issue an API key (login token required)',
    guard: loginGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(createKeyReq) },
    responses: {
      201: jsonContent(issuedKeyRes, 'The key; its value is shown only here'),
      ...errorResponses(400, 401, 403, 415),
    },
  }),
  async (c) => {
    const { duration } = c.req.valid('json')
    return c.json(await service(c).issueKey(c.var.identity, duration), 201)
  }
)

keys.openapi(
  defineRoute({
    method: 'get',
    path: '/keys',
    tags: ['keys'],
    summary: "List the caller's API keys",
    guard: userGuard,
    d1: 'read',
    request: { query: keysPageQuery },
    responses: { 200: jsonContent(keysPageRes, 'A page of keys'), ...errorResponses(400, 401) },
  }),
  async (c) => {
    const { offset, limit } = c.req.valid('query')
    return c.json(await service(c).listKeys(c.var.identity, offset, limit), 200)
  }
)

keys.openapi(
  defineRoute({
    method: 'get',
    path: '/keys/{id}',
    tags: ['keys'],
    summary: 'View an API key (never its secret)',
    guard: userGuard,
    d1: 'read',
    request: { params: keyIdParam },
    responses: { 200: jsonContent(keyRes, 'The key'), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(await service(c).retrieveKey(c.var.identity, c.req.valid('param').id), 200)
)

keys.openapi(
  defineRoute({
    method: 'delete',
    path: '/keys/{id}',
    tags: ['keys'],
    summary: 'Revoke an API key; effective on the next request',
    guard: userGuard,
    d1: 'write',
    request: { params: keyIdParam },
    responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    await service(c).revokeKey(c.var.identity, c.req.valid('param').id)
    return c.body(null, 204)
  }
)
