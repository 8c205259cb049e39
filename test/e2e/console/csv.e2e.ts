// CSV bulk create on the Things and Channels pages: columns `name,metadata` (metadata JSON, the
// CLI's `things import` columns), sent in chunks of 50 to /things/bulk and /channels/bulk with a
// progress bar. After a partial failure the page says exactly what was created, and the API agrees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { apiCall, type Browser, checkPage, launch, open, sessionToken, signedIn } from './browser'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

const csvCell = (s: string) => `"${s.replaceAll('"', '""')}"`

/** `name,metadata` lines for rows 1..n named `<prefix>-<i>`; `bad` replaces a row's line. */
function csv(prefix: string, n: number, bad: Record<number, string> = {}) {
  const lines = ['name,metadata']
  for (let i = 1; i <= n; i++)
    lines.push(bad[i] ?? `${prefix}-${i},${csvCell(JSON.stringify({ row: i, kind: 'csv' }))}`)
  return `${lines.join('\n')}\n`
}

/** Every entity of the caller whose name contains `prefix`, by the API (as curl would list them). */
async function listed(token: string, what: 'things' | 'channels', prefix: string) {
  const names: string[] = []
  const byName = new Map<string, { metadata?: unknown }>()
  for (let offset = 0; ; offset += 100) {
    const res = await apiCall(
      'GET',
      `/${what}?name=${encodeURIComponent(prefix)}&limit=100&offset=${offset}`,
      token
    )
    expect(res.status, res.text).toBe(200)
    for (const e of res.body[what]) {
      names.push(e.name)
      byName.set(e.name, e)
    }
    if (offset + 100 >= res.body.total) break
  }
  return { names: names.sort(), byName }
}

const progressOf = async (page: Page, form: ReturnType<Page['getByRole']>) => {
  const bar = form.getByLabel('Bulk create progress')
  return { value: await bar.getAttribute('value'), max: await bar.getAttribute('max') }
}

const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => `${prefix}-${from + k}`).sort()

describe('CSV bulk create', () => {
  it('things, uploaded: a refused row in the second chunk; the page names exactly what was created', async () => {
    const page = await browser.page()
    await signedIn(page)
    const token = (await sessionToken(page))!
    const prefix = `csvt-${crypto.randomUUID().slice(0, 8)}`
    // 120 rows: chunk 1 (rows 1-50) is fine, row 55 (chunk 2, rows 51-100) has a name the API
    // refuses (over 1024 characters), chunk 3 (rows 101-120) must never be sent.
    const text = csv(prefix, 120, { 55: `${prefix}-${'x'.repeat(1030)},{}` })
    await open(page, '/things')
    const form = page.getByRole('form', { name: 'Create things from CSV' })
    const bulkCalls: number[] = []
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/things/bulk')
        bulkCalls.push((JSON.parse(r.postData() ?? '[]') as unknown[]).length)
    })
    await form
      .getByLabel('CSV file')
      .setInputFiles({ name: 'things.csv', mimeType: 'text/csv', buffer: Buffer.from(text) })
    await expect.poll(() => form.getByLabel('CSV (name,metadata)').inputValue()).toBe(text)
    await form.getByRole('button', { name: 'Create from CSV' }).click()

    const alert = form.getByRole('alert')
    await alert.waitFor()
    const said = (await alert.textContent()) ?? ''
    expect(said).toContain('Created rows 1 to 50: 50 things (listed below).')
    expect(said).toContain('The API refused rows 51 to 100, so none of them was created:')
    expect(said).toMatch(/1024/)
    expect(said).toContain('Rows 101 to 120 were not sent.')
    expect(await progressOf(page, form)).toEqual({ value: '50', max: '120' })
    await form.getByText('50 of 120 created').waitFor()
    const list = form.locator('details')
    expect(await list.locator('summary').textContent()).toBe('Created 50 things')
    const shown = (await list.locator('li').allTextContents()).map((t) => t.split(' ')[0]!).sort()
    expect(shown).toEqual(range(prefix, 1, 50))
    expect(bulkCalls).toEqual([50, 50])

    // The API has exactly rows 1 to 50, with their metadata.
    const { names, byName } = await listed(token, 'things', prefix)
    expect(names).toEqual(range(prefix, 1, 50))
    expect(byName.get(`${prefix}-7`)?.metadata).toEqual({ row: 7, kind: 'csv' })
    await checkPage(page, 'things-csv-partial')
    await page.close()
  })

  it('channels, pasted: an invalid metadata line in a later chunk sends nothing; fixed, all are created', async () => {
    const page = await browser.page()
    await signedIn(page)
    const token = (await sessionToken(page))!
    const prefix = `csvc-${crypto.randomUUID().slice(0, 8)}`
    await open(page, '/channels')
    const form = page.getByRole('form', { name: 'Create channels from CSV' })
    let bulkCalls = 0
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/channels/bulk') bulkCalls++
    })
    // Row 56 (CSV line 57, in the second chunk): metadata that is not JSON.
    await form
      .getByLabel('CSV (name,metadata)')
      .fill(csv(prefix, 60, { 56: `${prefix}-56,{not json` }))
    await form.getByRole('button', { name: 'Create from CSV' }).click()
    const alert = form.getByRole('alert')
    await alert.waitFor()
    const said = (await alert.textContent()) ?? ''
    expect(said).toMatch(/^CSV line 57: /)
    expect(said).toContain('Nothing was sent: no channel was created.')
    expect(bulkCalls).toBe(0)
    expect((await listed(token, 'channels', prefix)).names).toEqual([])
    await checkPage(page, 'channels-csv-invalid')

    await form.getByLabel('CSV (name,metadata)').fill(csv(prefix, 60))
    await form.getByRole('button', { name: 'Create from CSV' }).click()
    await form.getByText('60 of 60 created').waitFor()
    expect(await progressOf(page, form)).toEqual({ value: '60', max: '60' })
    expect(await form.getByRole('alert').count()).toBe(0)
    expect(await form.locator('details summary').textContent()).toBe('Created 60 channels')
    expect(bulkCalls).toBe(2)
    const { names, byName } = await listed(token, 'channels', prefix)
    expect(names).toEqual(range(prefix, 1, 60))
    expect(byName.get(`${prefix}-56`)?.metadata).toEqual({ row: 56, kind: 'csv' })
    await page.close()
  })
})
