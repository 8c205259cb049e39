import { z } from '@hono/zod-openapi'
import { orderedPageOf } from '../lib/page'
import { LIMITS } from '../lib/limits'
import { metadataObject } from '../lib/metadata'
import { name, optionalMetadata } from '../things/schema'

export const createChannelReq = z
  .object({ name, metadata: optionalMetadata })
  .openapi('CreateChannelRequest')

export const createChannelsReq = z
  .array(createChannelReq)
  .min(1, 'at least one channel is required')
  .max(LIMITS.bulkMax, `at most ${LIMITS.bulkMax} channels per request`)
  .openapi('CreateChannelsRequest')

export const updateChannelReq = z
  .object({ name, metadata: optionalMetadata })
  .openapi('UpdateChannelRequest', { description: 'Full replace: an omitted field is cleared' })

export const channelRes = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    name: z.string().optional(),
    metadata: metadataObject.optional(),
  })
  .openapi('Channel')

export const channelsRes = z.object({ channels: z.array(channelRes) }).openapi('Channels')

export const channelsPageRes = orderedPageOf('channels', channelRes, 'ChannelsPage')

export type CreateChannelReq = z.output<typeof createChannelReq>
export type UpdateChannelReq = z.output<typeof updateChannelReq>
