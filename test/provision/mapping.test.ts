import { X509Certificate } from '@peculiar/x509'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { expectLeaf, keyMatchesCert, testCa } from '../certs/fixtures'
import {
  api,
  call,
  countAll,
  countingD1,
  expectError,
  newUser,
  type TestUser,
  warmSession,
} from '../helpers'
import {
  accessByKey,
  apiKey,
  configRow,
  fetchBootstrap,
  gatewayCreds,
  gatewayOf,
  mapping,
  provisioned,
} from './helpers'

const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - before[k]!])
      .filter(([, d]) => d !== 0)
  )

describe('POST /mapping with the default layout', () => {
  it('201: one gateway thing, control and data channels, a whitelisted config; exactly that is written', async () => {
    const u = await newUser()
    const creds = gatewayCreds('gateway-7')
    const before = await countAll()
    const res = await mapping(creds, { token: u.token })
    expect(res.status, res.text).toBe(201)
    expect(await countAll().then((a) => delta(a, before))).toEqual({
      things: 1,
      channels: 2,
      connections: 2,
      bootstrap_configs: 1,
      bootstrap_channels: 2,
    })
    const b = res.body
    expect(Object.keys(b)).toEqual(['things', 'channels', 'whitelisted'])
    const [ctrl, data] = b.channels
    expect(b.channels).toEqual([
      { id: ctrl.id, name: 'control-channel', metadata: { type: 'control' } },
      { id: data.id, name: 'data-channel', metadata: { type: 'data' } },
    ])
    const gw = b.things[0]
    expect(b.things).toHaveLength(1)
    // Named from the request; metadata as stored: the layout's, external_id replaced, plus the
    // gateway fields of 0.12.1, never the external key.
    expect(gw).toEqual({
      id: gw.id,
      name: 'gateway-7',
      key: gw.key,
      metadata: {
        external_id: creds.external_id,
        type: 'gateway',
        ctrl_channel_id: ctrl.id,
        data_channel_id: data.id,
        export_channel_id: '',
        cfg_id: gw.id,
      },
    })
    expect(b.whitelisted).toEqual({ [gw.id]: true })

    const thing = await api('GET', `/things/${gw.id}`, { token: u.token })
    expect(thing.body).toEqual(gw)
    const stored = await env.DB.prepare('SELECT metadata FROM things WHERE id = ?')
      .bind(gw.id)
      .first<{ metadata: string }>()
    expect(stored!.metadata).not.toContain(creds.external_key)
    const cfg = await api('GET', `/things/configs/${gw.id}`, { token: u.token })
    expect(cfg.body).toMatchObject({ external_id: creds.external_id, state: 1, name: 'gateway-7' })
    // The layout's agent content as JSON, the broker address filled in from the settings.
    const layout = await api('GET', '/mapping', { token: u.token })
    expect(JSON.parse(cfg.body.content)).toEqual(layout.body.bootstrap.content)
    expect(JSON.parse(cfg.body.content).agent.mqtt.url).toBe(env.FLUXGATE_MQTT_URL)
    expect(cfg.body.mainflux_channels.map((c: { id: string }) => c.id)).toEqual([ctrl.id, data.id])
    const connected = await api('GET', `/things/${gw.id}/channels?limit=10`, { token: u.token })
    expect(connected.body.channels.map((c: { id: string }) => c.id).sort()).toEqual(
      [ctrl.id, data.id].sort()
    )
    expect((await configRow(creds.external_id))!.external_key_hash).toMatch(/^v1:/)
  })

  it('the gateway bootstraps right away: its config, control then data, and it may publish', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    const b = await provisioned(creds, { token: u.token })
    const gw = gatewayOf(b)
    const fetched = await fetchBootstrap(creds.external_id, creds.external_key)
    expect(fetched.status, fetched.text).toBe(200)
    expect(fetched.body).toEqual({
      mainflux_id: gw.id,
      mainflux_key: gw.key,
      mainflux_channels: b.channels,
      content: expect.any(String),
    })
    expect(JSON.parse(fetched.body.content).agent.mqtt.url).toBe(env.FLUXGATE_MQTT_URL)
    expectError(await fetchBootstrap(creds.external_id, 'wrong-key'), 404)
    for (const c of b.channels) {
      const res = await accessByKey(c.id, gw.key)
      expect(res.status, res.text).toBe(200)
      expect(res.body).toEqual({ id: gw.id })
    }
  })

  it('without a name the gateway keeps the layout name', async () => {
    const u = await newUser()
    const b = await provisioned(gatewayCreds(), { token: u.token })
    expect(gatewayOf(b).name).toBe('thing')
    const again = await provisioned({ ...gatewayCreds(), name: '' }, { token: u.token })
    expect(gatewayOf(again).name).toBe('thing')
  })

  it('with an API key, the things belong to its user', async () => {
    const u = await newUser()
    const key = await apiKey(u.token)
    const b = await provisioned(gatewayCreds(), { auth: key.value })
    expect((await api('GET', `/things/${gatewayOf(b).id}`, { token: u.token })).status).toBe(200)
  })

  it('accepts application/json with a charset (0.12.1 answered 415)', async () => {
    const u = await newUser()
    const res = await mapping(gatewayCreds(), {
      token: u.token,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    })
    expect(res.status, res.text).toBe(201)
  })

  it('is one D1 round trip with a login token, two with an API key (its check)', async () => {
    const u = await newUser()
    const key = await apiKey(u.token)
    // The login token's session check is then a KV hit (a miss would add one D1 query).
    await warmSession(u.token)
    for (const [auth, trips] of [
      [`Bearer ${u.token}`, 1],
      [key.value, 2],
    ] as const) {
      const { db, counter } = countingD1(env.DB)
      const res = await call('POST', '/mapping', { auth, json: gatewayCreds() }, { DB: db })
      expect(res.status, res.text).toBe(201)
      expect(counter.calls).toBe(trips)
    }
  })
})

