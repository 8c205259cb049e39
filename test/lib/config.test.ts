import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/lib/config'

/** The test env with some settings replaced (settings are strings; Env does not list them all). */
const withEnv = (overrides: Record<string, string>) => ({ ...env, ...overrides }) as typeof env

describe('loadConfig', () => {
  it('treats an empty setting as unset, so its default applies', () => {
    const config = loadConfig(withEnv({ MF_AUTH_LOGIN_DURATION: '', MF_MAIL_TRANSPORT: ' ', FLUXGATE_CACHE_TTL: '' }))
    expect(config.MF_AUTH_LOGIN_DURATION).toBe(10 * 3600_000)
    expect(config.MF_MAIL_TRANSPORT).toBeUndefined()
    expect(config.FLUXGATE_CACHE_TTL).toBe(300)
  })

  it('names every invalid setting in the error cause, not the message', () => {
    let err: unknown
    try {
      loadConfig(withEnv({ MF_AUTH_LOGIN_DURATION: 'soon', MF_AUTH_SECRET: 'short' }))
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'internal', message: 'server misconfigured' })
    const cause = String((err as Error).cause)
    expect(cause).toContain('MF_AUTH_LOGIN_DURATION')
    expect(cause).toContain('MF_AUTH_SECRET')
    expect(cause).not.toContain('short')
  })

  it('is parsed once per env object', () => {
    const e = { ...env }
    expect(loadConfig(e)).toBe(loadConfig(e))
  })

  it('parses the throttle settings, and names a bad one', () => {
    const config = loadConfig(withEnv({ FLUXGATE_THROTTLE_LOGIN: 'off', FLUXGATE_THROTTLE_TRUSTED_IPS: '192.0.2.1, 2001:db8::7' }))
    expect(config.FLUXGATE_THROTTLE_LOGIN).toBeNull()
    expect(config.FLUXGATE_THROTTLE_LOGIN_IP).toEqual({ free: 5, firstMs: 60_000, maxMs: 900_000 })
    expect(config.FLUXGATE_THROTTLE_RESET_MAIL).toEqual({ max: 3, windowMs: 3_600_000 })
    expect([...config.FLUXGATE_THROTTLE_TRUSTED_IPS]).toEqual(['192.0.2.1', '2001:db8:0:0::/64'])
    for (const [name, value] of [
      ['FLUXGATE_THROTTLE_FETCH', '5,1m'],
      ['FLUXGATE_THROTTLE_RESET_MAIL', 'lots'],
      ['FLUXGATE_THROTTLE_TRUSTED_IPS', 'my-adapter'],
    ]) {
      expect(() => loadConfig(withEnv({ [name!]: value! }))).toThrow(expect.objectContaining({ cause: expect.objectContaining({ message: expect.stringContaining(name!) }) }))
    }
  })
})
