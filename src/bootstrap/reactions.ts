import { subjectCommonName } from '../certs/pki'
import type {
  ChannelChanged,
  Hook,
  KeyChangeOutcome,
  ThingKeyChanged,
  ThingRemoved,
} from '../lib/hooks'
import type { Disconnected, DisconnectOutcome } from '../lib/hooks'
import { invalidateAnswers } from './cache'
import * as repo from './repo'

/*
 * How bootstrap configs follow changes of things, channels and connections (0.12.1's event
 * handlers, inside the writer's batch): statements that read or change configs before the write,
 * and the answer cache renewed after the commit.
 */

type Ids = { externalId: string }[]
const externalIds = (rows: unknown) => (rows as Ids).map((r) => r.externalId)

/**
 * Key rotation: the config stops serving a client certificate whose CN is the old key (cleared
 * with its private key, compared with the key before the update); its answer carries the key, so
 * it is renewed.
 */
export const onThingKeyChanged: Hook<ThingKeyChanged, KeyChangeOutcome> = (
  { db, env },
  { owner, thingId, key }
) => ({
  statements: [
    repo.clearKeyBoundCert(db, owner, thingId, key),
    repo.retrieveUntrackedCert(db, owner, thingId),
    repo.externalIdsOfThing(db, owner, thingId),
  ],
  async after([, untracked, configs], { oldKey }) {
    // A certificate stored before its CN was recorded is read here, once: cleared if it names
    // the old key, otherwise its CN is recorded for the next rotation.
    const legacy = (untracked as { clientCert: string | null }[])[0]?.clientCert
    if (legacy && oldKey !== key) {
      const cn = subjectCommonName(legacy)
      const outcome = cn === oldKey ? { clear: true as const } : { clear: false as const, cn }
      await repo.settleUntrackedCert(db, owner, thingId, legacy, outcome)
    }
    await invalidateAnswers(env.CACHE, externalIds(configs), 'changed')
  },
})

/** Removal: the config goes by cascade; its external id is read first, its answer dropped after. */
export const onThingRemoved: Hook<ThingRemoved> = ({ db, env }, { owner, thingId }) => ({
  statements: [repo.externalIdsOfThing(db, owner, thingId)],
  after: ([configs]) => invalidateAnswers(env.CACHE, externalIds(configs), 'removed'),
})

/**
 * A thing losing one of its config channels has that config deactivated (0.12.1's
 * thing.disconnect handler, scoped to that thing). The answer lists config channels, not
 * connections: it does not change.
 */
export const onDisconnected: Hook<Disconnected, DisconnectOutcome> = ({ db }, e) => ({
  statements: [repo.deactivateOnDisconnect(db, e.owner, e.channelIds, e.thingIds, e.requireAll)],
})

/**
 * A channel renamed or removed: the answers of the configs listing it carry its name and metadata
 * (found through bootstrap_channels' channel index, before a removal's cascade), so they are
 * renewed.
 */
export const onChannelChanged: Hook<ChannelChanged> = ({ db, env }, { channelId }) => ({
  statements: [repo.externalIdsOfChannel(db, channelId)],
  after: ([configs]) => invalidateAnswers(env.CACHE, externalIds(configs), 'changed'),
})
