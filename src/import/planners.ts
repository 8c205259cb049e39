import type { BatchItem } from 'drizzle-orm/batch'
import { channels, connections, things, users } from '../db/schema'
import type { Deps } from '../lib/context'
import { insertAll } from '../lib/json-insert'
import { makeGatewayPlanners } from './planners-gateways'
import * as repo from './repo'
import type { Kind, RowResult, Rows } from './schema'

/*
 * How each kind's chunk is classified (new, already present, refused with its reason) and which
 * statements write its new rows. Reads and statement building only: the service runs the batch.
 */

/**
 * Provision bookkeeping 0.12.1's `/mapping` wrote into the gateway thing's metadata: the external
 * key in plaintext, the config id and the channel ids. None of it is read by anything, and the key
 * must not be stored as given, so it is dropped on the way in (`type` and `external_id` stay).
 */
const PROVISION_FIELDS = [
  'external_key',
  'cfg_id',
  'ctrl_channel_id',
  'data_channel_id',
  'export_channel_id',
]

export function stripProvisionFields(
  m: Record<string, unknown> | null
): Record<string, unknown> | null {
  if (!m) return null
  const out = { ...m }
  for (const f of PROVISION_FIELDS) delete out[f]
  return Object.keys(out).length > 0 ? out : null
}

export type Plan = { results: RowResult[]; statements: BatchItem<'sqlite'>[]; after?: () => void }

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

/** Field names (never values: keys are secrets) where an existing row differs from the import. */
export function differing(fields: Record<string, [unknown, unknown]>): string[] {
  return Object.entries(fields)
    .filter(([, [a, b]]) => !same(a, b))
    .map(([k]) => k)
}

export class Results {
  readonly list: RowResult[] = []
  imported(index: number, id: string) {
    this.list.push({ index, id, status: 'imported' })
  }
  present(index: number, id: string) {
    this.list.push({ index, id, status: 'present', reason: 'already present' })
  }
  refused(index: number, id: string, reason: string) {
    this.list.push({ index, id, status: 'refused', reason })
  }
}

/** Marks the later rows that repeat an earlier row's value of `key` in the same chunk. */
export function repeats<T>(rows: T[], key: (r: T) => string): Set<number> {
  const seen = new Set<string>()
  const out = new Set<number>()
  rows.forEach((r, i) => {
    const k = key(r)
    if (seen.has(k)) out.add(i)
    seen.add(k)
  })
  return out
}

export type Planners = { [K in Kind]: (rows: Rows[K][]) => Promise<Plan> }

