// Every process the harness starts is written to $FLUXGATE_E2E_PIDFILE (when set) as
// "<pid> <start time>", so test/e2e/broker/run.sh can stop what is left by PID even if Node dies hard.
// The start time (field 22 of /proc/<pid>/stat) keeps a reused PID from being hit.
import { appendFileSync, readFileSync, readdirSync } from 'node:fs'

export function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

export function recordPid(pid) {
  const file = process.env.FLUXGATE_E2E_PIDFILE
  const t = pid && startTime(pid)
  if (file && t) appendFileSync(file, `${pid} ${t}\n`)
}

/** PIDs of `parent`'s children whose command name is `comm` (e.g. workerd under Miniflare). */
export function childrenNamed(comm, parent = process.pid) {
  const found = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === parent && name === comm) found.push(Number(d))
    } catch {}
  }
  return found
}
