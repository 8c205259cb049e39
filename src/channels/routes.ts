import { userGuard } from '../auth'
import { deps } from '../lib/context'
import {
  defineRoute,
  errorResponses,
  jsonBody,
  jsonContent,
  locationHeader,
  newRouter,
} from '../lib/openapi'
import { idParam, listQuery } from '../things/schema'
import {
  channelRes,
  channelsPageRes,
  channelsRes,
  createChannelReq,
  createChannelsReq,
  updateChannelReq,
} from './schema'
import { makeChannelsService } from './service'

export const channels = newRouter()

const service = (c: Parameters<typeof deps>[0]) => makeChannelsService(deps(c))

const DEPRECATED_CREATE =
  'This endpoint will be depreciated in v1.0.0. It will be replaced with the bulk endpoint currently found at /channels/bulk.'

channels.openapi(
  defineRoute({
    method: 'post',
    path: '/channels',
    tags: ['channels'],
    summary: 'Create a channel',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(createChannelReq) },
    responses: {
      201: {
        description: 'Created',
        headers: {
          ...locationHeader,
          'Warning-Deprecated': { description: 'Kept from 0.12.1', schema: { type: 'string' } },
        },
      },
      ...errorResponses(400, 401, 413, 415),
    },
  }),
  async (c) => {
    const [channel] = await service(c).createChannels(c.var.identity, [c.req.valid('json')])
    c.header('Location', `/channels/${channel!.id}`)
    c.header('Warning-Deprecated', DEPRECATED_CREATE)
    return c.body(null, 201)
  }
)

channels.openapi(
  defineRoute({
    method: 'post',
    path: '/channels/bulk',
    tags: ['channels'],
    summary: 'Create channels, all or nothing (at most 1000 per request)',
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { body: jsonBody(createChannelsReq) },
    responses: {
      201: jsonContent(channelsRes, 'The created channels with their ids'),
      ...errorResponses(400, 401, 413, 415),
    },
  }),
  async (c) => {
    const created = await service(c).createChannels(c.var.identity, c.req.valid('json'))
    return c.json({ channels: created }, 201)
  }
)

channels.openapi(
  defineRoute({
    method: 'get',
    path: '/channels',
    tags: ['channels'],
    summary: "List the caller's channels",
    guard: userGuard,
    d1: 'read',
    request: { query: listQuery },
    responses: {
      200: jsonContent(channelsPageRes, 'A page of channels'),
      ...errorResponses(400, 401),
    },
  }),
  async (c) => c.json(await service(c).listChannels(c.var.identity, c.req.valid('query')), 200)
)

channels.openapi(
  defineRoute({
    method: 'get',
    path: '/channels/{id}',
    tags: ['channels'],
    summary: 'View a channel',
    guard: userGuard,
    d1: 'read',
    request: { params: idParam },
    responses: { 200: jsonContent(channelRes, 'The channel'), ...errorResponses(401, 404) },
  }),
  async (c) => c.json(await service(c).viewChannel(c.var.identity, c.req.valid('param').id), 200)
)

channels.openapi(
  defineRoute({
    method: 'put',
    path: '/channels/{id}',
    tags: ['channels'],
    summary: "Replace a channel's name and metadata",
    guard: userGuard,
    d1: 'write',
    json: true,
    request: { params: idParam, body: jsonBody(updateChannelReq) },
    responses: { 200: { description: 'Updated' }, ...errorResponses(400, 401, 404, 415) },
  }),
  async (c) => {
    await service(c).updateChannel(c.var.identity, c.req.valid('param').id, c.req.valid('json'))
    return c.body(null, 200)
  }
)

channels.openapi(
  defineRoute({
    method: 'delete',
    path: '/channels/{id}',
    tags: ['channels'],
    summary: 'Remove a channel and its connections',
    guard: userGuard,
    d1: 'write',
    request: { params: idParam },
    responses: { 204: { description: 'Removed' }, ...errorResponses(401, 404, 503) },
  }),
  async (c) => {
    await service(c).removeChannel(c.var.identity, c.req.valid('param').id)
    return c.body(null, 204)
  }
)
