import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { parseLayout } from '../../src/provision/layout'
import { LAYOUT_SOURCES } from '../../src/provision/layouts'
import { api, call, countAll, expectError, newUser } from '../helpers'
import {
  accessByKey,
  configRow,
  fetchBootstrap,
  gatewayCreds,
  gatewayOf,
  identityOf,
  MINIMAL,
  mapping,
  provisioned,
  provisionService,
} from './helpers'

// What an unmodified Mainflux agent does with a bootstrap answer, step by step as its Go code
// does it (pkg/bootstrap getConfig, then Bootstrap, then its main before connecting).
interface AgentView {
  thing: { id: string; key: string }
  control: string
  data: string
  mqtt: Record<string, unknown> & { url?: string }
  natsUrl?: string
  certs: { client_cert?: string; client_key?: string; ca_cert?: string }
}

function agentBootstrap(text: string): AgentView {
  const body = JSON.parse(text)
  // json.Unmarshal of `content` into the services struct: "" (absent) or non-JSON fails the
  // fetch ("unexpected end of JSON input"); null leaves the struct empty; an array, string or
  // number does not decode into a struct.
  if (typeof body.content !== 'string') throw new Error('unexpected end of JSON input')
  const services = JSON.parse(body.content)
  if (services !== null && (typeof services !== 'object' || Array.isArray(services))) {
    throw new Error('cannot unmarshal content into the services config')
  }
  const chans: { id: string; metadata?: { type?: string } }[] = body.mainflux_channels ?? []
  if (chans.length < 2) throw new Error('malformed entity: fewer than 2 channels')
  let [control, data] = [chans[0]!.id, chans[1]!.id]
  if (chans[0]!.metadata?.type === 'data') [control, data] = [data, control]
  const agent = services?.agent ?? {}
  return {
    thing: { id: body.mainflux_id, key: body.mainflux_key },
    control,
    data,
    mqtt: { ...agent.mqtt, username: body.mainflux_id, password: body.mainflux_key },
    natsUrl: agent.server?.nats_url,
    certs: { client_cert: body.client_cert, client_key: body.client_key, ca_cert: body.ca_cert },
  }
}

/** The agent exits with `dial tcp: missing address` unless both addresses are there. */
function expectLive(a: AgentView) {
  expect(a.natsUrl, 'agent.server.nats_url').toBeTruthy()
  expect(a.mqtt.url, 'agent.mqtt.url').toBeTruthy()
}

describe('every shipped layout brings an unmodified agent live', () => {
  it('every shipped layout is meant for the agent', () => {
    expect(Object.keys(LAYOUT_SOURCES).length).toBeGreaterThanOrEqual(3)
    for (const [name, text] of Object.entries(LAYOUT_SOURCES)) {
      expect(parseLayout(name, text).agent, name).toBe(true)
    }
  })

  it.each(Object.keys(LAYOUT_SOURCES))(
    '%s: POST /mapping, then the agent parses its bootstrap answer and can connect',
    async (layout) => {
      const u = await newUser()
      const creds = gatewayCreds()
      const b = await provisioned(creds, { token: u.token, layout })
      const gw = gatewayOf(b)
      // As the agent asks: the raw external key in Authorization.
      const res = await fetchBootstrap(creds.external_id, creds.external_key)
      expect(res.status, res.text).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/json')
      expect(typeof res.body.content).toBe('string')
      expect(JSON.parse(res.body.content)).toBeTypeOf('object')
      expect(JSON.parse(res.body.content)).not.toBeNull()

      const agent = agentBootstrap(res.text)
      expectLive(agent)
      expect(agent.mqtt.url).toBe(env.FLUXGATE_MQTT_URL)
      expect(agent.natsUrl).toBe('localhost:4222')
      expect(agent.thing).toEqual({ id: gw.id, key: gw.key })
      expect(res.body.mainflux_channels.length).toBeGreaterThanOrEqual(2)
      const ofType = (t: string) => b.channels.find((c) => c.metadata?.type === t)!.id
      expect(agent.control).toBe(ofType('control'))
      expect(agent.data).toBe(ofType('data'))
      if (b.client_cert) {
        expect(agent.certs).toEqual({
          client_cert: b.client_cert[gw.id],
          client_key: b.client_key![gw.id],
          ca_cert: b.ca_cert,
        })
      } else {
        expect(layout).not.toBe('x509')
      }
      // With the id and key it got, the broker lets it use both channels.
      for (const c of [agent.control, agent.data]) {
        expect((await accessByKey(c, agent.mqtt.password as string)).status).toBe(200)
      }
    }
  )

  it('the data channel first is swapped back, as the agent does (the parser under test)', () => {
    const a = agentBootstrap(
      JSON.stringify({
        mainflux_id: 't',
        mainflux_key: 'k',
        mainflux_channels: [
          { id: 'd', metadata: { type: 'data' } },
          { id: 'c', metadata: { type: 'control' } },
        ],
        content: 'null',
      })
    )
    expect([a.control, a.data]).toEqual(['c', 'd'])
    expect(() => agentBootstrap('{"mainflux_channels":[]}')).toThrow(/end of JSON input/)
    expect(() => agentBootstrap('{"content":"{}","mainflux_channels":[{"id":"a"}]}')).toThrow(
      /fewer than 2 channels/
    )
  })
})

