import type * as bootstrapRepo from '../bootstrap/repo'
import { orderChannels } from '../bootstrap/answer'
import type { Issued } from '../certs/service'
import type * as channelsRepo from '../channels/repo'
import { channelView } from '../channels/service'
import type { Config } from '../lib/config'
import type * as thingsRepo from '../things/repo'
import { newThingRow, thingView } from '../things/service'
import { type EffectiveLayout, formatDuration } from './layout'

/*
 * What one mapping creates and answers, decided before anything is written: no D1, no KV, no
 * fetch. The input is the resolved layout, the request and the ids and keys to use; the output
 * is the rows to insert (a Plan) and the views of them (the 201 answer, the dry run).
 */

/** A validated POST /mapping body (an empty name is already absent). */
export interface MappingRequest {
  external_id: string
  external_key: string
  name?: string
}

/** Everything one mapping creates. */
export interface Plan {
  layout: EffectiveLayout
  owner: string
  externalId: string
  things: thingsRepo.ThingRow[]
  channels: channelsRepo.ChannelRow[]
  gatewayId: string
  /**
   * Connections, made in the mapping's batch: the gateway's to every channel when it is
   * whitelisted or has no config; other things' to their layout `channels`.
   */
  pairs: [channelId: string, thingId: string][]
  config?: Omit<
    bootstrapRepo.ConfigRow,
    'lastBootstrapAt' | 'lastFailureAt' | 'lastFailure' | 'content'
  > & {
    /** A JSON document, always (see `buildPlan`). */
    content: string
  }
}

/** How ids and keys are made: random for a mapping, layout positions for a dry run. */
export interface Ids {
  thing(i: number): string
  channel(i: number): string
  /** The key of the layout's thing `i`. */
  key(i: number): string
}

export const randomIds: Ids = {
  thing: () => crypto.randomUUID(),
  channel: () => crypto.randomUUID(),
  key: () => crypto.randomUUID(),
}

/** Layout positions for ids (`things[0]`, `channels[1]`); keys are never shown in a dry run. */
export const refIds: Ids = {
  thing: (i) => `things[${i}]`,
  channel: (i) => `channels[${i}]`,
  key: () => crypto.randomUUID(),
}

/** What a plan needs besides the layout and the request. */
export interface PlanInput {
  owner: string
  /** The stored hash of the request's external key. */
  keyHash: string
  ids: Ids
  now: number
}

function channelRows(layout: EffectiveLayout, { owner, ids, now }: PlanInput) {
  return layout.channels.map((c, i): channelsRepo.ChannelRow => ({
    id: ids.channel(i),
    owner,
    name: c.name,
    metadata: c.metadata ? { ...c.metadata } : null,
    createdAt: now,
  }))
}

/**
 * The gateway is named from the request (the layout otherwise), and its metadata is the
 * layout's with `external_id` replaced plus 0.12.1's gateway fields, never the external key.
 * Layout metadata is copied, never changed (0.12.1 wrote into the shared layout).
 */
function thingRows(
  layout: EffectiveLayout,
  req: MappingRequest,
  channels: channelsRepo.ChannelRow[],
  { owner, ids, now }: PlanInput
) {
  const ofType = (type: string) =>
    channels[layout.channels.findIndex((c) => c.type === type)]?.id ?? ''
  return layout.things.map((t, i) => {
    const gateway = i === layout.gateway
    const row = newThingRow(
      owner,
      { name: gateway ? (req.name ?? t.name) : t.name, key: ids.key(i) },
      now
    )
    row.id = ids.thing(i)
    row.metadata = t.metadata ? { ...t.metadata } : null
    if (gateway) {
      row.metadata = {
        ...row.metadata,
        external_id: req.external_id,
        type: 'gateway',
        ctrl_channel_id: ofType('control'),
        data_channel_id: ofType('data'),
        export_channel_id: ofType('export'),
        cfg_id: layout.provision ? row.id : '',
      }
    }
    return row
  })
}

function connectionPairs(
  layout: EffectiveLayout,
  things: thingsRepo.ThingRow[],
  channels: channelsRepo.ChannelRow[]
): Plan['pairs'] {
  const channelId = new Map(layout.channels.map((c, i) => [c.name, channels[i]!.id]))
  // The gateway is connected to every channel when whitelisted (its config is inserted active)
  // or when it has no config that could be activated later.
  const connectGateway = !layout.provision || layout.autowhiteList
  const pairs: Plan['pairs'] = []
  layout.things.forEach((t, i) => {
    const names =
      i === layout.gateway ? (connectGateway ? layout.channels.map((c) => c.name) : []) : t.channels
    for (const n of names) pairs.push([channelId.get(n)!, things[i]!.id])
  })
  return pairs
}