describe('POST /mapping with agent-export', () => {
  it('the config content is the layout content as JSON; control, data, export channels', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    const b = await provisioned(creds, { token: u.token, layout: 'agent-export' })
    expect(b.channels.map((c) => [c.name, c.metadata?.type])).toEqual([
      ['control-channel', 'control'],
      ['data-channel', 'data'],
      ['export-channel', 'export'],
    ])
    const gw = gatewayOf(b)
    expect(gw.metadata).toMatchObject({
      ctrl_channel_id: b.channels[0]!.id,
      data_channel_id: b.channels[1]!.id,
      export_channel_id: b.channels[2]!.id,
    })
    const fetched = await fetchBootstrap(creds.external_id, creds.external_key)
    expect(fetched.status, fetched.text).toBe(200)
    // What the agent does: control and data by position, then content parsed as JSON.
    expect(fetched.body.mainflux_channels.map((c: { id: string }) => c.id)).toEqual(
      b.channels.map((c) => c.id)
    )
    const content = JSON.parse(fetched.body.content)
    expect(Object.keys(content).sort()).toEqual(['agent', 'export'])
    expect(content.agent.mqtt).toEqual({
      mtls: false,
      qos: 0,
      retain: false,
      skip_tls_ver: true,
      url: env.FLUXGATE_MQTT_URL,
    })
    expect(content.export.mqtt.host).toBe(env.FLUXGATE_MQTT_URL)
    expect(content.export.routes).toEqual([
      { mqtt_topic: '', nats_topic: '>', subtopic: '', type: 'plain', workers: 10 },
    ])
    const layout = await api('GET', '/mapping?layout=agent-export', { token: u.token })
    expect(content).toEqual(layout.body.bootstrap.content)
    for (const c of b.channels) expect((await accessByKey(c.id, gw.key)).status).toBe(200)
  })
})

