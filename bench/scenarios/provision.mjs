// Provision (issue 6): POST /mapping, a whole gateway per request (things, channels, connections,
// bootstrap config, certificates) in one D1 batch. Every request provisions a new external id.
// Target: exactly 1 D1 round trip per mapping and at least 450 mappings/s (10x 0.12.1's ~45/s).

import { clientIp } from '../lib/context.mjs'

/** A scenario posting a fresh gateway to /mapping with `layout`. */
const mapping = (name, layout) => ({
  name,
  perRequest: true,
  async seed(ctx) {
    const user = await ctx.newUser()
    return { token: user.token, run: ctx.uid() }
  },
  // POST /mapping is capped per client address (120 a minute): each request comes from its own.
  request: (s, i) => ({
    method: 'POST',
    path: `/mapping?layout=${layout}`,
    headers: { authorization: `Bearer ${s.token}`, 'cf-connecting-ip': clientIp(i) },
    body: {
      external_id: `bench-${s.run}-${i}`,
      external_key: `key-${s.run}-${i}`,
      name: `gw-${i}`,
    },
  }),
  expectStatus: 201,
})

/** @type {import('../lib/types').Scenario[]} */
export default [
  mapping('POST /mapping (default layout)', 'default'),
  mapping('POST /mapping (agent-export)', 'agent-export'),
  mapping('POST /mapping (x509, EC P-256)', 'x509'),
]
