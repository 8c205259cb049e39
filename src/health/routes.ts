import { z } from '@hono/zod-openapi'
import { defineRoute, jsonContent, newRouter, publicRoute } from '../lib/openapi'

export const VERSION = '0.1.0'

export const health = newRouter()

const versionRes = z
  .object({ service: z.literal('fluxgate'), version: z.string() })
  .openapi('Version')

for (const path of ['/health', '/version'] as const) {
  health.openapi(
    defineRoute({
      method: 'get',
      path,
      tags: ['health'],
      summary: 'Service name and version',
      guard: publicRoute,
      responses: { 200: jsonContent(versionRes, 'Alive') },
    }),
    (c) => c.json({ service: 'fluxgate' as const, version: VERSION }, 200)
  )
}
