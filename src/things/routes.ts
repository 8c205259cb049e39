import { thingKeyFromHeader, userGuard } from '../lib/auth'
import { deps } from '../lib/context'
import {
  defineRoute,
  errorResponses,
  jsonBody,
  jsonContent,
  locationHeader,
  newRouter,
  publicRoute,
  thingKeyGuard,
} from '../lib/openapi'
import { loadConfig } from '../lib/config'
import { AppError } from '../lib/errors'
import type { Guard } from '../lib/guard'
import { connectedFlag } from '../lib/page'
import { makeThrottles } from '../throttle'
import { clientAddress } from '../throttle/middleware'
import {
  accessByIdReq,
  chanIdParam,
  connectedQuery,
  connectionParams,
  connectReq,
  createThingReq,
  createThingsReq,
  identityReq,
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

/** 0.12.1 sends these on the single-item routes; kept for clients that log them. */
const DEPRECATED_CREATE =
  'This endpoint will be depreciated in v1.0.0. It will be replaced with the bulk endpoint currently found at /things/bulk.'
const DEPRECATED_CONNECT =
  'This endpoint will be depreciated in v1.0.0. It will be replaced with the bulk endpoint found at /connect.'

const deprecationHeader = {
  'Warning-Deprecated': { description: 'Kept from 0.12.1', schema: { type: 'string' as const } },
}

things.openapi(
  defineRoute({
    method: 'post',
    path: '/things',
    tags: ['things'],
    summary: 'Create a thing',
    guard: userGuard,
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
  },
)

things.openapi(
  defineRoute({
    method: 'post',
    path: '/things/bulk',
    tags: ['things'],
    summary: 'Create things, all or nothing (at most 1000 per request)',
    guard: userGuard,
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
  },
)

things.openapi(
  defineRoute({
    method: 'get',
    path: '/things',
    tags: ['things'],
    summary: "List the caller's things",
    guard: userGuard,
    request: { query: listQuery },
    responses: { 200: jsonContent(thingsPageRes, 'A page of things'), ...errorResponses(400, 401) },
  }),
  async (c) => c.json(await service(c).listThings(c.var.identity, c.req.valid('query')), 200),
)

things.openapi(
  defineRoute({
    method: 'post',
    path: '/things/search',
    tags: ['things'],
    summary: "Search the caller's things (the filters of GET /things as JSON)",
    guard: userGuard,
    json: true,
    request: { body: jsonBody(searchReq) },
    responses: {
      200: jsonContent(thingsPageRes, 'A page of things'),
      ...errorResponses(400, 401, 415),
    },
  }),
  async (c) => c.json(await service(c).listThings(c.var.identity, c.req.valid('json')), 200),
)

things.openapi(
  defineRoute({
    method: 'get',
    path: '/things/{id}',
    tags: ['things'],
    summary: 'View a thing',
    guard: userGuard,
    request: { params: idParam },
    responses: { 200: jsonContent(thingRes, 'The thing'), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(await service(c).viewThing(c.var.identity, c.req.valid('param').id), 200),
)

things.openapi(
  defineRoute({
    method: 'put',
    path: '/things/{id}',
    tags: ['things'],
    summary: "Replace a thing's name and metadata",
    guard: userGuard,
    json: true,
    request: { params: idParam, body: jsonBody(updateThingReq) },
    responses: { 200: { description: 'Updated' }, ...errorResponses(400, 401, 404, 415) },
  }),
  async (c) => {
    await service(c).updateThing(c.var.identity, c.req.valid('param').id, c.req.valid('json'))
    return c.body(null, 200)
  },
)

things.openapi(
  defineRoute({
    method: 'patch',
    path: '/things/{id}/key',
    tags: ['things'],
    summary: "Replace a thing's key; the old key stops working at once",
    guard: userGuard,
    json: true,
    request: { params: idParam, body: jsonBody(updateKeyReq) },
    responses: { 200: { description: 'Updated' }, ...errorResponses(400, 401, 404, 409, 415, 503) },
  }),
  async (c) => {
    await service(c).updateKey(c.var.identity, c.req.valid('param').id, c.req.valid('json').key)
    return c.body(null, 200)
  },
)

things.openapi(
  defineRoute({
    method: 'delete',
    path: '/things/{id}',
    tags: ['things'],
    summary: 'Remove a thing and its connections',
    guard: userGuard,
    request: { params: idParam },
    responses: { 204: { description: 'Removed' }, ...errorResponses(401, 404, 503) },
  }),
  async (c) => {
    await service(c).removeThing(c.var.identity, c.req.valid('param').id)
    return c.body(null, 204)
  },
)

things.openapi(
  defineRoute({
    method: 'get',
    path: '/channels/{id}/things',
    tags: ['connections'],
    summary: 'Things connected (or, with connected=false, not connected) to a channel',
    guard: userGuard,
    request: { params: idParam, query: connectedQuery },
    responses: { 200: jsonContent(thingsPageRes, 'A page of things'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const page = await service(c).listThingsByChannel(
      c.var.identity,
      c.req.valid('param').id,
      q,
      connectedFlag(q),
    )
    return c.json(page, 200)
  },
)

things.openapi(
  defineRoute({
    method: 'put',
    path: '/channels/{chanId}/things/{thingId}',
    tags: ['connections'],
    summary: 'Connect a thing to a channel (idempotent)',
    guard: userGuard,
    request: { params: connectionParams },
    responses: {
      200: { description: 'Connected', headers: deprecationHeader },
      ...errorResponses(401, 404),
    },
  }),
  async (c) => {
    const { chanId, thingId } = c.req.valid('param')
    await service(c).connect(c.var.identity, [chanId], [thingId])
    c.header('Warning-Deprecated', DEPRECATED_CONNECT)
    return c.body(null, 200)
  },
)

things.openapi(
  defineRoute({
    method: 'delete',
    path: '/channels/{chanId}/things/{thingId}',
    tags: ['connections'],
    summary: 'Disconnect a thing from a channel',
    guard: userGuard,
    request: { params: connectionParams },
    responses: { 204: { description: 'Disconnected' }, ...errorResponses(401, 404, 503) },
  }),
  async (c) => {
    const { chanId, thingId } = c.req.valid('param')
    await service(c).disconnectThing(c.var.identity, chanId, thingId)
    return c.body(null, 204)
  },
)

things.openapi(
  defineRoute({
    method: 'post',
    path: '/connect',
    tags: ['connections'],
    summary: 'Connect every listed channel with every listed thing, all or nothing',
    guard: userGuard,
    json: true,
    request: { body: jsonBody(connectReq) },
    responses: { 200: { description: 'Connected' }, ...errorResponses(400, 401, 404, 413, 415) },
  }),
  async (c) => {
    const { channel_ids, thing_ids } = c.req.valid('json')
    await service(c).connect(c.var.identity, channel_ids, thing_ids)
    return c.body(null, 200)
  },
)

things.openapi(
  defineRoute({
    method: 'post',
    path: '/disconnect',
    tags: ['connections'],
    summary: 'Disconnect every listed channel from every listed thing, all or nothing',
    guard: userGuard,
    json: true,
    request: { body: jsonBody(connectReq) },
    responses: { 200: { description: 'Disconnected' }, ...errorResponses(400, 401, 404, 413, 415, 503) },
  }),
  async (c) => {
    const { channel_ids, thing_ids } = c.req.valid('json')
    await service(c).disconnect(c.var.identity, channel_ids, thing_ids)
    return c.body(null, 200)
  },
)

/** The key from the body's `token`, else from `Authorization` (`Thing <key>` or raw). */
function thingKey(body: { token?: string }, header: string | undefined): string | undefined {
  return body.token || thingKeyFromHeader(header)
}

/**
 * An identify or access check under the per-address failure budget (README: Security): the
 * address's lock marker is read with the check's first KV read, and a refused check (401, 403)
 * counts against the budget, so guessing keys or ids from one address stops after a few a minute.
 */
async function guessing<T>(
  c: Parameters<typeof deps>[0] & { req: { header(name: string): string | undefined } },
  check: (guards: Guard[]) => Promise<T>,
): Promise<T> {
  const throttles = makeThrottles(c.env, loadConfig(c.env))
  const client = clientAddress(c)
  const guard = throttles.addressGuard(client)
  try {
    return await check(guard ? [guard] : [])
  } catch (e) {
    if (e instanceof AppError && (e.code === 'unauthenticated' || e.code === 'forbidden')) {
      await throttles.countGuess(client)
    }
    throw e
  }
}

const optionalBody = <T extends Parameters<typeof jsonBody>[0]>(schema: T) => ({
  ...jsonBody(schema),
  required: false,
})

things.openapi(
  defineRoute({
    method: 'post',
    path: '/identify',
    tags: ['access'],
    summary: "A thing's id from its key (for protocol adapters; no user token)",
    guard: thingKeyGuard,
    json: true,
    request: { body: optionalBody(identityReq) },
    responses: { 200: jsonContent(identityRes, 'The thing id'), ...errorResponses(400, 401, 415, 429) },
  }),
  async (c) => {
    const key = thingKey(c.req.valid('json'), c.req.header('authorization'))
    return c.json({ id: await guessing(c, (guards) => service(c).identify(key, guards)) }, 200)
  },
)

things.openapi(
  defineRoute({
    method: 'post',
    path: '/identify/channels/{chanId}/access-by-key',
    tags: ['access'],
    summary: 'Whether the thing holding a key may use a channel; its id if so',
    guard: thingKeyGuard,
    json: true,
    request: { params: chanIdParam, body: optionalBody(identityReq) },
    responses: {
      200: jsonContent(identityRes, 'Connected: the thing id'),
      ...errorResponses(400, 401, 403, 415, 429),
    },
  }),
  async (c) => {
    const key = thingKey(c.req.valid('json'), c.req.header('authorization'))
    const chanId = c.req.valid('param').chanId
    return c.json({ id: await guessing(c, (guards) => service(c).canAccessByKey(chanId, key, guards)) }, 200)
  },
)

things.openapi(
  defineRoute({
    method: 'post',
    path: '/identify/channels/{chanId}/access-by-id',
    tags: ['access'],
    summary: 'Whether a thing (by id) may use a channel',
    guard: publicRoute,
    json: true,
    request: { params: chanIdParam, body: jsonBody(accessByIdReq) },
    responses: { 200: { description: 'Connected' }, ...errorResponses(400, 403, 415, 429) },
  }),
  async (c) => {
    const chanId = c.req.valid('param').chanId
    const thingId = c.req.valid('json').thing_id
    await guessing(c, (guards) => service(c).canAccessById(chanId, thingId, guards))
    return c.body(null, 200)
  },
)
