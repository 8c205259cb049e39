import { describe, expect, it } from 'vitest'
import type { Issued } from '../../src/certs/service'
import {
  type EffectiveLayout,
  effectiveLayout,
  type LayoutDefaults,
  parseLayout,
} from '../../src/provision/layout'
import {
  buildPlan,
  dryRunPlan,
  dryRunView,
  type Ids,
  mappingAnswer,
  type PlanInput,
} from '../../src/provision/plan'

// The plan of a mapping as a pure function: a resolved layout, a request and fixed ids and keys in,
// rows and views out. Nothing here opens D1 or KV.

const DEFAULTS: LayoutDefaults = { certsDefaultTtlMs: 100 * 3_600_000 }

/** A gateway with layout metadata, a sensor on the data channel, and three typed channels listed
 * export first (the bootstrap answer puts control first). */
const THINGS = `
[[things]]
  name = "gw"
  [things.metadata]
    external_id = "from-the-layout"
    site = "lab"
[[things]]
  name = "sensor"
  channels = ["data-channel"]
  [things.metadata]
    kind = "probe"
[[channels]]
  name = "archive"
  [channels.metadata]
    type = "export"
[[channels]]
  name = "data-channel"
  [channels.metadata]
    type = "data"
[[channels]]
  name = "control-channel"
  [channels.metadata]
    type = "control"
`

function layout(bootstrap: string, defaults: Partial<LayoutDefaults> = {}): EffectiveLayout {
  return effectiveLayout(parseLayout('unit', bootstrap + THINGS), { ...DEFAULTS, ...defaults })
}

const ids: Ids = { thing: (i) => `t${i}`, channel: (i) => `c${i}`, key: (i) => `k${i}` }
const input: PlanInput = { owner: 'owner-1', keyHash: 'hash-of-key', ids, now: 1234 }
const req = { external_id: 'gw-ext', external_key: 'secret-external-key' }

const WHITELISTED = `
[bootstrap]
  autowhite_list = true
  [bootstrap.content]
    greeting = "hi"
`

