import { env } from 'cloudflare:workers'

/** The lines of SQLite's EXPLAIN QUERY PLAN for a drizzle query, as the test D1 runs it. */
export async function queryPlan(query: {
  toSQL(): { sql: string; params: unknown[] }
}): Promise<string[]> {
  const { sql, params } = query.toSQL()
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>()
  return rows.results.map((r) => r.detail)
}
