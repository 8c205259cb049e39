/*
 * Which channel a topic or topic filter belongs to, by Mainflux's MQTT adapter rule: things talk on
 * `channels/<channel id>/messages` and anything below it. A filter may use wildcards only below
 * `messages`, so it never reaches outside one channel's subtree. Everything else belongs to no
 * channel and is denied.
 */

/** Channel ids are UUIDs here; anything else (empty, a wildcard, a separator) is refused. */
const CHANNEL_ID = /^[0-9A-Za-z][0-9A-Za-z_-]{0,63}$/

/** MQTT limits a topic to 65,535 bytes; Fluxgate needs far less and refuses anything longer. */
const MAX_TOPIC = 4096

export interface TopicSyntax {
  /** Level separator: `/` in MQTT, `.` in RabbitMQ routing keys. */
  sep: string
  /** Single-level wildcard: `+` in MQTT, `*` in RabbitMQ. */
  one: string
  /** Multi-level wildcard: `#` in both. */
  many: string
}

export const MQTT: TopicSyntax = { sep: '/', one: '+', many: '#' }
export const AMQP: TopicSyntax = { sep: '.', one: '*', many: '#' }

/**
 * The channel id of a topic (`filter` false: no wildcard anywhere) or of a subscription filter
 * (`filter` true: `+`/`#` allowed below `messages`, `#` only last), or undefined when the topic is
 * outside every channel or malformed. A leading separator is tolerated, as 0.12.1's adapter did.
 */
export function channelOf(
  topic: unknown,
  syntax: TopicSyntax,
  filter: boolean
): string | undefined {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > MAX_TOPIC) return undefined
  if (topic.includes('\u0000')) return undefined
  const levels = (topic.startsWith(syntax.sep) ? topic.slice(1) : topic).split(syntax.sep)
  const [root, chanId, messages, ...rest] = levels
  if (root !== 'channels' || messages !== 'messages' || !chanId || !CHANNEL_ID.test(chanId)) {
    return undefined
  }
  for (let i = 0; i < rest.length; i++) {
    const level = rest[i]!
    const wild = level === syntax.one || level === syntax.many
    if (wild && !filter) return undefined
    if (level === syntax.many && i !== rest.length - 1) return undefined
    // A wildcard character inside a level (`a+b`, `x#`) is invalid MQTT; refuse rather than guess.
    if (!wild && (level.includes(syntax.one) || level.includes(syntax.many))) return undefined
  }
  return chanId
}
