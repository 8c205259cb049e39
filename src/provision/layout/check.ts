import { keySpec } from '../../certs/schema'
import { parseDuration } from '../../lib/duration'
import { LIMITS } from '../../lib/limits'
import { checkAgentContent, isAgentContent, mentionsPlaceholder } from '../content'
import type { RawLayout } from './schema'
import { type AddProblem, CHANNEL_TYPES } from './types'

// What a layout's schema cannot say: checks across fields, the agent's needs, the [certs] values.

/** Checks that need more than one field; each is added through `add` with its path. */
export function crossCheck(raw: RawLayout, add: AddProblem) {
  const gateways = raw.things.flatMap((t, i) =>
    t.metadata && Object.hasOwn(t.metadata, 'external_id') ? [i] : []
  )
  if (gateways.length !== 1) {
    add(
      ['things'],
      `exactly one thing must have metadata.external_id (the gateway the request's external_id ` +
        `and external_key belong to); found ${gateways.length}`
    )
  }
  const names = new Set<string>()
  const types = new Map<string, number>()
  raw.channels.forEach((c, i) => {
    if (names.has(c.name)) add(['channels', i, 'name'], `"${c.name}" is used by another channel`)
    names.add(c.name)
    const type = c.metadata?.type
    if (type === undefined) return
    if (typeof type !== 'string' || !(CHANNEL_TYPES as readonly string[]).includes(type)) {
      add(['channels', i, 'metadata', 'type'], `must be ${CHANNEL_TYPES.join(', ')} or absent`)
      return
    }
    const first = types.get(type)
    if (first !== undefined) {
      add(
        ['channels', i, 'metadata', 'type'],
        `"${type}" is already the type of channels[${first}]`
      )
    } else types.set(type, i)
  })
  raw.things.forEach((t, i) => {
    if (!t.channels) return
    if (gateways.includes(i)) {
      add(
        ['things', i, 'channels'],
        'the gateway is connected to every layout channel through its bootstrap config; remove this list'
      )
      return
    }
    const seen = new Set<string>()
    t.channels.forEach((c, j) => {
      if (!names.has(c)) add(['things', i, 'channels', j], `no layout channel is named "${c}"`)
      if (seen.has(c)) add(['things', i, 'channels', j], `"${c}" is listed twice`)
      seen.add(c)
    })
  })
  const b = raw.bootstrap
  if (b?.autowhite_list === true && b.provision === false) {
    add(
      ['bootstrap', 'autowhite_list'],
      'needs provision (whitelisting activates the bootstrap config)'
    )
  }
  if (b?.content && JSON.stringify(b.content).length > LIMITS.bootstrapContentMax) {
    add(['bootstrap', 'content'], `must be at most ${LIMITS.bootstrapContentMax} bytes as JSON`)
  }
  misplacedPlaceholders(raw, add)
  if (isAgentContent(b?.content)) agentCheck(raw, add)
}

/** Placeholders are filled only in content strings: anywhere else one would stay as written. */
function misplacedPlaceholders(raw: RawLayout, add: AddProblem) {
  const message = 'placeholders are filled only in string values inside [bootstrap.content]'
  const visit = (value: unknown, path: PropertyKey[]) => {
    if (typeof value === 'string') {
      if (mentionsPlaceholder(value)) add(path, message)
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...path, i]))
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (mentionsPlaceholder(k)) add([...path, k], message)
        visit(v, [...path, k])
      }
    }
  }
  visit(raw.things, ['things'])
  visit(raw.channels, ['channels'])
}

/**
 * A layout meant for the agent must give it what it needs to go live: the agent aborts its
 * bootstrap with fewer than 2 channels, takes control and data by position (the answer lists
 * the control channel first, then data), and gets its content only through the bootstrap config.
 */
function agentCheck(raw: RawLayout, add: AddProblem) {
  const why = '(the layout has [bootstrap.content.agent], so it is for the Mainflux agent)'
  if (raw.channels.length < 2) {
    add(['channels'], `the agent needs at least 2 channels, control and data ${why}`)
  }
  for (const type of ['control', 'data'] as const) {
    if (!raw.channels.some((c) => c.metadata?.type === type)) {
      add(['channels'], `the agent needs a channel with metadata.type = "${type}" ${why}`)
    }
  }
  if (raw.bootstrap?.provision === false) {
    add(
      ['bootstrap', 'provision'],
      `the agent gets its content only through the bootstrap config, which provision = false turns off ${why}`
    )
  }
  checkAgentContent(raw.bootstrap!.content!, add)
}

export function certsTtl(raw: RawLayout, add: AddProblem) {
  const given = (['ttl', 'days_valid'] as const).flatMap((field) => {
    const text = raw.certs?.[field]
    if (text === undefined) return []
    const ms = parseDuration(text)
    if (ms === undefined || ms <= 0) {
      add(['certs', field], `"${text}" is not a positive duration like "2400h"`)
      return []
    }
    return [{ field, ms }]
  })
  if (given.length === 2 && given[0]!.ms !== given[1]!.ms) {
    add(['certs', 'ttl'], 'ttl and days_valid disagree; give one of them')
  }
  return given[0]?.ms
}

export function certsKey(raw: RawLayout, add: AddProblem) {
  const c = raw.certs
  if (c?.key_type === undefined && c?.key_bits === undefined) return undefined
  try {
    return keySpec(c.key_type, c.key_bits)
  } catch (e) {
    // keySpec says "key_type: ..." or "key_bits: ..."; keep its field in the path.
    const m = /^(key_type|key_bits): (.*)$/.exec((e as Error).message)
    add(['certs', m?.[1] ?? 'key_bits'], m?.[2] ?? (e as Error).message)
    return undefined
  }
}