describe('POST /mapping with x509 (EC P-256)', () => {
  it('certificates for every thing, signed by the CA, recorded, and in the gateway bootstrap answer', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    const before = await countAll()
    const b = await provisioned(creds, { token: u.token, layout: 'x509' })
    expect(delta(await countAll(), before)).toMatchObject({ things: 1, certs: 1 })
    const gw = gatewayOf(b)
    expect(Object.keys(b)).toEqual([
      'things',
      'channels',
      'client_cert',
      'client_key',
      'ca_cert',
      'whitelisted',
    ])
    expect(Object.keys(b.client_cert!)).toEqual([gw.id])
    const ca = testCa()
    expect(b.ca_cert).toBe(ca.toString('pem'))
    const cert = await expectLeaf(b.client_cert![gw.id]!, { cn: gw.key, rsa: false })
    expect(
      await cert.verify({
        publicKey: new X509Certificate(b.ca_cert!).publicKey,
        signatureOnly: true,
      })
    ).toBe(true)
    expect((cert.publicKey.algorithm as { namedCurve?: string }).namedCurve).toBe('P-256')
    expect(await keyMatchesCert(b.client_cert![gw.id]!, b.client_key![gw.id]!)).toBe(true)
    const days = (cert.notAfter.getTime() - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(99)
    expect(days).toBeLessThanOrEqual(100)

    const fetched = await fetchBootstrap(creds.external_id, creds.external_key)
    expect(fetched.body).toMatchObject({
      client_cert: b.client_cert![gw.id],
      client_key: b.client_key![gw.id],
      ca_cert: b.ca_cert,
    })
    const list = await api('GET', `/certs/${gw.id}`, { token: u.token })
    expect(list.body.certs).toEqual([
      expect.objectContaining({ serial: cert.serialNumber, key_type: 'ec', key_bits: 256 }),
    ])
  })

  it('is still one D1 round trip', async () => {
    const u = await newUser()
    await warmSession(u.token)
    const { db, counter } = countingD1(env.DB)
    const res = await call(
      'POST',
      '/mapping?layout=x509',
      { token: u.token, json: gatewayCreds() },
      { DB: db }
    )
    expect(res.status, res.text).toBe(201)
    expect(counter.calls).toBe(1)
  })

  it('MF_PROVISION_X509_PROVISIONING turns certificates on for a layout that does not set them', async () => {
    const u = await newUser()
    const b = await provisioned(gatewayCreds(), {
      token: u.token,
      env: { MF_PROVISION_X509_PROVISIONING: 'true', MF_PROVISION_CERTS_KEY_TYPE: 'ed25519' },
    })
    const gw = gatewayOf(b)
    const cert = new X509Certificate(b.client_cert![gw.id]!)
    expect(cert.publicKey.algorithm.name).toBe('Ed25519')
  })
})

describe('POST /mapping with settings that change the layout', () => {
  it('whitelisting off: the config stays inactive, the gateway may not publish until activated', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    const b = await provisioned(creds, {
      token: u.token,
      env: { MF_PROVISION_BS_AUTO_WHITELIST: 'false' },
    })
    const gw = gatewayOf(b)
    expect(b.whitelisted).toEqual({})
    expect((await configRow(creds.external_id))!.state).toBe(0)
    for (const c of b.channels) expectError(await accessByKey(c.id, gw.key), 403)
    expect((await fetchBootstrap(creds.external_id, creds.external_key)).status).toBe(200)
    const on = await api('PUT', `/things/state/${gw.id}`, { token: u.token, json: { state: 1 } })
    expect(on.status, on.text).toBe(200)
    for (const c of b.channels) expect((await accessByKey(c.id, gw.key)).status).toBe(200)
  })

  it('provision off: no config; the gateway is connected at once (nothing else could activate it)', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    const before = await countAll()
    const b = await provisioned(creds, {
      token: u.token,
      env: { MF_PROVISION_BS_CONFIG_PROVISIONING: 'false' },
    })
    expect(delta(await countAll(), before)).toEqual({ things: 1, channels: 2, connections: 2 })
    const gw = gatewayOf(b)
    expect(gw.metadata!.cfg_id).toBe('')
    expect(b.whitelisted).toEqual({})
    for (const c of b.channels) expect((await accessByKey(c.id, gw.key)).status).toBe(200)
    expect((await fetchBootstrap(creds.external_id, creds.external_key)).status).toBe(404)
  })

  it('a default layout that does not exist is a server misconfiguration (500), an unknown ?layout= 404', async () => {
    const u = await newUser()
    expectError(
      await mapping(gatewayCreds(), { token: u.token, env: { MF_PROVISION_LAYOUT: 'nope' } }),
      500
    )
    const chosen = await mapping(gatewayCreds(), {
      token: u.token,
      env: { MF_PROVISION_LAYOUT: 'agent-export' },
    })
    expect(chosen.body.channels).toHaveLength(3)
  })
})

