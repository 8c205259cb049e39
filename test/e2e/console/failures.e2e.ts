// Each page's failure paths in the browser: a validation error shown (and nothing sent or
// created), a 404 or 409 shown as the API words it, a 429 shown as "try again in N s", and a
// session that ends mid-way sending the user to sign in and back to where they were.
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { apiCall, type Browser, checkPage, launch, open, sessionToken, signedIn } from './browser'

let browser: Browser
let page: Page & { errors: string[] }

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

const run = crypto.randomUUID().slice(0, 8)
const main = (p: Page) => p.getByRole('main')
const alertText = (p: Page, text: string | RegExp) =>
  main(p).getByRole('alert').filter({ hasText: text })
const h1 = (p: Page) => main(p).locator('h1').first().textContent()

/** Ends the console's login token on the server, as an expiry or a sign-out elsewhere would. */
async function endSession(p: Page) {
  const token = (await sessionToken(p))!
  expect((await apiCall('POST', '/tokens/revoke', token, {})).status).toBe(204)
  expect((await apiCall('GET', '/users/profile', token)).status).toBe(401)
}

/** After a 401: on the sign-in page with the notice, then back to `path` after signing in. */
async function signInAgain(p: Page, creds: { email: string; password: string }, path: string) {
  await expect.poll(() => h1(p)).toBe('Sign in')
  await main(p).getByText('Your session has expired').waitFor()
  expect(new URL(p.url()).searchParams.get('next')).toBe(path)
  await p.getByLabel('Email').fill(creds.email)
  await p.getByLabel('Password', { exact: true }).fill(creds.password)
  await p.getByRole('button', { name: 'Sign in' }).click()
  await expect.poll(() => new URL(p.url()).pathname).toBe(`/console${path}`)
}

