import { Scalar } from '@scalar/hono-api-reference'
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { overview } from './bootstrap/overview'
import { bootstrap } from './bootstrap/routes'
import { broker } from './broker/routes'
import { certs } from './certs/routes'
import { channels } from './channels/routes'
import { connections } from './connections/routes'
import { consoleSite } from './console/routes'
import { devMailbox } from './dev/mailbox'
import type { AppEnv } from './env'
import { health, VERSION } from './health/routes'
import { imports } from './import/routes'
import { keys } from './keys/routes'
import { loadConfig } from './lib/config'
import { assembleHooks } from './deps'
import { cors } from './lib/cors'
import { AppError, notFoundJson, onError } from './lib/errors'
import { installHooks } from './lib/hooks'
import { LIMITS } from './lib/limits'
import { BOOKMARK_HEADER_COMPONENT, bookmarkHeaderDoc, newRouter } from './lib/openapi'
import { hasInvalidPercentUtf8 } from './lib/unicode'
import { provision } from './provision/routes'
import { things } from './things/routes'
import { users } from './users/routes'

/** Hono path patterns (`/things/:id`, `/x/*`) as regular expressions, for the 405 check. */
function pathRegex(path: string): RegExp {
  const body = path
    .split('/')
    .map((seg) => {
      if (seg === '*') return '.*'
      const m = /^:\w+(?:\{(.+)\})?$/.exec(seg)
      if (m) return m[1] ? `(?:${m[1]})` : '[^/]+'
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('/')
  return new RegExp(`^${body}/?$`)
}

/** Where /docs loads the Scalar API reference script from (a static asset, see wrangler.toml). */
export const SCALAR_SCRIPT = '/docs-assets/scalar-api-reference.js'

export function createApp() {
  installHooks(assembleHooks())
  const app = newRouter()

  // One middleware in front of every route (each extra one costs a dispatch on every request):
  // CORS, a URL whose percent-escapes are not UTF-8 refused (bodies are checked with the JSON
  // routes, see lib/openapi.ts), and oversized bodies refused before anything parses them
  // (Content-Length or streamed). One limiter per configured size, made once; requests without a
  // body (none, or `Content-Length: 0`) skip it.
  const limiters = new Map<number, MiddlewareHandler>()
  app.use('*', async (c, next) => {
    if (hasInvalidPercentUtf8(c.req.url)) {
      throw new AppError('malformed_entity', 'request URL is not valid UTF-8 (percent-escapes)')
    }
    if (c.req.raw.body === null || c.req.header('content-length') === '0') return cors(c, next)
    const maxSize = c.env ? safeMaxBody(c.env) : LIMITS.bodyBytes
    let limiter = limiters.get(maxSize)
    if (!limiter) {
      limiter = bodyLimit({
        maxSize,
        onError: () => {
          throw new AppError('payload_too_large', `request body too large (limit ${maxSize} bytes)`)
        },
      })
      limiters.set(maxSize, limiter)
    }
    return cors(c, () => limiter(c, next) as Promise<void>)
  })

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A login token or an API key; the raw value without "Bearer " works too (0.12.1).',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'thingKey', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'A thing key as `Thing <key>` or the raw key (0.12.1).',
  })
  // The response header of the routes with a D1 session (db/session.ts), named once.
  app.openAPIRegistry.registerComponent('headers', BOOKMARK_HEADER_COMPONENT, bookmarkHeaderDoc)
  app.openAPIRegistry.registerComponent('securitySchemes', 'externalKey', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      "A gateway's bootstrap credential: the external key (raw or `Thing <key>`), or its encrypted forms on the secure and sealed routes.",
  })

  app.route('/', health)
  app.route('/', users)
  app.route('/', keys)
  // Before bootstrap (GET /things/configs/{id} would take /things/configs/summary), and both before
  // things: GET /things/{id} would otherwise match /things/configs.
  app.route('/', overview)
  app.route('/', bootstrap)
  app.route('/', things)
  // Between things and channels, where its URLs were registered before.
  app.route('/', connections)
  app.route('/', channels)
  app.route('/', certs)
  app.route('/', provision)
  app.route('/', broker)
  app.route('/', imports)
  app.route('/', consoleSite)
  // Local development only (FLUXGATE_DEV_MAILBOX); not in the OpenAPI document.
  app.route('/', devMailbox)

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Fluxgate',
      version: VERSION,
      description:
        'IoT provisioning on Cloudflare Workers, wire-compatible with Mainflux 0.12.1. Errors are always `{"error": "..."}`.',
    },
  })
  // The reference script comes from our own static assets (copied from @scalar/api-reference by
  // scripts/build-console.mjs), never a CDN: /docs works offline. No remote fonts, no telemetry.
  app.get(
    '/docs',
    Scalar({
      url: '/openapi.json',
      pageTitle: 'Fluxgate API',
      cdn: SCALAR_SCRIPT,
      withDefaultFonts: false,
      telemetry: false,
    })
  )

  // Routes known for other methods answer 405 rather than 404.
  let known: { method: string; re: RegExp }[] | undefined
  app.notFound((c) => {
    known ??= app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, re: pathRegex(r.path) }))
    const path = new URL(c.req.url).pathname
    const allowed = [...new Set(known.filter((r) => r.re.test(path)).map((r) => r.method))]
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '))
      return c.json({ error: 'method not allowed' }, 405)
    }
    return notFoundJson(c)
  })
  app.onError(onError)
  return app
}

function safeMaxBody(env: Parameters<typeof loadConfig>[0]) {
  try {
    return loadConfig(env).FLUXGATE_MAX_BODY_BYTES
  } catch {
    return LIMITS.bodyBytes
  }
}
