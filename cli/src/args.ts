import { usage } from './errors'

/** `--metadata '{"site":"plant-7"}'`: a JSON object, or a usage error. */
export function jsonObject(flag: string) {
  return (v: string): Record<string, unknown> => {
    let parsed: unknown
    try {
      parsed = JSON.parse(v)
    } catch {
      throw usage(`${flag} must be a JSON object, e.g. '{"site":"plant-7"}'`)
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw usage(`${flag} must be a JSON object`)
    return parsed as Record<string, unknown>
  }
}

export function nonNegativeInt(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw usage(`${flag} must be a non-negative integer`)
    return Number(v)
  }
}

export function oneOf(flag: string, values: string[]) {
  return (v: string): string => {
    if (!values.includes(v)) throw usage(`${flag} must be one of ${values.join(', ')}`)
    return v
  }
}

/** `a,b c`: ids separated by commas or spaces, at least one. */
export function idList(flag: string) {
  return (v: string, prev: string[] = []): string[] => {
    const ids = v.split(/[\s,]+/).filter(Boolean)
    if (ids.length === 0) throw usage(`${flag} needs at least one id`)
    return [...prev, ...ids]
  }
}

/** A duration: seconds (`3600`) or with a unit (`90s`, `30m`, `12h`, `7d`, `1y`), as seconds. */
export function durationSeconds(flag: string) {
  return (v: string): number => {
    const m = /^(\d+)\s*(s|m|h|d|w|y)?$/.exec(v.trim())
    if (!m) throw usage(`${flag} must be seconds or a number with s, m, h, d, w or y (e.g. 30d)`)
    const mult = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 }[(m[2] ?? 's') as 's']
    return Number(m[1]) * mult
  }
}
