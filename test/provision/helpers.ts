import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { createDb } from '../../src/db/client'
import type { Identity } from '../../src/env'
import { loadConfig } from '../../src/lib/config'
import { makeProvisionService, type ProvisionDeps } from '../../src/provision/service'
import { type ApiOptions, type ApiResponse, api, call, type TestUser, uid } from '../helpers'

export type Overrides = Record<string, unknown>

export interface MappingOptions extends ApiOptions {
  layout?: string
  dryRun?: boolean
  idempotencyKey?: string
  /** Settings changed for this request (a fresh app and env object; waitUntil work is flushed). */
  env?: Overrides
}

/** A fresh pair of gateway credentials. */
export const gatewayCreds = (name?: string) => ({
  external_id: `gw-${uid()}-${uid()}`,
  external_key: `key-${crypto.randomUUID()}`,
  ...(name === undefined ? {} : { name }),
})

/** POST /mapping. */
export function mapping(json: unknown, opts: MappingOptions = {}): Promise<ApiResponse> {
  const q = new URLSearchParams()
  if (opts.layout !== undefined) q.set('layout', opts.layout)
  if (opts.dryRun) q.set('dry_run', 'true')
  const path = `/mapping${q.size ? `?${q}` : ''}`
  const headers = { ...opts.headers }
  if (opts.idempotencyKey !== undefined) headers['Idempotency-Key'] = opts.idempotencyKey
  const o = { ...opts, json, headers }
  return opts.env ? call('POST', path, o, opts.env) : api('POST', path, o)
}

/** POST /mapping expecting 201. */
export async function provisioned(json: unknown, opts: MappingOptions = {}) {
  const res = await mapping(json, opts)
  expect(res.status, res.text).toBe(201)
  return res.body as MappingBody
}

export interface MappingBody {
  things: { id: string; name?: string; key: string; metadata?: Record<string, any> }[]
  channels: { id: string; name?: string; metadata?: Record<string, any> }[]
  whitelisted: Record<string, boolean>
  client_cert?: Record<string, string>
  client_key?: Record<string, string>
  ca_cert?: string
}

/** The gateway thing of an answer (the one whose metadata says so). */
export const gatewayOf = (b: MappingBody) => b.things.find((t) => t.metadata?.type === 'gateway')!

/** The bootstrap fetch of a gateway, through a fresh app (waitUntil flushed). */
export const fetchBootstrap = (externalId: string, key: string) =>
  call('GET', `/things/bootstrap/${encodeURIComponent(externalId)}`, { auth: key })

export const accessByKey = (chanId: string, key: string) =>
  api('POST', `/identify/channels/${chanId}/access-by-key`, { json: { token: key } })

/** An API key of a user (type 2). */
export async function apiKey(token: string, duration = 3600) {
  const res = await api('POST', '/keys', { token, json: { type: 2, duration } })
  expect(res.status, res.text).toBe(201)
  return res.body as { id: string; value: string }
}

/** The provision service against the test D1 and KV, with the test seams. */
export function provisionService(inject: ProvisionDeps['inject'] = {}, overrides: Overrides = {}) {
  const e = { ...env, ...overrides } as typeof env
  const ctx = createExecutionContext()
  const db = createDb(e.DB)
  const service = makeProvisionService({
    db,
    read: db,
    config: loadConfig(e),
    env: e,
    waitUntil: (p) => ctx.waitUntil(p),
    inject,
  })
  return { service, flush: () => waitOnExecutionContext(ctx) }
}

/** A user's login identity, as the routes hand it to the service. */
export const identityOf = (u: TestUser): Identity => ({
  userId: u.id,
  email: u.email,
  kind: 'login',
})

/** The raw bootstrap_configs row of an external id. */
export function configRow(externalId: string) {
  return env.DB.prepare('SELECT * FROM bootstrap_configs WHERE external_id = ?')
    .bind(externalId)
    .first<Record<string, any>>()
}

/** Layout text: the gateway thing, and the control and data channels (MINIMAL is both). */
export const GATEWAY = `
[[things]]
  name = "gw"
  [things.metadata]
    external_id = "x"
`
export const CHANNELS = `
[[channels]]
  name = "control-channel"
  [channels.metadata]
    type = "control"
[[channels]]
  name = "data-channel"
  [channels.metadata]
    type = "data"
`
export const MINIMAL = GATEWAY + CHANNELS
