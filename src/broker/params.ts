import { decodeUtf8, loneSurrogateEscape } from '../lib/unicode'

/** What a hook request carried: its form or JSON fields as strings (or numbers for EMQX/go-auth). */
export type Params = Record<string, unknown>

const FORM = /^application\/x-www-form-urlencoded\b/i
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i

/**
 * The hook's parameters, from a form body (RabbitMQ, go-auth's form mode), a JSON body (EMQX,
 * go-auth's JSON mode) or, with no body, the query string. Anything unreadable is an empty set:
 * the checks then deny for missing fields.
 */
export async function readParams(req: Request): Promise<Params> {
  const type = req.headers.get('content-type') ?? ''
  try {
    if (req.body === null) return strictForm(new URL(req.url).search.slice(1))
    // Decoded by hand (workerd warns when text() meets a form content type), strictly: text that
    // is not valid UTF-8, raw or percent-escaped, or JSON escaping a lone surrogate, is
    // unreadable like anything else (URLSearchParams would turn it into U+FFFD, which a stored
    // key might contain).
    const text = decodeUtf8(await req.arrayBuffer())
    if (text === undefined) return {}
    if (FORM.test(type)) return strictForm(text)
    if (JSON_TYPE.test(type) || /^\s*\{/.test(text)) {
      if (loneSurrogateEscape(text) >= 0) return {}
      const parsed: unknown = JSON.parse(text)
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Params)
        : {}
    }
    return strictForm(text)
  } catch {
    return {}
  }
}

const formPart = (s: string) => decodeURIComponent(s.replaceAll('+', ' '))

/**
 * `application/x-www-form-urlencoded` as URLSearchParams reads it (the last of repeated names
 * wins), except that an escape which is not UTF-8, or a stray `%`, throws (the caller's "unreadable").
 */
function strictForm(text: string): Params {
  const entries: [string, string][] = []
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    entries.push(
      eq < 0 ? [formPart(pair), ''] : [formPart(pair.slice(0, eq)), formPart(pair.slice(eq + 1))]
    )
  }
  return Object.fromEntries(entries)
}

/** The secret a broker sent in a header: `Authorization: Bearer <s>`, or Basic with any user. */
export function headerSecret(req: Request): string | undefined {
  const auth = req.headers.get('authorization')?.trim()
  if (!auth) return undefined
  const bearer = /^Bearer\s+(\S+)$/i.exec(auth)
  if (bearer) return bearer[1]
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth)
  if (basic) {
    try {
      const decoded = atob(basic[1]!)
      const colon = decoded.indexOf(':')
      return colon >= 0 ? decoded.slice(colon + 1) : undefined
    } catch {
      return undefined
    }
  }
  return undefined
}
