import { describe, expect, it } from 'vitest'
import { api, expectError, newUser } from '../helpers'
import { address, from, withinOneWindow } from '../throttle/helpers'

describe('POST /mapping: a cap per client address', () => {
  it(
    '120 a minute from one address, then 429 before credentials are checked; other addresses unaffected',
    { timeout: 90_000 },
    async () => {
      await withinOneWindow(60, 25_000)
      const ip = address()
      const u = await newUser()
      for (let i = 0; i < 120; i++) {
        expect((await api('POST', '/mapping', { json: {}, headers: from(ip) })).status).toBe(401)
      }
      const over = await api('POST', '/mapping', {
        token: u.token,
        json: { external_id: 'x', external_key: 'y' },
        headers: from(ip),
      })
      expectError(over, 429, /too many requests from this address/)
      expect(over.headers.get('Retry-After')).toBe('60')
      expectError(await api('POST', '/mapping', { json: {}, headers: from(address()) }), 401)
    }
  )
})
