import { z } from 'zod'
import { brokerUrlProblem } from '../lib/mqtt-url'

/*
 * A layout's `[bootstrap.content]`: the settings it may name as placeholders, and what a layout
 * meant for the Mainflux agent must contain for the agent to use it. Both are checked when a
 * layout is parsed (npm start, deploy, the tests, first use in the Worker).
 */

/**
 * The settings a layout may use as `${NAME}` in a string value inside `[bootstrap.content]`. An
 * explicit list: secrets are settings too, and a layout must never be able to copy one into
 * what a gateway receives.
 */
export const PLACEHOLDERS = ['FLUXGATE_MQTT_URL'] as const
export type Placeholder = (typeof PLACEHOLDERS)[number]
export type PlaceholderValues = Partial<Record<Placeholder, string>>

/** What each placeholder stands for, for error messages. */
export const PLACEHOLDER_MEANING: Record<Placeholder, string> = {
  FLUXGATE_MQTT_URL: 'the MQTT broker address gateways connect to',
}

/** The answer to a mapping with a layout whose placeholders name settings that are not set. */
export function unsetMessage(layout: string, unset: readonly Placeholder[]): string {
  const what = unset.map((p) => `${p} (${PLACEHOLDER_MEANING[p]})`).join(', ')
  const [noun, verb] = unset.length === 1 ? ['setting', 'is'] : ['settings', 'are']
  return `layout "${layout}" needs the ${noun} ${what}, which ${verb} not set`
}

type Add = (path: PropertyKey[], message: string) => void

// `$${` is a literal `${`; any other `${` must be a whole `${NAME}`.
const TOKEN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/g

const isPlaceholder = (name: string): name is Placeholder =>
  (PLACEHOLDERS as readonly string[]).includes(name)

const KNOWN = PLACEHOLDERS.map((p) => `\${${p}}`).join(', ')
const ESCAPE = '(write $${ for a literal ${)'

/** Whether `text` names a known placeholder (outside content strings it would not be filled). */
export function mentionsPlaceholder(text: string): boolean {
  return PLACEHOLDERS.some((p) => text.includes(`\${${p}}`))
}

/** Whether a content string has anything to fill or unescape. */
const templated = (text: string) => text.includes('${')

function scanString(text: string, path: PropertyKey[], add: Add, used: Set<Placeholder>) {
  for (const m of text.matchAll(TOKEN)) {
    if (m[0] === '$${') continue
    const name = m[1]
    if (name === undefined) {
      add(path, `"\${" must start a placeholder like \${FLUXGATE_MQTT_URL} ${ESCAPE}`)
    } else if (isPlaceholder(name)) {
      used.add(name)
    } else {
      add(path, `unknown placeholder \${${name}}; the known ones are ${KNOWN} ${ESCAPE}`)
    }
  }
}

function scan(value: unknown, path: PropertyKey[], add: Add, used: Set<Placeholder>) {
  if (typeof value === 'string') return scanString(value, path, add, used)
  if (Array.isArray(value)) return value.forEach((v, i) => scan(v, [...path, i], add, used))
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (mentionsPlaceholder(k)) {
        add([...path, k], 'placeholders are filled in string values only, not in table keys')
      }
      scan(v, [...path, k], add, used)
    }
  }
}

/**
 * The placeholders a layout's content uses, in allow-list order; unknown or malformed ones are
 * reported through `add` with their path under `bootstrap.content`.
 */
export function contentPlaceholders(content: Record<string, unknown>, add: Add): Placeholder[] {
  const used = new Set<Placeholder>()
  scan(content, ['bootstrap', 'content'], add, used)
  return PLACEHOLDERS.filter((p) => used.has(p))
}

function fill(value: unknown, values: PlaceholderValues): unknown {
  if (typeof value === 'string') {
    if (!templated(value)) return value
    return value.replace(TOKEN, (m, name: string | undefined) =>
      m === '$${' ? '${' : (values[name as Placeholder] ?? m)
    )
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, values))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, values)]))
  }
  return value
}

/**
 * A copy of checked content with every placeholder replaced by its value and `$${` by `${`
 * (the layout itself is not changed). Every placeholder it uses must have a value.
 */