describe('POST /mapping errors', () => {
  let user: TestUser | undefined
  const token = async () => (user ??= await newUser()).token

  it.each([
    {
      desc: 'missing external_id',
      json: { external_key: 'k' },
      message: /external_id: external_id is required/,
    },
    {
      desc: 'empty external_id',
      json: { external_id: '', external_key: 'k' },
      message: /external_id is required/,
    },
    {
      desc: 'missing external_key',
      json: { external_id: 'x' },
      message: /external_key: external_key is required/,
    },
    {
      desc: 'empty external_key',
      json: { external_id: 'x', external_key: '' },
      message: /external_key is required/,
    },
    {
      desc: 'external_key too long',
      json: { external_id: 'x', external_key: 'k'.repeat(4097) },
      message: /external_key must be at most 4096/,
    },
    {
      desc: 'external_id with a slash',
      json: { external_id: 'a/b', external_key: 'k' },
      message: /external_id must be/,
    },
    {
      desc: 'external_id over 256 bytes',
      json: { external_id: 'é'.repeat(129), external_key: 'k' },
      message: /external_id must be at most 256 bytes/,
    },
    {
      desc: 'name not a string',
      json: { external_id: 'x', external_key: 'k', name: 1 },
      message: /name must be a string/,
    },
    {
      desc: 'name too long',
      json: { external_id: 'x', external_key: 'k', name: 'n'.repeat(1025) },
      message: /name must be at most 1024/,
    },
    { desc: 'an array body', json: [], message: /.+/ },
  ])('400 $desc; nothing is written', async ({ json, message }) => {
    const t = await token()
    const before = await countAll()
    expectError(await mapping(json, { token: t }), 400, message)
    expect(await countAll()).toEqual(before)
  })

  it.each(['.', '..', ' ', 'gw\u0085', 'gw\u2028', 'gw\u200b'])(
    '400 for the external_id %j, which no gateway could fetch; nothing is written',
    async (external_id) => {
      const t = await token()
      const before = await countAll()
      expectError(
        await mapping({ external_id, external_key: 'k' }, { token: t }),
        400,
        /external_id: external_id must/
      )
      expect(await countAll()).toEqual(before)
    }
  )

  it('400 malformed JSON', async () => {
    const res = await api('POST', '/mapping', {
      token: await token(),
      body: '{"external_id":',
      headers: { 'Content-Type': 'application/json' },
    })
    expectError(res, 400)
  })

  it.each([
    {
      desc: 'bad layout name',
      path: '/mapping?layout=No%20Such',
      message: /layout must be a layout name/,
    },
    {
      desc: 'bad dry_run',
      path: '/mapping?dry_run=maybe',
      message: /dry_run must be true or false/,
    },
  ])('400 $desc', async ({ path, message }) => {
    expectError(
      await api('POST', path, { token: await token(), json: gatewayCreds() }),
      400,
      message
    )
  })

  it.each<{ desc: string; headers: Record<string, string> }>([
    { desc: 'text/plain', headers: { 'Content-Type': 'text/plain' } },
    { desc: 'no Content-Type', headers: {} },
  ])('415 $desc', async ({ headers }) => {
    const res = await api('POST', '/mapping', {
      token: await token(),
      body: JSON.stringify(gatewayCreds()),
      headers,
    })
    expectError(res, 415)
  })

  it.each([
    { desc: 'no credentials', auth: undefined },
    { desc: 'an invalid token', auth: 'Bearer not-a-token' },
    { desc: 'a thing key', auth: 'Thing 3a1f4e1c-0000-4000-8000-000000000000' },
  ])('401 with $desc (no service credentials configured); nothing is written', async ({ auth }) => {
    const before = await countAll()
    expectError(await mapping(gatewayCreds(), { auth }), 401)
    expect(await countAll()).toEqual(before)
  })

  it('404 for an unknown layout, after authentication', async () => {
    expectError(
      await mapping(gatewayCreds(), { token: await token(), layout: 'nope' }),
      404,
      'layout "nope" not found'
    )
    expectError(await mapping(gatewayCreds(), { layout: 'nope' }), 401)
  })

  it('409 for an external_id already provisioned (by anyone); nothing is written', async () => {
    const creds = gatewayCreds()
    await provisioned(creds, { token: await token() })
    const other = await newUser()
    for (const t of [await token(), other.token]) {
      const before = await countAll()
      expectError(
        await mapping({ ...creds, external_key: 'another' }, { token: t }),
        409,
        'external_id already provisioned'
      )
      expect(await countAll()).toEqual(before)
    }
    // Also against a config made through the bootstrap API.
    const direct = gatewayCreds()
    const made = await api('POST', '/things/configs', { token: other.token, json: direct })
    expect(made.status, made.text).toBe(201)
    const before = await countAll()
    expectError(await mapping(direct, { token: await token(), layout: 'x509' }), 409)
    expect(await countAll()).toEqual(before)
  })

  it('400 for a malformed Idempotency-Key', async () => {
    for (const key of ['has space', 'k'.repeat(256), 'tab\there']) {
      expectError(
        await mapping(gatewayCreds(), { token: await token(), idempotencyKey: key }),
        400,
        /Idempotency-Key/
      )
    }
  })
})

