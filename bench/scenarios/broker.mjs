// Broker hooks (gateways go live): a RabbitMQ connect check and a topic (publish) check, as the
// broker sends them. A hit must make 0 D1 round trips and one KV bulk read, and reach 70 % of its
// reference row: the same bulk read of the same keys on the floor Worker, and nothing else.
import { randomUUID } from 'node:crypto'
import { keys, kvBulk } from '../lib/keys.mjs'

const form = (fields) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})

const hook = (ctx, check) => `/broker/rabbitmq/${ctx.bindings.FLUXGATE_BROKER_SECRET}/${check}`

const topicFields = (thingId, chanId) => ({
  username: thingId,
  vhost: '/',
  resource: 'topic',
  name: 'amq.topic',
  permission: 'write',
  routing_key: `channels.${chanId}.messages.req`,
  'variable_map.client_id': `agent-${thingId}`,
})

/** A thing connected to a channel, through the API, with its checks warmed into KV. */
async function connected(ctx) {
  const user = await ctx.newUser()
  const thing = await ctx.call(201, 'POST', '/things', { token: user.token, json: { name: 'gw' } })
  const thingId = thing.headers.get('location').split('/').pop()
  const key = (await ctx.call(200, 'GET', `/things/${thingId}`, { token: user.token })).body.key
  const chan = await ctx.call(201, 'POST', '/channels', {
    token: user.token,
    json: { name: 'control' },
  })
  const chanId = chan.headers.get('location').split('/').pop()
  await ctx.call(200, 'POST', '/connect', {
    token: user.token,
    json: { channel_ids: [chanId], thing_ids: [thingId] },
  })
  const paths = { user: hook(ctx, 'user'), topic: hook(ctx, 'topic') }
  // A new key needs two misses before it is served from KV; fills run after the answer.
  for (let i = 0; i < 3; i++) {
    const u = await fetch(
      new URL(paths.user, ctx.url),
      form({ username: thingId, password: key, client_id: `agent-${thingId}` })
    )
    const t = await fetch(new URL(paths.topic, ctx.url), form(topicFields(thingId, chanId)))
    if ((await u.text()) !== 'allow' || (await t.text()) !== 'allow')
      throw new Error('warm-up check denied')
    await new Promise((r) => setTimeout(r, 50))
  }
  return { thingId, key, chanId, paths }
}

const MISS_THINGS = 20_000

/** Things (and connections) inserted straight into D1: none is in KV, so each check misses. */
async function unseen(ctx) {
  const user = await ctx.newUser()
  const now = Date.now()
  const chanId = randomUUID()
  await ctx.insertRows('channels', [
    { id: chanId, owner: user.id, name: 'control', metadata: null, created_at: now },
  ])
  const things = Array.from({ length: MISS_THINGS }, () => ({
    id: randomUUID(),
    key: randomUUID(),
  }))
  await ctx.insertRows(
    'things',
    things.map((t) => ({
      id: t.id,
      owner: user.id,
      name: '',
      key: t.key,
      metadata: null,
      created_at: now,
    }))
  )
  await ctx.insertRows(
    'connections',
    things.map((t) => ({ channel_id: chanId, thing_id: t.id, owner: user.id }))
  )
  return { things, chanId, paths: { user: hook(ctx, 'user'), topic: hook(ctx, 'topic') } }
}

/** @type {import('../lib/types').Scenario[]} */
export default [
  {
    name: 'POST /broker/rabbitmq/user (connect, KV hit)',
    seed: connected,
    request: (s) => ({
      path: s.paths.user,
      ...form({ username: s.thingId, password: s.key, client_id: `agent-${s.thingId}` }),
    }),
    expectStatus: 200,
    // The thing's throttle marker (tl:, absent unless connects failed) is read in the same bulk read.
    reference: (s) => kvBulk([keys.tk(s.key), keys.km(s.key), keys.tl(s.thingId)]),
    referenceHits: 2,
  },
  {
    name: 'POST /broker/rabbitmq/topic (publish, KV hit)',
    seed: connected,
    request: (s) => ({ path: s.paths.topic, ...form(topicFields(s.thingId, s.chanId)) }),
    expectStatus: 200,
    reference: (s) => kvBulk([keys.th(s.thingId), keys.ch(s.chanId), keys.ac(s.chanId, s.thingId)]),
    referenceHits: 3,
  },
  {
    name: 'POST /broker/rabbitmq/user (connect, miss)',
    // Each thing is checked at most twice in a run, and its first two checks miss.
    seed: unseen,
    perRequest: true,
    request: (s, i) => {
      const t = s.things[i % MISS_THINGS]
      return {
        path: s.paths.user,
        ...form({ username: t.id, password: t.key, client_id: `agent-${t.id}` }),
      }
    },
    expectStatus: 200,
  },
  {
    name: 'POST /broker/rabbitmq/topic (publish, miss)',
    seed: unseen,
    perRequest: true,
    request: (s, i) => ({
      path: s.paths.topic,
      ...form(topicFields(s.things[i % MISS_THINGS].id, s.chanId)),
    }),
    expectStatus: 200,
  },
]
