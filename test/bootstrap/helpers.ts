import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { type ApiResponse, call, callRaw, countingD1, uid } from '../helpers'

export type Env = Partial<typeof env>

export interface Config {
  id: string
  externalId: string
  externalKey: string
}

/** Adds a config through the API (a new thing unless `thing_id` is given). */
export async function newConfig(
  token: string,
  body: Record<string, unknown> = {}
): Promise<Config> {
  const externalId = (body.external_id as string | undefined) ?? `ext-${uid()}-${uid()}`
  const externalKey = (body.external_key as string | undefined) ?? `key-${crypto.randomUUID()}`
  // Through call(): the marker the creation writes after answering is in KV when this returns.
  const res = await call('POST', '/things/configs', {
    token,
    json: { ...body, external_id: externalId, external_key: externalKey },
  })
  expect(res.status, res.text).toBe(201)
  const id = res.headers.get('Location')!.replace('/things/configs/', '')
  return { id, externalId, externalKey }
}

/** A plain fetch through a fresh app, waiting for its waitUntil work (fills, recording). */
export function fetchConfig(
  externalId: string,
  auth: string | undefined,
  opts: { headers?: Record<string, string>; env?: Env } = {}
) {
  return call(
    'GET',
    `/things/bootstrap/${encodeURIComponent(externalId)}`,
    { auth, headers: opts.headers },
    opts.env
  )
}

/** One request against a D1 binding that counts round trips (waitUntil work included). */
export async function counted(run: (o: Env) => Promise<ApiResponse>, extra: Env = {}) {
  const { db, counter } = countingD1(env.DB)
  const res = await run({ ...extra, DB: db })
  return { res, d1: counter.calls }
}

/** Fetches until the answer comes from KV alone (0 D1 round trips); returns the trip counts. */
export async function warm(cfg: Config, auth = cfg.externalKey) {
  const trips: number[] = []
  for (let i = 0; i < 5; i++) {
    const { res, d1 } = await counted((o) => fetchConfig(cfg.externalId, auth, { env: o }))
    expect(res.status, res.text).toBe(200)
    trips.push(d1)
    if (d1 === 0) return trips
  }
  throw new Error(`never served from the cache: D1 round trips ${trips.join(', ')}`)
}

/** Raw bytes of a response (the encrypted routes answer binary). */
export async function rawCall(path: string, auth: string | undefined, overrides: Env = {}) {
  const res = await callRaw('GET', path, { auth }, overrides)
  return {
    status: res.status,
    headers: res.headers,
    bytes: new Uint8Array(await res.arrayBuffer()),
  }
}

export const hex = (bytes: Uint8Array) =>
  [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')

export function unhex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}
