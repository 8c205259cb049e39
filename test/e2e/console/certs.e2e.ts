// Certificates page downloads: "Download CA certificate" saves exactly what GET /certs/ca answers
// (the CA that signs the thing certificates), "Download CRL (PEM)" exactly GET /certs/crl?format=pem
// (signed by that CA); a refused download is shown as the API words it.
import 'reflect-metadata'
import { readFileSync } from 'node:fs'
import { X509Certificate, X509Crl } from '@peculiar/x509'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  apiCall,
  type Browser,
  checkPage,
  launch,
  open,
  origin,
  sessionToken,
  signedIn,
} from './browser'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('Certificates page downloads', () => {
  it('Download CA certificate is GET /certs/ca; Download CRL (PEM) is GET /certs/crl?format=pem', async () => {
    const page = await browser.page()
    await signedIn(page)
    const token = (await sessionToken(page))!
    const thing = await apiCall('POST', '/things', token, {
      name: `ca-thing-${crypto.randomUUID().slice(0, 8)}`,
    })
    expect(thing.status).toBe(201)
    const thingId = thing.headers.get('Location')!.split('/').pop()!
    const issued = await apiCall('POST', '/certs', token, { thing_id: thingId })
    expect(issued.status).toBe(200)

    await open(page, '/certs')
    const [ca, caRequest] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForRequest((r) => new URL(r.url()).pathname === '/certs/ca'),
      page.getByRole('button', { name: 'Download CA certificate' }).click(),
    ])
    expect(ca.suggestedFilename()).toBe('fluxgate-ca.pem')
    expect(caRequest.method()).toBe('GET')
    const caPem = readFileSync((await ca.path())!, 'utf8')
    const served = await fetch(`${origin()}/certs/ca`)
    expect(served.status).toBe(200)
    expect(caPem).toBe(await served.text())
    expect(caPem).toMatch(/^-----BEGIN CERTIFICATE-----/)
    // It is the CA that signed the thing's certificate.
    const caCert = new X509Certificate(caPem)
    const leaf = new X509Certificate(issued.body.cert)
    expect(leaf.issuer).toBe(caCert.subject)
    expect(await leaf.verify({ publicKey: caCert.publicKey, signatureOnly: true })).toBe(true)

    const [crl, crlRequest] = await Promise.all([
      page.waitForEvent('download'),
      page.waitForRequest((r) => new URL(r.url()).pathname === '/certs/crl'),
      page.getByRole('button', { name: 'Download CRL (PEM)' }).click(),
    ])
    expect(new URL(crlRequest.url()).searchParams.get('format')).toBe('pem')
    expect(crl.suggestedFilename()).toBe('fluxgate.crl.pem')
    const crlPem = readFileSync((await crl.path())!, 'utf8')
    expect(crlPem).toBe(await (await fetch(`${origin()}/certs/crl?format=pem`)).text())
    const parsed = new X509Crl(crlPem)
    expect(parsed.issuer).toBe(caCert.subject)
    expect(await parsed.verify({ publicKey: caCert.publicKey })).toBe(true)
    expect(await main(page).getByRole('alert').count()).toBe(0)
    expect(page.errors).toEqual([])
    await page.close()
  })

  it('a refused CA download is shown as the API says it, and nothing is saved', async () => {
    const page = await browser.page()
    await signedIn(page)
    await open(page, '/certs')
    // The answer a Worker without a CA gives (503 with the error model's body).
    await page.route('**/certs/ca', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: 'no certificate authority configured' }),
      })
    )
    let downloads = 0
    page.on('download', () => downloads++)
    await page.getByRole('button', { name: 'Download CA certificate' }).click()
    await main(page)
      .getByRole('alert')
      .filter({ hasText: 'no certificate authority configured' })
      .waitFor()
    expect(downloads).toBe(0)
    await checkPage(page, 'certs-ca-refused')
    await page.close()
  })
})

const main = (page: import('playwright-core').Page) => page.getByRole('main')
