import { addressKey } from '../lib/address'
import type { Deps } from '../lib/context'
import { timingSafeEqual } from '../lib/crypto'
import { AppError, ThrottledError } from '../lib/errors'
import { makeThrottles } from '../throttle'
import { makeConnectionsService } from '../connections/service'
import { makeThingsService } from '../things/service'
import { channelOf, type TopicSyntax } from './topics'

/*
 * The rules every broker format applies (Mainflux's MQTT adapter, made stricter):
 *  - connect: the password is a thing key and the username is that thing's id, and the client id
 *    is bound to the thing (see `clientIdFits`);
 *  - publish and subscribe: on `channels/<channel id>/messages` and below, when the thing is
 *    connected to the channel; a filter may hold wildcards only below `messages`;
 *  - nobody is a superuser.
 * A check answers a Decision, never throws for bad input: a broker hook must say allow or deny.
 */

export interface Decision {
  allow: boolean
  /** Why a deny was given, for the broker's log (never a secret). */
  reason?: string
}

const allow: Decision = { allow: true }
const deny = (reason: string): Decision => ({ allow: false, reason })

/** At most this long a client-id prefix: `agent-`, `export-`, a service name. */
const MAX_PREFIX = 64

/** Thing ids are UUIDs: a longer user name cannot be one, and is refused before any throttle. */
const MAX_THING_ID = 64

/**
 * The client-id rule: the thing's own id, or `<prefix>-<thing id>` (the Mainflux agent connects as
 * `agent-<thing id>`). MQTT brokers end the older session when a second one takes the same client
 * id, so without this rule any device could knock another offline by reusing its client id.
 */
export function clientIdFits(clientId: string, thingId: string): boolean {
  if (!thingId) return false
  if (clientId === thingId) return true
  if (!clientId.endsWith(`-${thingId}`)) return false
  const prefix = clientId.slice(0, clientId.length - thingId.length - 1)
  return prefix.length > 0 && prefix.length <= MAX_PREFIX && /^[\x21-\x7e]+$/.test(prefix)
}

/** Whether the presented broker secret is the configured one (unset: never). */
export function brokerSecretOk(
  configured: string | undefined,
  presented: string | undefined
): boolean {
  if (!configured || !presented) return false
  return timingSafeEqual(presented, configured)
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined

export function makeBrokerService(deps: Deps) {
  const things = makeThingsService(deps)
  const connections = makeConnectionsService(deps)
  const throttles = makeThrottles(deps.env, deps.config)

  /** Whether the thing may use the channel: the access cache (0 D1 on a hit), else D1. */
  async function connected(thingId: string, chanId: string): Promise<boolean> {
    try {
      await connections.canAccessById(chanId, thingId)
      return true
    } catch (e) {
      if (e instanceof AppError && e.code === 'forbidden') return false
      throw e
    }
  }

  return {
    /**
     * A connect. `clientId` undefined means the broker does not say (the rule is then enforced on
     * the thing's queues and topics instead). `peer` is the device's address when the broker
     * sends it (EMQX `${peerhost}`), for the per-address tier of the thing's throttle; without it
     * only the per-thing tier applies. A locked thing is denied before its key is looked at.
     */
    async connect(
      username: unknown,
      password: unknown,
      clientId: unknown,
      peer?: unknown
    ): Promise<Decision> {
      const thingId = str(username)
      const key = str(password)
      if (!thingId || !key) return deny('username and password are required')
      if (
        clientId !== undefined &&
        !(typeof clientId === 'string' && clientIdFits(clientId, thingId))
      ) {
        return deny('client id must be the thing id or end with -<thing id>')
      }
      if (thingId.length > MAX_THING_ID) return deny('not a thing key of this thing')
      const from = str(peer)
      const gate = throttles.gate('connect', thingId, from === undefined ? null : addressKey(from))
      try {
        if (!(await things.isKeyOf(thingId, key, [gate]))) {
          await gate.failed()
          return deny('not a thing key of this thing')
        }
        await gate.passed()
        return allow
      } catch (e) {
        if (e instanceof ThrottledError) return deny('too many failed connects: locked')
        await gate.abandon()
        throw e
      }
    },

    /**
     * A publish (`filter` false) or subscribe (`filter` true) on `topic`, written in `syntax`.
     * `clientId` undefined: the broker does not say.
     */
    async access(
      username: unknown,
      clientId: unknown,
      topic: unknown,
      syntax: TopicSyntax,
      filter: boolean
    ): Promise<Decision> {
      const thingId = str(username)
      if (!thingId) return deny('username is required')
      if (
        clientId !== undefined &&
        !(typeof clientId === 'string' && clientIdFits(clientId, thingId))
      ) {
        return deny('client id must be the thing id or end with -<thing id>')
      }
      const chanId = channelOf(topic, syntax, filter)
      if (!chanId) return deny('topic is not channels/<channel id>/messages[/...] of one channel')
      if (!(await connected(thingId, chanId))) return deny('thing is not connected to channel')
      return allow
    },
  }
}

export type BrokerService = ReturnType<typeof makeBrokerService>
