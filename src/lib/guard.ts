/**
 * A KV lock marker that a caller wants read in the same KV round as a cache lookup, so that a
 * throttle costs nothing extra on a cache hit, and the check run on its value before anything
 * else is decided (the check throws to refuse, e.g. ThrottledError).
 */
export interface Guard {
  key: string
  check(value: string | null): Promise<void> | void
}

/** The guards' keys, to append to a bulk KV read. */
export const guardKeys = (guards: readonly Guard[]) => guards.map((g) => g.key)

/** Runs each guard's check on its value from a bulk read (in order; the first refusal throws). */
export async function runGuards(
  guards: readonly Guard[],
  got: Map<string, string | null>
): Promise<void> {
  for (const g of guards) await g.check(got.get(g.key) ?? null)
}

/** For a caller that has no KV round of its own (its cache is off): one bulk read of the markers. */
export async function readGuards(kv: KVNamespace, guards: readonly Guard[]): Promise<void> {
  if (guards.length === 0) return
  await runGuards(guards, await kv.get(guardKeys(guards)))
}