/** The planners of one request; rows whose owner was not imported are refused. */
export function makePlanners(deps: Deps): Planners {
  const { db, config } = deps
  const adminEmail = config.MF_USERS_ADMIN_EMAIL?.toLowerCase()
  const ownerMissing = (owner: string) =>
    `owner ${owner} was not imported (no such account, or its import was refused)`

  const planners: Planners = {
    ...makeGatewayPlanners(deps, ownerMissing),
    async users(rows) {
      const r = new Results()
      const lower = rows.map((u) => u.email.toLowerCase())
      const [byId, byEmail] = (await repo.readAll(db, [
        repo.usersById(
          db,
          rows.map((u) => u.id)
        ),
        repo.usersByEmail(db, lower),
      ])) as { id: string; email: string }[][]
      const idRow = new Map(byId!.map((u) => [u.id, u]))
      const emailRow = new Map(byEmail!.map((u) => [u.email, u]))
      // Accounts whose addresses differ only in case (0.12.1 kept both): neither is merged.
      const perAddress = new Map<string, number[]>()
      lower.forEach((e, i) => perAddress.set(e, [...(perAddress.get(e) ?? []), i]))
      const dupIds = repeats(rows, (u) => u.id)
      const insert: (typeof users.$inferInsert)[] = []
      const now = Date.now()
      rows.forEach((u, i) => {
        const email = lower[i]!
        const existing = idRow.get(u.id)
        const holder = emailRow.get(email)
        const sameAddress = perAddress.get(email)!
        if (dupIds.has(i)) return r.refused(i, u.id, 'id repeated in this chunk')
        if (existing) {
          if (existing.email === email) return r.present(i, u.id)
          return r.refused(i, u.id, 'id already used by an account with another e-mail')
        }
        if (sameAddress.length > 1) {
          const others = sameAddress.filter((j) => j !== i).map((j) => rows[j]!.id)
          return r.refused(
            i,
            u.id,
            `e-mail differs only in case from account ${others.join(', ')}; Fluxgate's e-mails are case-insensitive, so neither is imported`
          )
        }
        if (adminEmail !== undefined && email === adminEmail) {
          return r.refused(
            i,
            u.id,
            'e-mail is reserved for the admin account (MF_USERS_ADMIN_EMAIL)'
          )
        }
        if (holder) {
          const why =
            holder.email === u.email
              ? ''
              : ' (differs only in case; Fluxgate e-mails are case-insensitive)'
          return r.refused(i, u.id, `e-mail already belongs to account ${holder.id}${why}`)
        }
        insert.push({
          id: u.id,
          email,
          passwordHash: u.password,
          metadata: u.metadata,
          createdAt: now,
        })
        r.imported(i, u.id)
      })
      return { results: r.list, statements: insertAll(db, users, insert) }
    },

    async things(rows) {
      const r = new Results()
      const [byId, byKey, owners] = await repo.readAll(db, [
        repo.thingsById(
          db,
          rows.map((t) => t.id)
        ),
        repo.thingsByKey(
          db,
          rows.map((t) => t.key)
        ),
        repo.usersById(
          db,
          rows.map((t) => t.owner_id)
        ),
      ])
      const idRow = new Map((byId as (typeof things.$inferSelect)[]).map((t) => [t.id, t]))
      const keyRow = new Map((byKey as { id: string; key: string }[]).map((t) => [t.key, t.id]))
      const known = new Set((owners as { id: string }[]).map((u) => u.id))
      const dupIds = repeats(rows, (t) => t.id)
      const dupKeys = repeats(rows, (t) => t.key)
      const insert: (typeof things.$inferInsert)[] = []
      const now = Date.now()
      rows.forEach((t, i) => {
        const metadata = stripProvisionFields(t.metadata)
        const name = t.name ?? ''
        const existing = idRow.get(t.id)
        if (dupIds.has(i)) return r.refused(i, t.id, 'id repeated in this chunk')
        if (existing) {
          const diff = differing({
            owner: [existing.owner, t.owner_id],
            key: [existing.key, t.key],
            name: [existing.name, name],
            metadata: [existing.metadata, metadata],
          })
          if (diff.length === 0) return r.present(i, t.id)
          return r.refused(
            i,
            t.id,
            `id already used by a thing with a different ${diff.join(', ')}`
          )
        }
        if (!known.has(t.owner_id)) return r.refused(i, t.id, ownerMissing(t.owner_id))
        if (dupKeys.has(i) || keyRow.has(t.key)) {
          return r.refused(i, t.id, 'key already in use by another thing')
        }
        insert.push({ id: t.id, owner: t.owner_id, name, key: t.key, metadata, createdAt: now })
        r.imported(i, t.id)
      })
      return { results: r.list, statements: insertAll(db, things, insert) }
    },

    async channels(rows) {
      const r = new Results()
      const [byId, owners] = await repo.readAll(db, [
        repo.channelsById(
          db,
          rows.map((c) => c.id)
        ),
        repo.usersById(
          db,
          rows.map((c) => c.owner_id)
        ),
      ])
      const idRow = new Map((byId as (typeof channels.$inferSelect)[]).map((c) => [c.id, c]))
      const known = new Set((owners as { id: string }[]).map((u) => u.id))
      const dupIds = repeats(rows, (c) => c.id)
      const insert: (typeof channels.$inferInsert)[] = []
      const now = Date.now()
      rows.forEach((c, i) => {
        const name = c.name ?? ''
        const existing = idRow.get(c.id)
        if (dupIds.has(i)) return r.refused(i, c.id, 'id repeated in this chunk')
        if (existing) {
          const diff = differing({
            owner: [existing.owner, c.owner_id],
            name: [existing.name, name],
            metadata: [existing.metadata, c.metadata],
          })
          if (diff.length === 0) return r.present(i, c.id)
          return r.refused(
            i,
            c.id,
            `id already used by a channel with a different ${diff.join(', ')}`
          )
        }
        if (!known.has(c.owner_id)) return r.refused(i, c.id, ownerMissing(c.owner_id))
        insert.push({ id: c.id, owner: c.owner_id, name, metadata: c.metadata, createdAt: now })
        r.imported(i, c.id)
      })
      return { results: r.list, statements: insertAll(db, channels, insert) }
    },

    async connections(rows) {
      const r = new Results()
      const thingIds = rows.map((c) => c.thing_id)
      const channelIds = rows.map((c) => c.channel_id)
      const [ts, cs, existing] = await repo.readAll(db, [
        repo.thingsById(db, thingIds),
        repo.channelsById(db, channelIds),
        repo.connectionsAmong(db, thingIds, channelIds),
      ])
      const thingOwner = new Map(
        (ts as { id: string; owner: string }[]).map((t) => [t.id, t.owner])
      )
      const chanOwner = new Map((cs as { id: string; owner: string }[]).map((c) => [c.id, c.owner]))
      const pair = (channelId: string, thingId: string) => `${channelId} ${thingId}`
      const connected = new Set(
        (existing as { channelId: string; thingId: string }[]).map((c) =>
          pair(c.channelId, c.thingId)
        )
      )
      const dup = repeats(rows, (c) => pair(c.channel_id, c.thing_id))
      const insert: { channelId: string; thingId: string; owner: string }[] = []
      rows.forEach((c, i) => {
        const id = `${c.channel_id}:${c.thing_id}`
        if (dup.has(i)) return r.refused(i, id, 'connection repeated in this chunk')
        const to = thingOwner.get(c.thing_id)
        const co = chanOwner.get(c.channel_id)
        if (to === undefined) return r.refused(i, id, `thing ${c.thing_id} was not imported`)
        if (co === undefined) return r.refused(i, id, `channel ${c.channel_id} was not imported`)
        if (to !== c.owner_id || co !== c.owner_id) {
          return r.refused(i, id, 'thing and channel must both belong to owner_id')
        }
        if (connected.has(pair(c.channel_id, c.thing_id))) return r.present(i, id)
        insert.push({ channelId: c.channel_id, thingId: c.thing_id, owner: c.owner_id })
        r.imported(i, id)
      })
      return { results: r.list, statements: insertAll(db, connections, insert) }
    },
  }
  return planners
}