describe('POST /mapping?dry_run=true', () => {
  it('200 with what would be created; writes nothing', async () => {
    const u = await newUser()
    const creds = gatewayCreds('gw-dry')
    const before = await countAll()
    const res = await mapping(creds, { token: u.token, dryRun: true, layout: 'agent-export' })
    expect(res.status, res.text).toBe(200)
    expect(await countAll()).toEqual(before)
    const layout = await api('GET', '/mapping?layout=agent-export', { token: u.token })
    expect(res.body).toEqual({
      dry_run: true,
      layout: 'agent-export',
      things: [
        {
          ref: 'things[0]',
          name: 'gw-dry',
          metadata: {
            external_id: creds.external_id,
            type: 'gateway',
            ctrl_channel_id: 'channels[0]',
            data_channel_id: 'channels[1]',
            export_channel_id: 'channels[2]',
            cfg_id: 'things[0]',
          },
          gateway: true,
          channels: ['channels[0]', 'channels[1]', 'channels[2]'],
        },
      ],
      channels: [
        {
          ref: 'channels[0]',
          name: 'control-channel',
          metadata: { type: 'control' },
          type: 'control',
        },
        { ref: 'channels[1]', name: 'data-channel', metadata: { type: 'data' }, type: 'data' },
        {
          ref: 'channels[2]',
          name: 'export-channel',
          metadata: { type: 'export' },
          type: 'export',
        },
      ],
      connections: [
        { thing: 'things[0]', channel: 'channels[0]' },
        { thing: 'things[0]', channel: 'channels[1]' },
        { thing: 'things[0]', channel: 'channels[2]' },
      ],
      bootstrap: {
        external_id: creds.external_id,
        thing: 'things[0]',
        name: 'gw-dry',
        content: JSON.stringify(layout.body.bootstrap.content),
        channels: ['channels[0]', 'channels[1]', 'channels[2]'],
        state: 1,
        certificates: false,
      },
      whitelisted: true,
      certs: null,
    })
    // The same request for real creates what the dry run said.
    const b = await provisioned(creds, { token: u.token, layout: 'agent-export' })
    const ids = (ref: string) =>
      ref
        .replace(/channels\[(\d)\]/, (_, i) => b.channels[Number(i)]!.id)
        .replace('things[0]', b.things[0]!.id)
    expect(b.things[0]!.metadata).toEqual(
      Object.fromEntries(
        Object.entries(res.body.things[0].metadata).map(([k, v]) => [
          k,
          k === 'external_id' ? v : ids(v as string),
        ])
      )
    )
  })

  it('with x509: the certificate parameters', async () => {
    const u = await newUser()
    const res = await mapping(gatewayCreds(), { token: u.token, dryRun: true, layout: 'x509' })
    expect(res.status, res.text).toBe(200)
    expect(res.body.certs).toEqual({
      things: ['things[0]'],
      key_type: 'ec',
      key_bits: 256,
      ttl: '2400h',
      common_name: 'thing_key',
    })
    expect(res.body.bootstrap.certificates).toBe(true)
  })

  it('409 for a taken external_id, 404 unknown layout, 401 without credentials, 400 bad body; writes nothing', async () => {
    const u = await newUser()
    const creds = gatewayCreds()
    await provisioned(creds, { token: u.token })
    const before = await countAll()
    expectError(
      await mapping(creds, { token: u.token, dryRun: true }),
      409,
      'external_id already provisioned'
    )
    expectError(
      await mapping(gatewayCreds(), { token: u.token, dryRun: true, layout: 'nope' }),
      404
    )
    expectError(await mapping(gatewayCreds(), { dryRun: true }), 401)
    expectError(await mapping({ external_id: 'x' }, { token: u.token, dryRun: true }), 400)
    expect(await countAll()).toEqual(before)
  })
})

