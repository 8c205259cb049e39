import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { SCALAR_SCRIPT } from '../../src/app'
import { CONSOLE_CSP } from '../../src/console/routes'
import { api } from '../helpers'

// The console's static files come from Workers static assets (wrangler.toml [assets], built by the
// pretest step). /console requests run the Worker first; nothing else falls back to the console.
const browser = {
  headers: { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' },
}

describe('console site', () => {
  it('serves the console page with a strict CSP at /console/', async () => {
    const res = await api('GET', '/console/', browser)
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toContain('text/html')
    expect(res.text).toContain('<title>Fluxgate console</title>')
    expect(res.headers.get('Content-Security-Policy')).toBe(CONSOLE_CSP)
    expect(CONSOLE_CSP).toContain("script-src 'self'")
    expect(CONSOLE_CSP).not.toContain('unsafe-inline')
    expect(res.headers.get('X-Frame-Options')).toBe('DENY')
    expect(res.headers.get('Referrer-Policy')).toBe('no-referrer')
  })

  it('answers the console page for console paths that are not files (SPA fallback)', async () => {
    for (const path of ['/console/things', '/console/reset', '/console/gateways/x']) {
      const res = await api('GET', path, browser)
      expect(res.status, path).toBe(200)
      expect(res.text, path).toContain('<title>Fluxgate console</title>')
      expect(res.headers.get('Content-Security-Policy'), path).toBe(CONSOLE_CSP)
    }
  })

  it('serves the built script and gives a missing file under /console/ a 404, not the page', async () => {
    const page = (await api('GET', '/console/', browser)).text
    const script = /<script[^>]*src="(\/console\/assets\/[^"]+\.js)"/.exec(page)?.[1]
    expect(script).toBeTruthy()
    const js = await api('GET', script!)
    expect(js.status).toBe(200)
    expect(js.headers.get('Content-Type')).toContain('javascript')
    expect(js.headers.get('Cache-Control')).toContain('immutable')
    const missing = await api('GET', '/console/assets/missing-file.js', browser)
    expect(missing.status).toBe(404)
    expect(missing.text).not.toContain('<title>Fluxgate console</title>')
  })

  it('leaves /docs, /openapi.json, /certs/crl and unknown paths to the Worker, even from a browser', async () => {
    const docs = await api('GET', '/docs', browser)
    expect(docs.status).toBe(200)
    expect(docs.text).not.toContain('<title>Fluxgate console</title>')
    const spec = await api('GET', '/openapi.json', browser)
    expect(spec.status).toBe(200)
    expect(spec.body.openapi).toBe('3.1.0')
    const crl = await api('GET', '/certs/crl', browser)
    expect(crl.status).toBe(200)
    expect(crl.headers.get('Content-Type')).toBe('application/pkix-crl')
    const nope = await api('GET', '/nope', browser)
    expect(nope.status).toBe(404)
    expect(nope.body).toEqual({ error: 'route not found' })
    expect(nope.headers.get('Content-Security-Policy')).toBeNull()
  })

  it('/docs loads the Scalar script from our own assets, no CDN, no remote fonts', async () => {
    const docs = await api('GET', '/docs', browser)
    expect(docs.text).toContain(`<script src="${SCALAR_SCRIPT}"`)
    expect(docs.text).not.toMatch(/cdn\.jsdelivr|unpkg|fonts\.(googleapis|scalar)/)
    // Served straight from static assets (they answer before the Worker runs for this path).
    const assets = (env as { ASSETS?: Fetcher }).ASSETS
    expect(assets).toBeTruthy()
    const script = await assets!.fetch(new Request(`http://fluxgate.test${SCALAR_SCRIPT}`))
    expect(script.status).toBe(200)
    expect((await script.text()).length).toBeGreaterThan(100_000)
  })

  it('other methods on console paths are 405, not the page', async () => {
    const res = await api('POST', '/console/things', { json: {} })
    expect(res.status).toBe(405)
  })
})
