import { SingleBar } from 'cli-progress'

/*
 * Progress of a batch run on stderr: a bar with rate and ETA on a terminal (cli-progress), plain
 * lines otherwise (about every 2 s and at the end), so logs of a CI job stay readable.
 */

export interface Progress {
  tick(n?: number): void
  /** A line that must not be overwritten by the bar. */
  log(line: string): void
  stop(): void
}

export function progress(total: number, label: string, opts: { quiet?: boolean } = {}): Progress {
  const started = Date.now()
  let done = 0
  const rate = () => done / Math.max(0.001, (Date.now() - started) / 1000)
  if (opts.quiet) {
    return {
      tick: (n = 1) => void (done += n),
      log: (l) => process.stderr.write(`${l}\n`),
      stop: () => {},
    }
  }
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} {percentage}% | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 10,
    })
    bar.start(total, 0, { rate: '0.0' })
    return {
      tick(n = 1) {
        done += n
        bar.update(done, { rate: rate().toFixed(1) })
      },
      log(line) {
        process.stderr.write(`\r\x1b[K${line}\n`)
        bar.render()
      },
      stop() {
        bar.update(done, { rate: rate().toFixed(1) })
        bar.stop()
      },
    }
  }
  let last = 0
  const line = () => {
    const r = rate()
    const eta = r > 0 ? Math.ceil((total - done) / r) : 0
    process.stderr.write(`${label}: ${done}/${total} (${r.toFixed(1)}/s, ETA ${eta} s)\n`)
  }
  return {
    tick(n = 1) {
      done += n
      const now = Date.now()
      if (now - last >= 2000) {
        last = now
        line()
      }
    },
    log: (l) => process.stderr.write(`${l}\n`),
    stop: () => line(),
  }
}
