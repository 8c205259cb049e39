import { describe, expect, it } from 'vitest'
import snapshot from '../docs/openapi.json'
import { api } from './helpers'

describe('docs/openapi.json', () => {
  it('is the document the Worker serves (run npm run openapi:update when this fails)', async () => {
    const res = await api('GET', '/openapi.json')
    expect(res.status).toBe(200)
    // The key order is compared too: the snapshot is written as served.
    const served = `${JSON.stringify(res.body, null, 2)}\n`
    const committed = `${JSON.stringify(snapshot, null, 2)}\n`
    expect(served === committed, 'docs/openapi.json is stale: run npm run openapi:update').toBe(
      true
    )
    expect(res.body).toEqual(snapshot)
  })
})
