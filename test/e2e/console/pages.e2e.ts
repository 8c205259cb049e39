// Every console page, signed out and signed in: it renders, axe finds no serious or critical
// violation, nothing scrolls sideways at 360 px, no page error; screenshots of each.
import { afterAll, beforeAll, describe, it } from 'vitest'
import { type Browser, checkPage, launch, open, signedIn } from './browser'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

describe('console pages (axe, 360 px, screenshots)', () => {
  it('signed-out pages: sign in, sign up, forgot password, reset', async () => {
    const page = await browser.page()
    for (const [path, name] of [
      ['/signin', 'signin'],
      ['/signup', 'signup'],
      ['/forgot', 'forgot'],
      ['/reset', 'reset'],
    ] as const) {
      await open(page, path)
      await checkPage(page, name)
    }
    await page.close()
  })

  it('signed-in pages', async () => {
    const page = await browser.page()
    await signedIn(page)
    const pages = [
      ['/', 'dashboard'],
      ['/things', 'things'],
      ['/channels', 'channels'],
      ['/gateways', 'gateways'],
      ['/provision', 'provision'],
      ['/certs', 'certs'],
      ['/keys', 'keys'],
      ['/account', 'account'],
    ] as const
    for (const [path, name] of pages) {
      await open(page, path)
      // Let the page's first API answers arrive before scanning.
      await page.waitForLoadState('networkidle')
      await checkPage(page, name)
    }
    await page.close()
  })
})
