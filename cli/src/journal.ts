import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
  chmodSync,
  existsSync,
} from 'node:fs'
import { fsync } from 'node:fs'
import { join } from 'node:path'
import { usage } from './errors'

/*
 * The local journal of a batch run: one JSON object a line, append-only, in the output folder
 * (mode 0600). A line is written when it is appended; fsyncs are grouped (every line written
 * while the previous fsync ran shares the next one), and `append` resolves only once its line is
 * durable. A line cut short by a crash (the last one) is ignored on reading.
 */

export interface JournalHeader {
  t: 'header'
  kind: string
  url: string
  [k: string]: unknown
}

export class Journal {
  private fd: number
  private waiting: { resolve: () => void; reject: (e: Error) => void }[] = []
  private syncing = false
  readonly entries: Record<string, unknown>[]

  private constructor(
    readonly path: string,
    fd: number,
    entries: Record<string, unknown>[]
  ) {
    this.fd = fd
    this.entries = entries
  }

  /**
   * Opens (or creates) `dir/name`. A journal written for another kind of run or another server is
   * refused: its records say nothing about this one.
   */
  static open(dir: string, name: string, header: JournalHeader): Journal {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700)
    const path = join(dir, name)
    const entries: Record<string, unknown>[] = []
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.trim()) continue
        try {
          entries.push(JSON.parse(line) as Record<string, unknown>)
        } catch {
          // A torn last line from a crash: its row was not finished.
        }
      }
    }
    const fd = openSync(path, 'a', 0o600)
    chmodSync(path, 0o600)
    const first = entries[0]
    if (first) {
      if (first.t !== 'header' || first.kind !== header.kind || first.url !== header.url) {
        closeSync(fd)
        throw usage(
          `${path} is the journal of another run (${String(first.kind)} against ${String(first.url)}); use another --out folder`
        )
      }
    } else {
      writeSync(fd, `${JSON.stringify(header)}\n`)
      fsyncSync(fd)
      entries.push(header)
    }
    return new Journal(path, fd, entries)
  }

  /**
   * Appends one record. The line is written at once (write(2): it survives the CLI being killed
   * or crashing from here on); the returned promise resolves once it is on disk (fsync), in a
   * group with the lines written while the previous fsync ran.
   */
  append(rec: Record<string, unknown>): Promise<void> {
    const buf = Buffer.from(`${JSON.stringify(rec)}\n`)
    for (let off = 0; off < buf.length;) off += writeSync(this.fd, buf, off)
    this.entries.push(rec)
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.flush()
    })
  }

  private flush(): void {
    if (this.syncing || this.waiting.length === 0) return
    this.syncing = true
    const batch = this.waiting
    this.waiting = []
    fsync(this.fd, (err) => {
      this.syncing = false
      for (const b of batch) err ? b.reject(err) : b.resolve()
      this.flush()
    })
  }

  /** Waits for queued lines, then closes the file. */
  async close(): Promise<void> {
    while (this.syncing || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 5))
    closeSync(this.fd)
  }
}