describe('content is always a JSON document', () => {
  it('a layout without [bootstrap.content] stores null, as 0.12.1 did; the agent accepts it', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    const { service } = provisionService({ layouts: { plain: MINIMAL } })
    expect(service.viewLayout('plain').bootstrap.content).toBeNull()
    const dry = await service.dryRun(creds, 'plain')
    expect(dry.bootstrap!.content).toBe('null')
    await service.provision(identityOf(u), creds, { layout: 'plain' })
    expect((await configRow(creds.external_id))!.content).toBe('null')
    const res = await fetchBootstrap(creds.external_id, creds.external_key)
    expect(res.status, res.text).toBe(200)
    expect(res.body.content).toBe('null')
    // Accepted (no failed fetch), but nothing tells the agent where the broker is: such a layout
    // is for other gateway software, or the agent is configured some other way.
    const agent = agentBootstrap(res.text)
    expect(agent.mqtt.url).toBeUndefined()
  })

  it('a layout for other software keeps its content opaque: no agent checks, placeholders filled', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    const layout = `
[bootstrap.content.gateway]
  broker = "\${FLUXGATE_MQTT_URL}"
  script = "echo $\${HOME}"
  retries = 3
  [[bootstrap.content.gateway.sensors]]
    port = 502
[[things]]
  name = "gw"
  [things.metadata]
    external_id = "x"
[[channels]]
  name = "only"
`
    expect(parseLayout('other', layout).agent).toBe(false)
    const { service } = provisionService({ layouts: { other: layout } })
    await service.provision(identityOf(u), creds, { layout: 'other' })
    const stored = (await configRow(creds.external_id))!.content as string
    expect(JSON.parse(stored)).toEqual({
      gateway: {
        broker: env.FLUXGATE_MQTT_URL,
        script: 'echo ${HOME}',
        retries: 3,
        sensors: [{ port: 502 }],
      },
    })
  })
})

describe('placeholders are filled when the mapping is made', () => {
  it('from the setting: another value gives other content, and the stored content stays concrete', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    const url = 'ssl://broker.example.net:8883'
    await provisioned(creds, { token: u.token, env: { FLUXGATE_MQTT_URL: url } })
    const stored = (await configRow(creds.external_id))!.content as string
    expect(stored).not.toContain('${')
    expect(JSON.parse(stored).agent.mqtt.url).toBe(url)
    // A later change of the setting does not touch configs already made.
    const res = await call(
      'GET',
      `/things/bootstrap/${creds.external_id}`,
      { auth: creds.external_key },
      { FLUXGATE_MQTT_URL: 'tcp://elsewhere.example.net:1883' }
    )
    expect(JSON.parse(res.body.content).agent.mqtt.url).toBe(url)
  })

  it.each(Object.keys(LAYOUT_SOURCES))(
    '%s with FLUXGATE_MQTT_URL unset: 503 naming the setting and the layout; nothing is written',
    async (layout) => {
      const u = await newUser()
      const unset = { FLUXGATE_MQTT_URL: '' }
      const message = `layout "${layout}" needs the setting FLUXGATE_MQTT_URL (the MQTT broker address gateways connect to), which is not set`
      const creds = gatewayCreds()
      const before = await countAll()
      expectError(await mapping(creds, { token: u.token, layout, env: unset }), 503, message)
      expectError(
        await mapping(creds, { token: u.token, layout, env: unset, idempotencyKey: 'k-1' }),
        503,
        message
      )
      expectError(
        await mapping(creds, { token: u.token, layout, env: unset, dryRun: true }),
        503,
        message
      )
      expectError(
        await call('GET', `/mapping?layout=${layout}`, { token: u.token }, unset),
        503,
        message
      )
      expect(await countAll()).toEqual(before)
      expect(await configRow(creds.external_id)).toBeNull()
      // Once it is set, the same request goes through.
      expect((await mapping(creds, { token: u.token, layout })).status).toBe(201)
    }
  )

  it('an unset setting blocks only the layouts that use it', async () => {
    const u = await newUser()
    const { service } = provisionService(
      { layouts: { plain: MINIMAL, ...LAYOUT_SOURCES } },
      { FLUXGATE_MQTT_URL: '' }
    )
    const ok = await service.provision(identityOf(u), gatewayCreds(), { layout: 'plain' })
    expect(ok.status).toBe(201)
    await expect(
      service.provision(identityOf(u), gatewayCreds(), { layout: 'default' })
    ).rejects.toMatchObject({ code: 'unavailable', message: /FLUXGATE_MQTT_URL/ })
  })

  it('GET /mapping shows the content as it will be stored', async () => {
    const u = await newUser()
    const view = await api('GET', '/mapping?layout=agent-export', { token: u.token })
    expect(view.body.bootstrap.content.agent.mqtt.url).toBe(env.FLUXGATE_MQTT_URL)
    expect(view.body.bootstrap.content.export.mqtt.host).toBe(env.FLUXGATE_MQTT_URL)
    expect(JSON.stringify(view.body)).not.toContain('${')
  })
})
