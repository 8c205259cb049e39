import { DurableObject } from 'cloudflare:workers'
import type { Bindings } from '../env'
import { loadConfig } from '../lib/config'
import { logError } from '../lib/errors'
import { type AdminSettings, adminSettings, closeSessions } from './admin'

/*
 * The session-closing queue: one Durable Object (named "broker") that holds the things whose
 * sessions must be closed and works them off in small batches from its alarm, so
 *  - a revocation never waits for the broker and never fails because of it (the write has
 *    committed before anything is queued);
 *  - a channel removal that touches thousands of things stays within each invocation's
 *    subrequest budget (BATCH things per alarm run);
 *  - a failed close is retried with backoff (1 s, 2 s, 4 s ... at most 5 min apart, MAX_ATTEMPTS
 *    times), logged on every failure, and dropped with a log line after the last attempt.
 * Queued entries live in the object's storage, so a restart loses nothing.
 */

/** Things closed per alarm run: EMQX needs two admin calls per thing, within 50 subrequests. */
export const BATCH = 20
export const MAX_ATTEMPTS = 10
const MAX_BACKOFF_MS = 5 * 60_000

interface Entry {
  /** Failed attempts so far. */
  a: number
  /** Not before (epoch ms). */
  d: number
}

const PREFIX = 'q:'

export class BrokerSessions extends DurableObject<Bindings> {
  /**
   * The admin endpoint as the Worker that queued last knew it. The object's own env holds the same
   * settings in a deployment; this copy (memory only, never stored) lets a Worker whose settings
   * differ from the object's (tests) be served as it asked.
   */
  private settings: AdminSettings | undefined

  /** Queues things for closing (an id already queued is not queued twice) and wakes the alarm. */
  async enqueue(thingIds: string[], settings?: AdminSettings): Promise<number> {
    if (settings) this.settings = settings
    const now = Date.now()
    const fresh: Record<string, Entry> = {}
    for (const id of new Set(thingIds)) fresh[PREFIX + id] = { a: 0, d: now }
    const keys = Object.keys(fresh)
    // Storage put takes at most 128 pairs at a time.
    for (let i = 0; i < keys.length; i += 128) {
      await this.ctx.storage.put(
        Object.fromEntries(keys.slice(i, i + 128).map((k) => [k, fresh[k]!]))
      )
    }
    const alarm = await this.ctx.storage.getAlarm()
    if (alarm === null || alarm > now) await this.ctx.storage.setAlarm(now)
    return keys.length
  }

  /** How many things wait, for tests and operators. */
  async pending(): Promise<number> {
    return (await this.ctx.storage.list({ prefix: PREFIX })).size
  }

  override async alarm(): Promise<void> {
    const settings = this.settings ?? adminSettings(loadConfig(this.env))
    const all = (await this.ctx.storage.list<Entry>({ prefix: PREFIX })) as Map<string, Entry>
    if (!settings) {
      // Closing was turned off since these were queued: nothing can be done with them.
      if (all.size > 0) await this.deleteKeys([...all.keys()])
      return
    }
    const now = Date.now()
    const due = [...all].filter(([, e]) => e.d <= now).slice(0, BATCH)
    if (due.length > 0) {
      const ids = due.map(([k]) => k.slice(PREFIX.length))
      try {
        await closeSessions(settings, ids)
        await this.deleteKeys(due.map(([k]) => k))
      } catch (e) {
        logError(`closing broker sessions of ${ids.length} thing(s) failed; will retry:`, e)
        const retry: Record<string, Entry> = {}
        const dropped: string[] = []
        for (const [k, entry] of due) {
          const a = entry.a + 1
          if (a >= MAX_ATTEMPTS) dropped.push(k)
          else retry[k] = { a, d: now + Math.min(1000 * 2 ** (a - 1), MAX_BACKOFF_MS) }
        }
        if (dropped.length > 0) {
          console.error(
            `giving up closing broker sessions of ${dropped.length} thing(s) after ${MAX_ATTEMPTS} attempts`
          )
          await this.deleteKeys(dropped)
        }
        if (Object.keys(retry).length > 0) await this.ctx.storage.put(retry)
      }
    }
    const left = (await this.ctx.storage.list<Entry>({ prefix: PREFIX })) as Map<string, Entry>
    if (left.size === 0) return
    const next = Math.min(...[...left.values()].map((e) => e.d))
    await this.ctx.storage.setAlarm(Math.max(next, Date.now()))
  }

  private async deleteKeys(keys: string[]) {
    for (let i = 0; i < keys.length; i += 128) await this.ctx.storage.delete(keys.slice(i, i + 128))
  }
}