describe('buildPlan', () => {
  it('things and channels get the given ids and keys, the owner and the time', () => {
    const p = buildPlan(layout(WHITELISTED), req, input)
    expect(p.things.map((t) => [t.id, t.key, t.owner, t.createdAt])).toEqual([
      ['t0', 'k0', 'owner-1', 1234],
      ['t1', 'k1', 'owner-1', 1234],
    ])
    expect(p.channels).toEqual([
      {
        id: 'c0',
        owner: 'owner-1',
        name: 'archive',
        metadata: { type: 'export' },
        createdAt: 1234,
      },
      {
        id: 'c1',
        owner: 'owner-1',
        name: 'data-channel',
        metadata: { type: 'data' },
        createdAt: 1234,
      },
      {
        id: 'c2',
        owner: 'owner-1',
        name: 'control-channel',
        metadata: { type: 'control' },
        createdAt: 1234,
      },
    ])
    expect(p.gatewayId).toBe('t0')
    expect(p.externalId).toBe('gw-ext')
  })

  it("the gateway: the request's name and external id plus 0.12.1's gateway fields, never the external key", () => {
    const l = layout(WHITELISTED)
    const p = buildPlan(l, { ...req, name: 'from-request' }, input)
    expect(p.things[0]).toMatchObject({
      name: 'from-request',
      metadata: {
        site: 'lab',
        external_id: 'gw-ext',
        type: 'gateway',
        ctrl_channel_id: 'c2',
        data_channel_id: 'c1',
        export_channel_id: 'c0',
        cfg_id: 't0',
      },
    })
    expect(p.things[1]).toMatchObject({ name: 'sensor', metadata: { kind: 'probe' } })
    expect(JSON.stringify(p)).not.toContain('secret-external-key')
    // Without a name in the request, the layout's.
    expect(buildPlan(l, req, input).things[0]!.name).toBe('gw')
  })

  it('layout metadata is copied: a plan never changes the layout or another plan', () => {
    const l = layout(WHITELISTED)
    const a = buildPlan(l, req, input)
    const b = buildPlan(l, { ...req, external_id: 'other' }, input)
    a.things[1]!.metadata!.kind = 'changed'
    a.channels[0]!.metadata!.type = 'changed'
    expect(l.things[0]!.metadata).toEqual({ external_id: 'from-the-layout', site: 'lab' })
    expect(l.things[1]!.metadata).toEqual({ kind: 'probe' })
    expect(l.channels[0]!.metadata).toEqual({ type: 'export' })
    expect(b.things[0]!.metadata!.external_id).toBe('other')
    expect(b.things[1]!.metadata).toEqual({ kind: 'probe' })
  })

  it('whitelisted: an active config, the gateway on every channel, other things on their own', () => {
    const p = buildPlan(layout(WHITELISTED), req, input)
    expect(p.pairs).toEqual([
      ['c0', 't0'],
      ['c1', 't0'],
      ['c2', 't0'],
      ['c1', 't1'],
    ])
    expect(p.config).toEqual({
      thingId: 't0',
      owner: 'owner-1',
      name: 'gw',
      externalId: 'gw-ext',
      externalKeyHash: 'hash-of-key',
      content: '{"greeting":"hi"}',
      clientCert: null,
      clientKey: null,
      caCert: null,
      clientCertCn: null,
      state: 1,
      createdAt: 1234,
    })
  })

  it('not whitelisted: an inactive config and no gateway connections until it is activated', () => {
    const p = buildPlan(layout('[bootstrap]\n  autowhite_list = false\n'), req, input)
    expect(p.pairs).toEqual([['c1', 't1']])
    expect(p.config).toMatchObject({ state: 0, content: 'null' })
  })

  it('without provisioning: no config, no cfg_id, the gateway connected to every channel', () => {
    const p = buildPlan(layout('[bootstrap]\n  provision = false\n'), req, input)
    expect(p.config).toBeUndefined()
    expect(p.things[0]!.metadata!.cfg_id).toBe('')
    expect(p.pairs.filter(([, t]) => t === 't0').map(([c]) => c)).toEqual(['c0', 'c1', 'c2'])
  })

  it('an unnamed gateway has a config without a name', () => {
    const text = WHITELISTED + THINGS.replace('name = "gw"\n', '')
    const l = effectiveLayout(parseLayout('unit', text), DEFAULTS)
    expect(buildPlan(l, req, input).config!.name).toBeNull()
  })
})

describe('mappingAnswer', () => {
  const issued = (thingId: string): Issued =>
    ({ thingId, certPem: `cert-${thingId}`, keyPem: `key-${thingId}`, caPem: 'ca' }) as Issued

  it("0.12.1's fields: things with their keys, channels, and the whitelisted gateway", () => {
    const p = buildPlan(layout(WHITELISTED), req, input)
    const a = mappingAnswer(p, [])
    expect(Object.keys(a)).toEqual(['things', 'channels', 'whitelisted'])
    expect(a.things.map((t) => [t.id, t.name, t.key])).toEqual([
      ['t0', 'gw', 'k0'],
      ['t1', 'sensor', 'k1'],
    ])
    expect(a.channels.map((c) => c.id)).toEqual(['c0', 'c1', 'c2'])
    expect(a.whitelisted).toEqual({ t0: true })
  })

  it('certificates by thing id, and the CA once', () => {
    const p = buildPlan(layout(WHITELISTED), req, input)
    const a = mappingAnswer(p, [issued('t0'), { ...issued('t1'), keyPem: undefined }])
    expect(Object.keys(a)).toEqual([
      'things',
      'channels',
      'client_cert',
      'client_key',
      'ca_cert',
      'whitelisted',
    ])
    expect(a.client_cert).toEqual({ t0: 'cert-t0', t1: 'cert-t1' })
    expect(a.client_key).toEqual({ t0: 'key-t0', t1: '' })
    expect(a.ca_cert).toBe('ca')
  })

  it('nothing is whitelisted without an active config', () => {
    for (const b of [
      '[bootstrap]\n  autowhite_list = false\n',
      '[bootstrap]\n  provision = false\n',
    ]) {
      expect(mappingAnswer(buildPlan(layout(b), req, input), []).whitelisted).toEqual({})
    }
  })
})