describe('console failure paths', () => {
  // A tab per test: sessionStorage (the console's session) is per tab.
  beforeEach(async () => {
    page = await browser.page()
  })
  afterEach(async () => {
    expect(page.errors).toEqual([])
    await page.close()
  })

  it('sign up: an e-mail already taken (409) and a weak password (400), as the API says them', async () => {
    const email = `taken-${run}@example.com`
    expect(
      (await apiCall('POST', '/users', undefined, { email, password: 'a-good-password' })).status
    ).toBe(201)
    await open(page, '/signup')
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill('a-good-password')
    await page.getByRole('button', { name: 'Create account' }).click()
    await alertText(page, 'email already taken').waitFor()
    await checkPage(page, 'fail-signup-conflict')
    await page.getByLabel('Email').fill(`weak-${run}@example.com`)
    await page.getByLabel('Password').fill('short')
    await page.getByRole('button', { name: 'Create account' }).click()
    await alertText(page, /password/i).waitFor()
    expect(
      (
        await apiCall('POST', '/tokens', undefined, {
          email: `weak-${run}@example.com`,
          password: 'short',
        })
      ).status
    ).toBe(401)
  })

  it('sign in: a wrong password (401) stays on the page; repeated, the 429 says "try again in N s"', async () => {
    const email = `locked-${run}@example.com`
    expect(
      (await apiCall('POST', '/users', undefined, { email, password: 'a-good-password' })).status
    ).toBe(201)
    await open(page, '/signin')
    await page.getByLabel('Email').fill(email)
    let throttled = false
    for (let i = 0; i < 8 && !throttled; i++) {
      await page.getByLabel('Password', { exact: true }).fill(`wrong-${i}`)
      await page.getByRole('button', { name: 'Sign in' }).click()
      const shown = main(page).getByRole('alert')
      await shown.waitFor()
      await expect.poll(async () => (await shown.textContent()) ?? '').not.toBe('')
      throttled = /try again in \d+ s/.test((await shown.textContent()) ?? '')
      expect(await h1(page)).toBe('Sign in')
    }
    expect(throttled, 'no 429 after 8 wrong passwords').toBe(true)
    await checkPage(page, 'fail-signin-throttled')
  })

  it('things: invalid metadata is refused before sending; a thing deleted elsewhere shows 404; an ended session returns here after sign-in', async () => {
    const creds = await signedIn(page)
    const token = (await sessionToken(page))!
    await open(page, '/things')
    await page.getByLabel('New thing name').fill(`bad-${run}`)
    await page.getByLabel('New thing metadata (JSON)').fill('{"type": ')
    await expect
      .poll(() => page.getByLabel('New thing metadata (JSON)').getAttribute('aria-invalid'))
      .toBe('true')
    await page.getByRole('button', { name: 'Create thing', exact: true }).click()
    await main(page).getByRole('alert').waitFor()
    expect((await apiCall('GET', '/things', token)).body.total).toBe(0)
    await checkPage(page, 'fail-things-invalid-json')

    // 404: the thing is deleted through the API while its panel is open.
    await page.getByLabel('New thing metadata (JSON)').fill('{}')
    await page.getByRole('button', { name: 'Create thing', exact: true }).click()
    await main(page)
      .getByRole('status')
      .filter({ hasText: `Created thing bad-${run}` })
      .waitFor()
    await page.getByRole('button', { name: `Open thing bad-${run}` }).click()
    const id = (await apiCall('GET', '/things', token)).body.things[0].id
    expect((await apiCall('DELETE', `/things/${id}`, token)).status).toBe(204)
    await page.getByLabel('Name', { exact: true }).fill(`renamed-${run}`)
    await page.getByRole('button', { name: 'Save thing' }).click()
    await alertText(page, 'thing not found').waitFor()
    await checkPage(page, 'fail-things-404')

    // Session expiry: the next request answers 401 and the console asks to sign in again.
    await endSession(page)
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await signInAgain(page, creds, '/things')
  })

  it('channels: a channel deleted elsewhere shows 404', async () => {
    await signedIn(page)
    const token = (await sessionToken(page))!
    await open(page, '/channels')
    await page.getByLabel('New channel name').fill(`ch-${run}`)
    await page.getByRole('button', { name: 'Create channel', exact: true }).click()
    await main(page)
      .getByRole('status')
      .filter({ hasText: `Created channel ch-${run}` })
      .waitFor()
    await page.getByRole('button', { name: `Open channel ch-${run}` }).click()
    const id = (await apiCall('GET', '/channels', token)).body.channels[0].id
    expect((await apiCall('DELETE', `/channels/${id}`, token)).status).toBe(204)
    await page.getByRole('button', { name: 'Save channel' }).click()
    await alertText(page, 'channel not found').waitFor()
  })

  it('gateways: invalid content JSON is flagged; a config removed elsewhere shows 404 for its answer', async () => {
    await signedIn(page)
    const token = (await sessionToken(page))!
    const externalId = `fail-gw-${run}`
    const made = await apiCall('POST', '/things/configs', token, {
      external_id: externalId,
      external_key: 'k-123456',
      name: `gw-${run}`,
    })
    expect(made.status, made.text).toBe(201)
    const id = made.headers.get('location')!.replace('/things/configs/', '')
    await open(page, '/gateways')
    await page.getByRole('button', { name: `Open gateway gw-${run}` }).click()
    await page.getByLabel('Content (JSON)').fill('{not json')
    await expect
      .poll(() => page.getByLabel('Content (JSON)').getAttribute('aria-invalid'))
      .toBe('true')
    expect((await apiCall('DELETE', `/things/configs/${id}`, token)).status).toBe(204)
    await page.getByRole('button', { name: 'Show bootstrap answer' }).click()
    await alertText(page, 'config not found').waitFor()
    await checkPage(page, 'fail-gateways-404')
  })

  it('provision: an external id already provisioned is a 409, shown as the API says it', async () => {
    const creds = await signedIn(page)
    const externalId = `dup-${run}`
    await open(page, '/provision')
    const provisionOnce = async () => {
      await page.getByLabel('External id').fill(externalId)
      await page.getByLabel('External key').fill(`key-${crypto.randomUUID()}`)
      await page.getByRole('button', { name: 'Preview (dry run)' }).click()
      await page.getByRole('heading', { name: 'Preview: what will be created' }).waitFor()
      await page.getByRole('button', { name: 'Apply', exact: true }).click()
    }
    await provisionOnce()
    await page.getByRole('heading', { name: 'Provisioned' }).waitFor()
    await open(page, '/provision')
    await page.getByLabel('External id').fill(externalId)
    await page.getByLabel('External key').fill(`key-${crypto.randomUUID()}`)
    await page.getByRole('button', { name: 'Preview (dry run)' }).click()
    // The dry run already sees the conflict, or the apply does.
    const conflict = alertText(page, 'already provisioned')
    const preview = page.getByRole('heading', { name: 'Preview: what will be created' })
    await conflict.or(preview).first().waitFor()
    if (!(await conflict.isVisible()))
      await page.getByRole('button', { name: 'Apply', exact: true }).click()
    await conflict.waitFor()
    await checkPage(page, 'fail-provision-409')
    // Session expiry on this page too.
    await endSession(page)
    await page.getByRole('button', { name: 'Preview (dry run)' }).click()
    await signInAgain(page, creds, '/provision')
  })

  it('certificates: a pasted CSR that is not one is a 400, shown as the API says it', async () => {
    await signedIn(page)
    const token = (await sessionToken(page))!
    expect((await apiCall('POST', '/things', token, { name: `cert-thing-${run}` })).status).toBe(
      201
    )
    await open(page, '/certs')
    await page.getByLabel('Thing', { exact: true }).selectOption({ label: `cert-thing-${run}` })
    await page.getByLabel('Key', { exact: true }).selectOption({ label: 'Pasted CSR' })
    await page
      .getByLabel('CSR (PEM)')
      .fill('-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----')
    await page.getByRole('button', { name: 'Issue certificate' }).click()
    const shown = main(page).getByRole('alert')
    await shown.waitFor()
    expect((await shown.textContent())?.toLowerCase()).toMatch(/csr|request|pem/)
    await checkPage(page, 'fail-certs-400')
  })

  it('API keys and account: an ended session sends to sign in and back; a wrong current password is shown', async () => {
    const creds = await signedIn(page)
    await open(page, '/account')
    await page.getByLabel('Current password').fill('not-my-password')
    await page.getByLabel('New password').fill('another-password-1')
    await page.getByRole('button', { name: 'Change password' }).click()
    await main(page).getByRole('alert').waitFor()
    await checkPage(page, 'fail-account-password')
    await page.getByLabel('Profile metadata (JSON)').fill('[1, 2')
    await expect
      .poll(() => page.getByLabel('Profile metadata (JSON)').getAttribute('aria-invalid'))
      .toBe('true')
    await open(page, '/keys')
    await endSession(page)
    await page.getByRole('button', { name: 'Create API key' }).click()
    await signInAgain(page, creds, '/keys')
  })
})
