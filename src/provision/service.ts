import type { BatchItem } from 'drizzle-orm/batch'
import { orderChannels } from '../bootstrap/answer'
import * as bootstrapRepo from '../bootstrap/repo'
import { certCn, externalKeyHash } from '../bootstrap/service'
import * as certsRepo from '../certs/repo'
import { type Issued, makeCertsService } from '../certs/service'
import * as channelsRepo from '../channels/repo'
import * as connectionsRepo from '../connections/repo'
import { channelView } from '../channels/service'
import { errorMentions, isUniqueViolation } from '../db/client'
import type { Identity } from '../env'
import type { Config } from '../lib/config'
import type { Deps } from '../lib/context'
import { timingSafeEqual } from '../lib/crypto'
import { AppError } from '../lib/errors'
import { LIMITS } from '../lib/limits'
import * as thingsRepo from '../things/repo'
import { batchAll, newThingRow, thingView } from '../things/service'
import { PLACEHOLDERS, type PlaceholderValues, unsetMessage } from './content'
import { openAnswer, requestHash, sealAnswer } from './idempotency'
import {
  type EffectiveLayout,
  effectiveLayout,
  formatDuration,
  type Layout,
  LayoutError,
  layoutView,
  parseLayout,
} from './layout'
import { LAYOUT_SOURCES } from './layouts'
import * as repo from './repo'

type Statement = BatchItem<'sqlite'>

/** A validated POST /mapping body (an empty name is already absent). */
export interface MappingRequest {
  external_id: string
  external_key: string
  name?: string
}

/** Everything one mapping creates, decided before anything is written. */
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
    /** A JSON document, always (see `plan`). */
    content: string
  }
}

export interface ProvisionDeps extends Deps {
  /**
   * Tests only; no route sets it. `plan` may change the plan before statements are built (e.g. a
   * thing key that collides), `batch` may rewrite the statements (e.g. add a failing one).
   */
  inject?: {
    /** Layouts to use instead of the bundled ones. */
    layouts?: Readonly<Record<string, string>>
    plan?: (plan: Plan) => void
    batch?: (statements: Statement[], plan: Plan) => Statement[]
  }
}

/** The 201 answer (see `answer`). */
export type MappingAnswer = ReturnType<typeof answer>

export interface MappingResult {
  status: 201
  body: MappingAnswer
  /** True when the answer is the stored one of an earlier request with the same Idempotency-Key. */
  replayed: boolean
}

type Sources = Readonly<Record<string, string>>

// Layouts are parsed once per isolate, and resolved against the settings once per config object.
const parsed = new WeakMap<Sources, Map<string, Layout | LayoutError>>()
const resolved = new WeakMap<Config, WeakMap<Sources, Map<string, EffectiveLayout | LayoutError>>>()

function misconfigured(e: LayoutError) {
  return new AppError('internal', 'server misconfigured', { cause: e })
}

function memo<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V {
  let v = map.get(key)
  if (v === undefined) map.set(key, (v = make()))
  return v
}

function resolve(config: Config, sources: Sources, name: string): EffectiveLayout | LayoutError {
  const layouts = memo(parsed, sources, () => new Map<string, Layout | LayoutError>())
  let layout = layouts.get(name)
  if (!layout) {
    try {
      layout = parseLayout(name, sources[name]!)
    } catch (e) {
      if (!(e instanceof LayoutError)) throw e
      layout = e
    }
    layouts.set(name, layout)
  }
  if (layout instanceof LayoutError) return layout
  const settings: PlaceholderValues = {}
  for (const p of PLACEHOLDERS) settings[p] = config[p]
  try {
    return effectiveLayout(layout, {
      provision: config.MF_PROVISION_BS_CONFIG_PROVISIONING,
      autowhiteList: config.MF_PROVISION_BS_AUTO_WHITELIST,
      x509: config.MF_PROVISION_X509_PROVISIONING,
      ttlMs: config.MF_PROVISION_CERTS_HOURS_VALID,
      keyType: config.MF_PROVISION_CERTS_KEY_TYPE,
      keyBits: config.MF_PROVISION_CERTS_KEY_BITS,
      certsDefaultTtlMs: config.MF_CERTS_DEFAULT_TTL,
      settings,
    })
  } catch (e) {
    if (!(e instanceof LayoutError)) throw e
    return e
  }
}