/** The rows of one mapping. */
export function buildPlan(layout: EffectiveLayout, req: MappingRequest, input: PlanInput): Plan {
  const { owner, keyHash, now } = input
  const channels = channelRows(layout, input)
  const things = thingRows(layout, req, channels, input)
  const gateway = things[layout.gateway]!
  return {
    layout,
    owner,
    externalId: req.external_id,
    things,
    channels,
    gatewayId: gateway.id,
    pairs: connectionPairs(layout, things, channels),
    config: layout.provision
      ? {
          thingId: gateway.id,
          owner,
          name: gateway.name || null,
          externalId: req.external_id,
          externalKeyHash: keyHash,
          // Always a JSON document, as 0.12.1 stored it (`null` without content): the agent
          // parses this string and counts a fetch without it as failed.
          content: JSON.stringify(layout.content ?? null),
          clientCert: null,
          clientKey: null,
          caCert: null,
          clientCertCn: null,
          state: layout.autowhiteList ? 1 : 0,
          createdAt: now,
        }
      : undefined,
  }
}

/** The plan of a dry run: no owner, no key hash, things and channels named by position. */
export function dryRunPlan(layout: EffectiveLayout, req: MappingRequest): Plan {
  return buildPlan(layout, req, { owner: '', keyHash: '', ids: refIds, now: 0 })
}

/** The 201 answer, in 0.12.1's field order; things show their metadata as stored. */
export function mappingAnswer(p: Plan, issued: Issued[]) {
  const byThing = (f: (i: Issued) => string | undefined) =>
    Object.fromEntries(issued.map((i) => [i.thingId, f(i) ?? '']))
  return {
    things: p.things.map(thingView),
    channels: p.channels.map(channelView),
    ...(issued.length > 0
      ? {
          client_cert: byThing((i) => i.certPem),
          client_key: byThing((i) => i.keyPem),
          ca_cert: issued[0]!.caPem,
        }
      : {}),
    whitelisted: p.config && p.layout.autowhiteList ? { [p.gatewayId]: true } : {},
  }
}

export type MappingAnswer = ReturnType<typeof mappingAnswer>

/** Each thing's channels: its pairs, and every channel for a whitelisted gateway. */
function connectedChannels(p: Plan): Map<string, string[]> {
  const connected = new Map<string, string[]>(p.things.map((t) => [t.id, []]))
  for (const [c, t] of p.pairs) connected.get(t)!.push(c)
  if (p.config && p.layout.autowhiteList) {
    connected.set(
      p.gatewayId,
      p.channels.map((c) => c.id)
    )
  }
  return connected
}

/**
 * The 200 answer of a dry run (of a `dryRunPlan`): every name, metadata, connection, the config
 * and the certificate parameters. `commonName` is the certificates' configured CN.
 */
export function dryRunView(p: Plan, commonName: Config['MF_CERTS_CN']) {
  const layout = p.layout
  const connected = connectedChannels(p)
  return {
    dry_run: true as const,
    layout: layout.name,
    things: p.things.map((t, i) => ({
      ref: t.id,
      name: t.name || undefined,
      metadata: t.metadata ?? undefined,
      gateway: i === layout.gateway,
      channels: connected.get(t.id)!,
    })),
    channels: p.channels.map((c, i) => ({
      ref: c.id,
      name: c.name,
      metadata: c.metadata ?? undefined,
      type: layout.channels[i]!.type,
    })),
    connections: [...connected].flatMap(([thing, chans]) =>
      chans.map((channel) => ({ thing, channel }))
    ),
    bootstrap: p.config
      ? {
          external_id: p.externalId,
          thing: p.gatewayId,
          name: p.config.name ?? undefined,
          content: p.config.content,
          channels: orderChannels(p.channels).map((c) => c.id),
          state: layout.autowhiteList ? 1 : 0,
          certificates: layout.x509,
        }
      : null,
    whitelisted: Boolean(p.config && layout.autowhiteList),
    certs: layout.x509
      ? {
          things: p.things.map((t) => t.id),
          key_type: layout.key.type,
          key_bits: layout.key.bits,
          ttl: formatDuration(layout.ttlMs),
          common_name: commonName,
        }
      : null,
  }
}
