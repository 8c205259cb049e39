// /docs (the Scalar API reference) works offline: its script comes from our static assets, every
// request the page makes stays on the Worker's origin, and it renders the route list without page
// errors. /docs, /openapi.json and /certs/crl opened as browser navigations reach the Worker, not
// the console.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Browser, launch, origin } from './browser'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('/docs offline', () => {
  it('renders the API reference from our own script, lists the routes, asks nothing of another host', async () => {
    const page = await browser.page()
    const foreign: string[] = []
    const base = new URL(origin())
    // Anything not on the Worker's origin is refused (and recorded): as if the machine were offline.
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url())
      if (url.origin === base.origin || url.protocol === 'data:' || url.protocol === 'blob:')
        return route.continue()
      foreign.push(url.href)
      return route.abort()
    })
    const scripts: string[] = []
    page.on(
      'request',
      (r) => r.resourceType() === 'script' && scripts.push(new URL(r.url()).pathname)
    )
    await page.goto(`${origin()}/docs`)
    // The sidebar lists the tags and the operations of the OpenAPI document.
    await page.getByText('Service name and version').first().waitFor({ timeout: 30_000 })
    for (const tag of ['things', 'channels', 'bootstrap', 'certs', 'provision']) {
      await expect(page.getByText(tag, { exact: true }).first().isVisible()).resolves.toBe(true)
    }
    expect(scripts).toContain('/docs-assets/scalar-api-reference.js')
    expect(foreign).toEqual([])
    expect(page.errors).toEqual([])
    await page.close()
  })

  it('/docs, /openapi.json and /certs/crl opened in the browser reach the Worker, not the console', async () => {
    const page = await browser.page()
    const docs = await page.goto(`${origin()}/docs`)
    expect(docs?.status()).toBe(200)
    expect(await page.title()).toBe('Fluxgate API')
    const spec = await page.goto(`${origin()}/openapi.json`)
    expect(spec?.status()).toBe(200)
    expect(spec?.headers()['content-type']).toContain('application/json')
    expect(JSON.parse(await spec!.text()).openapi).toBe('3.1.0')
    // The CRL is a download in a browser (no page to load): read it with the page's own fetch.
    const crl = await page.evaluate(async () => {
      const der = await fetch('/certs/crl', { headers: { Accept: 'text/html' } })
      const pem = await fetch('/certs/crl?format=pem', { headers: { Accept: 'text/html' } })
      return { status: der.status, type: der.headers.get('content-type'), pem: await pem.text() }
    })
    expect(crl.status).toBe(200)
    expect(crl.type).toBe('application/pkix-crl')
    expect(crl.pem).toContain('-----BEGIN X509 CRL-----')
    const missing = await page.goto(`${origin()}/no-such-page`)
    expect(missing?.status()).toBe(404)
    expect(JSON.parse(await missing!.text())).toEqual({ error: 'route not found' })
    await page.close()
  })
})
