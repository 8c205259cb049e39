import { allSettledOrThrow, type Statement } from './batch'
import type { Deps } from './context'

/*
 * Reactions to changes of things, channels and connections. The domain that makes a change (things,
 * channels, connections) knows nothing of the domains that care (bootstrap configs and answers,
 * certificates, broker sessions); those register hooks when the app is assembled (src/deps.ts).
 * This is the event-handler shape of Mainflux's bootstrap service (`thing.removed`,
 * `thing.disconnected`), made atomic:
 *
 *  - a hook may first read what it needs (outside the batch),
 *  - returns the D1 statements to add to the writer's batch (placed before the write itself, so
 *    they see the rows as they were, and guarded like it, so a refused write changes nothing),
 *  - and returns work to run after the commit (cache invalidation, Vault revocation, closing broker
 *    sessions), given the results of its own statements and what the write learned.
 */

/** A change of one thing's key: `key` is the new one. */
export interface ThingKeyChanged {
  owner: string
  thingId: string
  key: string
}

/** A thing removed (its connections and bootstrap config go by cascade). */
export interface ThingRemoved {
  owner: string
  thingId: string
}

/**
 * Connections removed between these channels and things. `requireAll`: the write changes nothing
 * unless every id is the owner's (bulk disconnect); otherwise it removes one pair if connected.
 */
export interface Disconnected {
  owner: string
  channelIds: readonly string[]
  thingIds: readonly string[]
  requireAll: boolean
}

/** A channel whose name or metadata changed, or that was removed. */
export interface ChannelChanged {
  owner: string
  channelId: string
}

/** What the write learned, for the after-commit work. */
export interface KeyChangeOutcome {
  /** The key given up. */
  oldKey: string
}
export interface DisconnectOutcome {
  /** The things that lost a connection. */
  thingIds: readonly string[]
}

export interface Reaction<O = void> {
  /** Statements for the writer's batch, before the write. */
  statements?: Statement[]
  /** After the commit; `results` are those of `statements`, in order. */
  after?: (results: unknown[], outcome: O) => Promise<unknown> | void
}

export type Hook<E, O = void> = (deps: Deps, event: E) => Reaction<O> | Promise<Reaction<O>>

export interface Hooks {
  thingKeyChanged: Hook<ThingKeyChanged, KeyChangeOutcome>[]
  thingRemoved: Hook<ThingRemoved>[]
  disconnected: Hook<Disconnected, DisconnectOutcome>[]
  channelChanged: Hook<ChannelChanged>[]
  channelRemoved: Hook<ChannelChanged>[]
}

export const noHooks = (): Hooks => ({
  thingKeyChanged: [],
  thingRemoved: [],
  disconnected: [],
  channelChanged: [],
  channelRemoved: [],
})

let installed: Hooks = noHooks()

/** Sets the reactions the services run (once, when the app is assembled). */
export function installHooks(hooks: Hooks) {
  installed = hooks
}

/** The installed reactions (what `deps()` hands to the services). */
export const installedHooks = (): Hooks => installed

/** The reactions a service runs: its deps' own, else the installed ones. */
export const hooksOf = (deps: { hooks?: Hooks }): Hooks => deps.hooks ?? installed

/** The reactions of every hook to one event, ready to be batched. */
export interface Prepared<O> {
  /** Every hook's statements, in registration order. */
  statements: Statement[]
  /**
   * Runs every hook's after-commit work with its own slice of `results` (the results of
   * `statements`); all run, then the first failure is rethrown.
   */
  after(results: readonly unknown[], outcome: O): Promise<void>
}

export async function prepare<E, O>(
  hooks: readonly Hook<E, O>[],
  deps: Deps,
  event: E
): Promise<Prepared<O>> {
  const reactions = await Promise.all(hooks.map((h) => h(deps, event)))
  return {
    statements: reactions.flatMap((r) => r.statements ?? []),
    async after(results, outcome) {
      let at = 0
      const work = reactions.map((r) => {
        const n = r.statements?.length ?? 0
        const mine = results.slice(at, at + n)
        at += n
        return (async () => r.after?.(mine, outcome))()
      })
      await allSettledOrThrow(work)
    },
  }
}
