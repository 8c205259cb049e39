// Headless Debian Chromium through playwright-core (never a downloaded browser), and the checks
// every console page gets: an axe-core scan with no serious or critical violation, no sideways
// scroll at 360 px, no page error, and screenshots at desktop and 360 px in
// test/e2e/console/screenshots/ (gitignored).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { expect, inject } from 'vitest'
import { childrenNamed, recordPid } from '../broker/pids.mjs'

export const CHROMIUM = '/usr/bin/chromium'
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots')
export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 360, height: 740 }

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

export interface Browser {
  context: BrowserContext
  /** A new tab; page errors (uncaught exceptions) are collected in `errors`. */
  page(): Promise<Page & { errors: string[] }>
  close(): Promise<void>
}

/** Chromium with a fresh profile (removed at close). */
export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'fluxgate-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // --user-data-dir is the profile above: Playwright passes it itself.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: DESKTOP,
  })
  // For run.sh: Chromium is stopped by PID even if this process dies.
  for (const pid of childrenNamed('chromium')) recordPid(pid)
  return {
    context,
    async page() {
      const page = (await context.newPage()) as Page & { errors: string[] }
      page.errors = []
      page.on('pageerror', (e) => page.errors.push(String(e)))
      return page
    },
    async close() {
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 })
    },
  }
}

/** The Worker's origin (globalSetup). */
export const origin = () => inject('origin')

/** Opens a console path (`/`, `/things`) and waits until the app has rendered. */
export async function open(page: Page, path: string) {
  await page.goto(`${origin()}/console${path === '/' ? '/' : path}`)
  await page.locator('main h1').first().waitFor()
}

/** axe-core's serious and critical violations on the current page (injected without a tag, so the CSP stays as it is). */
export async function axeViolations(page: Page) {
  await page.evaluate(AXE_SOURCE)
  // Strings: this runs in the page (the e2e tsconfig has no DOM types).
  const results = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[]
  }
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')})`
    )
}

/** How far the page scrolls sideways (0 when it does not). */
export const sidewaysOverflow = (page: Page) =>
  page.evaluate(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth'
  ) as Promise<number>

/**
 * The checks of one page state, at desktop and at 360 px: axe, no sideways scroll at 360 px, no
 * page error; screenshots `<name>-desktop.png` and `<name>-360.png`.
 */
export async function checkPage(page: Page & { errors: string[] }, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['360', PHONE],
  ] as const) {
    await page.setViewportSize(viewport)
    // One frame for layout after the resize.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))')
    expect(
      await axeViolations(page),
      `${name} at ${size}: axe serious/critical violations`
    ).toEqual([])
    if (size === '360')
      expect(
        await sidewaysOverflow(page),
        `${name} scrolls sideways at 360 px`
      ).toBeLessThanOrEqual(0)
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${size}.png`), fullPage: true })
  }
  await page.setViewportSize(DESKTOP)
  expect(page.errors, `${name}: page errors`).toEqual([])
}

/** Signs up (through the API) and signs in through the console's form; returns the credentials. */
export async function signedIn(
  page: Page,
  email = `user-${crypto.randomUUID().slice(0, 8)}@example.com`
) {
  const password = 'correct-horse-battery'
  const res = await fetch(`${origin()}/users`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  expect(res.status, await res.text()).toBe(201)
  await open(page, '/signin')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
  await expect.poll(() => new URL(page.url()).pathname).not.toBe('/console/signin')
  return { email, password }
}

/** One API call with a token (as curl would), for setting up or checking what the UI did. */
export async function apiCall(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  auth?: string
) {
  const headers: Record<string, string> = {}
  if (token) headers.Authorization = `Bearer ${token}`
  if (auth) headers.Authorization = auth
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(`${origin()}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: res.status, headers: res.headers, text, body: json }
}

/** The console's session token, read from sessionStorage (where the console keeps it). */
export const sessionToken = (page: Page) =>
  page.evaluate("sessionStorage.getItem('fluxgate.console.token')") as Promise<string | null>
