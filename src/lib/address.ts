/*
 * Client addresses as throttle keys. On Cloudflare, `CF-Connecting-IP` is set by the edge and
 * cannot be chosen by the client; anywhere else (a local workerd, a proxy in front) it is just a
 * header the client may send. An IPv6 client usually holds a whole /64, so IPv6 addresses count
 * by their /64 prefix; IPv4-mapped IPv6 addresses count as the IPv4 address.
 */

/** The key of requests that carry no usable address: they all share it (fail closed). */
export const NO_ADDRESS = 'unknown'

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/** The eight 16-bit groups of an IPv6 address, or undefined when the text is not one. */
function ipv6Groups(text: string): number[] | undefined {
  let s = text.toLowerCase()
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  // A trailing dotted quad (::ffff:192.0.2.1) stands for the last two groups.
  const lastColon = s.lastIndexOf(':')
  const v4 = s.slice(lastColon + 1)
  if (v4.includes('.')) {
    if (!IPV4.test(v4)) return undefined
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number]
    s = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string) => (part === '' ? [] : part.split(':'))
  const head = parse(halves[0]!)
  const rest = halves.length === 2 ? parse(halves[1]!) : []
  if ([...head, ...rest].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined
  const missing = 8 - head.length - rest.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const zeros = Array<string>(halves.length === 2 ? missing : 0).fill('0')
  return [...head, ...zeros, ...rest].map((g) => parseInt(g, 16))
}

/**
 * The throttle key of a client address (a `CF-Connecting-IP` value): an IPv4 address as is, an
 * IPv6 address as its /64 (`2001:db8:1:2::/64`), anything else (absent, malformed) NO_ADDRESS.
 */
export function addressKey(header: string | null | undefined): string {
  const raw = header?.trim()
  if (!raw) return NO_ADDRESS
  if (IPV4.test(raw)) return raw
  if (!raw.includes(':')) return NO_ADDRESS
  const g = ipv6Groups(raw)
  if (!g) return NO_ADDRESS
  // ::ffff:a.b.c.d is an IPv4 client.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join('.')
  }
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`
}
