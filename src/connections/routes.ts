import { userGuard } from '../auth'
import { channelsPageRes } from '../channels/schema'
import { thingKeyOf } from '../lib/auth'
import { deps } from '../lib/context'
import {
  defineRoute,
  errorResponses,
  jsonBody,
  jsonContent,
  newRouter,
  publicRoute,
  thingKeyGuard,
} from '../lib/openapi'
import { connectedFlag } from '../lib/page'
import {
  accessByIdReq,
  chanIdParam,
  connectedQuery,
  connectionParams,
  connectReq,
  deprecationHeader,
  identityBody,
  identityRes,
  idParam,
  thingsPageRes,
} from '../things/schema'
import { guessing } from '../throttle/middleware'
import { makeConnectionsService } from './service'

/*
 * Connections between things and channels, the listings of either side, and the access checks of
 * protocol adapters. Mounted between the things and channels routers (where these URLs were
 * registered before), so route matching is unchanged.
 */
export const connections = newRouter()

const service = (c: Parameters<typeof deps>[0]) => makeConnectionsService(deps(c))

/** 0.12.1 sends this on the single-pair connect; kept for clients that log it. */
const DEPRECATED_CONNECT =
  'This endpoint will be depreciated in v1.0.0. It will be replaced with the bulk endpoint found at /connect.'

connections.openapi(
  defineRoute({
    method: 'get',
    path: '/channels/{id}/things',
    tags: ['connections'],
    summary: 'Things connected (or, with connected=false, not connected) to a channel',
    guard: userGuard,
    d1: 'read',
    request: { params: idParam, query: connectedQuery },
    responses: {
      200: jsonContent(thingsPageRes, 'A page of things'),
      ...errorResponses(400, 401, 404),
    },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const page = await service(c).listThingsByChannel(
      c.var.identity,
      c.req.valid('param').id,
      q,
      connectedFlag(q)
    )
    return c.json(page, 200)
  }
)

connections.openapi(
  defineRoute({
    method: 'put',
    path: '/channels/{chanId}/things/{thingId}',
    tags: ['connections'],
    summary: 'Connect a thing to a channel (idempotent)',
    guard: userGuard,
    d1: 'write',
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
  }
)

connections.openapi(
  defineRoute({
    method: 'delete',
    path: '/channels/{chanId}/things/{thingId}',
    tags: ['connections'],
    summary: 'Disconnect a thing from a channel',
    guard: userGuard,
    d1: 'write',
    request: { params: connectionParams },
    responses: { 204: { description: 'Disconnected' }, ...errorResponses(401, 404, 503) },
  }),
  async (c) => {
    const { chanId, thingId } = c.req.valid('param')
    await service(c).disconnectThing(c.var.identity, chanId, thingId)
    return c.body(null, 204)
  }
)

connections.openapi(
  defineRoute({
    method: 'post',
    path: '/connect',
    tags: ['connections'],
    summary: 'Connect every listed channel with every listed thing, all or nothing',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(connectReq) },
    responses: { 200: { description: 'Connected' }, ...errorResponses(400, 401, 404, 413, 415) },
  }),
  async (c) => {
    const { channel_ids, thing_ids } = c.req.valid('json')
    await service(c).connect(c.var.identity, channel_ids, thing_ids)
    return c.body(null, 200)
  }
)

connections.openapi(
  defineRoute({
    method: 'post',
    path: '/disconnect',
    tags: ['connections'],
    summary: 'Disconnect every listed channel from every listed thing, all or nothing',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(connectReq) },
    responses: {
      200: { description: 'Disconnected' },
      ...errorResponses(400, 401, 404, 413, 415, 503),
    },
  }),
  async (c) => {
    const { channel_ids, thing_ids } = c.req.valid('json')
    await service(c).disconnect(c.var.identity, channel_ids, thing_ids)
    return c.body(null, 200)
  }
)

connections.openapi(
  defineRoute({
    method: 'get',
    path: '/things/{id}/channels',
    tags: ['connections'],
    summary: 'Channels connected (or, with connected=false, not connected) to a thing',
    guard: userGuard,
    d1: 'read',
    request: { params: idParam, query: connectedQuery },
    responses: {
      200: jsonContent(channelsPageRes, 'A page of channels'),
      ...errorResponses(400, 401, 404),
    },
  }),
  async (c) => {
    const q = c.req.valid('query')
    const page = await service(c).listChannelsByThing(
      c.var.identity,
      c.req.valid('param').id,
      q,
      connectedFlag(q)
    )
    return c.json(page, 200)
  }
)

connections.openapi(
  defineRoute({
    method: 'post',
    path: '/identify/channels/{chanId}/access-by-key',
    tags: ['access'],
    summary: 'Whether the thing holding a key may use a channel; its id if so',
    guard: thingKeyGuard,
    json: true,
    request: { params: chanIdParam, body: identityBody },
    responses: {
      200: jsonContent(identityRes, 'Connected: the thing id'),
      ...errorResponses(400, 401, 403, 415, 429),
    },
  }),
  async (c) => {
    const key = thingKeyOf(c.req.valid('json'), c.req.header('authorization'))
    const chanId = c.req.valid('param').chanId
    return c.json(
      { id: await guessing(c, (guards) => service(c).canAccessByKey(chanId, key, guards)) },
      200
    )
  }
)

connections.openapi(
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
  }
)
