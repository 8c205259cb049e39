const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y

/**
 * Parses a Go duration ("2400h", "1h30m", "300ms") or, as Vault does, a bare integer meaning
 * seconds. Returns milliseconds, or undefined when the text is not a duration. No "d" unit, as Go.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim()
  if (s === '') return undefined
  if (/^\d+$/.test(s)) return Number(s) * 1000
  if (s === '0') return 0
  let total = 0
  PART.lastIndex = 0
  let pos = 0
  while (pos < s.length) {
    PART.lastIndex = pos
    const m = PART.exec(s)
    if (!m) return undefined
    total += Number(m[1]) * UNIT_MS[m[2]!]!
    pos = PART.lastIndex
  }
  return Number.isFinite(total) ? Math.round(total) : undefined
}
