// The Admin page is the configured admin account's only: the console reads `admin: true` from
// GET /users/profile (GET /users answers every user 200, with only their own account, so it
// cannot tell). A user never sees the Admin link and is refused on /console/admin; the admin
// (MF_USERS_ADMIN_EMAIL of the harness, created on its first sign-in) sees both and every user.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { apiCall, type Browser, checkPage, launch, open, sessionToken, signedIn } from './browser'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('Admin page', () => {
  it('a user who is not the admin sees no Admin link, and /console/admin refuses them', async () => {
    const page = await browser.page()
    const { email } = await signedIn(page)
    const token = await sessionToken(page)
    const profile = await apiCall('GET', '/users/profile', token!)
    expect(profile.body.email).toBe(email)
    expect(profile.body).not.toHaveProperty('admin')
    // GET /users answers them 200: what the console used to take for "admin".
    expect((await apiCall('GET', '/users', token!)).status).toBe(200)
    // A fresh load, waiting for the console's own profile read before looking for the link.
    const read = page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/users/profile' && r.ok()
    )
    await open(page, '/')
    await read
    await page.waitForLoadState('networkidle')
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Account' }).waitFor()
    expect(await nav.getByRole('link', { name: 'Admin' }).count()).toBe(0)

    await open(page, '/admin')
    await page.waitForLoadState('networkidle')
    await page
      .getByRole('alert')
      .filter({ hasText: 'Only the configured admin account can list users.' })
      .waitFor()
    expect(await page.getByRole('table').count()).toBe(0)
    expect(await nav.getByRole('link', { name: 'Admin' }).count()).toBe(0)
    expect(page.errors).toEqual([])
    await page.close()
  })

  it('the configured admin sees the Admin link and every user', async () => {
    // A user to find in the list.
    const other = await browser.page()
    const { email: userEmail } = await signedIn(other)
    await other.close()

    const page = await browser.page()
    await open(page, '/signin')
    await page.getByLabel('Email').fill(inject('adminEmail'))
    await page.getByLabel('Password', { exact: true }).fill(inject('adminPassword'))
    await page.getByRole('button', { name: 'Sign in' }).click()
    const nav = page.getByRole('navigation', { name: 'Main' })
    const adminLink = nav.getByRole('link', { name: 'Admin' })
    await adminLink.waitFor()
    expect((await apiCall('GET', '/users/profile', (await sessionToken(page))!)).body.admin).toBe(
      true
    )

    await adminLink.click()
    await page.getByRole('heading', { level: 1, name: 'Admin: users' }).waitFor()
    await page.getByLabel('Email contains').fill(userEmail)
    await page.getByRole('button', { name: 'Search users' }).click()
    const table = page.getByRole('table')
    await table.locator('caption', { hasText: 'Users (1)' }).waitFor()
    await expect.poll(() => table.getByRole('cell', { name: userEmail }).count()).toBe(1)
    await checkPage(page, 'admin')
    await page.close()
  })
})
