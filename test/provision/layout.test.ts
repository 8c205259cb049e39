import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  checkLayouts,
  effectiveLayout,
  type Layout,
  LayoutError,
  type LayoutDefaults,
  parseLayout,
} from '../../src/provision/layout'
import { LAYOUT_SOURCES } from '../../src/provision/layouts'
import type { AppError } from '../../src/lib/errors'
import { loadConfig } from '../../src/lib/config'
import { CHANNELS, GATEWAY, MINIMAL, provisionService } from './helpers'

/** The problems a layout text has (the message must name the file). */
function problems(text: string, name = 'sample'): string[] {
  try {
    parseLayout(name, text)
  } catch (e) {
    expect(e).toBeInstanceOf(LayoutError)
    expect((e as LayoutError).message.startsWith(`layouts/${name}.toml: `)).toBe(true)
    return (e as LayoutError).problems
  }
  throw new Error('the layout was accepted')
}

const NO_SETTINGS: LayoutDefaults = { certsDefaultTtlMs: 100 * 3_600_000 }

describe('bundled layouts', () => {
  it('every file in layouts/ is bundled under its own name, and every bundled layout is valid', () => {
    expect(Object.keys(env.TEST_LAYOUT_FILES).length).toBeGreaterThanOrEqual(2)
    expect(checkLayouts(env.TEST_LAYOUT_FILES, LAYOUT_SOURCES)).toEqual([])
    expect(Object.keys(LAYOUT_SOURCES).sort()).toEqual(Object.keys(env.TEST_LAYOUT_FILES).sort())
  })

  it('default: the Mainflux default (one gateway, control and data channels), flags left to settings', () => {
    const l = parseLayout('default', LAYOUT_SOURCES.default!)
    expect(l.things).toEqual([{ name: 'thing', metadata: { external_id: 'xxxxxx' }, channels: [] }])
    expect(l.channels.map((c) => [c.name, c.type])).toEqual([
      ['control-channel', 'control'],
      ['data-channel', 'data'],
    ])
    expect([l.provision, l.autowhiteList, l.x509, l.key, l.ttlMs]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
    // Unlike 0.12.1's default, it carries what the agent needs to connect.
    expect(l.agent).toBe(true)
    expect(l.placeholders).toEqual(['FLUXGATE_MQTT_URL'])
    expect(l.content).toMatchObject({
      agent: {
        mqtt: { url: '${FLUXGATE_MQTT_URL}' },
        server: { nats_url: 'localhost:4222' },
      },
    })
  })

  it('agent-export: agent and export content as in the 0.12.1 docker add-on, plus an export channel', () => {
    const l = parseLayout('agent-export', LAYOUT_SOURCES['agent-export']!)
    expect(l.channels.map((c) => c.type)).toEqual(['control', 'data', 'export'])
    expect(l.content).toMatchObject({
      agent: {
        edgex: { url: 'http://localhost:48090/api/v1/' },
        mqtt: {
          mtls: false,
          qos: 0,
          retain: false,
          skip_tls_ver: true,
          url: '${FLUXGATE_MQTT_URL}',
        },
        server: { nats_url: 'localhost:4222', port: '9000' },
        heartbeat: { interval: '30s' },
        terminal: { session_timeout: '30s' },
        log: { level: 'info' },
      },
      export: {
        exp: { nats: 'nats://localhost:4222', port: '8172', cache_db: '0' },
        mqtt: { host: '${FLUXGATE_MQTT_URL}', priv_key_path: 'thing.key' },
        routes: [{ mqtt_topic: '', nats_topic: '>', subtopic: '', type: 'plain', workers: 10 }],
      },
    })
  })
})

describe('checkLayouts', () => {
  it('names a file that is not bundled, a bundled name without a file, and a mix-up', () => {
    const files = { a: MINIMAL, b: MINIMAL.replace('"gw"', '"other"'), c: MINIMAL }
    const bundled = { a: MINIMAL, b: MINIMAL, d: MINIMAL }
    expect(checkLayouts(files, bundled)).toEqual([
      'layouts/c.toml: not bundled; import it in src/provision/layouts.ts under the name "c"',
      'src/provision/layouts.ts: "b" is not the text of layouts/b.toml (imported under the wrong name?)',
      'src/provision/layouts.ts: lists "d", but layouts/d.toml does not exist',
    ])
  })

  it('reports every problem of an invalid bundled layout with its file', () => {
    const bad = MINIMAL.replace('name = "gw"', 'name = 7')
    expect(checkLayouts({ bad }, { bad })).toEqual([
      'layouts/bad.toml: things[0].name: name must be a string',
    ])
  })
})

describe('parseLayout', () => {
  it('reads a minimal layout', () => {
    const l = parseLayout('sample', MINIMAL)
    expect(l.gateway).toBe(0)
    expect(l.things[0]).toEqual({ name: 'gw', metadata: { external_id: 'x' }, channels: [] })
  })

  it('reads settings, certificates and channel lists of other things', () => {
    const l = parseLayout(
      'sample',
      `
[bootstrap]
  provision = true
  autowhite_list = false
  x509_provision = true
  [bootstrap.content]
    when = 1979-05-27T07:32:00Z
[certs]
  days_valid = "48h"
  key_type = "rsa"
[[things]]
  name = "sensor"
  channels = ["data-channel"]
${GATEWAY}${CHANNELS}`
    )
    expect(l).toMatchObject({
      provision: true,
      autowhiteList: false,
      x509: true,
      ttlMs: 48 * 3_600_000,
      key: { type: 'rsa', bits: 2048 },
      gateway: 1,
      // A TOML date becomes its RFC 3339 text, as JSON has no dates.
      content: { when: '1979-05-27T07:32:00.000Z' },
    })
    expect(l.things[0]).toEqual({ name: 'sensor', metadata: null, channels: ['data-channel'] })
  })

  it.each([
    { desc: 'TOML syntax', text: 'things = [', want: /^line 1, column \d+: / },
    {
      desc: 'no things',
      text: CHANNELS,
      want: 'things: at least one [[things]] entry is required',
    },
    {
      desc: 'no channels',
      text: GATEWAY,
      want: 'channels: at least one [[channels]] entry is required',
    },
    {
      desc: 'empty things list',
      text: `things = []\n${CHANNELS}`,
      want: 'things: at least one [[things]] entry is required',
    },
    {
      desc: 'no gateway',
      text: `[[things]]\n  name = "a"\n${CHANNELS}`,
      want: /^things: exactly one thing must have metadata.external_id .*found 0$/,
    },
    { desc: 'two gateways', text: GATEWAY + MINIMAL, want: /^things: exactly one .*found 2$/ },
    {
      desc: 'unknown channel type',
      text: MINIMAL.replace('"data"', '"telemetry"'),
      want: 'channels[1].metadata.type: must be control, data, export or absent',
    },
    {
      desc: 'two control channels',
      text: MINIMAL.replace('"data"', '"control"'),
      want: 'channels[1].metadata.type: "control" is already the type of channels[0]',
    },
    {
      desc: 'duplicate channel name',
      text: MINIMAL.replace('"data-channel"', '"control-channel"'),
      want: 'channels[1].name: "control-channel" is used by another channel',
    },
    {
      desc: 'channel without a name',
      text: GATEWAY + '[[channels]]\n  metadata = { type = "data" }\n',
      want: /^channels\[0\]\.name: /,
    },
    {
      desc: 'autowhite_list without provision',
      text: `[bootstrap]\n  provision = false\n  autowhite_list = true\n${MINIMAL}`,
      want: 'bootstrap.autowhite_list: needs provision (whitelisting activates the bootstrap config)',
    },
    {
      desc: 'a flag that is not a boolean',
      text: `[bootstrap]\n  provision = "yes"\n${MINIMAL}`,
      want: 'bootstrap.provision: provision must be true or false',
    },
    {
      desc: 'content that is not a table (0.12.1 sample config)',
      text: `[bootstrap]\n  content = ""\n${MINIMAL}`,
      want: /^bootstrap\.content: content .* must be a table$/,
    },
    {
      desc: 'an unknown key',
      text: `[bootstrap]\n  autowhitelist = true\n${MINIMAL}`,
      want: 'bootstrap.autowhitelist: unknown key',
    },
    {
      desc: "0.12.1's [server] section",
      text: `[server]\n  mf_user = "a"\n${MINIMAL}`,
      want: /^server: \[server\] holds service settings in 0\.12\.1/,
    },
    {
      desc: 'bad key type',
      text: `[certs]\n  key_type = "dsa"\n${MINIMAL}`,
      want: /^certs\.key_type: key_type must be /,
    },
    {
      desc: 'RSA below 2048',
      text: `[certs]\n  key_type = "rsa"\n  key_bits = 1024\n${MINIMAL}`,
      want: /^certs\.key_bits: RSA keys are/,
    },
    {
      desc: 'bad ttl',
      text: `[certs]\n  ttl = "10 days"\n${MINIMAL}`,
      want: 'certs.ttl: "10 days" is not a positive duration like "2400h"',
    },
    {
      desc: 'ttl and days_valid disagree',
      text: `[certs]\n  ttl = "1h"\n  days_valid = "2h"\n${MINIMAL}`,
      want: 'certs.ttl: ttl and days_valid disagree; give one of them',
    },
    {
      desc: 'a thing connected to an unknown channel',
      text: `[[things]]\n  name = "s"\n  channels = ["nope"]\n${MINIMAL}`,
      want: 'things[0].channels[0]: no layout channel is named "nope"',
    },
    {
      desc: 'a channel list on the gateway',
      text: MINIMAL.replace('name = "gw"', 'name = "gw"\n  channels = ["data-channel"]'),
      want: /^things\[0\]\.channels: the gateway is connected to every layout channel/,
    },
    {
      desc: 'content too large',
      text: `[bootstrap.content]\n  blob = "${'x'.repeat(70_000)}"\n${MINIMAL}`,
      want: 'bootstrap.content: must be at most 65536 bytes as JSON',
    },
  ])('$desc', ({ text, want }) => {
    const got = problems(text)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatch(want)
  })

  it('refuses a file name that cannot be a ?layout= value', () => {
    expect(problems(MINIMAL, 'My Layout')[0]).toMatch(/file name must be lower case/)
  })

  it('lists several problems at once', () => {
    const got = problems(`[bootstrap]\n  provision = 1\n  x509_provision = "no"\n${MINIMAL}`)
    expect(got).toEqual([
      'bootstrap.provision: provision must be true or false',
      'bootstrap.x509_provision: x509_provision must be true or false',
    ])
  })
})

describe('effectiveLayout (precedence: layout, then MF_PROVISION_* settings, then defaults)', () => {
  const withBootstrap = (lines: string) =>
    parseLayout('sample', `[bootstrap]\n${lines}\n${MINIMAL}`)

  it('code defaults: provision and whitelist on, x509 off, EC P-256, MF_CERTS_DEFAULT_TTL', () => {
    const e = effectiveLayout(parseLayout('sample', MINIMAL), NO_SETTINGS)
    expect(e).toMatchObject({
      provision: true,
      autowhiteList: true,
      x509: false,
      key: { type: 'ec', bits: 256 },
      ttlMs: 100 * 3_600_000,
    })
  })

  it('settings fill what the layout leaves out', () => {
    const e = effectiveLayout(parseLayout('sample', MINIMAL), {
      ...NO_SETTINGS,
      autowhiteList: false,
      x509: true,
      ttlMs: 3_600_000,
      keyType: 'rsa',
    })
    expect(e).toMatchObject({ provision: true, autowhiteList: false, x509: true, ttlMs: 3_600_000 })
    expect(e.key).toEqual({ type: 'rsa', bits: 2048 })
  })

  it('a layout value wins over a setting, false included (0.12.1 could not turn options off)', () => {
    const l = withBootstrap('  autowhite_list = false\n  x509_provision = false')
    const e = effectiveLayout(l, { ...NO_SETTINGS, autowhiteList: true, x509: true })
    expect([e.autowhiteList, e.x509]).toEqual([false, false])
    const on = effectiveLayout(withBootstrap('  x509_provision = true'), {
      ...NO_SETTINGS,
      x509: false,
    })
    expect(on.x509).toBe(true)
  })

  it('key type and size are one choice, from the first level that sets either', () => {
    const l = parseLayout('sample', `[certs]\n  key_type = "rsa"\n${MINIMAL}`)
    // The setting's 256 would be an invalid RSA size: it is not mixed in.
    expect(effectiveLayout(l, { ...NO_SETTINGS, keyType: 'ec', keyBits: 384 }).key).toEqual({
      type: 'rsa',
      bits: 2048,
    })
    expect(
      effectiveLayout(parseLayout('sample', MINIMAL), { ...NO_SETTINGS, keyBits: 384 }).key
    ).toEqual({
      type: 'ec',
      bits: 384,
    })
  })

  it('without provision, whitelisting is off unless the layout asks for it (then it is an error)', () => {
    const off = effectiveLayout(withBootstrap('  provision = false'), {
      ...NO_SETTINGS,
      autowhiteList: true,
    })
    expect([off.provision, off.autowhiteList]).toEqual([false, false])
    expect(() =>
      effectiveLayout(withBootstrap('  autowhite_list = true'), {
        ...NO_SETTINGS,
        provision: false,
      })
    ).toThrow(
      /layouts\/sample\.toml: bootstrap\.autowhite_list: needs provision, which MF_PROVISION_BS_CONFIG_PROVISIONING/
    )
  })

  it('invalid key settings name the settings', () => {
    expect(() =>
      effectiveLayout(parseLayout('sample', MINIMAL), {
        ...NO_SETTINGS,
        keyType: 'rsa',
        keyBits: 256,
      })
    ).toThrow(/MF_PROVISION_CERTS_KEY_TYPE \/ MF_PROVISION_CERTS_KEY_BITS: key_bits: RSA keys are/)
  })

  it('does not change the parsed layout', () => {
    const l: Layout = parseLayout('sample', MINIMAL)
    const copy = structuredClone(l)
    effectiveLayout(l, { ...NO_SETTINGS, provision: false })
    expect(l).toEqual(copy)
  })
})

describe('at run time', () => {
  const AUTOWHITE = `[bootstrap]\n  autowhite_list = true\n${MINIMAL}`

  /** The error a service call throws, with the cause the log gets. */
  function failure(run: () => unknown) {
    try {
      run()
    } catch (e) {
      return {
        code: (e as AppError).code,
        message: (e as Error).message,
        cause: String((e as Error).cause),
      }
    }
    throw new Error('no error')
  }

  it('an invalid layout answers 500 and logs its file and field; the other layouts still work', () => {
    const { service } = provisionService({ layouts: { bad: 'things = 3', good: MINIMAL } })
    expect(failure(() => service.viewLayout('bad'))).toEqual({
      code: 'internal',
      message: 'server misconfigured',
      cause:
        'LayoutError: layouts/bad.toml: things: at least one [[things]] entry is required; ' +
        'channels: at least one [[channels]] entry is required',
    })
    expect(service.viewLayout('good').name).toBe('good')
  })

  it('a layout that contradicts the settings answers 500 under those settings only', () => {
    const layouts = { auto: AUTOWHITE }
    const off = provisionService({ layouts }, { MF_PROVISION_BS_CONFIG_PROVISIONING: 'false' })
    expect(failure(() => off.service.viewLayout('auto')).cause).toMatch(
      /layouts\/auto\.toml: bootstrap\.autowhite_list: needs provision/
    )
    expect(provisionService({ layouts }).service.viewLayout('auto').bootstrap.autowhite_list).toBe(
      true
    )
  })

  it.each([
    {
      setting: { MF_PROVISION_BS_AUTO_WHITELIST: '1', MF_PROVISION_BS_CONFIG_PROVISIONING: '0' },
      field: 'MF_PROVISION_BS_AUTO_WHITELIST',
    },
    { setting: { MF_PROVISION_X509_PROVISIONING: 'yes' }, field: 'MF_PROVISION_X509_PROVISIONING' },
    {
      setting: { MF_PROVISION_CERTS_HOURS_VALID: '100 days' },
      field: 'MF_PROVISION_CERTS_HOURS_VALID',
    },
    { setting: { MF_PROVISION_CERTS_KEY_TYPE: 'dsa' }, field: 'MF_PROVISION_CERTS_KEY_TYPE' },
    { setting: { MF_PROVISION_CERTS_KEY_BITS: 'many' }, field: 'MF_PROVISION_CERTS_KEY_BITS' },
    { setting: { MF_PROVISION_LAYOUT: 'Has Spaces' }, field: 'MF_PROVISION_LAYOUT' },
  ])('invalid setting $field: configuration error naming it', ({ setting, field }) => {
    expect(failure(() => loadConfig({ ...env, ...setting } as typeof env)).cause).toContain(field)
  })

  it('valid settings are read as Go booleans and durations', () => {
    const c = loadConfig({
      ...env,
      MF_PROVISION_BS_AUTO_WHITELIST: 'F',
      MF_PROVISION_X509_PROVISIONING: 'TRUE',
      MF_PROVISION_CERTS_HOURS_VALID: '1h30m',
      MF_PROVISION_CERTS_KEY_BITS: '384',
    } as typeof env)
    expect([c.MF_PROVISION_BS_AUTO_WHITELIST, c.MF_PROVISION_X509_PROVISIONING]).toEqual([
      false,
      true,
    ])
    expect([c.MF_PROVISION_BS_CONFIG_PROVISIONING, c.MF_PROVISION_CERTS_HOURS_VALID]).toEqual([
      undefined,
      90 * 60_000,
    ])
    expect(c.MF_PROVISION_CERTS_KEY_BITS).toBe(384)
  })
})

// The smallest layout meant for the Mainflux agent: its broker and NATS addresses.
const AGENT_CONTENT = `
[bootstrap.content.agent.mqtt]
  url = "\${FLUXGATE_MQTT_URL}"
[bootstrap.content.agent.server]
  nats_url = "localhost:4222"
`
const AGENT = AGENT_CONTENT + MINIMAL
const WITH_URL: LayoutDefaults = {
  ...NO_SETTINGS,
  settings: { FLUXGATE_MQTT_URL: 'tcp://broker.test:1883' },
}

/** An agent layout with one content line replaced or added. */
const agentWith = (content: string) => content + MINIMAL

describe('layouts meant for the agent ([bootstrap.content.agent])', () => {
  it('a minimal one is accepted and marked; content without an agent table is not checked', () => {
    const l = parseLayout('sample', AGENT)
    expect([l.agent, l.placeholders]).toEqual([true, ['FLUXGATE_MQTT_URL']])
    const other = parseLayout(
      'sample',
      `[bootstrap.content]\n  port = 9000\n${GATEWAY}[[channels]]\n  name = "only"\n`
    )
    expect([other.agent, other.placeholders]).toEqual([false, []])
  })

  it.each([
    {
      desc: 'one channel',
      text:
        AGENT_CONTENT + GATEWAY + '[[channels]]\n  name = "c"\n  metadata = { type = "control" }\n',
      want: [
        /^channels: the agent needs at least 2 channels, control and data \(the layout has \[bootstrap\.content\.agent\]/,
        /^channels: the agent needs a channel with metadata\.type = "data"/,
      ],
    },
    {
      desc: 'no data channel',
      text: AGENT.replace('type = "data"', 'type = "export"'),
      want: [/^channels: the agent needs a channel with metadata\.type = "data"/],
    },
    {
      desc: 'no control channel',
      text: AGENT.replace('type = "control"', 'type = "export"'),
      want: [/^channels: the agent needs a channel with metadata\.type = "control"/],
    },
    {
      desc: 'untyped channels',
      text: AGENT.replace('type = "control"', '').replace('type = "data"', ''),
      want: [/"control"/, /"data"/],
    },
    {
      desc: 'provision = false',
      text: `[bootstrap]\n  provision = false\n${AGENT}`,
      want: [/^bootstrap\.provision: the agent gets its content only through the bootstrap config/],
    },
    {
      desc: 'agent not a table',
      text: `[bootstrap.content]\n  agent = "yes"\n${MINIMAL}`,
      want: ['bootstrap.content.agent: agent must be a table (the Mainflux agent configuration)'],
    },
    {
      desc: 'no mqtt table',
      text: agentWith('[bootstrap.content.agent.server]\n  nats_url = "localhost:4222"\n'),
      want: [/^bootstrap\.content\.agent\.mqtt: \[bootstrap\.content\.agent\.mqtt\] is required/],
    },
    {
      desc: 'mqtt.url missing',
      text: agentWith(AGENT_CONTENT.replace('url = "${FLUXGATE_MQTT_URL}"', 'qos = 0')),
      want: [
        /^bootstrap\.content\.agent\.mqtt\.url: url is required: the agent takes its MQTT broker address only from here/,
      ],
    },
    {
      desc: 'mqtt.url empty',
      text: agentWith(AGENT_CONTENT.replace('"${FLUXGATE_MQTT_URL}"', '""')),
      want: [/^bootstrap\.content\.agent\.mqtt\.url: url must not be empty/],
    },
    {
      desc: 'mqtt.url not a broker address',
      text: agentWith(AGENT_CONTENT.replace('${FLUXGATE_MQTT_URL}', 'http://broker.test')),
      want: [
        /^bootstrap\.content\.agent\.mqtt\.url: "http:\/\/broker\.test" is not an MQTT broker address/,
      ],
    },
    {
      desc: 'mqtt.url without a port',
      text: agentWith(AGENT_CONTENT.replace('${FLUXGATE_MQTT_URL}', 'broker.test')),
      want: [/^bootstrap\.content\.agent\.mqtt\.url: "broker\.test" needs a port/],
    },
    {
      desc: 'server.nats_url missing',
      text: agentWith(AGENT_CONTENT.replace('nats_url = "localhost:4222"', 'port = "9000"')),
      want: [
        /^bootstrap\.content\.agent\.server\.nats_url: nats_url is required: the agent takes its NATS address only from here/,
      ],
    },
    {
      desc: 'server.port as a number (Go decodes a string)',
      text: agentWith(`${AGENT_CONTENT}  port = 9000\n`),
      want: [
        'bootstrap.content.agent.server.port: port must be a string (the agent decodes it as one)',
      ],
    },
    {
      desc: 'qos 3',
      text: agentWith(
        AGENT_CONTENT.replace(
          '[bootstrap.content.agent.server]',
          '  qos = 3\n[bootstrap.content.agent.server]'
        )
      ),
      want: ['bootstrap.content.agent.mqtt.qos: qos must be 0, 1 or 2'],
    },
    {
      desc: 'mtls as a string',
      text: agentWith(
        AGENT_CONTENT.replace(
          '[bootstrap.content.agent.server]',
          '  mtls = "no"\n[bootstrap.content.agent.server]'
        )
      ),
      want: ['bootstrap.content.agent.mqtt.mtls: mtls must be true or false'],
    },
    {
      desc: 'a heartbeat table without interval',
      text: agentWith(`${AGENT_CONTENT}[bootstrap.content.agent.heartbeat]\n  every = "30s"\n`),
      want: [
        /^bootstrap\.content\.agent\.heartbeat\.interval: interval is required when its table is present/,
      ],
    },
    {
      desc: 'a session timeout that is not a Go duration',
      text: agentWith(
        `${AGENT_CONTENT}[bootstrap.content.agent.terminal]\n  session_timeout = "30"\n`
      ),
      want: [
        'bootstrap.content.agent.terminal.session_timeout: session_timeout must be a Go duration like "30s"',
      ],
    },
  ])('refuses $desc, naming the field and the reason', ({ text, want }) => {
    const got = problems(text)
    expect(got).toHaveLength(want.length)
    want.forEach((w, i) => expect(got[i]).toMatch(w))
  })

  it('the layout check (npm start, deploy) names the file', () => {
    const broken = AGENT.replace('nats_url = "localhost:4222"', '')
    expect(checkLayouts({ broken }, { broken })).toEqual([
      expect.stringMatching(
        /^layouts\/broken\.toml: bootstrap\.content\.agent\.server\.nats_url: nats_url is required/
      ),
    ])
  })

  it('accepts the field types and durations the agent decodes', () => {
    const l = parseLayout(
      'sample',
      agentWith(`${AGENT_CONTENT}  port = "9000"
[bootstrap.content.agent.heartbeat]
  interval = "1m30s"
[bootstrap.content.agent.terminal]
  session_timeout = 30000000000
[bootstrap.content.agent.future]
  anything = [1, "two"]
`)
    )
    expect(l.agent).toBe(true)
  })
})

describe('placeholders in layouts', () => {
  it.each([
    {
      desc: 'an unknown setting (secrets are never reachable)',
      text: `[bootstrap.content]\n  key = "\${MF_AUTH_SECRET}"\n${MINIMAL}`,
      want: /^bootstrap\.content\.key: unknown placeholder \$\{MF_AUTH_SECRET\}; the known ones are \$\{FLUXGATE_MQTT_URL\}/,
    },
    {
      desc: 'a lower-case name',
      text: `[bootstrap.content]\n  url = "\${fluxgate_mqtt_url}"\n${MINIMAL}`,
      want: /^bootstrap\.content\.url: unknown placeholder \$\{fluxgate_mqtt_url\}/,
    },
    {
      desc: 'a malformed one',
      text: `[bootstrap.content]\n  url = "\${FLUXGATE_MQTT_URL"\n${MINIMAL}`,
      want: /^bootstrap\.content\.url: "\$\{" must start a placeholder/,
    },
    {
      desc: 'one in an array of tables',
      text: `[[bootstrap.content.routes]]\n  topic = "\${NOPE}"\n${MINIMAL}`,
      want: /^bootstrap\.content\.routes\[0\]\.topic: unknown placeholder \$\{NOPE\}/,
    },
    {
      desc: 'one in a content key',
      text: `[bootstrap.content]\n  "\${FLUXGATE_MQTT_URL}" = "x"\n${MINIMAL}`,
      want: /^bootstrap\.content\.\$\{FLUXGATE_MQTT_URL\}: placeholders are filled in string values only, not in table keys$/,
    },
    {
      desc: 'one in thing metadata',
      text: MINIMAL.replace(
        'external_id = "x"',
        'external_id = "x"\n    broker = "\${FLUXGATE_MQTT_URL}"'
      ),
      want: 'things[0].metadata.broker: placeholders are filled only in string values inside [bootstrap.content]',
    },
    {
      desc: 'one in a channel name',
      text: MINIMAL.replace('"data-channel"', '"data \${FLUXGATE_MQTT_URL}"'),
      want: 'channels[1].name: placeholders are filled only in string values inside [bootstrap.content]',
    },
  ])('refuses $desc', ({ text, want }) => {
    const got = problems(text)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatch(want)
  })

  it('the layout check refuses an unknown placeholder with the file name', () => {
    const bad = `[bootstrap.content]\n  x = "\${NOPE}"\n${MINIMAL}`
    expect(checkLayouts({ bad }, { bad })).toEqual([
      'layouts/bad.toml: bootstrap.content.x: unknown placeholder ${NOPE}; the known ones are ${FLUXGATE_MQTT_URL} (write $${ for a literal ${)',
    ])
  })

  it('filled from the settings, anywhere in a string and in arrays; $${ is a literal ${', () => {
    const l = parseLayout(
      'sample',
      `[bootstrap.content]
  broker = "mqtt at \${FLUXGATE_MQTT_URL}, again \${FLUXGATE_MQTT_URL}"
  shell = "$\${HOME} and $$ stay"
  list = ["\${FLUXGATE_MQTT_URL}", 1]
${MINIMAL}`
    )
    const copy = structuredClone(l)
    const e = effectiveLayout(l, WITH_URL)
    expect(e.unset).toEqual([])
    expect(e.content).toEqual({
      broker: 'mqtt at tcp://broker.test:1883, again tcp://broker.test:1883',
      shell: '${HOME} and $$ stay',
      list: ['tcp://broker.test:1883', 1],
    })
    expect(l).toEqual(copy)
  })

  it('an escape is unescaped even when no placeholder is used', () => {
    const l = parseLayout('sample', `[bootstrap.content]\n  s = "$\${X}"\n${MINIMAL}`)
    expect(l.placeholders).toEqual([])
    expect(effectiveLayout(l, NO_SETTINGS).content).toEqual({ s: '${X}' })
  })

  it('an unset setting is listed, and the content is left as written', () => {
    const e = effectiveLayout(parseLayout('sample', AGENT), NO_SETTINGS)
    expect(e.unset).toEqual(['FLUXGATE_MQTT_URL'])
    expect(e.content).toMatchObject({ agent: { mqtt: { url: '${FLUXGATE_MQTT_URL}' } } })
  })

  it('a filled broker url the agent could not dial is a layout error naming file and field', () => {
    const l = parseLayout('sample', agentWith(AGENT_CONTENT.replace('}"', '}/mqtt"')))
    expect(() => effectiveLayout(l, WITH_URL)).toThrow(
      'layouts/sample.toml: bootstrap.content.agent.mqtt.url: "tcp://broker.test:1883/mqtt" must be host and port only (with FLUXGATE_MQTT_URL filled in)'
    )
  })

  it('at run time an unset setting answers unavailable, naming the setting and the layout', () => {
    const { service } = provisionService({ layouts: { sample: AGENT } }, { FLUXGATE_MQTT_URL: '' })
    expect(() => service.viewLayout('sample')).toThrow(
      expect.objectContaining({
        code: 'unavailable',
        message:
          'layout "sample" needs the setting FLUXGATE_MQTT_URL (the MQTT broker address gateways connect to), which is not set',
      })
    )
    const set = provisionService({ layouts: { sample: AGENT } }).service.viewLayout('sample')
    expect(set.bootstrap.content).toMatchObject({
      agent: { mqtt: { url: env.FLUXGATE_MQTT_URL } },
    })
  })
})
