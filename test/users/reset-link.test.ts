import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import { outbox } from '../../src/lib/mail'
import { api, newUser, randomIp, uid } from '../helpers'

const PUBLIC = 'https://iot.example.com'

/**
 * POST /password/reset-request as a client chooses to send it (any URL and Host), through the real
 * app with some settings replaced, waiting for the mail that is sent after the answer.
 */
async function requestReset(
  email: string,
  opts: {
    origin?: string
    headers?: Record<string, string>
    settings?: Record<string, string>
  } = {}
) {
  const ctx = createExecutionContext()
  const req = new Request(`${opts.origin ?? 'http://fluxgate.test'}/password/reset-request`, {
    method: 'POST',
    // Each request from its own address, as the shared helpers send them: the per-address cap on
    // reset requests is not what these tests are about.
    headers: {
      'content-type': 'application/json',
      'cf-connecting-ip': randomIp(),
      ...opts.headers,
    },
    body: JSON.stringify({ email }),
  })
  const res = await createApp().fetch(req, { ...env, ...opts.settings }, ctx)
  const text = await res.text()
  await waitOnExecutionContext(ctx)
  return { status: res.status, text }
}

const mailsTo = (email: string) => outbox.filter((m) => m.to === email)

/** The link line of the last reset mail to `email`. */
function mailedLink(email: string) {
  const mail = mailsTo(email).at(-1)
  expect(mail, 'a reset mail').toBeDefined()
  const link = /^(https?:\/\/\S+)$/m.exec(mail!.text)?.[1]
  expect(link, mail!.text).toBeDefined()
  return link!
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the reset link', () => {
  it('is never built from the request: Host: evil.example still gets the configured public URL', async () => {
    const u = await newUser()
    const res = await requestReset(u.email, {
      origin: 'http://evil.example',
      headers: {
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        referer: 'http://evil.example/',
      },
      settings: { FLUXGATE_PUBLIC_URL: PUBLIC },
    })
    expect(res.status).toBe(201)
    const link = mailedLink(u.email)
    expect(link.startsWith(`${PUBLIC}/console/reset#token=`), link).toBe(true)
    expect(mailsTo(u.email).at(-1)!.text).not.toContain('evil.example')
  })

  it('carries the recovery token in the fragment, never in the query, and it resets the password', async () => {
    const u = await newUser()
    await requestReset(u.email, { settings: { FLUXGATE_PUBLIC_URL: `${PUBLIC}/` } })
    const url = new URL(mailedLink(u.email))
    expect(url.origin + url.pathname).toBe(`${PUBLIC}/console/reset`)
    expect(url.search).toBe('')
    const token = new URLSearchParams(url.hash.slice(1)).get('token')
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    const res = await api('PUT', '/password/reset', {
      json: { token, password: 'reset-password-1', confirm_password: 'reset-password-1' },
    })
    expect(res.status, res.text).toBe(201)
  })

  it('MF_USERS_RESET_URL overrides the page (its query kept, the token after #)', async () => {
    const u = await newUser()
    await requestReset(u.email, {
      settings: {
        FLUXGATE_PUBLIC_URL: PUBLIC,
        MF_USERS_RESET_URL: 'https://ui.example.com/reset?lang=en',
      },
    })
    expect(mailedLink(u.email)).toMatch(
      /^https:\/\/ui\.example\.com\/reset\?lang=en#token=[\w.-]+$/
    )
  })

  it('without a configured URL no mail is sent, the answer is unchanged, and the log says why', async () => {
    const u = await newUser()
    const ghost = `ghost-${uid()}@example.com`
    const configured = await requestReset(u.email, { settings: { FLUXGATE_PUBLIC_URL: PUBLIC } })
    const before = mailsTo(u.email).length
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const unset = { FLUXGATE_PUBLIC_URL: '', MF_USERS_RESET_URL: '' }
    const known = await requestReset(u.email, {
      settings: unset,
      headers: { host: 'evil.example' },
    })
    const unknown = await requestReset(ghost, { settings: unset })
    expect(known).toEqual(configured)
    expect(unknown).toEqual(configured)
    expect(mailsTo(u.email)).toHaveLength(before)
    expect(mailsTo(ghost)).toHaveLength(0)
    const lines = logged.mock.calls.map((args) => args.join(' '))
    // The same line for a known and an unknown address: the log reveals no account either.
    expect(
      lines.filter((l) =>
        /reset mail not sent: neither FLUXGATE_PUBLIC_URL nor MF_USERS_RESET_URL is set/.test(l)
      )
    ).toHaveLength(2)
    expect(lines.join('\n')).not.toContain(u.email)
  })
})

describe('the mail log (MF_MAIL_TRANSPORT=log)', () => {
  it('writes no recipient address: a short keyed hash instead, stable per address', async () => {
    const a = await newUser()
    const b = await newUser()
    const logged = vi.spyOn(console, 'log').mockImplementation(() => {})
    const settings = { FLUXGATE_PUBLIC_URL: PUBLIC, MF_MAIL_TRANSPORT: 'log' }
    for (const email of [a.email, a.email, b.email])
      expect((await requestReset(email, { settings })).status).toBe(201)
    const lines = logged.mock.calls
      .map((args) => args.join(' '))
      .filter((l) => l.startsWith('[mail]'))
    expect(lines).toHaveLength(3)
    for (const line of lines) {
      for (const email of [a.email, b.email]) {
        expect(line).not.toContain(email)
        expect(line).not.toContain(email.split('@')[0])
      }
      expect(line).not.toContain('example.com')
      expect(line).not.toContain('token')
    }
    const hashes = lines.map((l) => /to=#([\w-]{12}) /.exec(l)?.[1])
    expect(hashes[0]).toBeDefined()
    expect(hashes[1]).toBe(hashes[0])
    expect(hashes[2]).not.toBe(hashes[0])
  })
})
