/**
 * Text that reaches Fluxgate must be valid Unicode. A request body is decoded as strict UTF-8 (the
 * usual decoding turns invalid bytes into U+FFFD without a word), and JSON's `\uXXXX` escapes must
 * not leave half of a surrogate pair: `JSON.parse('"\\ud800"')` succeeds, and D1 and every answer
 * would then hold U+FFFD instead of what the client sent.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** The bytes as text, or undefined when they are not valid UTF-8. */
export function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

// Every backslash in valid JSON starts an escape inside a string; matching escape by escape (so
// `\\` is consumed whole) finds exactly the `\uXXXX` escapes the parser will decode.
const ESCAPE = /\\(?:u([0-9a-fA-F]{4})|[\s\S])/g

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff

/**
 * Where JSON text (already valid UTF-8, so it holds no raw lone surrogate) has a `\uXXXX` escape
 * that decodes to a lone surrogate: the escape's offset, or -1 when there is none. A high half
 * must be followed at once by an escaped low half; a low half must follow an escaped high half.
 */
export function loneSurrogateEscape(json: string): number {
  if (!json.includes('\\u')) return -1
  let pending = -1
  let end = -1
  for (const m of json.matchAll(ESCAPE)) {
    const unit = m[1] === undefined ? -1 : parseInt(m[1], 16)
    if (pending >= 0) {
      if (!isLow(unit) || m.index !== end) return pending
      pending = -1
    } else if (isLow(unit)) {
      return m.index
    } else if (isHigh(unit)) {
      pending = m.index
    }
    end = m.index + m[0].length
  }
  return pending
}

/** The JSON text of a body, or why it is refused (not UTF-8, or a lone surrogate escape). */
export function jsonText(bytes: ArrayBuffer | Uint8Array): { text: string } | { problem: string } {
  const text = decodeUtf8(bytes)
  if (text === undefined) return { problem: 'request body is not valid UTF-8' }
  const at = loneSurrogateEscape(text)
  if (at >= 0) {
    return {
      problem: `request body is not valid Unicode: the escape ${text.slice(at, at + 6)} at offset ${at} is half of a surrogate pair`,
    }
  }
  return { text }
}

// Runs of percent-escapes, the unit in which the router decodes a path or query value.
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g

/**
 * True when a URL's percent-escapes spell bytes that are not UTF-8 (`%FF`, `%ED%A0%80`). The
 * router would keep such a run as literal text; it is refused instead, like a body that is not
 * UTF-8. A `%` not followed by two hex digits is not an escape and is left alone.
 */
export function hasInvalidPercentUtf8(url: string): boolean {
  if (!url.includes('%')) return false
  for (const [run] of url.matchAll(PERCENT_RUN)) {
    try {
      decodeURIComponent(run)
    } catch {
      return true
    }
  }
  return false
}
