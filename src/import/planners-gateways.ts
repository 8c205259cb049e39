import { certCn, externalKeyHash } from '../bootstrap/service'
import { markNew } from '../bootstrap/cache'
import { bootstrapChannels, bootstrapConfigs, certs } from '../db/schema'
import type { Deps } from '../lib/context'
import { insertAll } from '../lib/json-insert'
import { differing, type Planners, repeats, Results } from './planners'
import * as repo from './repo'

/*
 * The planners of the gateway side of an import: bootstrap configs (external keys hashed on the
 * way in) and the certificate inventory. See planners.ts for the shape of a plan.
 */
export function makeGatewayPlanners(
  deps: Deps,
  ownerMissing: (owner: string) => string
): Pick<Planners, 'configs' | 'certs'> {
  const { db, config, env, waitUntil } = deps
  return {
    async configs(rows) {
      const r = new Results()
      const ids = rows.map((c) => c.thing_id)
      const [ts, byId, byExt, cs] = await repo.readAll(db, [
        repo.thingsById(db, ids),
        repo.configsById(db, ids),
        repo.configsByExternalId(
          db,
          rows.map((c) => c.external_id)
        ),
        repo.channelsById(
          db,
          rows.flatMap((c) => c.channels)
        ),
      ])
      const thingOwner = new Map(
        (ts as { id: string; owner: string }[]).map((t) => [t.id, t.owner])
      )
      const idRow = new Map(
        (byId as (typeof bootstrapConfigs.$inferSelect)[]).map((c) => [c.thingId, c])
      )
      const extRow = new Map(
        (byExt as { thingId: string; externalId: string }[]).map((c) => [c.externalId, c.thingId])
      )
      const chanOwner = new Map((cs as { id: string; owner: string }[]).map((c) => [c.id, c.owner]))
      const dupIds = repeats(rows, (c) => c.thing_id)
      const dupExt = repeats(rows, (c) => c.external_id)
      const hashes = await Promise.all(rows.map((c) => externalKeyHash(config, c.external_key)))
      const insert: (typeof bootstrapConfigs.$inferInsert)[] = []
      const links: { configId: string; channelId: string }[] = []
      const fresh: string[] = []
      const now = Date.now()
      rows.forEach((c, i) => {
        const id = c.thing_id
        const existing = idRow.get(id)
        if (dupIds.has(i)) return r.refused(i, id, 'config repeated in this chunk')
        if (existing) {
          const diff = differing({
            owner: [existing.owner, c.owner_id],
            external_id: [existing.externalId, c.external_id],
            external_key: [existing.externalKeyHash, hashes[i]],
            name: [existing.name, c.name],
            content: [existing.content, c.content],
            client_cert: [existing.clientCert, c.client_cert],
            client_key: [existing.clientKey, c.client_key],
            ca_cert: [existing.caCert, c.ca_cert],
          })
          if (diff.length === 0) return r.present(i, id)
          return r.refused(i, id, `thing already has a config with a different ${diff.join(', ')}`)
        }
        const owner = thingOwner.get(id)
        if (owner === undefined) return r.refused(i, id, `thing ${id} was not imported`)
        if (owner !== c.owner_id) return r.refused(i, id, `thing ${id} belongs to another owner`)
        if (dupExt.has(i) || extRow.has(c.external_id)) {
          return r.refused(i, id, 'external_id already used by another config')
        }
        const chans = [...new Set(c.channels)]
        const missing = chans.filter((ch) => chanOwner.get(ch) !== c.owner_id)
        if (missing.length > 0) {
          return r.refused(i, id, `channels not imported for this owner: ${missing.join(', ')}`)
        }
        insert.push({
          thingId: id,
          owner: c.owner_id,
          name: c.name,
          externalId: c.external_id,
          externalKeyHash: hashes[i]!,
          content: c.content,
          clientCert: c.client_cert,
          clientKey: c.client_key,
          caCert: c.ca_cert,
          clientCertCn: certCn(c.client_cert),
          state: c.state,
          createdAt: now,
        })
        for (const ch of chans) links.push({ configId: id, channelId: ch })
        fresh.push(c.external_id)
        r.imported(i, id)
      })
      return {
        results: r.list,
        statements: [
          ...insertAll(db, bootstrapConfigs, insert),
          ...insertAll(db, bootstrapChannels, links),
        ],
        // As for a new config: the first fetch fills KV, and any entry from before is retired.
        after: () => {
          for (const ext of fresh) waitUntil(markNew(env.CACHE, ext).catch(() => undefined))
        },
      }
    },

    async certs(rows) {
      const r = new Results()
      const [bySerial, owners, thingRows] = await repo.readAll(db, [
        repo.certsBySerial(
          db,
          rows.map((c) => c.serial)
        ),
        repo.usersById(
          db,
          rows.map((c) => c.owner_id)
        ),
        repo.thingsById(
          db,
          rows.map((c) => c.thing_id)
        ),
      ])
      // A certificate may outlive its thing (a revoked one must stay in the CRL), but one naming
      // another owner's thing would escape that thing's revocations (they are owner-scoped).
      const thingOwner = new Map(
        (thingRows as { id: string; owner: string }[]).map((t) => [t.id, t.owner])
      )
      const serialRow = new Map(
        (bySerial as (typeof certs.$inferSelect)[]).map((c) => [c.serial, c])
      )
      const known = new Set((owners as { id: string }[]).map((u) => u.id))
      const dup = repeats(rows, (c) => c.serial)
      const insert: (typeof certs.$inferInsert)[] = []
      const now = Date.now()
      rows.forEach((c, i) => {
        const existing = serialRow.get(c.serial)
        if (dup.has(i)) return r.refused(i, c.serial, 'serial repeated in this chunk')
        if (existing) {
          const diff = differing({
            thing_id: [existing.thingId, c.thing_id],
            owner: [existing.owner, c.owner_id],
            expires_at: [existing.expiresAt, c.expires_at],
            revoked_at: [existing.revokedAt, c.revoked_at],
          })
          if (diff.length === 0) return r.present(i, c.serial)
          return r.refused(
            i,
            c.serial,
            `serial already recorded with a different ${diff.join(', ')}`
          )
        }
        if (!known.has(c.owner_id)) return r.refused(i, c.serial, ownerMissing(c.owner_id))
        const holder = thingOwner.get(c.thing_id)
        if (holder !== undefined && holder !== c.owner_id) {
          return r.refused(i, c.serial, `thing ${c.thing_id} belongs to another owner`)
        }
        insert.push({
          serial: c.serial,
          thingId: c.thing_id,
          owner: c.owner_id,
          // 0.12.1's inventory records neither the key nor the issue time.
          keyType: 'unknown',
          keyBits: 0,
          issuedAt: now,
          expiresAt: c.expires_at,
          revokedAt: c.revoked_at,
          // 0.12.1 issued certificates with the thing key as the subject CN.
          cnSource: 'thing_key',
        })
        r.imported(i, c.serial)
      })
      return { results: r.list, statements: insertAll(db, certs, insert) }
    },
  }
}
