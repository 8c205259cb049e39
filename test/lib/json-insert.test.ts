import { env } from 'cloudflare:workers'
import { eq, inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { createDb } from '../../src/db/client'
import { channels, ownerCounts, things, users } from '../../src/db/schema'
import { insertAll } from '../../src/lib/json-insert'

const db = () => createDb(env.DB)
const uid = () => crypto.randomUUID()

describe('insertAll: rows bound as one JSON parameter', () => {
  it('stores every value exactly as drizzle would, in one statement for 1,000 rows', async () => {
    const owner = uid()
    const odd = {
      text: 'quote " backslash \\ tab \t newline \n é 😀 \u0000',
      big: 9007199254740991,
      neg: -1.5e-7,
      nested: { a: [1, null, true, { b: 'c' }] },
      empty: {},
    }
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      id: uid(),
      owner,
      name: i === 0 ? 'it\'s "named"' : `n-${i}`,
      key: uid(),
      metadata: i === 0 ? odd : i === 1 ? null : { i },
      createdAt: 1_700_000_000_000 + i,
    }))
    const statements = insertAll(db(), things, rows)
    expect(statements).toHaveLength(1)
    await db().batch(statements as [(typeof statements)[0]])

    const stored = await db().select().from(things).where(eq(things.owner, owner))
    const byId = new Map(stored.map((r) => [r.id, r]))
    expect(stored).toHaveLength(1000)
    for (const row of rows) expect(byId.get(row.id)).toEqual(row)
    // Types as drizzle writes them: TEXT for the JSON column, INTEGER for times.
    const raw = await env.DB.prepare(
      'SELECT typeof(metadata) AS m, typeof(created_at) AS t, metadata FROM things WHERE id = ?'
    )
      .bind(rows[0]!.id)
      .first<{ m: string; t: string; metadata: string }>()
    expect(raw).toEqual({ m: 'text', t: 'integer', metadata: JSON.stringify(odd) })
    const nul = await env.DB.prepare('SELECT typeof(metadata) AS m FROM things WHERE id = ?')
      .bind(rows[1]!.id)
      .first<{ m: string }>()
    expect(nul!.m).toBe('null')
    // The per-row trigger still counts every row.
    const [count] = await db().select().from(ownerCounts).where(eq(ownerCounts.owner, owner))
    expect(count!.things).toBe(1000)
  })

  it('fills omitted values from the column defaults', async () => {
    const id = uid()
    const email = `${id}@example.com`
    const statements = insertAll(db(), users, [
      { id, email, passwordHash: 'x', createdAt: 1, metadata: null },
    ])
    await db().batch(statements as [(typeof statements)[0]])
    const [row] = await db().select().from(users).where(eq(users.id, id))
    expect(row!.sessionGen).toBe(0)
    const ch = uid()
    const chStatements = insertAll(db(), channels, [{ id: ch, owner: id, createdAt: 2 }])
    await db().batch(chStatements as [(typeof chStatements)[0]])
    const [c] = await db().select().from(channels).where(eq(channels.id, ch))
    expect(c).toMatchObject({ name: '', metadata: null })
  })

  it('is all or nothing: one duplicate key fails the whole statement', async () => {
    const owner = uid()
    const taken = uid()
    const first = insertAll(db(), things, [
      { id: uid(), owner, name: '', key: taken, metadata: null, createdAt: 1 },
    ])
    await db().batch(first as [(typeof first)[0]])
    const ids = [uid(), uid(), uid()]
    const rows = ids.map((id, i) => ({
      id,
      owner,
      name: '',
      key: i === 2 ? taken : uid(),
      metadata: null,
      createdAt: 2,
    }))
    const second = insertAll(db(), things, rows)
    await expect(db().batch(second as [(typeof second)[0]])).rejects.toThrow(/UNIQUE/)
    expect(await db().select().from(things).where(inArray(things.id, ids))).toEqual([])
    const [count] = await db().select().from(ownerCounts).where(eq(ownerCounts.owner, owner))
    expect(count!.things).toBe(1)
  })

  it('splits only past 600,000 characters of JSON (1.8 MB of UTF-8 at most), and nothing when there are no rows', () => {
    const owner = uid()
    const big = '界'.repeat(150_000)
    const rows = Array.from({ length: 7 }, () => ({
      id: uid(),
      owner,
      name: big,
      key: uid(),
      metadata: null,
      createdAt: 1,
    }))
    // 7 × 150,000 characters (450 KB of UTF-8 each): three per statement.
    expect(insertAll(db(), things, rows)).toHaveLength(3)
    expect(insertAll(db(), things, [])).toHaveLength(0)
  })
})
