import { sha256 } from '../lib/crypto'
import { channelView } from '../lib/views'
import type { ChannelRow } from './repo'

const rank = (c: ChannelRow) => {
  const type = c.metadata?.type
  return type === 'control' ? 0 : type === 'data' ? 1 : 2
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The agent takes channel 0 as control and channel 1 as data, so the order is part of the
 * contract (0.12.1 had none): `metadata.type` "control" first, then "data", then the rest; within
 * each group by name, then id (code-unit order, so it never depends on a collation).
 */
export function orderChannels(rows: readonly ChannelRow[]): ChannelRow[] {
  return [...rows].sort((a, b) => rank(a) - rank(b) || cmp(a.name, b.name) || cmp(a.id, b.id))
}

/** What an answer is made of: the config, its thing's key, and its channels. */
export interface AnswerSource {
  thingId: string
  thingKey: string
  content: string | null
  clientCert: string | null
  clientKey: string | null
  caCert: string | null
}

/**
 * The body of `GET /things/bootstrap/{external_id}` (0.12.1's): `mainflux_channels` is null when
 * there are none, empty text fields are omitted, as 0.12.1's omitempty does.
 */
export function answerBody(src: AnswerSource, channels: readonly ChannelRow[]): string {
  return JSON.stringify({
    mainflux_id: src.thingId,
    mainflux_key: src.thingKey,
    mainflux_channels: channels.length > 0 ? orderChannels(channels).map(channelView) : null,
    // A config without content answers without it, as 0.12.1: the agent then counts a failed
    // fetch and keeps its local config, where an invented "null" would make it save an empty one.
    content: src.content || undefined,
    client_cert: src.clientCert || undefined,
    client_key: src.clientKey || undefined,
    ca_cert: src.caCert || undefined,
  })
}

/** A strong ETag for a body: its SHA-256, quoted. */
export async function etagOf(body: string): Promise<string> {
  return `"${await sha256(body)}"`
}

/**
 * Whether an `If-None-Match` header matches the current ETag. RFC 9110 uses the weak comparison
 * here, so `W/"x"` matches `"x"`; `*` matches any current answer.
 */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}
