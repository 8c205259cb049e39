import { z } from '@hono/zod-openapi'
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { bootstrapConfigs, ownerCounts } from '../db/schema'
import { userGuard } from '../auth'
import { deps } from '../lib/context'
import { AppError } from '../lib/errors'
import { defineRoute, errorResponses, jsonContent, newRouter } from '../lib/openapi'
import { answerBody } from './answer'
import * as repo from './repo'
import { bootstrapRes, configIdParam } from './schema'

/**
 * What the console's dashboard and gateway pages read about an owner's bootstrap configs:
 * `GET /things/configs/summary` and `GET /things/configs/{id}/answer`. Mounted before the
 * bootstrap router, whose `GET /things/configs/{id}` would otherwise take `/things/configs/summary`.
 */
export const overview = newRouter()

const HOUR = 3600_000
const DAY = 24 * HOUR
/** How many of the latest failures the summary lists. */
export const SUMMARY_FAILURES = 10

/**
 * The three statements of a summary, for one batch (one D1 round trip): the owner's thing and
 * channel counts (owner_counts, kept by triggers), the configs counted by state and by time since
 * their last fetch (read from bootstrap_configs_owner_state_seen_idx alone), and the latest
 * failures (the first entries of bootstrap_configs_owner_failure_idx).
 */
export function summaryStatements(db: Db, owner: string, now: number) {
  const c = bootstrapConfigs
  const seen = c.lastBootstrapAt
  const n = (cond: ReturnType<typeof sql>) => sql<number>`coalesce(sum(${cond}), 0)`.mapWith(Number)
  return [
    db
      .select({ things: ownerCounts.things, channels: ownerCounts.channels })
      .from(ownerCounts)
      .where(eq(ownerCounts.owner, owner)),
    db
      .select({
        total: sql<number>`count(*)`.mapWith(Number),
        active: n(sql`${c.state} = 1`),
        never: n(sql`${seen} IS NULL`),
        hour: n(sql`${seen} > ${now - HOUR}`),
        day: n(sql`${seen} <= ${now - HOUR} AND ${seen} > ${now - DAY}`),
        older: n(sql`${seen} <= ${now - DAY}`),
      })
      .from(c)
      .where(eq(c.owner, owner)),
    db
      .select({
        id: c.thingId,
        externalId: c.externalId,
        name: c.name,
        at: c.lastFailureAt,
        reason: c.lastFailure,
      })
      .from(c)
      .where(and(eq(c.owner, owner), isNotNull(c.lastFailureAt)))
      .orderBy(desc(c.lastFailureAt), desc(c.thingId))
      .limit(SUMMARY_FAILURES),
  ] as const
}

const count = z.number().int().nonnegative()

export const summaryRes = z
  .object({
    things: z.object({ total: count }),
    channels: z.object({ total: count }),
    configs: z.object({
      total: count,
      active: count.openapi({ description: 'Whitelisted (state 1)' }),
      inactive: count,
    }),
    last_bootstrap: z
      .object({
        never: count.openapi({ description: 'Never fetched' }),
        hour: count.openapi({ description: 'Last fetched under an hour ago' }),
        day: count.openapi({ description: 'Last fetched under a day ago (an hour or more)' }),
        older: count.openapi({ description: 'Last fetched a day ago or more' }),
      })
      .openapi({ description: "The configs by time since their gateway's last successful fetch" }),
    failures: z
      .array(
        z.object({
          id: z.string().openapi({ description: 'The config (and thing) id' }),
          external_id: z.string(),
          name: z.string().optional(),
          at: z.string().openapi({ description: 'When the fetch failed (ISO 8601)' }),
          reason: z.string(),
        })
      )
      .openapi({
        description: `The latest failed fetches, one per config, newest first (at most ${SUMMARY_FAILURES})`,
      }),
  })
  .openapi('ConfigsSummary')

overview.openapi(
  defineRoute({
    method: 'get',
    path: '/things/configs/summary',
    tags: ['bootstrap'],
    summary:
      "Counts of the caller's things, channels and bootstrap configs, and the latest failed fetches",
    description: 'Not in Mainflux 0.12.1. One D1 round trip whatever the number of configs.',
    guard: userGuard,
    d1: 'read',
    responses: { 200: jsonContent(summaryRes, 'The summary'), ...errorResponses(401) },
  }),
  async (c) => {
    const { read } = deps(c)
    const [[counts], [configs], failures] = await read.batch(
      summaryStatements(read, c.var.identity.userId, Date.now())
    )
    const total = configs?.total ?? 0
    const active = configs?.active ?? 0
    return c.json(
      {
        things: { total: counts?.things ?? 0 },
        channels: { total: counts?.channels ?? 0 },
        configs: { total, active, inactive: total - active },
        last_bootstrap: {
          never: configs?.never ?? 0,
          hour: configs?.hour ?? 0,
          day: configs?.day ?? 0,
          older: configs?.older ?? 0,
        },
        failures: failures.map((f) => ({
          id: f.id,
          external_id: f.externalId,
          name: f.name || undefined,
          at: new Date(f.at!).toISOString(),
          reason: f.reason ?? '',
        })),
      },
      200
    )
  }
)

overview.openapi(
  defineRoute({
    method: 'get',
    path: '/things/configs/{id}/answer',
    tags: ['bootstrap'],
    summary:
      'The answer the gateway would get from GET /things/bootstrap/{externalId} (plain form)',
    description:
      'Not in Mainflux 0.12.1. For the owner only; built as the fetch builds it, byte for byte. ' +
      'It is not a fetch: last_bootstrap_at, the failure record and the throttles are untouched.',
    guard: userGuard,
    d1: 'read',
    request: { params: configIdParam },
    responses: { 200: jsonContent(bootstrapRes, 'The answer'), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { read } = deps(c)
    const id = c.req.valid('param').id
    const [[row], chans] = await read.batch([
      repo.retrieveById(read, c.var.identity.userId, id),
      repo.retrieveChannels(read, id),
    ])
    if (!row) throw new AppError('not_found', 'config not found')
    // The fetch's own body text (not re-serialized). It holds the thing key and the client key:
    // no cache may keep it.
    const body = answerBody(row, chans)
    return new Response(body, {
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
      // A plain Response: the declared 200 schema documents this text, which Hono cannot type.
    }) as never
  }
)
