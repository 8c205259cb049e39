import { and, asc, desc, eq, SQL, sql } from 'drizzle-orm'
import { channels, things } from '../db/schema'
import { metadataContains } from './metadata'
import { effectiveOrder, likeContains } from './page'

/** What the list routes filter and order by (raw `order`/`dir`; '' means the default). */
export interface PageQuery {
  offset: number
  limit: number
  name?: string
  metadata?: Record<string, unknown>
  order: string
  dir: string
}

export type PageWindow = Pick<PageQuery, 'offset' | 'limit' | 'order' | 'dir'>

/** Things and channels share the columns the filters and orderings use. */
export type Entity = typeof things | typeof channels

/** Whether a page query filters (by name or metadata) rather than listing everything. */
export function isFiltered(q: Pick<PageQuery, 'name' | 'metadata'>): boolean {
  return Boolean(q.name) || (q.metadata !== undefined && Object.keys(q.metadata).length > 0)
}

/**
 * The owner guard plus the optional name and metadata filters. The owner equality leads every
 * index on both tables, so the planner searches the owner's range instead of scanning the table.
 */
export function ownedWhere(
  table: Entity,
  owner: string,
  f: Pick<PageQuery, 'name' | 'metadata'>
): SQL {
  const conds: SQL[] = [eq(table.owner, owner)]
  // likeContains lower-cases the pattern and escapes % and _; SQLite's LIKE folds ASCII case.
  if (f.name) conds.push(sql`${table.name} LIKE ${likeContains(f.name)} ESCAPE '\\'`)
  if (f.metadata && Object.keys(f.metadata).length > 0) {
    conds.push(metadataContains(table.metadata, f.metadata))
  }
  return and(...conds)!
}

/** One row of the owner's: `id = ? AND owner = ?`. */
export function ownedRow(table: Entity, owner: string, id: string): SQL {
  return and(eq(table.id, id), eq(table.owner, owner))!
}

/** ORDER BY for a page: by id, or by name with id as the tie-breaker so paging is stable. */
export function pageOrder(table: Entity, order: string, dir: string): SQL[] {
  const eff = effectiveOrder(order, dir)
  const by = eff.dir === 'asc' ? asc : desc
  return eff.order === 'name' ? [by(table.name), by(table.id)] : [by(table.id)]
}

/** `(SELECT value FROM json_each(?))`: a whole id list as one bound parameter (D1 allows 100). */
export function idList(ids: readonly string[]): SQL {
  return sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`
}

/** Ids as a list, or as a subquery yielding one id per row (e.g. a bootstrap config's channels). */
export type IdSet = readonly string[] | SQL

/** An id set as the right-hand side of `IN`. */
export const idSet = (ids: IdSet): SQL => (ids instanceof SQL ? sql`(${ids})` : idList(ids))

/**
 * True when every id in `ids` (distinct) exists and belongs to `owner`: the guard of all-or-nothing
 * writes, evaluated inside the statement that uses it.
 */
export function allOwned(table: Entity, owner: string, ids: readonly string[]): SQL {
  return sql`(SELECT count(*) FROM ${table} WHERE ${table.owner} = ${owner} AND ${table.id} IN ${idList(ids)}) = ${ids.length}`
}

/** Distinct ids, in first-seen order. */
export const distinct = (ids: readonly string[]) => [...new Set(ids)]