/**
 * The layout `name` (MF_PROVISION_LAYOUT when absent) with every setting resolved and its
 * content placeholders filled.
 * @throws AppError('not_found') for a layout that is not bundled; AppError('unavailable') when its
 *   content names a setting that is not set (the message names both); AppError('internal') when it
 *   or the settings are invalid (the log names the file and the field).
 */
export function loadLayout(
  config: Config,
  name: string | undefined,
  sources: Sources = LAYOUT_SOURCES,
): EffectiveLayout {
  const wanted = name ?? config.MF_PROVISION_LAYOUT
  if (!Object.hasOwn(sources, wanted)) {
    if (name === undefined) {
      throw misconfigured(
        new LayoutError('MF_PROVISION_LAYOUT', [`no layout is named "${wanted}"`]),
      )
    }
    throw new AppError('not_found', `layout "${wanted}" not found`)
  }
  const perConfig = memo(
    resolved,
    config,
    () => new WeakMap<Sources, Map<string, EffectiveLayout | LayoutError>>(),
  )
  const layouts = memo(perConfig, sources, () => new Map<string, EffectiveLayout | LayoutError>())
  let hit = layouts.get(wanted)
  if (!hit) layouts.set(wanted, (hit = resolve(config, sources, wanted)))
  if (hit instanceof LayoutError) throw misconfigured(hit)
  if (hit.unset.length > 0) throw new AppError('unavailable', unsetMessage(hit.name, hit.unset))
  return hit
}

/** How ids and keys are made: random for a mapping, layout positions for a dry run. */
interface Ids {
  thing(i: number): string
  channel(i: number): string
}

const randomIds: Ids = { thing: () => crypto.randomUUID(), channel: () => crypto.randomUUID() }
const refIds: Ids = { thing: (i) => `things[${i}]`, channel: (i) => `channels[${i}]` }

/**
 * The rows of one mapping. The gateway is named from the request (the layout otherwise), and its
 * metadata is the layout's with `external_id` replaced plus 0.12.1's gateway fields, never the
 * external key. Layout metadata is copied, never changed (0.12.1 wrote into the shared layout).
 */
