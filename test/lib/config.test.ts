import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/lib/config'

/** The test env with some settings replaced (settings are strings; Env does not list them all). */
const withEnv = (overrides: Record<string, string>) => ({ ...env, ...overrides }) as typeof env

describe('loadConfig', () => {
  it('treats an empty setting as unset, so its default applies', () => {
    const config = loadConfig(
      withEnv({ MF_AUTH_LOGIN_DURATION: '', MF_MAIL_TRANSPORT: ' ', FLUXGATE_CACHE_TTL: '' })
    )
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
    const config = loadConfig(
      withEnv({
        FLUXGATE_THROTTLE_LOGIN: 'off',
        FLUXGATE_THROTTLE_TRUSTED_IPS: '192.0.2.1, 2001:db8::7',
      })
    )
    expect(config.FLUXGATE_THROTTLE_LOGIN).toBeNull()
    expect(config.FLUXGATE_THROTTLE_LOGIN_IP).toEqual({ free: 5, firstMs: 60_000, maxMs: 900_000 })
    expect(config.FLUXGATE_THROTTLE_RESET_MAIL).toEqual({ max: 3, windowMs: 3_600_000 })
    expect([...config.FLUXGATE_THROTTLE_TRUSTED_IPS]).toEqual(['192.0.2.1', '2001:db8:0:0::/64'])
    for (const [name, value] of [
      ['FLUXGATE_THROTTLE_FETCH', '5,1m'],
      ['FLUXGATE_THROTTLE_RESET_MAIL', 'lots'],
      ['FLUXGATE_THROTTLE_TRUSTED_IPS', 'my-adapter'],
    ]) {
      expect(() => loadConfig(withEnv({ [name!]: value! }))).toThrow(
        expect.objectContaining({
          cause: expect.objectContaining({ message: expect.stringContaining(name!) }),
        })
      )
    }
  })

  it('takes FLUXGATE_PUBLIC_URL as a base (trailing slash dropped) and MF_USERS_RESET_URL as a page', () => {
    const config = loadConfig(
      withEnv({
        FLUXGATE_PUBLIC_URL: 'https://iot.example.com/fluxgate/',
        MF_USERS_RESET_URL: 'https://ui.example.com/reset?lang=en',
      })
    )
    expect(config.FLUXGATE_PUBLIC_URL).toBe('https://iot.example.com/fluxgate')
    expect(config.MF_USERS_RESET_URL).toBe('https://ui.example.com/reset?lang=en')
    expect(loadConfig(withEnv({ FLUXGATE_PUBLIC_URL: '' })).FLUXGATE_PUBLIC_URL).toBeUndefined()
  })

  it.each([
    { name: 'FLUXGATE_PUBLIC_URL', value: 'iot.example.com', why: 'absolute' },
    { name: 'FLUXGATE_PUBLIC_URL', value: 'ftp://iot.example.com', why: 'http' },
    { name: 'FLUXGATE_PUBLIC_URL', value: 'https://iot.example.com/?x=1', why: 'query' },
    { name: 'FLUXGATE_PUBLIC_URL', value: 'https://iot.example.com/#top', why: 'fragment' },
    { name: 'FLUXGATE_PUBLIC_URL', value: 'https://me:pw@iot.example.com', why: 'credentials' },
    { name: 'MF_USERS_RESET_URL', value: '/reset-request', why: 'absolute' },
    { name: 'MF_USERS_RESET_URL', value: 'https://ui.example.com/reset#', why: 'fragment' },
    { name: 'FLUXGATE_SESSION_CACHE_TTL', value: '30', why: '60' },
    { name: 'FLUXGATE_SESSION_CACHE_TTL', value: '7200', why: '3600' },
  ])('refuses $name=$value', ({ name, value, why }) => {
    let err: unknown
    try {
      loadConfig(withEnv({ [name]: value }))
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'internal' })
    expect(String((err as Error).cause)).toContain(name)
    expect(String((err as Error).cause)).toContain(why)
  })

  it('FLUXGATE_SESSION_CACHE_TTL defaults to 300 and takes 0 (off)', () => {
    expect(loadConfig(withEnv({})).FLUXGATE_SESSION_CACHE_TTL).toBe(300)
    expect(
      loadConfig(withEnv({ FLUXGATE_SESSION_CACHE_TTL: '0' })).FLUXGATE_SESSION_CACHE_TTL
    ).toBe(0)
  })
})

describe('FLUXGATE_MQTT_URL', () => {
  it.each([
    'localhost:1883',
    'mqtt.example.com:1883',
    'tcp://mqtt.example.com:1883',
    'ssl://mqtt.example.com:8883',
    'tls://10.0.0.5:8883',
    'tcp://[2001:db8::1]:1883',
    'wss://mqtt.example.com/mqtt',
    'ws://mqtt.example.com:8080',
  ])('accepts %s, as the agent dials it', (url) => {
    expect(loadConfig(withEnv({ FLUXGATE_MQTT_URL: url })).FLUXGATE_MQTT_URL).toBe(url)
  })

  it('trims the value and leaves it unset when empty', () => {
    expect(loadConfig(withEnv({ FLUXGATE_MQTT_URL: ' localhost:1883 ' })).FLUXGATE_MQTT_URL).toBe(
      'localhost:1883'
    )
    expect(loadConfig(withEnv({ FLUXGATE_MQTT_URL: '' })).FLUXGATE_MQTT_URL).toBeUndefined()
  })

  it.each([
    { url: 'mqtt.example.com', why: /needs a port/ },
    { url: 'tcp://mqtt.example.com', why: /needs a port/ },
    { url: 'http://mqtt.example.com:1883', why: /not an MQTT broker address/ },
    { url: 'tcp://user:pw@mqtt.example.com:1883', why: /credentials/ },
    { url: 'tcp://mqtt.example.com:1883/x', why: /host and port only/ },
    { url: ':1883', why: /./ },
  ])('refuses $url, naming the setting', ({ url, why }) => {
    let err: unknown
    try {
      loadConfig(withEnv({ FLUXGATE_MQTT_URL: url }))
    } catch (e) {
      err = e
    }
    expect(err).toMatchObject({ code: 'internal' })
    const cause = String((err as Error).cause)
    expect(cause).toContain('FLUXGATE_MQTT_URL')
    expect(cause).toMatch(why)
  })
})
