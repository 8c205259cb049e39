import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import * as repo from '../../src/bootstrap/repo'
import { createDb } from '../../src/db/client'
import { queryPlan } from '../query-plan'

// Query plans of the bootstrap SQL: the fetch, the cross-domain lookups run inside things and
// channels batches, and the list must search an index, never scan a table.

const db = createDb(env.DB)
const owner = crypto.randomUUID()
const id = crypto.randomUUID()

function expectNoTableScan(lines: string[]) {
  for (const line of lines) {
    expect(line, lines.join('\n')).not.toMatch(
      /^SCAN (things|channels|connections|bootstrap_configs|bootstrap_channels)\b/
    )
  }
}

function expectUses(lines: string[], pattern: RegExp) {
  expect(
    lines.some((l) => pattern.test(l)),
    lines.join('\n')
  ).toBe(true)
}

describe('query plans', () => {
  it('the gateway fetch finds the config and its channels by the external_id index', async () => {
    const [config, channels] = repo.retrieveByExternalId(db, 'gw-1')
    for (const q of [config, channels]) {
      const lines = await queryPlan(q)
      expectNoTableScan(lines)
      expectUses(
        lines,
        /SEARCH bootstrap_configs USING INDEX bootstrap_configs_external_id_uq \(external_id=\?\)/
      )
    }
    expectUses(
      await queryPlan(channels),
      /SEARCH bootstrap_channels USING (COVERING )?INDEX sqlite_autoindex_bootstrap_channels_1 \(config_id=\?\)/
    )
  })

  it('the configs listing a channel (channel rename and removal) use the channel index', async () => {
    const lines = await queryPlan(repo.externalIdsOfChannel(db, id))
    expectNoTableScan(lines)
    expectUses(
      lines,
      /SEARCH bootstrap_channels USING (COVERING )?INDEX bootstrap_channels_channel_idx \(channel_id=\?\)/
    )
  })

  it('the list searches the owner index in thing-id order; the view and state reads use the key', async () => {
    const [rows, count] = repo.retrieveAll(db, owner, { name: 'x', state: 1 }, 0, 10)
    for (const q of [rows, count]) {
      const lines = await queryPlan(q)
      expectNoTableScan(lines)
      // The count, which has no order, may narrow by state on the summary's index instead.
      expectUses(
        lines,
        q === rows
          ? /SEARCH bootstrap_configs USING INDEX bootstrap_configs_owner_idx \(owner=\?\)/
          : /SEARCH bootstrap_configs USING INDEX (bootstrap_configs_owner_idx \(owner=\?\)|bootstrap_configs_owner_state_seen_idx \(owner=\? AND state=\?\))/
      )
      expect(lines.join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY/)
    }
    for (const q of [repo.retrieveById(db, owner, id), repo.externalIdsOfThing(db, owner, id)]) {
      const lines = await queryPlan(q)
      expectNoTableScan(lines)
      expectUses(
        lines,
        /SEARCH bootstrap_configs USING INDEX (sqlite_autoindex_bootstrap_configs_1 \(thing_id=\?\)|bootstrap_configs_owner_idx \(owner=\? AND thing_id=\?\))/
      )
    }
  })

  it('the deactivation on disconnect searches configs by thing id', async () => {
    const lines = await queryPlan(repo.deactivateOnDisconnect(db, owner, [id], [id], true))
    expectNoTableScan(lines)
  })
})
