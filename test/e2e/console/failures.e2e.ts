// Failure paths the console must show as the API says them: a validation error caught before
// sending, the API's own 400 / 404 / 409 text, a 429 as "try again in N s", and an expired session
// sending the operator to sign in and back to the page they were on.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiCall, type Browser, launch, open, sessionToken, signedIn } from './browser'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

const main = (page: Page) => page.getByRole('main')
const alert = (page: Page, text: string | RegExp) => main(page).getByRole('alert').filter({ hasText: text })
const run = () => crypto.randomUUID().slice(0, 8)

describe('console failure paths', () => {
  it('Things: invalid metadata JSON is refused before any request; the API refusal is shown as said', async () => {
    const page = await browser.page()
    await signedIn(page)
    await open(page, '/things')
    let posts = 0
    page.on('request', (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/things' && posts++)
    await page.getByLabel('New thing metadata (JSON)').fill('{"type":')
    await page.getByRole('button', { name: 'Create thing', exact: true }).click()
    await alert(page, 'New thing metadata (JSON) is not valid JSON').or(alert(page, 'Metadata is not valid JSON')).first().waitFor()
    expect(posts).toBe(0)
    // A metadata filter that is not JSON: said on the page, no list request.
    await page.getByLabel('Metadata filter (JSON)').fill('nope')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await alert(page, 'Metadata filter is not valid JSON').waitFor()
    // CSV with broken JSON on line 2: named, nothing sent.
    await page.getByLabel('CSV (name,metadata)').fill('name,metadata\nbad,{oops}\n')
    await page.getByRole('button', { name: 'Create from CSV' }).click()
    await alert(page, 'CSV line 2').waitFor()
    expect(posts).toBe(0)
    expect(page.errors).toEqual([])
    await page.close()
  })

  it('Provision: a second gateway with the same external id shows the API 409 text', async () => {
    const page = await browser.page()
    await signedIn(page)
    const token = await sessionToken(page)
    const externalId = `gw-dup-${run()}`
    const first = await apiCall('POST', '/mapping', token!, { external_id: externalId, external_key: 'k'.repeat(16), name: 'first' })
    expect(first.status, first.text).toBe(201)
    await open(page, '/provision')
    await page.getByLabel('External id').fill(externalId)
    await page.getByLabel('External key').fill('another-key-0123456789')
    await page.getByRole('button', { name: 'Preview (dry run)' }).click()
    const preview = page.getByRole('heading', { name: 'Preview: what will be created' })
    const refused = main(page).getByRole('alert')
    await preview.or(refused).first().waitFor()
    if (await preview.isVisible()) await page.getByRole('button', { name: 'Apply' }).click()
    const again = await apiCall('POST', '/mapping', token!, { external_id: externalId, external_key: 'z'.repeat(16) })
    expect(again.status).toBe(409)
    await alert(page, again.body.error).waitFor()
    await page.close()
  })

  it('Gateways: a config deleted elsewhere answers 404, shown as the API says it', async () => {
    const page = await browser.page()
    await signedIn(page)
    const token = await sessionToken(page)
    const externalId = `gw-gone-${run()}`
    const made = await apiCall('POST', '/mapping', token!, { external_id: externalId, external_key: 'k'.repeat(16), name: `gone-${externalId}` })
    expect(made.status, made.text).toBe(201)
    await open(page, '/gateways')
    const cfg = (await apiCall('GET', `/things/configs?external_id=${externalId}`, token!)).body.configs[0]
    await page.getByRole('button', { name: `Open gateway gone-${externalId}` }).click()
    await page.getByRole('button', { name: 'Show bootstrap answer' }).waitFor()
    expect((await apiCall('DELETE', `/things/configs/${cfg.mainflux_id}`, token!)).status).toBe(204)
    const answer = await apiCall('GET', `/things/configs/${cfg.mainflux_id}/answer`, token!)
    expect(answer.status).toBe(404)
    await page.getByRole('button', { name: 'Show bootstrap answer' }).click()
    await alert(page, answer.body.error).waitFor()
    await page.close()
  })

  it('an unknown console page says so', async () => {
    const page = await browser.page()
    await signedIn(page)
    await open(page, '/no-such-page')
    expect(await main(page).locator('h1').textContent()).toBe('Page not found')
    await page.close()
  })

  it('session expiry: a 401 sends to sign in, then back to the same page', async () => {
    const page = await browser.page()
    const { email, password } = await signedIn(page)
    await open(page, '/channels')
    // The session ends elsewhere (every token of the account revoked).
    const token = await sessionToken(page)
    expect((await apiCall('POST', '/tokens/revoke', token!, { all: true })).status).toBe(204)
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await main(page).getByRole('status').filter({ hasText: 'Your session has expired' }).waitFor()
    expect(new URL(page.url()).searchParams.get('next')).toBe('/channels')
    expect(await sessionToken(page)).toBeNull()
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password', { exact: true }).fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Channels', level: 1 }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/console/channels')
    await page.close()
  })

  it('a 429 is shown as "try again in N s"', async () => {
    const page = await browser.page()
    await open(page, '/signin')
    // The sign-in cap per address answers 429 with Retry-After; the console adds the wait.
    await page.route('**/tokens', (route) =>
      route.fulfill({ status: 429, headers: { 'Retry-After': '42', 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'too many requests' }) }),
    )
    await page.getByLabel('Email').fill('someone@example.com')
    await page.getByLabel('Password', { exact: true }).fill('whatever-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await alert(page, 'too many requests: try again in 42 s').waitFor()
    await page.close()
  })

  it('wrong credentials show the API text and keep the user on the sign-in page', async () => {
    const page = await browser.page()
    await open(page, '/signin')
    await page.getByLabel('Email').fill(`nobody-${run()}@example.com`)
    await page.getByLabel('Password', { exact: true }).fill('wrong-password-123')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const res = await apiCall('POST', '/tokens', undefined, { email: `nobody-${run()}@example.com`, password: 'wrong-password-123' })
    expect(res.status).toBe(401)
    await alert(page, res.body.error).waitFor()
    expect(new URL(page.url()).pathname).toBe('/console/signin')
    await page.close()
  })
})
