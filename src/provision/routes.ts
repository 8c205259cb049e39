import { userGuard } from '../auth'
import { deps } from '../lib/context'
import {
  defineRoute,
  errorResponses,
  guard,
  jsonBody,
  jsonContent,
  newRouter,
} from '../lib/openapi'
import { AppError } from '../lib/errors'
import { rateCap } from '../throttle/middleware'
import { provisionAuth } from './auth'
import {
  dryRunRes,
  layoutQuery,
  layoutRes,
  mappingHeaders,
  mappingQuery,
  provisionReq,
  provisionRes,
} from './schema'
import { makeProvisionService } from './service'

export const provision = newRouter()

const service = (c: Parameters<typeof deps>[0]) => makeProvisionService(deps(c))

/**
 * The caller's token or API key (`bearerAuth`), or none: provisionAuth then uses the configured
 * service API key or service account.
 */
const provisionGuard = guard([{ bearerAuth: [] }, {}], provisionAuth)

provision.openapi(
  defineRoute({
    method: 'get',
    path: '/mapping',
    tags: ['provision'],
    summary: 'The effective provision layout (after settings and defaults), as JSON',
    description: "Needs the caller's own token or API key: service credentials do not apply here.",
    guard: userGuard,
    request: { query: layoutQuery },
    responses: {
      200: jsonContent(layoutRes, 'The layout'),
      ...errorResponses(400, 401, 404, 503),
    },
  }),
  (c) => c.json(service(c).viewLayout(c.req.valid('query').layout), 200)
)

provision.openapi(
  defineRoute({
    method: 'post',
    path: '/mapping',
    tags: ['provision'],
    summary:
      'Provision a gateway from a layout: things, channels, connections, config, certificates',
    description:
      'All of it in one D1 batch: all or nothing. Credentials: the request Authorization, else the ' +
      'configured service API key, else the service account (MF_PROVISION_USER/PASSWORD).',
    guard: provisionGuard,
    d1: 'write',
    limit: rateCap('RATE_MAPPING'),
    json: true,
    request: { query: mappingQuery, headers: mappingHeaders, body: jsonBody(provisionReq) },
    responses: {
      201: jsonContent(
        provisionRes,
        'Provisioned (or the stored answer of a repeated Idempotency-Key)'
      ),
      200: jsonContent(dryRunRes, 'dry_run=true: what would be created; nothing was written'),
      ...errorResponses(400, 401, 404, 409, 413, 415, 422, 429, 503),
    },
  }),
  async (c) => {
    const { layout, dry_run: dryRun } = c.req.valid('query')
    const req = c.req.valid('json')
    if (dryRun) {
      // A dry run answers with the layout's content: only for the caller's own credentials, never
      // for the configured service account (as GET /mapping).
      if (!c.req.header('authorization')?.trim()) {
        throw new AppError('unauthenticated', "a dry run needs the caller's own token or API key")
      }
      return c.json(await service(c).dryRun(req, layout), 200)
    }
    const idempotencyKey = c.req.valid('header')['idempotency-key']
    const result = await service(c).provision(c.var.identity, req, { layout, idempotencyKey })
    if (result.replayed) c.header('Idempotent-Replayed', 'true')
    return c.json(result.body, 201)
  }
)
