import type { Deps } from '../lib/context'
import { logError } from '../lib/errors'
import { adminSettings } from './admin'
import type { BrokerSessions } from './queue'

/** Thing ids handed to the queue per call (each call is one Durable Object request). */
const CHUNK = 1000

/**
 * After a revocation has committed: closes the things' open broker sessions, so the change reaches
 * sessions that the broker would otherwise keep (see ./admin). Runs after the answer, through the
 * session queue (./queue); does nothing unless FLUXGATE_BROKER_ADMIN_KIND/URL are set. A failure
 * here is logged and never fails the write that revoked.
 */
export function closeSessionsLater(deps: Deps, thingIds: readonly string[]) {
  const settings = adminSettings(deps.config)
  if (thingIds.length === 0 || !settings) return
  const ns = deps.env.BROKER_SESSIONS as DurableObjectNamespace<BrokerSessions> | undefined
  if (!ns) {
    logError(
      'broker session closing is configured but the BROKER_SESSIONS binding is missing',
      undefined
    )
    return
  }
  const stub = ns.get(ns.idFromName('broker'))
  const ids = [...new Set(thingIds)]
  deps.waitUntil(
    (async () => {
      for (let i = 0; i < ids.length; i += CHUNK)
        await stub.enqueue(ids.slice(i, i + CHUNK), settings)
    })().catch((e) => logError('queueing broker session closes failed:', e))
  )
}
