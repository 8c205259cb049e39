import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it, vi } from 'vitest'
import {
  AppError,
  type ErrorCode,
  forLog,
  onError,
  STATUS,
  ThrottledError,
} from '../../src/lib/errors'
import { call } from '../helpers'

const expected: Record<ErrorCode, number> = {
  malformed_entity: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
}

function appThrowing(err: unknown) {
  const app = new Hono()
  app.get('/', () => {
    throw err
  })
  app.onError(onError)
  return app
}

describe('error model', () => {
  it('maps exactly these codes', () => {
    expect(STATUS).toEqual(expected)
  })

  it.each(Object.entries(expected))('%s → %i with {"error"}', async (code, status) => {
    const res = await appThrowing(new AppError(code as ErrorCode, `boom ${code}`)).request('/')
    expect(res.status).toBe(status)
    expect(await res.json()).toEqual({ error: `boom ${code}` })
  })

  it('a ThrottledError is 429 with Retry-After in whole seconds (at least 1)', async () => {
    for (const [ms, header] of [
      [59_001, '60'],
      [1, '1'],
      [900_000, '900'],
    ] as const) {
      const res = await appThrowing(new ThrottledError(ms, 'slow down')).request('/')
      expect(res.status).toBe(429)
      expect(res.headers.get('Retry-After')).toBe(header)
      expect(await res.json()).toEqual({ error: 'slow down' })
    }
  })

  it('hides internal details behind a generic 500', async () => {
    const res = await appThrowing(new Error('SQLITE_BUSY: secret detail')).request('/')
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'internal server error' })
  })

  it("keeps Hono's 400 message and maps other HTTPExceptions to our codes", async () => {
    const bad = await appThrowing(
      new HTTPException(400, { message: 'Malformed JSON in request body' })
    ).request('/')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: 'Malformed JSON in request body' })
    const media = await appThrowing(
      new HTTPException(415, { message: 'Unsupported Media Type' })
    ).request('/')
    expect(media.status).toBe(415)
    expect(await media.json()).toEqual({ error: 'unsupported content type' })
  })
})

describe('logs never carry query parameters', () => {
  /** A D1 binding whose every query fails the way a dropped connection does. */
  function failingD1(): D1Database {
    const fail = () => Promise.reject(new Error('D1_ERROR: Network connection lost.'))
    const stmt: any = { bind: () => stmt, first: fail, all: fail, run: fail, raw: fail }
    return {
      prepare: () => stmt,
      batch: fail,
      exec: fail,
      dump: fail,
      withSession: () => ({}),
    } as unknown as D1Database
  }

  it('a failing D1 query is logged without its bound values (a thing key here)', async () => {
    const secret = `SUPER-SECRET-KEY-${crypto.randomUUID()}`
    const logged: string[] = []
    const spy = vi.spyOn(console, 'error').mockImplementation((...args) => {
      logged.push(args.map(String).join(' '))
    })
    try {
      const res = await call(
        'POST',
        '/identify',
        { json: { token: secret } },
        { DB: failingD1(), FLUXGATE_CACHE_TTL: '0' }
      )
      expect(res.status).toBe(500)
      expect(res.body).toEqual({ error: 'internal server error' })
    } finally {
      spy.mockRestore()
    }
    expect(logged.join('\n')).toContain('parameters withheld')
    expect(logged.join('\n')).toContain('Network connection lost')
    expect(logged.join('\n')).not.toContain(secret)
  })

  it('forLog keeps ordinary errors and their causes', () => {
    const e = new Error('outer', { cause: new TypeError('inner') })
    const text = forLog(e)
    expect(text).toContain('outer')
    expect(text).toContain('caused by: TypeError: inner')
  })
})

describe('a statement SQLite refuses as too complex', () => {
  it('answers 400, not 500', async () => {
    const refuse = () =>
      Promise.reject(
        new Error('D1_ERROR: Expression tree is too large (maximum depth 100): SQLITE_ERROR')
      )
    const stmt: any = { bind: () => stmt, first: refuse, all: refuse, run: refuse, raw: refuse }
    const db = { prepare: () => stmt, batch: refuse } as unknown as D1Database
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const res = await call(
        'POST',
        '/identify',
        { json: { token: 'k' } },
        { DB: db, FLUXGATE_CACHE_TTL: '0' }
      )
      expect(res.status).toBe(400)
      expect(res.body.error).toMatch(/too complex/)
    } finally {
      spy.mockRestore()
    }
  })
})
