import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import * as bootstrapRepo from '../../src/bootstrap/repo'
import { createDb } from '../../src/db/client'
import * as connectionsRepo from '../../src/connections/repo'
import * as repo from '../../src/provision/repo'
import { queryPlan } from '../query-plan'

// The statements of a mapping run in every POST /mapping: each must find its rows by key, never
// walk the owner's things or channels (the bench owner has thousands).

const db = createDb(env.DB)
const owner = crypto.randomUUID()
const id = () => crypto.randomUUID()

/** No scan of a table, and no owner-range search (a mapping touches only its own rows). */
function expectKeyLookups(lines: string[]) {
  const text = lines.join('\n')
  for (const line of lines) {
    expect(line, text).not.toMatch(
      /^SCAN (things|channels|connections|bootstrap_\w+|idempotency_keys)\b/
    )
    expect(line, text).not.toMatch(/\(owner=\?\)/)
  }
}

describe('query plans of a mapping', () => {
  it('connectPairs: the pairs outside, one-row key lookups of channel and thing inside', async () => {
    const lines = await queryPlan(
      connectionsRepo.connectPairs(db, owner, [
        [id(), id()],
        [id(), id()],
      ])
    )
    expectKeyLookups(lines)
    expect(lines[0]).toMatch(/^SCAN p VIRTUAL TABLE/)
    // The primary key, or the unique (owner, id) index with both columns bound: one row either way.
    expect(lines.join('\n')).toMatch(/SEARCH channels USING .*INDEX \w+ \((owner=\? AND )?id=\?/)
    expect(lines.join('\n')).toMatch(/SEARCH things USING .*INDEX \w+ \((owner=\? AND )?id=\?/)
  })

  it('the config and its channel links', async () => {
    const gw = id()
    const row = {
      thingId: gw,
      owner,
      name: null,
      externalId: id(),
      externalKeyHash: 'h',
      content: null,
      clientCert: null,
      clientKey: null,
      caCert: null,
      clientCertCn: null,
      state: 1,
      createdAt: 0,
    }
    expectKeyLookups(await queryPlan(bootstrapRepo.save(db, row)))
    expectKeyLookups(await queryPlan(bootstrapRepo.saveChannels(db, owner, gw, [id(), id()])))
  })

  it('the idempotency claim and lookup use the primary key', async () => {
    const row = { owner, key: 'k', requestHash: 'h', status: 201, response: 'r', createdAt: 0 }
    const [del] = repo.claim(db, row, 0)
    for (const q of [del, repo.retrieve(db, owner, 'k')]) {
      const lines = await queryPlan(q)
      expect(lines.join('\n')).toMatch(
        /SEARCH idempotency_keys USING INDEX sqlite_autoindex_idempotency_keys_1 \(owner=\? AND key=\?\)/
      )
    }
  })
})
