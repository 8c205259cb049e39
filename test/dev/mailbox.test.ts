import { env } from 'cloudflare:workers'
import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { devOnlyProblems } from '../../scripts/deploy-guard.mjs'
import { isLoopbackUrl, loadConfig } from '../../src/lib/config'
import { outbox } from '../../src/lib/mail'
import { api, call, expectError, newUser } from '../helpers'

const ON = { FLUXGATE_DEV_MAILBOX: '1', FLUXGATE_PUBLIC_URL: 'http://localhost:8787' }

// The mailbox answers only requests that arrived on a loopback host, as `npm start` serves them.
const mailbox = (to: string, overrides: Record<string, unknown> = ON) =>
  call('GET', `http://localhost:8787/dev/mailbox?to=${encodeURIComponent(to)}`, {}, overrides)

const requestReset = (email: string, overrides: Record<string, unknown> = ON) =>
  call('POST', '/password/reset-request', { json: { email } }, overrides)

describe('dev mailbox (FLUXGATE_DEV_MAILBOX)', () => {
  it('does not exist while the setting is off (the default): every method is 404', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      expectError(await api(method, '/dev/mailbox?to=a@example.com'), 404, 'route not found')
    }
    expectError(await mailbox('a@example.com', { FLUXGATE_DEV_MAILBOX: '0' }), 404)
  })

  it('is a 404 for a request that did not arrive on a loopback host, even with the setting on', async () => {
    // Settings copied from .dev.vars into a deployment would switch it on; the host a request
    // reached cannot be loopback there.
    for (const url of ['https://iot.example.com', 'http://fluxgate.test', 'http://10.0.0.1:8787']) {
      const res = await call('GET', `${url}/dev/mailbox?to=a@example.com`, {}, ON)
      expectError(res, 404, 'route not found')
    }
    expect((await mailbox('a@example.com')).status).toBe(200)
  })

  it('keeps reset mail for GET /dev/mailbox instead of sending it, newest first', async () => {
    const u = await newUser()
    const sentBefore = outbox.length
    expect((await requestReset(u.email)).status).toBe(201)
    expect((await requestReset(u.email.toUpperCase())).status).toBe(201)
    // Not handed to the configured transport (memory in the suite).
    expect(outbox.length).toBe(sentBefore)
    const res = await mailbox(u.email.toUpperCase())
    expect(res.status, res.text).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const { messages } = res.body
    expect(messages).toHaveLength(2)
    for (const m of messages) {
      expect(Object.keys(m).sort()).toEqual(['at', 'subject', 'text', 'to'])
      expect(m.subject).toBe('Fluxgate password reset')
      expect(m.text).toMatch(/http:\/\/localhost:8787\/console\/reset#token=[\w.-]+/)
    }
    expect(Date.parse(messages[0].at)).toBeGreaterThanOrEqual(Date.parse(messages[1].at))
    // Someone else's address has nothing.
    expect((await mailbox(`other-${u.email}`)).body).toEqual({ messages: [] })
  })

  it('the mailed link completes a reset', async () => {
    const u = await newUser()
    expect((await requestReset(u.email)).status).toBe(201)
    const [mail] = (await mailbox(u.email)).body.messages
    const token = /#token=([\w.-]+)/.exec(mail.text)![1]
    const reset = await call(
      'PUT',
      '/password/reset',
      {
        json: { token, password: 'a-new-password-1', confirm_password: 'a-new-password-1' },
      },
      ON
    )
    expect(reset.status, reset.text).toBe(201)
    const login = await api('POST', '/tokens', {
      json: { email: u.email, password: 'a-new-password-1' },
    })
    expect(login.status, login.text).toBe(201)
  })

  it('needs a to= address', async () => {
    expectError(await call('GET', 'http://localhost:8787/dev/mailbox', {}, ON), 400, /to/)
    expectError(await mailbox('not-an-address'), 400, /to/)
    const post = await call('POST', 'http://localhost:8787/dev/mailbox?to=a@example.com', {}, ON)
    expectError(post, 405)
    expect(post.headers.get('Allow')).toBe('GET')
  })

  it('refuses to run unless FLUXGATE_PUBLIC_URL is a loopback URL', async () => {
    for (const publicUrl of [
      'https://iot.example.com',
      'http://localhost.example.com',
      'http://10.0.0.1:8787',
      '',
    ]) {
      const overrides = { FLUXGATE_DEV_MAILBOX: '1', FLUXGATE_PUBLIC_URL: publicUrl }
      expectError(await call('GET', '/things', {}, overrides), 500, 'server misconfigured')
      expectError(await mailbox('a@example.com', overrides), 500, 'server misconfigured')
      let cause = ''
      try {
        loadConfig({ ...env, ...overrides } as never)
      } catch (e) {
        cause = String((e as Error).cause)
      }
      expect(cause).toMatch(/FLUXGATE_DEV_MAILBOX is for local development only/)
    }
    expect(
      (
        await call(
          'GET',
          '/health',
          {},
          { FLUXGATE_DEV_MAILBOX: '1', FLUXGATE_PUBLIC_URL: 'http://127.0.0.1:8787' }
        )
      ).status
    ).toBe(200)
  })

  it('knows loopback URLs', () => {
    for (const u of [
      'http://localhost:8787',
      'http://app.localhost',
      'http://127.0.0.1',
      'http://127.1.2.3:9',
      'http://[::1]:8787',
    ]) {
      expect(isLoopbackUrl(u), u).toBe(true)
    }
    for (const u of [
      undefined,
      'https://iot.example.com',
      'http://localhost.evil.com',
      'http://128.0.0.1',
      'http://[::2]',
      'nope',
    ]) {
      expect(isLoopbackUrl(u), String(u)).toBe(false)
    }
  })

  it('is not in the OpenAPI document', async () => {
    const doc = (await api('GET', '/openapi.json')).body
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/dev'))).toEqual([])
  })

  it('deploy:check refuses a wrangler.toml that turns it on, and passes the committed one', () => {
    expect(devOnlyProblems(parse(env.TEST_WRANGLER_TOML))).toEqual([])
    expect(devOnlyProblems(parse('[vars]\nFLUXGATE_DEV_MAILBOX = "1"\n'))).toEqual([
      expect.stringMatching(/\[vars\] sets FLUXGATE_DEV_MAILBOX/),
    ])
    expect(
      devOnlyProblems(parse('[env.production.vars]\nFLUXGATE_DEV_MAILBOX = "true"\n'))
    ).toEqual([expect.stringMatching(/\[env\.production\.vars\] sets FLUXGATE_DEV_MAILBOX/)])
    expect(devOnlyProblems(parse('[vars]\nFLUXGATE_DEV_MAILBOX = true\n'))).toHaveLength(1)
    expect(devOnlyProblems(parse('[vars]\nFLUXGATE_DEV_MAILBOX = "0"\n'))).toEqual([])
  })
})
