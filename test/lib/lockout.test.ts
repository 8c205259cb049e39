import { describe, expect, it } from 'vitest'
import { addressKey, NO_ADDRESS } from '../../src/lib/address'
import {
  FORGET_MS,
  lockedFor,
  lockMs,
  parseQuota,
  parseTier,
  withFailure,
} from '../../src/lib/lockout'

const tier = { free: 5, firstMs: 60_000, maxMs: 900_000 }

describe('lockout rule', () => {
  it('allows `free` failures, then locks 1, 2, 4, 8 ... minutes, never past the maximum', () => {
    expect([1, 2, 3, 4].map((f) => lockMs(tier, f))).toEqual([0, 0, 0, 0])
    expect([5, 6, 7, 8, 9, 10, 1000].map((f) => lockMs(tier, f) / 60_000)).toEqual([
      1, 2, 4, 8, 15, 15, 15,
    ])
  })

  it('counts failures; the one that reaches `free` starts the lock', () => {
    let c = undefined
    const now = 1_000_000
    for (let i = 0; i < 4; i++) c = withFailure(c, tier, now)
    expect(lockedFor(c, now)).toBe(0)
    c = withFailure(c, tier, now)
    expect(c).toEqual({ f: 5, until: now + 60_000, last: now })
    expect(lockedFor(c, now + 1000)).toBe(59_000)
  })

  it('forgets a counter a day after its last failure', () => {
    const now = 5_000_000
    let c = undefined
    for (let i = 0; i < 9; i++) c = withFailure(c, tier, now)
    expect(withFailure(c, tier, now + FORGET_MS - 1).f).toBe(10)
    expect(withFailure(c, tier, now + FORGET_MS).f).toBe(1)
  })

  it.each([
    ['5,1m,15m', { free: 5, firstMs: 60_000, maxMs: 900_000 }],
    [' 20 , 30s , 1h ', { free: 20, firstMs: 30_000, maxMs: 3_600_000 }],
    ['off', null],
  ])('tier setting %j', (text, want) => {
    expect(parseTier(text)).toEqual(want)
  })

  it.each([
    '5',
    '5,1m',
    '0,1m,15m',
    'x,1m,15m',
    '5,500ms,15m',
    '5,10m,1m',
    '5,1m,25h',
    '5,1m,15m,1h',
  ])('refuses tier setting %j with a message', (text) => {
    expect(typeof parseTier(text)).toBe('string')
  })

  it('quota settings', () => {
    expect(parseQuota('3,1h')).toEqual({ max: 3, windowMs: 3_600_000 })
    expect(parseQuota('off')).toBeNull()
    for (const bad of ['3', '0,1h', '3,10s', '3,200h'])
      expect(typeof parseQuota(bad)).toBe('string')
  })
})

describe('client address keys', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    [' 198.51.100.1 ', '198.51.100.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:192.0.2.9', '192.0.2.9'],
    ['::ffff:c000:209', '192.0.2.9'],
  ])('%j → %j', (header, key) => {
    expect(addressKey(header)).toBe(key)
  })

  it('one /64 is one client', () => {
    expect(addressKey('2001:db8:a:b:1::1')).toBe(addressKey('2001:db8:a:b:ffff:ffff:ffff:ffff'))
    expect(addressKey('2001:db8:a:b::1')).not.toBe(addressKey('2001:db8:a:c::1'))
  })

  it.each([
    undefined,
    null,
    '',
    'localhost',
    '1.2.3',
    '256.1.1.1',
    '1:2:3',
    '1::2::3',
    '12345::1',
    'g::1',
  ])('%j has no usable address', (header) => {
    expect(addressKey(header)).toBe(NO_ADDRESS)
  })
})
