import { expect } from 'vitest'
import { api } from '../helpers'

export { call, countingD1 } from '../helpers'

/** Creates a thing through the API and returns its id and key. */
export async function newThing(
  token: string,
  body: Record<string, unknown> = {}
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
  return res.body.things as {
    id: string
    name?: string
    key: string
    metadata?: Record<string, unknown>
  }[]
}

export async function newChannel(
  token: string,
  body: Record<string, unknown> = {}
): Promise<string> {
  const res = await api('POST', '/channels', { token, json: body })
  expect(res.status, res.text).toBe(201)
  return res.headers.get('Location')!.replace('/channels/', '')
}

export async function connect(token: string, channelIds: string[], thingIds: string[]) {
  const res = await api('POST', '/connect', {
    token,
    json: { channel_ids: channelIds, thing_ids: thingIds },
  })
  expect(res.status, res.text).toBe(200)
}
