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
    if (req.body === null) return Object.fromEntries(new URL(req.url).searchParams)
    // Decoded by hand: workerd warns when text() meets a form content type.
    const text = new TextDecoder().decode(await req.arrayBuffer())
    if (FORM.test(type)) return Object.fromEntries(new URLSearchParams(text))
    if (JSON_TYPE.test(type) || /^\s*\{/.test(text)) {
      const parsed: unknown = JSON.parse(text)
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Params) : {}
    }
    return Object.fromEntries(new URLSearchParams(text))
  } catch {
    return {}
  }
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
