import { describe, expect, it } from 'vitest'
import { decodeUtf8, jsonText, loneSurrogateEscape } from '../../src/lib/unicode'

const bytes = (...b: number[]) => new Uint8Array(b)

describe('strict UTF-8', () => {
  it.each([
    { desc: 'a stray continuation byte', b: bytes(0x61, 0x80) },
    { desc: 'an invalid lead byte', b: bytes(0xff) },
    { desc: 'a truncated sequence', b: bytes(0xe2, 0x82) },
    { desc: 'an encoded surrogate (CESU-8)', b: bytes(0xed, 0xa0, 0x80) },
    { desc: 'an overlong slash', b: bytes(0xc0, 0xaf) },
  ])('refuses $desc', ({ b }) => {
    expect(decodeUtf8(b)).toBeUndefined()
    expect(jsonText(b)).toEqual({ problem: 'request body is not valid UTF-8' })
  })

  it('decodes valid text, astral characters included, and a real U+FFFD', () => {
    const text = '{"a":"é😀\uFFFD"}'
    expect(decodeUtf8(new TextEncoder().encode(text))).toBe(text)
  })
})

describe('lone surrogate escapes in JSON text', () => {
  it.each([
    { json: '"\\ud800"', at: 1 },
    { json: '"\\uDFFF"', at: 1 },
    { json: '"x\\ud83d"', at: 2 },
    { json: '"\\ud83d\\u0041"', at: 1 },
    { json: '"\\ud83d \\ude00"', at: 1 },
    { json: '"\\ude00\\ud83d"', at: 1 },
    { json: '"\\ud83d\\ud83d\\ude00"', at: 1 },
    { json: '"\\ud83d😀"', at: 1 },
    { json: '"😀\\ude00"', at: 3 },
    { json: '{"\\ud800":1}', at: 2 },
    { json: '"\\\\\\ud800"', at: 3 },
  ])('finds the one in $json', ({ json, at }) => {
    expect(loneSurrogateEscape(json)).toBe(at)
  })

  it.each([
    '"\\ud83d\\ude00"',
    '"\\uD83D\\uDE00"',
    '"😀"',
    '"\\\\ud800"',
    '"\\\\\\\\ud800"',
    '"\\u00e9\\n\\""',
    '{}',
  ])('accepts %s', (json) => {
    expect(loneSurrogateEscape(json)).toBe(-1)
    expect(JSON.parse(json)).toBeDefined()
  })

  it('names the escape in the problem', () => {
    expect(jsonText(new TextEncoder().encode('{"name":"\\ud800"}'))).toEqual({
      problem:
        'request body is not valid Unicode: the escape \\ud800 at offset 9 is half of a surrogate pair',
    })
  })
})
