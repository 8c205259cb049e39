import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { requireUser } from '../auth'
import { loadConfig } from '../lib/config'
import { deps } from '../lib/context'
import { AppError } from '../lib/errors'
import {
  defineRoute,
  errorResponses,
  guard,
  jsonBody,
  jsonContent,
  newRouter,
} from '../lib/openapi'
import { chunkOf, importRefusedRes, importRes, KINDS, type Kind, rowSchemas } from './schema'
import { makeImportService } from './service'

export const imports = newRouter()

const service = (c: Parameters<typeof deps>[0]) => makeImportService(deps(c))

/** Only the configured admin account (MF_USERS_ADMIN_EMAIL) may import, as for listing users. */
const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const admin = loadConfig(c.env).MF_USERS_ADMIN_EMAIL?.toLowerCase()
  if (admin === undefined || c.var.identity.email !== admin) {
    throw new AppError('forbidden', 'only the admin account may import')
  }
  await next()
})

/** A login token or API key of the admin account. */
const adminGuard = guard([{ bearerAuth: [] }], requireUser, requireAdmin)

const SUMMARY: Record<Kind, string> = {
  users: 'Import 0.12.1 accounts with their bcrypt hashes (replaced by PBKDF2 at the first login)',
  things: 'Import 0.12.1 things with their ids and keys',
  channels: 'Import 0.12.1 channels',
  connections: 'Import 0.12.1 connections',
  configs: 'Import 0.12.1 bootstrap configs (external keys are stored hashed)',
  certs: "Import 0.12.1's certificate inventory (serial, thing, owner, expiry)",
}

const TITLE: Record<Kind, string> = {
  users: 'Users',
  things: 'Things',
  channels: 'Channels',
  connections: 'Connections',
  configs: 'Configs',
  certs: 'Certs',
}

for (const kind of KINDS) {
  imports.openapi(
    defineRoute({
      method: 'post',
      path: `/import/mainflux/${kind}`,
      tags: ['import'],
      summary: SUMMARY[kind],
      description:
        "Admin only. One chunk of rows: imported whole (one D1 batch) when no row is refused, otherwise not at all (409 with every row's outcome). Rows already present are reported as such, so a re-run imports nothing twice.",
      guard: adminGuard,
      d1: 'write',
      json: true,
      request: { body: jsonBody(chunkOf(rowSchemas[kind], `Import${TITLE[kind]}Request`)) },
      responses: {
        200: jsonContent(importRes, 'Every row imported or already present'),
        409: jsonContent(importRefusedRes, 'Some rows refused; nothing of the chunk was imported'),
        ...errorResponses(400, 401, 403, 413, 415),
      },
    }),
    async (c) => {
      const { rows } = c.req.valid('json') as { rows: never[] }
      const outcome = await service(c).importChunk(kind, rows)
      if (outcome.refused > 0) {
        const error = `${outcome.refused} of ${rows.length} ${kind} refused; nothing of this chunk was imported`
        return c.json({ error, ...outcome }, 409)
      }
      return c.json(outcome, 200)
    }
  )
}