function plan(
  layout: EffectiveLayout,
  owner: string,
  req: MappingRequest,
  keyHash: string,
  ids: Ids,
  now: number,
): Plan {
  const channels: channelsRepo.ChannelRow[] = layout.channels.map((c, i) => ({
    id: ids.channel(i),
    owner,
    name: c.name,
    metadata: c.metadata ? { ...c.metadata } : null,
    createdAt: now,
  }))
  const channelId = new Map(layout.channels.map((c, i) => [c.name, channels[i]!.id]))
  const ofType = (type: string) =>
    channels[layout.channels.findIndex((c) => c.type === type)]?.id ?? ''
  const things = layout.things.map((t, i) => {
    const gateway = i === layout.gateway
    const row = newThingRow(owner, { name: gateway ? (req.name ?? t.name) : t.name }, now)
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
  const gatewayId = things[layout.gateway]!.id
  const pairs: Plan['pairs'] = []
  layout.things.forEach((t, i) => {
    // The gateway is connected to every channel when whitelisted (its config is inserted active)
    // or when it has no config that could be activated later.
    const connectGateway = !layout.provision || layout.autowhiteList
    const names =
      i === layout.gateway ? (connectGateway ? layout.channels.map((c) => c.name) : []) : t.channels
    for (const n of names) pairs.push([channelId.get(n)!, things[i]!.id])
  })
  const gateway = things[layout.gateway]!
  return {
    layout,
    owner,
    externalId: req.external_id,
    things,
    channels,
    gatewayId,
    pairs,
    config: layout.provision
      ? {
          thingId: gatewayId,
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

/** The 201 answer, in 0.12.1's field order; things show their metadata as stored. */
function answer(p: Plan, issued: Issued[]) {
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

/** A failed mapping batch as the caller should see it. */
function mapBatchError(e: unknown): never {
  if (isUniqueViolation(e)) {
    if (errorMentions(e, 'bootstrap_configs.external_id')) {
      throw new AppError('conflict', 'external_id already provisioned')
    }
    if (errorMentions(e, 'things.key')) throw new AppError('conflict', 'thing key already in use')
  }
  throw e
}

export function makeProvisionService(deps: ProvisionDeps) {
  const { db, config, inject } = deps
  const certs = makeCertsService(deps)

  /** Signs every thing's certificate (before the batch: no D1 write); all or none. */
  async function prepareCerts(p: Plan): Promise<Issued[]> {
    if (!p.layout.x509) return []
    const results = await Promise.allSettled(
      p.things.map((t) =>
        certs.prepareCert(
          { id: t.id, key: t.key, owner: p.owner },
          { key: p.layout.key, ttlMs: p.layout.ttlMs },
        ),
      ),
    )
    const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) {
      certs.discardPrepared(done)
      throw failed.reason
    }
    return done
  }

  /** The statements of one mapping, in the order they run (one D1 batch). */
  function statements(p: Plan, issued: Issued[], claim?: repo.IdempotencyRow): Statement[] {
    const out: Statement[] = []
    // The claim goes first: a repeated request fails there, before anything else can conflict.
    if (claim) out.push(...repo.claim(db, claim, claim.createdAt - LIMITS.idempotencyTtlMs))
    out.push(...thingsRepo.save(db, p.things), ...channelsRepo.save(db, p.channels))
    if (p.config) {
      const gatewayCert = issued.find((i) => i.thingId === p.gatewayId)
      out.push(
        bootstrapRepo.save(db, {
          ...p.config,
          clientCert: gatewayCert?.certPem ?? null,
          clientKey: gatewayCert?.keyPem ?? null,
          caCert: gatewayCert?.caPem ?? null,
          clientCertCn: certCn(gatewayCert?.certPem ?? null),
        }),
        bootstrapRepo.saveChannels(
          db,
          p.owner,
          p.gatewayId,
          p.channels.map((c) => c.id),
        ),
      )
    }
    if (p.pairs.length > 0) out.push(connectionsRepo.connectPairs(db, p.owner, p.pairs))
    if (issued.length > 0)
      out.push(
        ...certsRepo.saveAll(
          db,
          issued.map((i) => i.row),
        ),
      )
    return inject?.batch ? inject.batch(out, p) : out
  }

  /** The stored answer for a repeated Idempotency-Key (one D1 read). */
  async function replay(owner: string, key: string, hash: string): Promise<MappingResult> {
    const [row] = await repo.retrieve(db, owner, key)
    // The claim failed on this row a moment ago; it can only be gone if it expired meanwhile.
    if (!row) throw new AppError('conflict', 'Idempotency-Key is being reused concurrently; retry')
    const unreadable = () =>
      new AppError(
        'conflict',
        'the stored answer of this Idempotency-Key cannot be read (the server secret changed); use a new key',
      )
    if (!timingSafeEqual(row.requestHash, hash)) {
      // Another request, or the same one hashed under a rotated secret: only an answer that still
      // opens (bound to the stored hash) proves the secret is current and the request differs.
      const current = await openAnswer(config, { owner, key, hash: row.requestHash }, row.response)
      if (current === undefined) throw unreadable()
      throw new AppError(
        'unprocessable',
        'Idempotency-Key was already used with a different request',
      )
    }
    const body = await openAnswer(config, { owner, key, hash }, row.response)
    if (!body || typeof body !== 'object') throw unreadable()
    // What was stored is what `answer` returned for this very request.
    return { status: 201, body: body as MappingAnswer, replayed: true }
  }

  return {
    /**
     * The layout `name` (MF_PROVISION_LAYOUT when absent) with every setting resolved.
     * @throws AppError('not_found') unknown layout; AppError('unavailable') a setting its content
     *   needs is unset; AppError('internal') invalid layout or settings.
     */
    viewLayout(name?: string) {
      return layoutView(loadLayout(config, name, inject?.layouts))
    },

    /**
     * Provisions a gateway from a layout: every thing, channel, connection, the bootstrap config
     * and certificates in one D1 batch, all or nothing. Certificates are signed before the batch
     * and recorded inside it. With an idempotency key, a repeat of the same request returns the
     * first answer and creates nothing.
     * @throws AppError('not_found') unknown layout; AppError('unavailable') a setting its content
     *   needs is unset (nothing is written); AppError('conflict') external id already
     *   provisioned; AppError('unprocessable') idempotency key used with another request;
     *   AppError('malformed_entity' | 'unavailable' | 'internal') from certificate signing.
     */
    async provision(
      identity: Identity,
      req: MappingRequest,
      opts: { layout?: string; idempotencyKey?: string } = {},
    ): Promise<MappingResult> {
      const layout = loadLayout(config, opts.layout, inject?.layouts)
      const owner = identity.userId
      const now = Date.now()
      const p = plan(
        layout,
        owner,
        req,
        await externalKeyHash(config, req.external_key),
        randomIds,
        now,
      )
      inject?.plan?.(p)
      const issued = await prepareCerts(p)
      const body = answer(p, issued)
      const key = opts.idempotencyKey
      const hash = key === undefined ? undefined : await requestHash(config, layout.name, req)
      const claim =
        key === undefined || hash === undefined
          ? undefined
          : {
              owner,
              key,
              requestHash: hash,
              status: 201,
              response: await sealAnswer(config, { owner, key, hash }, body),
              createdAt: now,
            }
      try {
        await batchAll(db, statements(p, issued, claim))
      } catch (e) {
        certs.discardPrepared(issued)
        if (claim && repo.isKeyTaken(e)) return replay(owner, claim.key, claim.requestHash)
        mapBatchError(e)
      }
      // No bootstrap KV marker is written here: a KV write per mapping cost about a third of the
      // mapping rate, and without it the gateway's first fetch creates the marker itself (its
      // second fetch fills the cache, its third is a hit).
      return { status: 201, body, replayed: false }
    },

    /**
     * What `provision` would create, without writing anything: every name, metadata, connection,
     * the config and the certificate parameters. Ids do not exist yet, so things and channels are
     * named by their layout position (`things[0]`, `channels[1]`), in metadata too.
     * @throws AppError('not_found') unknown layout; AppError('unavailable') a setting its content
     *   needs is unset; AppError('conflict') external id provisioned.
     */
    async dryRun(req: MappingRequest, layoutName?: string) {
      const layout = loadLayout(config, layoutName, inject?.layouts)
      const [taken] = await bootstrapRepo.retrieveByExternalId(db, req.external_id)[0]
      if (taken) throw new AppError('conflict', 'external_id already provisioned')
      const p = plan(layout, '', req, '', refIds, 0)
      const connected = new Map<string, string[]>(p.things.map((t) => [t.id, []]))
      for (const [c, t] of p.pairs) connected.get(t)!.push(c)
      if (p.config && layout.autowhiteList)
        connected.set(
          p.gatewayId,
          p.channels.map((c) => c.id),
        )
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
          chans.map((channel) => ({ thing, channel })),
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
              common_name: config.MF_CERTS_CN,
            }
          : null,
      }
    },
  }
}
