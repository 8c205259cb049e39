import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { createApp } from '../../src/app'
import { api, type ApiOptions, type ApiResponse } from '../helpers'

/** Creates a thing through the API and returns its id and key. */
export async function newThing(
  token: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; key: string }> {
  const res = await api('POST', '/things', { token, json: body })
  expect(res.status, res.text).toBe(201)
  const id = res.headers.get('Location')!.replace('/things/', '')
  const view = await api('GET', `/things/${id}`, { token })
  expect(view.status, view.text).toBe(200)
  return { id, key: view.body.key }
}

/** Creates things in bulk and returns them as the API answered. */
export async function newThings(token: string, items: Record<string, unknown>[]) {
  const res = await api('POST', '/things/bulk', { token, json: items })
  expect(res.status, res.text).toBe(201)
  return res.body.things as { id: string; name?: string; key: string; metadata?: Record<string, unknown> }[]
}

export async function newChannel(token: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await api('POST', '/channels', { token, json: body })
  expect(res.status, res.text).toBe(201)
  return res.headers.get('Location')!.replace('/channels/', '')
}

export async function connect(token: string, channelIds: string[], thingIds: string[]) {
  const res = await api('POST', '/connect', { token, json: { channel_ids: channelIds, thing_ids: thingIds } })
  expect(res.status, res.text).toBe(200)
}

/** A D1 binding that counts round trips: one per executed statement, one per batch. */
export function countingD1(db: D1Database) {
  const counter = { calls: 0 }
  const wrapStatement = (stmt: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target)
        if (prop === 'bind') {
          return (...args: unknown[]) => wrapStatement((value as Function).apply(target, args))
        }
        if (prop === 'all' || prop === 'run' || prop === 'first' || prop === 'raw') {
          return (...args: unknown[]) => {
            counter.calls++
            return (value as Function).apply(target, args)
          }
        }
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  const unwrap = new WeakMap<object, D1PreparedStatement>()
  const wrapped = new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (prop === 'prepare') {
        return (query: string) => {
          const real = target.prepare(query)
          const proxy = wrapStatement(real)
          unwrap.set(proxy, real)
          return proxy
        }
      }
      if (prop === 'batch') {
        return (stmts: D1PreparedStatement[]) => {
          counter.calls++
          return target.batch(stmts)
        }
      }
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { db: wrapped, counter }
}

/**
 * One request through a fresh app with a modified env, waiting for its waitUntil work (cache
 * fills) before returning, so tests can look at KV deterministically.
 */
export async function call<T = any>(
  method: string,
  path: string,
  opts: ApiOptions = {},
  overrides: Partial<typeof env> = {},
): Promise<ApiResponse<T>> {
  const headers = new Headers(opts.headers)
  if (opts.token) headers.set('Authorization', `Bearer ${opts.token}`)
  if (opts.auth !== undefined) headers.set('Authorization', opts.auth)
  let body = opts.body
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json)
    if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json')
  }
  const ctx = createExecutionContext()
  const res = await createApp().fetch(
    new Request(`http://fluxgate.test${path}`, { method, headers, body }),
    { ...env, ...overrides },
    ctx,
  )
  await waitOnExecutionContext(ctx)
  const text = await res.text()
  let parsed: unknown = text
  if (text && res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text)
  return { status: res.status, headers: res.headers, body: parsed as T, text }
}