describe('GET /mapping', () => {
  it('200: the effective default layout, without a Content-Type (0.12.1 wanted one on a GET)', async () => {
    const u = await newUser()
    const res = await api('GET', '/mapping', { token: u.token })
    expect(res.status, res.text).toBe(200)
    expect(res.body).toEqual({
      name: 'default',
      bootstrap: {
        provision: true,
        autowhite_list: true,
        x509_provision: false,
        content: {
          agent: {
            mqtt: {
              url: env.FLUXGATE_MQTT_URL,
              mtls: false,
              qos: 0,
              retain: false,
              skip_tls_ver: true,
            },
            server: { nats_url: 'localhost:4222', port: '9000' },
            log: { level: 'info' },
            edgex: { url: 'http://localhost:48090/api/v1/' },
            heartbeat: { interval: '30s' },
            terminal: { session_timeout: '30s' },
          },
        },
      },
      certs: { ttl: '2400h', key_type: 'ec', key_bits: 256 },
      things: [
        {
          name: 'thing',
          metadata: { external_id: 'xxxxxx' },
          gateway: true,
          channels: ['control-channel', 'data-channel'],
        },
      ],
      channels: [
        { name: 'control-channel', metadata: { type: 'control' } },
        { name: 'data-channel', metadata: { type: 'data' } },
      ],
    })
  })

  it('?layout= selects one; settings show through where the layout is silent, not where it speaks', async () => {
    const u = await newUser()
    const settings = {
      MF_PROVISION_X509_PROVISIONING: 'false',
      MF_PROVISION_BS_AUTO_WHITELIST: 'false',
    }
    const x509 = await call('GET', '/mapping?layout=x509', { token: u.token }, settings)
    const { content, ...flags } = x509.body.bootstrap
    expect(flags).toEqual({
      provision: true,
      autowhite_list: false,
      x509_provision: true,
    })
    expect(content.agent.mqtt.url).toBe(env.FLUXGATE_MQTT_URL)
    const dflt = await call(
      'GET',
      '/mapping',
      { token: u.token },
      {
        ...settings,
        MF_PROVISION_CERTS_HOURS_VALID: '10h',
      }
    )
    expect(dflt.body.bootstrap.x509_provision).toBe(false)
    expect(dflt.body.certs.ttl).toBe('10h')
  })

  it("401 without the caller's own credentials (service credentials do not apply), 404 unknown layout", async () => {
    const u = await newUser()
    expectError(await api('GET', '/mapping'), 401)
    const withService = await call(
      'GET',
      '/mapping',
      {},
      {
        MF_PROVISION_USER: u.email,
        MF_PROVISION_PASSWORD: u.password,
      }
    )
    expectError(withService, 401)
    expectError(
      await api('GET', '/mapping?layout=nope', { token: u.token }),
      404,
      'layout "nope" not found'
    )
  })

  it('is documented in the OpenAPI document', async () => {
    const doc = await api('GET', '/openapi.json')
    expect(Object.keys(doc.body.paths['/mapping']).sort()).toEqual(['get', 'post'])
    const params = doc.body.paths['/mapping'].post.parameters.map((p: { name: string }) => p.name)
    expect(params).toEqual(expect.arrayContaining(['layout', 'dry_run', 'idempotency-key']))
  })
})
