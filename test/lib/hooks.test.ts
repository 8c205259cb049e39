import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { loadConfig } from '../../src/lib/config'
import type { Deps } from '../../src/lib/context'
import { type Hook, prepare } from '../../src/lib/hooks'

// Hooks hand statements to another domain's batch and get back exactly the results of their own
// statements after the commit; every after-commit step runs even when one fails.

const db = createDb(env.DB)
const deps: Deps = {
  db,
  read: db,
  config: loadConfig(env),
  env,
  waitUntil: () => undefined,
}
const select = (n: number) => deps.db.run(sql`SELECT ${n} AS n`)

describe('lib/hooks prepare', () => {
  it('concatenates statements in hook order and slices the results back per hook', async () => {
    const seen: unknown[][] = []
    const a: Hook<{ x: number }, string> = (_d, e) => ({
      statements: [select(e.x), select(e.x + 1)],
      after: (results, outcome) => void seen.push(['a', results, outcome]),
    })
    const b: Hook<{ x: number }, string> = () => ({})
    const c: Hook<{ x: number }, string> = async (_d, e) => ({
      statements: [select(e.x + 2)],
      after: (results) => void seen.push(['c', results]),
    })
    const prepared = await prepare([a, b, c], deps, { x: 1 })
    expect(prepared.statements).toHaveLength(3)
    await prepared.after(['r1', 'r2', 'r3'], 'done')
    expect(seen).toEqual([
      ['a', ['r1', 'r2'], 'done'],
      ['c', ['r3']],
    ])
  })

  it('runs every after-commit step, then rethrows the first failure', async () => {
    let ran = false
    const failing: Hook<object> = () => ({
      after: () => {
        throw new Error('first')
      },
    })
    const later: Hook<object> = () => ({ after: async () => void (ran = true) })
    const prepared = await prepare([failing, later], deps, {})
    await expect(prepared.after([], undefined)).rejects.toThrow('first')
    expect(ran).toBe(true)
  })
})
