import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import * as bootstrapRepo from '../../src/bootstrap/repo'
import * as certsRepo from '../../src/certs/repo'
import * as channelsRepo from '../../src/channels/repo'
import * as connectionsRepo from '../../src/connections/repo'
import { createDb } from '../../src/db/client'
import * as repo from '../../src/things/repo'
import { queryPlan } from '../query-plan'

// The query plans of the SQL the repos generate: every list, filter and lookup path must search an
// index (never scan a whole table), and the id/name orderings must come from the index, not a sort.

const db = createDb(env.DB)
const owner = crypto.randomUUID()
const id = crypto.randomUUID()
const ids = [crypto.randomUUID(), crypto.randomUUID()]
const page = { offset: 0, limit: 10, order: '', dir: '' }

/** No full scan of an entity table (a SCAN of json_each for the metadata filter is fine). */
function expectNoTableScan(lines: string[]) {
  for (const line of lines)
    expect(line, lines.join('\n')).not.toMatch(/^SCAN (things|channels|connections)\b/)
}

function expectUses(lines: string[], pattern: RegExp) {
  expect(
    lines.some((l) => pattern.test(l)),
    lines.join('\n')
  ).toBe(true)
}

function expectNoSort(lines: string[]) {
  for (const line of lines) expect(line, lines.join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY/)
}

describe('query plans', () => {
  it('GET /things: the owner index, ordered by it (id and name), total from the owner counter', async () => {
    const [rows, count] = repo.retrieveAll(db, owner, page)
    const byId = await queryPlan(rows)
    expectNoTableScan(byId)
    expectUses(byId, /SEARCH things USING INDEX things_owner_id_uq \(owner=\?\)/)
    expectNoSort(byId)
    // Unfiltered: one primary-key lookup, whatever the owner's row count.
    const total = await queryPlan(count)
    expect(total.join('\n')).not.toMatch(/\bthings\b/)
    expectUses(
      total,
      /SEARCH owner_counts USING INDEX sqlite_autoindex_owner_counts_1 \(owner=\?\)/
    )
    for (const dir of ['asc', 'desc']) {
      const [byName] = repo.retrieveAll(db, owner, { ...page, order: 'name', dir })
      const lines = await queryPlan(byName)
      expectUses(lines, /SEARCH things USING INDEX things_owner_name_idx \(owner=\?\)/)
      expectNoSort(lines)
    }
  })

  it('GET /things with name and metadata filters still searches the owner range', async () => {
    const [rows, count] = repo.retrieveAll(db, owner, {
      ...page,
      name: 'x',
      metadata: { type: 'sensor', loc: { site: 'a' }, tags: ['red'] },
    })
    for (const q of [rows, count]) {
      const lines = await queryPlan(q)
      expectNoTableScan(lines)
      expectUses(
        lines,
        /SEARCH things USING (COVERING )?INDEX things_owner_(id_uq|name_idx) \(owner=\?\)/
      )
    }
  })

  it('GET /channels: the owner index, ordered by it', async () => {
    const [rows, count] = channelsRepo.retrieveAll(db, owner, {
      ...page,
      name: 'c',
      metadata: { a: 1 },
    })
    for (const q of [rows, count]) expectNoTableScan(await queryPlan(q))
    const [byName] = channelsRepo.retrieveAll(db, owner, { ...page, order: 'name', dir: 'asc' })
    const lines = await queryPlan(byName)
    expectUses(lines, /SEARCH channels USING INDEX channels_owner_name_idx \(owner=\?\)/)
    expectNoSort(lines)
  })

  it('GET /channels/{id}/things: the connections primary key, in order; not-connected via the owner index', async () => {
    const [rows, count] = connectionsRepo.retrieveByChannel(db, owner, id, page, true)
    const lines = await queryPlan(rows)
    expectNoTableScan(lines)
    expectUses(
      lines,
      /SEARCH connections USING COVERING INDEX sqlite_autoindex_connections_1 \(channel_id=\?\)/
    )
    expectUses(lines, /SEARCH things USING INDEX sqlite_autoindex_things_1 \(id=\?\)/)
    expectNoSort(lines)
    expectNoTableScan(await queryPlan(count))
    const [notRows, notCount] = connectionsRepo.retrieveByChannel(db, owner, id, page, false)
    for (const q of [notRows, notCount]) {
      const l = await queryPlan(q)
      expectNoTableScan(l)
      expectUses(
        l,
        /SEARCH connections USING COVERING INDEX sqlite_autoindex_connections_1 \(channel_id=\? AND thing_id=\?\)/
      )
    }
  })

  it('GET /things/{id}/channels: the (thing_id, channel_id) index, in order', async () => {
    const [rows, count] = connectionsRepo.retrieveByThing(db, owner, id, page, true)
    const lines = await queryPlan(rows)
    expectNoTableScan(lines)
    expectUses(
      lines,
      /SEARCH connections USING COVERING INDEX connections_thing_channel_idx \(thing_id=\?\)/
    )
    expectNoSort(lines)
    expectNoTableScan(await queryPlan(count))
    const [notRows] = connectionsRepo.retrieveByThing(db, owner, id, page, false)
    expectNoTableScan(await queryPlan(notRows))
  })

  it('identify and access checks: unique key index and connections primary key', async () => {
    const keyPlan = await queryPlan(repo.retrieveByKey(db, 'k'))
    expectUses(keyPlan, /SEARCH things USING INDEX things_key_uq \(key=\?\)/)
    const byKey = await queryPlan(connectionsRepo.accessByKey(db, 'k', id))
    expectNoTableScan(byKey)
    expectUses(byKey, /things_key_uq \(key=\?\)/)
    expectUses(byKey, /sqlite_autoindex_connections_1 \(channel_id=\? AND thing_id=\?\)/)
    const byId = await queryPlan(connectionsRepo.isConnected(db, id, id))
    expectUses(
      byId,
      /SEARCH connections USING COVERING INDEX sqlite_autoindex_connections_1 \(channel_id=\? AND thing_id=\?\)/
    )
  })

  it('writes: guarded connect / disconnect and owner-guarded updates search by id', async () => {
    for (const q of [
      connectionsRepo.connect(db, owner, ids, ids),
      connectionsRepo.disconnect(db, owner, ids, ids),
      connectionsRepo.disconnectPair(db, owner, id, id),
      repo.countOwned(db, owner, ids),
      channelsRepo.countOwned(db, owner, ids),
      repo.update(db, owner, id, { name: '', metadata: null }),
      repo.remove(db, owner, id),
      channelsRepo.remove(db, owner, id),
      repo.retrieveById(db, owner, id),
    ]) {
      expectNoTableScan(await queryPlan(q))
    }
  })

  it('key rotation: the certificate and bootstrap statements of its batch search by thing', async () => {
    const revoke = await queryPlan(certsRepo.revokeKeyBound(db, owner, id, 'new-key', Date.now()))
    expect(revoke.join('\n')).not.toMatch(/^SCAN (certs|things)\b/m)
    expectUses(revoke, /SEARCH certs USING INDEX certs_(owner_thing_expires|thing)_idx/)
    for (const q of [
      bootstrapRepo.clearKeyBoundCert(db, owner, id, 'new-key'),
      bootstrapRepo.retrieveUntrackedCert(db, owner, id),
    ]) {
      const lines = await queryPlan(q)
      expect(lines.join('\n')).not.toMatch(/^SCAN (bootstrap_configs|things)\b/m)
      expectUses(
        lines,
        /SEARCH bootstrap_configs USING INDEX sqlite_autoindex_bootstrap_configs_1 \(thing_id=\?\)/
      )
    }
  })
})
