// The operator's journey through the console, end to end in Chromium against wrangler dev:
// sign up → empty dashboard → two things and a channel → connect them → provision a gateway (dry
// run first) → see it in Gateways → the gateway fetches its bootstrap answer (as a gateway would)
// and "last bootstrapped" appears → blacklist it → issue a certificate → revoke it and find it in
// the downloaded CRL → create and revoke an API key → sign out. And the password reset through the
// dev mailbox.
import 'reflect-metadata'
import { readFileSync } from 'node:fs'
import { X509Crl } from '@peculiar/x509'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiCall, type Browser, checkPage, launch, open, origin, sessionToken } from './browser'

let browser: Browser

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

const run = crypto.randomUUID().slice(0, 8)
const main = (page: Page) => page.getByRole('main')
const status = (page: Page) => main(page).getByRole('status')

/** Goes to a page through the main navigation (no reload: the session stays in memory too). */
async function nav(page: Page, link: string, h1: string | RegExp) {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: link, exact: true })
    .click()
  await expect.poll(() => main(page).locator('h1').first().textContent()).toMatch(h1)
}

describe('console journey', () => {
  it('sign up to sign out', async () => {
    const page = await browser.page()
    const email = `journey-${run}@example.com`
    const password = 'journey-password-1'

    // Sign up: signed in on the (empty) dashboard.
    await open(page, '/signup')
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await expect.poll(() => main(page).locator('h1').first().textContent()).toBe('Dashboard')
    const counts = main(page).getByRole('list', { name: 'Counts' })
    await expect.poll(() => counts.textContent()).toMatch(/0\s*Things/)
    await expect.poll(() => counts.textContent()).toMatch(/0\s*Channels/)
    await main(page).getByText('No bootstrap failures.').waitFor()
    await checkPage(page, 'journey-dashboard-empty')
    const token = (await sessionToken(page))!
    expect(token).toBeTruthy()
    // Never in localStorage.
    expect(await page.evaluate('localStorage.length')).toBe(0)

    // Two things and a channel.
    await nav(page, 'Things', 'Things')
    for (const name of [`t1-${run}`, `t2-${run}`]) {
      await page.getByLabel('New thing name').fill(name)
      await page.getByRole('button', { name: 'Create thing', exact: true }).click()
      await status(page)
        .filter({ hasText: `Created thing ${name}` })
        .waitFor()
    }
    await nav(page, 'Channels', 'Channels')
    const channel = `c1-${run}`
    await page.getByLabel('New channel name').fill(channel)
    await page.getByRole('button', { name: 'Create channel', exact: true }).click()
    await status(page)
      .filter({ hasText: `Created channel ${channel}` })
      .waitFor()

    // Connect both things to the channel at once, from the channel's panel.
    await page.getByRole('button', { name: `Open channel ${channel}` }).click()
    const available = page.getByRole('group', { name: 'Available things (not connected)' })
    await available.getByLabel(`t1-${run}`).check()
    await available.getByLabel(`t2-${run}`).check()
    await available.getByRole('button', { name: 'Connect selected things' }).click()
    const connected = page.getByRole('group', { name: 'Connected things' })
    await connected.getByLabel(`t1-${run}`).waitFor()
    await connected.getByLabel(`t2-${run}`).waitFor()
    await checkPage(page, 'journey-channel-connected')
    const channels = await apiCall('GET', '/channels?limit=100', token)
    const channelId = channels.body.channels.find((c: { name: string }) => c.name === channel).id
    const peers = await apiCall('GET', `/channels/${channelId}/things?limit=100`, token)
    expect(peers.body.things.map((t: { name: string }) => t.name).sort()).toEqual([
      `t1-${run}`,
      `t2-${run}`,
    ])

    // Provision a gateway: the dry run first, then apply.
    await nav(page, 'Provision', 'Provision a gateway')
    const externalId = `gw-${run}`
    const externalKey = `key-${crypto.randomUUID()}`
    const gateway = `gateway-${run}`
    await page.getByLabel('External id').fill(externalId)
    await page.getByLabel('External key').fill(externalKey)
    await page.getByLabel('Gateway name').fill(gateway)
    await page.getByRole('button', { name: 'Preview (dry run)' }).click()
    await page.getByRole('heading', { name: 'Preview: what will be created' }).waitFor()
    // A dry run creates nothing.
    expect(
      (await apiCall('GET', `/things/configs?external_id=${externalId}`, token)).body.total
    ).toBe(0)
    await checkPage(page, 'journey-provision-preview')
    await page.getByRole('button', { name: 'Apply', exact: true }).click()
    await page.getByRole('heading', { name: 'Provisioned' }).waitFor()
    await main(page).getByRole('alert').filter({ hasText: 'will not be shown again' }).waitFor()
    await checkPage(page, 'journey-provisioned')

    // In Gateways, never bootstrapped yet.
    await nav(page, 'Gateways', 'Gateways')
    const row = main(page).getByRole('row').filter({ hasText: externalId })
    await row.waitFor()
    const lastBootstrapped = async () => (await row.getByRole('cell').nth(3).textContent())?.trim()
    const before = await lastBootstrapped()

    // The gateway fetches its configuration, exactly as the console's answer view shows it.
    const fetched = await fetch(`${origin()}/things/bootstrap/${externalId}`, {
      headers: { Authorization: `Thing ${externalKey}` },
    })
    expect(fetched.status).toBe(200)
    const answer = await fetched.json()
    await page.reload()
    await row.waitFor()
    await expect.poll(lastBootstrapped).not.toBe(before)
    expect(
      Date.parse(
        (await apiCall('GET', `/things/configs?external_id=${externalId}`, token)).body.configs[0]
          .last_bootstrap_at
      )
    ).toBeGreaterThan(0)
    await page.getByRole('button', { name: `Open gateway ${gateway}` }).click()
    await page.getByRole('button', { name: 'Show bootstrap answer' }).click()
    const shown = page
      .getByRole('region', { name: 'Bootstrap answer' })
      .or(page.getByLabel('Bootstrap answer'))
    await expect
      .poll(async () => JSON.parse((await shown.first().textContent()) ?? 'null'))
      .toEqual(answer)
    await checkPage(page, 'journey-gateway')

    // Blacklist it (whitelist first if the layout left it inactive).
    const whitelist = page.getByRole('button', { name: `Whitelist ${gateway}` })
    if (await whitelist.isVisible()) {
      await whitelist.click()
      await page.getByRole('button', { name: `Blacklist ${gateway}` }).waitFor()
    }
    await page.getByRole('button', { name: `Blacklist ${gateway}` }).click()
    await whitelist.waitFor()
    const cfg = (await apiCall('GET', `/things/configs?external_id=${externalId}`, token)).body
      .configs[0]
    expect(cfg.state).toBe(0)

    // Issue a certificate for t1, revoke it, find its serial in the downloaded CRL.
    await nav(page, 'Certificates', 'Certificates')
    await page.getByLabel('Thing', { exact: true }).selectOption({ label: `t1-${run}` })
    await page.getByRole('button', { name: 'Issue certificate' }).click()
    const issued = page.getByRole('heading', { name: /Issued certificate/ })
    await issued.waitFor()
    const serial = ((await issued.textContent()) ?? '').replace('Issued certificate', '').trim()
    expect(serial).toMatch(/^[0-9a-fA-F:]+$/)
    await checkPage(page, 'journey-cert-issued')
    const certRow = main(page).getByRole('row').filter({ hasText: serial })
    await certRow.getByRole('button', { name: 'Revoke', exact: true }).click()
    await certRow.getByRole('button', { name: 'Confirm revoke', exact: true }).click()
    // The Revoked column (the 4th) turns from "no" into the revocation time; no Revoke button left.
    await expect
      .poll(async () => ((await certRow.getByRole('cell').nth(3).textContent()) ?? '').trim())
      .not.toBe('no')
    expect(await certRow.getByRole('button', { name: 'Revoke', exact: true }).count()).toBe(0)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CRL' }).click(),
    ])
    const crlPem = readFileSync((await download.path())!, 'utf8')
    const crl = new X509Crl(crlPem)
    const norm = (s: string) => s.replaceAll(':', '').toLowerCase().replace(/^0+/, '')
    expect(crl.entries.map((e) => norm(e.serialNumber))).toContain(norm(serial))

    // An API key: created (secret shown once), listed, revoked.
    await nav(page, 'API keys', 'API keys')
    await page.getByLabel('Expires after (days)').fill('1')
    await page.getByRole('button', { name: 'Create API key' }).click()
    await main(page).getByRole('alert').filter({ hasText: 'will not be shown again' }).waitFor()
    const secret = await page.getByLabel('API key secret').inputValue()
    expect((await apiCall('GET', '/things?limit=1', secret)).status).toBe(200)
    await checkPage(page, 'journey-key-created')
    const keys = (await apiCall('GET', '/keys', token)).body.keys as { id: string }[]
    expect(keys).toHaveLength(1)
    const keyRow = main(page).getByRole('row').filter({ hasText: keys[0]!.id })
    await keyRow.getByRole('button', { name: 'Revoke', exact: true }).click()
    await keyRow.getByRole('button', { name: 'Confirm revoke', exact: true }).click()
    await expect
      .poll(async () => (await apiCall('GET', '/things?limit=1', secret)).status)
      .toBe(401)

    // Sign out: the token ends on the server and leaves the tab.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await expect.poll(() => main(page).locator('h1').first().textContent()).toBe('Sign in')
    await main(page).getByText('You are signed out.').waitFor()
    expect(await sessionToken(page)).toBeNull()
    expect((await apiCall('GET', '/users/profile', token)).status).toBe(401)
    expect(page.errors).toEqual([])
    await page.close()
  })

  it('password reset through the dev mailbox', async () => {
    const page = await browser.page()
    const email = `reset-${run}@example.com`
    expect(
      (await apiCall('POST', '/users', undefined, { email, password: 'the-old-password' })).status
    ).toBe(201)
    await open(page, '/forgot')
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Send reset link' }).click()
    await main(page).getByRole('status').waitFor()
    // The mail is written after the answer: poll the mailbox.
    let text = ''
    await expect
      .poll(async () => {
        const box = await apiCall('GET', `/dev/mailbox?to=${encodeURIComponent(email)}`, undefined)
        text = box.body?.messages?.[0]?.text ?? ''
        return text
      })
      .toMatch(/\/console\/reset#token=/)
    const link = /(https?:\/\/\S+\/console\/reset#token=[\w.-]+)/.exec(text)![1]!
    // The secret is in the fragment, never the query.
    expect(new URL(link).search).toBe('')
    await page.goto(link)
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    await checkPage(page, 'reset-from-link')
    await page.getByLabel('New password', { exact: true }).fill('the-new-password')
    await page.getByLabel('Confirm new password').fill('the-new-password')
    await page.getByRole('button', { name: 'Set new password' }).click()
    await expect.poll(() => main(page).locator('h1').first().textContent()).toBe('Sign in')
    expect(
      (await apiCall('POST', '/tokens', undefined, { email, password: 'the-new-password' })).status
    ).toBe(201)
    expect(
      (await apiCall('POST', '/tokens', undefined, { email, password: 'the-old-password' })).status
    ).toBe(401)
    expect(page.errors).toEqual([])
    await page.close()
  })
})