describe('dryRunView', () => {
  it('things and channels by position, connections, the config with control first', () => {
    const v = dryRunView(dryRunPlan(layout(WHITELISTED), { ...req, name: 'named' }), 'thing_key')
    expect(v.dry_run).toBe(true)
    expect(v.layout).toBe('unit')
    expect(v.things).toEqual([
      {
        ref: 'things[0]',
        name: 'named',
        metadata: {
          external_id: 'gw-ext',
          site: 'lab',
          type: 'gateway',
          ctrl_channel_id: 'channels[2]',
          data_channel_id: 'channels[1]',
          export_channel_id: 'channels[0]',
          cfg_id: 'things[0]',
        },
        gateway: true,
        channels: ['channels[0]', 'channels[1]', 'channels[2]'],
      },
      {
        ref: 'things[1]',
        name: 'sensor',
        metadata: { kind: 'probe' },
        gateway: false,
        channels: ['channels[1]'],
      },
    ])
    expect(v.channels.map((c) => [c.ref, c.name, c.type])).toEqual([
      ['channels[0]', 'archive', 'export'],
      ['channels[1]', 'data-channel', 'data'],
      ['channels[2]', 'control-channel', 'control'],
    ])
    expect(v.connections).toHaveLength(4)
    expect(v.connections).toContainEqual({ thing: 'things[1]', channel: 'channels[1]' })
    expect(v.bootstrap).toEqual({
      external_id: 'gw-ext',
      thing: 'things[0]',
      name: 'named',
      content: '{"greeting":"hi"}',
      channels: ['channels[2]', 'channels[1]', 'channels[0]'],
      state: 1,
      certificates: false,
    })
    expect(v.whitelisted).toBe(true)
    expect(v.certs).toBeNull()
    expect(JSON.stringify(v)).not.toContain('secret-external-key')
  })

  it('an inactive config: the gateway has no connections yet', () => {
    const v = dryRunView(
      dryRunPlan(layout('[bootstrap]\n  autowhite_list = false\n'), req),
      'thing_key'
    )
    expect(v.things[0]!.channels).toEqual([])
    expect(v.connections).toEqual([{ thing: 'things[1]', channel: 'channels[1]' }])
    expect(v.bootstrap).toMatchObject({ state: 0, content: 'null' })
    expect(v.whitelisted).toBe(false)
  })

  it('without provisioning: no config, and nothing whitelisted', () => {
    const v = dryRunView(dryRunPlan(layout('[bootstrap]\n  provision = false\n'), req), 'thing_key')
    expect(v.bootstrap).toBeNull()
    expect(v.whitelisted).toBe(false)
    expect(v.things[0]!.channels).toEqual(['channels[0]', 'channels[1]', 'channels[2]'])
  })

  it('x509: every thing, the key, the validity as a duration and the common name', () => {
    const l = layout(
      '[bootstrap]\n  x509_provision = true\n[certs]\n  ttl = "90m"\n  key_type = "rsa"\n'
    )
    const v = dryRunView(dryRunPlan(l, req), 'thing_id')
    expect(v.certs).toEqual({
      things: ['things[0]', 'things[1]'],
      key_type: 'rsa',
      key_bits: 2048,
      ttl: '90m',
      common_name: 'thing_id',
    })
    expect(v.bootstrap!.certificates).toBe(true)
  })
})
