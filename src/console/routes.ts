import { Hono } from 'hono'
import type { AppEnv } from '../env'

/**
 * The operator console (console/, built by Vite into console/dist/console/) is a static site served
 * from Workers static assets. wrangler.toml sends every /console request to the Worker first
 * (`run_worker_first`), so this route can add the security headers and the single-page fallback:
 * a path under /console/ that is not a file answers with the console's index.html. Nothing else
 * falls back: /docs, /openapi.json and the API never see the console.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ')

const CONSOLE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
}

/** A path whose last segment has an extension names a file (`/console/assets/index-x.js`). */
const FILE_PATH = /\/[^/]+\.[A-Za-z0-9]+$/

export const consoleSite = new Hono<AppEnv>()

consoleSite.on(['GET', 'HEAD'], ['/console', '/console/*'], async (c) => {
  const assets = c.env?.ASSETS
  if (!assets) {
    return c.json(
      { error: 'console not built or no static assets binding (see README: Console)' },
      503
    )
  }
  const url = new URL(c.req.url)
  let res = await assets.fetch(new Request(url, c.req.raw))
  if (res.status === 404 && !FILE_PATH.test(url.pathname)) {
    res = await assets.fetch(new Request(new URL('/console/', url), c.req.raw))
  }
  const headers = new Headers(res.headers)
  for (const [k, v] of Object.entries(CONSOLE_HEADERS)) headers.set(k, v)
  // Hashed build files never change; the page itself is always revalidated.
  if (res.ok && url.pathname.startsWith('/console/assets/')) {
    headers.set('Cache-Control', 'public, max-age=31536000, immutable')
  } else {
    headers.set('Cache-Control', 'no-cache')
  }
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
})
