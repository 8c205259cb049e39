import type { channels, things } from '../db/schema'

/*
 * Things and channels as the API shows them. Here rather than in either domain because bootstrap,
 * provision and both domains render them.
 */

type ThingRow = typeof things.$inferSelect
type ChannelRow = Pick<typeof channels.$inferSelect, 'id' | 'name' | 'metadata'>

export interface ThingView {
  id: string
  name?: string
  key: string
  metadata?: Record<string, unknown>
}

export interface ChannelView {
  id: string
  name?: string
  metadata?: Record<string, unknown>
}

/** Metadata on the wire: omitted when empty (0.12.1's omitempty). */
export function metadataView(
  m: Record<string, unknown> | null
): Record<string, unknown> | undefined {
  return m && Object.keys(m).length > 0 ? m : undefined
}

export function thingView(row: ThingRow): ThingView {
  return {
    id: row.id,
    name: row.name || undefined,
    key: row.key,
    metadata: metadataView(row.metadata),
  }
}

export function channelView(row: ChannelRow): ChannelView {
  return { id: row.id, name: row.name || undefined, metadata: metadataView(row.metadata) }
}

/** A new thing row: a random UUID id and, unless given, a random UUID key (0.12.1). */
export function newThingRow(
  owner: string,
  req: { name?: string; key?: string; metadata?: Record<string, unknown> },
  createdAt: number
): ThingRow {
  return {
    id: crypto.randomUUID(),
    owner,
    name: req.name ?? '',
    key: req.key ?? crypto.randomUUID(),
    metadata: req.metadata ?? null,
    createdAt,
  }
}
