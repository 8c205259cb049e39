// Bootstrap fetch (issue 5): a gateway asking for its configuration. A KV hit should make no D1
// round trip, a miss exactly one, and a 304 revalidation (a polling gateway) none.
import { createHmac, randomUUID } from 'node:crypto'
import { keys, kvBulk } from '../lib/keys.mjs'

/** What a fetch reads in its one bulk KV read: the entry, both markers and two lock markers. */
const fetchNames = (externalId, address) => [
  keys.bs(externalId),
  keys.bsm(externalId),
  keys.bsg(),
  keys.ipl(address),
  keys.bsl(externalId),
]

/** A gateway with two channels and an agent config, created through the API. */
async function gateway(ctx) {
  const user = await ctx.newUser()
  const channel = async (name, type) => {
    const res = await ctx.call(201, 'POST', '/channels', {
      token: user.token,
      json: { name, metadata: { type } },
    })
    return res.headers.get('location').split('/').pop()
  }
  const channels = [await channel('control', 'control'), await channel('data', 'data')]
  const externalId = `bench-gw-${ctx.uid()}`
  const externalKey = randomUUID()
  await ctx.call(201, 'POST', '/things/configs', {
    token: user.token,
    json: {
      external_id: externalId,
      external_key: externalKey,
      channels,
      content: JSON.stringify({ agent: { log: { level: 'info' } }, export: {} }),
    },
  })
  const path = `/things/bootstrap/${externalId}`
  // The first fetch misses and fills KV; from the second on it is a hit.
  await ctx.call(200, 'GET', path, { headers: { authorization: externalKey } })
  const hit = await ctx.call(200, 'GET', path, { headers: { authorization: externalKey } })
  return { path, externalId, externalKey, etag: hit.headers.get('etag'), address: ctx.loadAddress }
}

/** What the app stores for an external key (src/bootstrap/service.ts: v1 keyed hash). */
function keyHash(bindings, externalKey) {
  const secret = bindings.FLUXGATE_BOOTSTRAP_KEY_SECRET || bindings.MF_AUTH_SECRET
  const mac = createHmac('sha256', secret)
    .update(`bootstrap-external-key\0${externalKey}`)
    .digest('base64url')
  return `v1:${mac}`
}

const MISS_CONFIGS = 20_000

/** @type {import('../lib/types').Scenario[]} */
export default [
  {
    name: 'GET /things/bootstrap/{id} (KV hit)',
    seed: gateway,
    request: (s) => ({ path: s.path, headers: { authorization: s.externalKey } }),
    expectStatus: 200,
    reference: (s) => kvBulk(fetchNames(s.externalId, s.address)),
    referenceHits: 3,
  },
  {
    name: 'GET /things/bootstrap/{id} (304)',
    seed: gateway,
    request: (s) => ({
      path: s.path,
      headers: { authorization: s.externalKey, 'if-none-match': s.etag },
    }),
    expectStatus: 304,
  },
  {
    name: 'GET /things/bootstrap/{id} (miss)',
    // Configs inserted straight into D1 have no KV marker, so each one's first two fetches miss;
    // the run fetches each at most twice.
    async seed(ctx) {
      const user = await ctx.newUser()
      const now = Date.now()
      const run = ctx.uid()
      const externalKey = randomUUID()
      const ids = Array.from({ length: MISS_CONFIGS }, () => randomUUID())
      await ctx.insertRows(
        'things',
        ids.map((id) => ({
          id,
          owner: user.id,
          name: '',
          key: randomUUID(),
          metadata: null,
          created_at: now,
        }))
      )
      const hash = keyHash(ctx.bindings, externalKey)
      await ctx.insertRows(
        'bootstrap_configs',
        ids.map((id, i) => ({
          thing_id: id,
          owner: user.id,
          external_id: `bench-miss-${run}-${i}`,
          external_key_hash: hash,
          content: '{"agent":{}}',
          state: 0,
          created_at: now,
        }))
      )
      return { run, externalKey, hash, address: ctx.loadAddress }
    },
    perRequest: true,
    request: (s, i) => ({
      path: `/things/bootstrap/bench-miss-${s.run}-${i % MISS_CONFIGS}`,
      headers: { authorization: s.externalKey },
    }),
    expectStatus: 200,
    // The same bulk read, batch and fill, on configs from the other end of the list; `size` is
    // about what the app stores for one of these answers.
    reference: (s, i) => {
      const externalId = `bench-miss-${s.run}-${MISS_CONFIGS - 1 - (i % MISS_CONFIGS)}`
      const q = new URLSearchParams({ id: externalId, hash: s.hash, size: '400' })
      return `/__bench/ref/bootstrap-miss?${kvBulk(fetchNames(externalId, s.address)).split('?')[1]}&${q}`
    },
    referenceHits: 1,
  },
]
