import { z } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { describe, expect, it } from 'vitest'
import { AppError, onError } from '../../src/lib/errors'
import { defineRoute, guard, jsonBody, newRouter, publicRoute } from '../../src/lib/openapi'

const body = z.object({ name: z.string() })

describe('defineRoute', () => {
  it('refuses a JSON body without json: true, and json: true without a JSON body', () => {
    expect(() =>
      defineRoute({
        method: 'post',
        path: '/x',
        guard: publicRoute,
        request: { body: jsonBody(body) },
        responses: { 200: { description: 'ok' } },
      })
    ).toThrow(/json must be set/)
    expect(() =>
      defineRoute({
        method: 'get',
        path: '/x',
        guard: publicRoute,
        json: true,
        responses: { 200: { description: 'ok' } },
      })
    ).toThrow(/json must be set/)
  })

  it('runs the rate cap, then the guard, then the JSON body check, and documents the guard', async () => {
    const ran: string[] = []
    const step =
      (name: string, refuse?: (h: Headers) => boolean): MiddlewareHandler =>
      async (c, next) => {
        ran.push(name)
        if (refuse?.(c.req.raw.headers)) throw new AppError('unauthenticated')
        await next()
      }
    const router = newRouter()
    const route = defineRoute({
      method: 'post',
      path: '/x',
      guard: guard(
        [{ bearerAuth: [] }],
        step('guard', (h) => !h.has('authorization'))
      ),
      limit: step('limit'),
      json: true,
      request: { body: jsonBody(body) },
      responses: { 200: { description: 'ok' } },
    })
    expect(route.security).toEqual([{ bearerAuth: [] }])
    router.openapi(route, (c) => c.json({ got: c.req.valid('json').name }, 200))
    router.onError(onError)

    // No credential: the guard refuses before the body is looked at (401, not 415).
    let res = await router.request('/x', { method: 'POST', body: 'x' })
    expect(res.status).toBe(401)
    expect(ran).toEqual(['limit', 'guard'])

    ran.length = 0
    res = await router.request('/x', {
      method: 'POST',
      headers: { authorization: 't' },
      body: '{}',
    })
    expect(res.status).toBe(415)
    expect(ran).toEqual(['limit', 'guard'])

    res = await router.request('/x', {
      method: 'POST',
      headers: { authorization: 't', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'a' }),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ got: 'a' })
  })

  it('a public route has no security in the document', () => {
    const route = defineRoute({
      method: 'get',
      path: '/x',
      guard: publicRoute,
      responses: { 200: { description: 'ok' } },
    })
    expect(route.security).toBeUndefined()
    expect(route.middleware).toEqual([])
  })
})
