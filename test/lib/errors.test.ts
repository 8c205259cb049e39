import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'
import { AppError, type ErrorCode, onError, STATUS } from '../../src/lib/errors'

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

  it('hides internal details behind a generic 500', async () => {
    const res = await appThrowing(new Error('SQLITE_BUSY: secret detail')).request('/')
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'internal server error' })
  })

  it("keeps Hono's 400 message and maps other HTTPExceptions to our codes", async () => {
    const bad = await appThrowing(new HTTPException(400, { message: 'Malformed JSON in request body' })).request('/')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: 'Malformed JSON in request body' })
    const media = await appThrowing(new HTTPException(415, { message: 'Unsupported Media Type' })).request('/')
    expect(media.status).toBe(415)
    expect(await media.json()).toEqual({ error: 'unsupported content type' })
  })
})
