import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { api, countAll, countingD1, expectError, newUser } from '../helpers'
import { apiKey, gatewayCreds, gatewayOf, mapping, type Overrides } from './helpers'

/** The owner of a mapping's gateway, found through the things API of each candidate. */
async function ownerOf(thingId: string, candidates: Record<string, string>) {
  for (const [who, token] of Object.entries(candidates)) {
    if ((await api('GET', `/things/${thingId}`, { token })).status === 200) return who
  }
  return 'nobody'
}

/**
 * An app bound to one env object for several requests, as an isolate serves them: config (and the
 * service login kept with it) is per env object. D1 round trips are counted per request.
 */
function isolate(overrides: Overrides) {
  const { db, counter } = countingD1(env.DB)
  const e = { ...env, ...overrides, DB: db }
  const app = createApp()
  const post = async (auth: string | undefined, json: unknown = gatewayCreds()) => {
    const headers = new Headers({ 'Content-Type': 'application/json' })
    if (auth !== undefined) headers.set('Authorization', auth)
    const ctx = createExecutionContext()
    const start = counter.calls
    const res = await app.fetch(
      new Request('http://fluxgate.test/mapping', {
        method: 'POST',
        headers,
        body: JSON.stringify(json),
      }),
      e,
      ctx
    )
    await waitOnExecutionContext(ctx)
    const text = await res.text()
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      text,
      d1: counter.calls - start,
    }
  }
  return Object.assign(post, { counter })
}

describe('POST /mapping credentials, by precedence', () => {
  it('1. the request Authorization wins over a service API key and a service account', async () => {
    const caller = await newUser()
    const service = await newUser()
    const key = await apiKey(service.token)
    const settings = {
      MF_PROVISION_API_KEY: key.value,
      MF_PROVISION_USER: service.email,
      MF_PROVISION_PASSWORD: service.password,
    }
    const b = await mapping(gatewayCreds(), { token: caller.token, env: settings })
    expect(b.status, b.text).toBe(201)
    expect(
      await ownerOf(gatewayOf(b.body).id, { caller: caller.token, service: service.token })
    ).toBe('caller')
  })

  it('an invalid Authorization is 401 and does not fall through to the service credentials', async () => {
    const service = await newUser()
    const key = await apiKey(service.token)
    const settings = {
      MF_PROVISION_API_KEY: key.value,
      MF_PROVISION_USER: service.email,
      MF_PROVISION_PASSWORD: service.password,
    }
    for (const auth of ['Bearer nonsense', 'Thing some-thing-key', 'garbage']) {
      const before = await countAll()
      expectError(await mapping(gatewayCreds(), { auth, env: settings }), 401)
      expect(await countAll()).toEqual(before)
    }
  })

  it('2. without Authorization, MF_PROVISION_API_KEY (before the service account)', async () => {
    const keyOwner = await newUser()
    const account = await newUser()
    const key = await apiKey(keyOwner.token)
    const b = await mapping(gatewayCreds(), {
      env: {
        MF_PROVISION_API_KEY: key.value,
        MF_PROVISION_USER: account.email,
        MF_PROVISION_PASSWORD: account.password,
      },
    })
    expect(b.status, b.text).toBe(201)
    expect(
      await ownerOf(gatewayOf(b.body).id, { keyOwner: keyOwner.token, account: account.token })
    ).toBe('keyOwner')
  })

  it('a revoked service API key is 401 at once (it is checked in D1 on every use)', async () => {
    const keyOwner = await newUser()
    const key = await apiKey(keyOwner.token)
    const post = isolate({ MF_PROVISION_API_KEY: key.value })
    const ok = await post(undefined)
    expect(ok.status, ok.text).toBe(201)
    expect(ok.d1).toBe(2)
    expect((await api('DELETE', `/keys/${key.id}`, { token: keyOwner.token })).status).toBe(204)
    const refused = await post(undefined)
    expect(refused.status, refused.text).toBe(401)
    expect(refused.body).toEqual({ error: 'missing or invalid credentials provided' })
  })

  it('3. without both, the service account; its login is kept per isolate (no PBKDF2 per mapping)', async () => {
    const account = await newUser()
    const post = isolate({
      MF_PROVISION_USER: account.email,
      MF_PROVISION_PASSWORD: account.password,
    })
    const first = await post(undefined)
    expect(first.status, first.text).toBe(201)
    expect(first.d1).toBe(2) // the login's read, then the mapping's batch
    const second = await post(undefined)
    expect(second.status, second.text).toBe(201)
    expect(second.d1).toBe(1) // the mapping's batch only
    for (const b of [first.body, second.body]) {
      expect(await ownerOf(gatewayOf(b).id, { account: account.token })).toBe('account')
    }
  })

  it('concurrent first requests share one login', async () => {
    const account = await newUser()
    const post = isolate({
      MF_PROVISION_USER: account.email,
      MF_PROVISION_PASSWORD: account.password,
    })
    const all = await Promise.all([post(undefined), post(undefined), post(undefined)])
    expect(all.map((r) => r.status)).toEqual([201, 201, 201])
    expect(post.counter.calls).toBe(4) // one login read + three batches
  })

  it('a refused service password is 401, and is not tried again for a while (no D1, no PBKDF2)', async () => {
    const account = await newUser()
    const post = isolate({
      MF_PROVISION_USER: account.email,
      MF_PROVISION_PASSWORD: 'wrong-password',
    })
    const first = await post(undefined)
    expect(first.status).toBe(401)
    expect(first.d1).toBe(1)
    const second = await post(undefined)
    expect(second.status).toBe(401)
    expect(second.d1).toBe(0)
    // A request with its own credentials is not affected.
    const own = await post(`Bearer ${account.token}`)
    expect(own.status, own.text).toBe(201)
  })

  it("a dry run needs the caller's own credentials: service credentials never reveal a layout", async () => {
    const keyOwner = await newUser()
    const account = await newUser()
    const key = await apiKey(keyOwner.token)
    const service = {
      MF_PROVISION_API_KEY: key.value,
      MF_PROVISION_USER: account.email,
      MF_PROVISION_PASSWORD: account.password,
    }
    expectError(await mapping(gatewayCreds(), { dryRun: true, env: service }), 401, /own token/)
    const own = await mapping(gatewayCreds(), { dryRun: true, token: keyOwner.token, env: service })
    expect(own.status, own.text).toBe(200)
  })

  it('4. nothing configured and no Authorization: 401', async () => {
    expectError(await mapping(gatewayCreds(), {}), 401)
  })

  it('a user without a password, or a password without a user, is a configuration error', async () => {
    const u = await newUser()
    expectError(
      await mapping(gatewayCreds(), { token: u.token, env: { MF_PROVISION_USER: u.email } }),
      500
    )
    expectError(
      await mapping(gatewayCreds(), { token: u.token, env: { MF_PROVISION_PASSWORD: 'x' } }),
      500
    )
  })
})
