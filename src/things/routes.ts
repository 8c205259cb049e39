import { userGuard } from '../auth'
import { thingKeyOf } from '../lib/auth'
import { deps } from '../lib/context'
import {
  defineRoute,
  errorResponses,
  jsonBody,
  jsonContent,
  locationHeader,
  newRouter,
  thingKeyGuard,
} from '../lib/openapi'
import { guessing } from '../throttle/middleware'
import {
  createThingReq,
  createThingsReq,
  deprecationHeader,
  identityBody,
  identityRes,
  idParam,
  listQuery,
  searchReq,
  thingRes,
  thingsPageRes,
  thingsRes,
  updateKeyReq,
  updateThingReq,
} from './schema'
import { makeThingsService } from './service'

export const things = newRouter()

const service = (c: Parameters<typeof deps>[0]) => makeThingsService(deps(c))

/** 0.12.1 sends this on the single-item create; kept for clients that log it. */
const DEPRECATED_CREATE =
  'This endpoint will be depreciated in v1.0.0. It will be replaced with the bulk endpoint currently found at /things/bulk.'

things.openapi(
  defineRoute({
    method: 'post',
    path: '/things',
    tags: ['things'],
    summary: 'Create a thing',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(createThingReq) },
    responses: {
      201: { description: 'Created', headers: { ...locationHeader, ...deprecationHeader } },
      ...errorResponses(400, 401, 409, 413, 415),
    },
  }),
  async (c) => {
    const [thing] = await service(c).createThings(c.var.identity, [c.req.valid('json')])
    c.header('Location', `/things/${thing!.id}`)
    c.header('Warning-Deprecated', DEPRECATED_CREATE)
    return c.body(null, 201)
  }
)

things.openapi(
  defineRoute({
    method: 'post',
    path: '/things/bulk',
    tags: ['things'],
    summary: 'Create things, all or nothing (at most 1000 per request)',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(createThingsReq) },
    responses: {
      201: jsonContent(thingsRes, 'The created things with their ids and keys'),
      ...errorResponses(400, 401, 409, 413, 415),
    },
  }),
  async (c) => {
    const created = await service(c).createThings(c.var.identity, c.req.valid('json'), true)
    return c.json({ things: created }, 201)
  }
)

things.openapi(
  defineRoute({
    method: 'get',
    path: '/things',
    tags: ['things'],
    summary: "List the caller's things",
    guard: userGuard,
    d1: 'read',
    request: { query: listQuery },
    responses: { 200: jsonContent(thingsPageRes, 'A page of things'), ...errorResponses(400, 401) },
  }),
  async (c) => c.json(await service(c).listThings(c.var.identity, c.req.valid('query')), 200)
)

things.openapi(
  defineRoute({
    method: 'post',
    path: '/things/search',
    tags: ['things'],
    summary: "Search the caller's things (the filters of GET /things as JSON)",
    guard: userGuard,
    d1: 'read',
    json: true,
    request: { body: jsonBody(searchReq) },
    responses: {
      200: jsonContent(thingsPageRes, 'A page of things'),
      ...errorResponses(400, 401, 415),
    },
  }),
  async (c) => c.json(await service(c).listThings(c.var.identity, c.req.valid('json')), 200)
)

things.openapi(
  defineRoute({
    method: 'get',
    path: '/things/{id}',
    tags: ['things'],
    summary: 'View a thing',
    guard: userGuard,
    d1: 'read',
    request: { params: idParam },
    responses: { 200: jsonContent(thingRes, 'The thing'), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(await service(c).viewThing(c.var.identity, c.req.valid('param').id), 200)
)

things.openapi(
  defineRoute({
    method: 'put',
    path: '/things/{id}',
    tags: ['things'],
    summary: "Replace a thing's name and metadata",
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { params: idParam, body: jsonBody(updateThingReq) },
    responses: { 200: { description: 'Updated' }, ...errorResponses(400, 401, 404, 415) },
  }),
  async (c) => {
    await service(c).updateThing(c.var.identity, c.req.valid('param').id, c.req.valid('json'))
    return c.body(null, 200)
  }
)

things.openapi(
  defineRoute({
    method: 'patch',
    path: '/things/{id}/key',
    tags: ['things'],
    summary: "Replace a thing's key; the old key stops working at once",
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { params: idParam, body: jsonBody(updateKeyReq) },
    responses: { 200: { description: 'Updated' }, ...errorResponses(400, 401, 404, 409, 415, 503) },
  }),
  async (c) => {
    await service(c).updateKey(c.var.identity, c.req.valid('param').id, c.req.valid('json').key)
    return c.body(null, 200)
  }
)

things.openapi(
  defineRoute({
    method: 'delete',
    path: '/things/{id}',
    tags: ['things'],
    summary: 'Remove a thing and its connections',
    guard: userGuard,
    d1: 'write',
    request: { params: idParam },
    responses: { 204: { description: 'Removed' }, ...errorResponses(401, 404, 503) },
  }),
  async (c) => {
    await service(c).removeThing(c.var.identity, c.req.valid('param').id)
    return c.body(null, 204)
  }
)

things.openapi(
  defineRoute({
    method: 'post',
    path: '/identify',
    tags: ['access'],
    summary: "A thing's id from its key (for protocol adapters; no user token)",
    guard: thingKeyGuard,
    json: true,
    request: { body: identityBody },
    responses: {
      200: jsonContent(identityRes, 'The thing id'),
      ...errorResponses(400, 401, 415, 429),
    },
  }),
  async (c) => {
    const key = thingKeyOf(c.req.valid('json'), c.req.header('authorization'))
    return c.json({ id: await guessing(c, (guards) => service(c).identify(key, guards)) }, 200)
  }
)
