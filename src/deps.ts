import {
  onChannelChanged,
  onDisconnected,
  onThingKeyChanged,
  onThingRemoved,
} from './bootstrap/reactions'
import * as certsRepo from './certs/repo'
import { makeCertsService } from './certs/service'
import * as connectionsRepo from './connections/repo'
import type { Deps } from './lib/context'
import type { Hook, Hooks } from './lib/hooks'
import { closeSessionsLater } from './sessions'
import { adminSettings } from './sessions/admin'

/*
 * Assembly: which domains react to changes of things, channels and connections (see lib/hooks).
 * Within one event the hooks run in this order, and their statements join the writer's batch in
 * this order, before the write itself.
 */

type Serials = { serial: string }[]

/**
 * Certificates: revoked in the writer's batch (guarded by the thing being the caller's); with
 * Vault PKI the serials are revoked there too after answering (best effort, logged). The built-in
 * CA's CRL is read from D1 and needs nothing more.
 */
function syncRevoked(deps: Deps, revoked: unknown) {
  const serials = (revoked as Serials).map((r) => r.serial)
  if (serials.length > 0) deps.waitUntil(makeCertsService(deps).syncRevocations(serials))
}

/** The thing's live certificates whose CN is the old key go with it (the key may be reused). */
const certsOnKeyChanged: Hooks['thingKeyChanged'][number] = (deps, { owner, thingId, key }) => ({
  statements: [certsRepo.revokeKeyBound(deps.db, owner, thingId, key, Date.now())],
  after: ([revoked]) => syncRevoked(deps, revoked),
})

const certsOnThingRemoved: Hooks['thingRemoved'][number] = (deps, { owner, thingId }) => ({
  statements: [certsRepo.revokeByOwnedThing(deps.db, owner, thingId, Date.now())],
  after: ([revoked]) => syncRevoked(deps, revoked),
})

/** Broker sessions of a thing whose key or connections went are closed after the commit. */
const closeThingSessions: Hook<{ thingId: string }, unknown> = (deps, { thingId }) => ({
  after: () => closeSessionsLater(deps, [thingId]),
})

const closeDisconnected: Hooks['disconnected'][number] = (deps) => ({
  after: (_, { thingIds }) => closeSessionsLater(deps, thingIds),
})

/** With session closing on, the things connected to a channel are read before the cascade. */
const closeChannelSessions: Hooks['channelRemoved'][number] = (deps, { owner, channelId }) => {
  if (adminSettings(deps.config) === undefined) return {}
  return {
    statements: [connectionsRepo.connectedThingIds(deps.db, owner, channelId)],
    after: ([connected]) =>
      closeSessionsLater(
        deps,
        (connected as { thingId: string }[]).map((r) => r.thingId)
      ),
  }
}

export function assembleHooks(): Hooks {
  return {
    thingKeyChanged: [certsOnKeyChanged, onThingKeyChanged, closeThingSessions],
    thingRemoved: [certsOnThingRemoved, onThingRemoved, closeThingSessions],
    disconnected: [onDisconnected, closeDisconnected],
    channelChanged: [onChannelChanged],
    channelRemoved: [onChannelChanged, closeChannelSessions],
  }
}
