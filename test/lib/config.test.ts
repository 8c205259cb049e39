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
})