export function fillPlaceholders(
  content: Record<string, unknown>,
  values: PlaceholderValues
): Record<string, unknown> {
  return fill(content, values) as Record<string, unknown>
}

/** A layout is meant for the Mainflux agent when its content has an `agent` entry. */
export const isAgentContent = (content: Record<string, unknown> | undefined) =>
  content !== undefined && Object.hasOwn(content, 'agent')

// The Go agent decodes `content` into typed structs: a value of the wrong JSON type fails the
// whole decode, and the agent then counts the fetch as failed. Unknown keys are ignored by Go,
// so they are allowed here too.
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/

const missingOr = (missing: string, wrong: string) => (iss: { input: unknown }) =>
  iss.input === undefined ? missing : wrong

const str = (field: string) =>
  z.string({ error: `${field} must be a string (the agent decodes it as one)` }).optional()
const bool = (field: string) => z.boolean({ error: `${field} must be true or false` }).optional()
const table = <T extends Record<string, z.ZodType>>(what: string, shape: T) =>
  z.looseObject(shape, { error: `${what} must be a table` })
const duration = (field: string) => {
  const wrong = `${field} must be a Go duration like "30s"`
  return z.union([z.number(), z.string().regex(GO_DURATION, wrong)], {
    error: missingOr(
      `${field} is required when its table is present (the agent refuses the table without it)`,
      wrong
    ),
  })
}

const agentSchema = z.looseObject(
  {
    mqtt: z.looseObject(
      {
        url: z
          .string({
            error: missingOr(
              'url is required: the agent takes its MQTT broker address only from here (use "${FLUXGATE_MQTT_URL}")',
              'url must be a string'
            ),
          })
          .min(1, 'url must not be empty: the agent has no other MQTT broker address'),
        username: str('username'),
        password: str('password'),
        mtls: bool('mtls'),
        skip_tls_ver: bool('skip_tls_ver'),
        retain: bool('retain'),
        qos: z
          .number({ error: 'qos must be 0, 1 or 2' })
          .int('qos must be 0, 1 or 2')
          .min(0, 'qos must be 0, 1 or 2')
          .max(2, 'qos must be 0, 1 or 2')
          .optional(),
        ca_path: str('ca_path'),
        cert_path: str('cert_path'),
        priv_key_path: str('priv_key_path'),
        client_cert: str('client_cert'),
        client_key: str('client_key'),
        ca_cert: str('ca_cert'),
      },
      {
        error: missingOr(
          '[bootstrap.content.agent.mqtt] is required: the agent takes its MQTT broker address only from its url',
          'mqtt must be a table'
        ),
      }
    ),
    server: z.looseObject(
      {
        nats_url: z
          .string({
            error: missingOr(
              'nats_url is required: the agent takes its NATS address only from here (usually "localhost:4222", the NATS server on the gateway)',
              'nats_url must be a string'
            ),
          })
          .min(1, 'nats_url must not be empty: the agent has no other NATS address'),
        port: str('port'),
      },
      {
        error: missingOr(
          '[bootstrap.content.agent.server] is required: the agent takes its NATS address only from its nats_url',
          'server must be a table'
        ),
      }
    ),
    edgex: table('edgex', { url: str('url') }).optional(),
    log: table('log', { level: str('level') }).optional(),
    heartbeat: table('heartbeat', { interval: duration('interval') }).optional(),
    terminal: table('terminal', { session_timeout: duration('session_timeout') }).optional(),
    channels: table('channels', { control: str('control'), data: str('data') }).optional(),
  },
  { error: 'agent must be a table (the Mainflux agent configuration)' }
)

/**
 * Checks what the agent reads from `content.agent`: its MQTT broker and NATS addresses are
 * required (it exits without them) and known fields must have the JSON type the agent decodes.
 * A broker url without placeholders is checked here; one with placeholders once they are filled.
 */
export function checkAgentContent(content: Record<string, unknown>, add: Add) {
  const base = ['bootstrap', 'content', 'agent']
  const parsed = agentSchema.safeParse(content.agent)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) add([...base, ...issue.path], issue.message)
    return
  }
  const url = parsed.data.mqtt.url
  const problem = templated(url) ? undefined : brokerUrlProblem(url)
  if (problem) add([...base, 'mqtt', 'url'], problem)
}
