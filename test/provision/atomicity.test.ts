import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createDb } from '../../src/db/client'
import { AppError } from '../../src/lib/errors'
import { LAYOUT_SOURCES } from '../../src/provision/layouts'
import type { ProvisionDeps } from '../../src/provision/service'
import { api, countAll, newUser, type TestUser, uid } from '../helpers'
import { installVaultDouble, VAULT_ENV } from '../certs/vault-double'
import { newThing } from '../things/helpers'
import { gatewayCreds, identityOf, type Overrides, provisionService } from './helpers'

type Statement = BatchItem<'sqlite'>

afterEach(() => vi.restoreAllMocks())

// A layout with everything: a gateway, two more things (one connected to two channels, one to
// none), three channels, agent content with a placeholder, certificates and whitelisting.
const FULL = `
[bootstrap]
  provision = true
  autowhite_list = true
  x509_provision = true
  [bootstrap.content.agent.log]
    level = "debug"
  [bootstrap.content.agent.mqtt]
    url = "\${FLUXGATE_MQTT_URL}"
  [bootstrap.content.agent.server]
    nats_url = "localhost:4222"
[certs]
  key_type = "ec"
[[things]]
  name = "sensor-a"
  channels = ["data-channel", "export-channel"]
  [things.metadata]
    kind = "sensor"
[[things]]
  name = "gateway"
  [things.metadata]
    external_id = "xxxxxx"
    site = "north"
[[things]]
  name = "sensor-b"
[[channels]]
  name = "export-channel"
  [channels.metadata]
    type = "export"
[[channels]]
  name = "data-channel"
  [channels.metadata]
    type = "data"
[[channels]]
  name = "control-channel"
  [channels.metadata]
    type = "control"
`

const layouts = { ...LAYOUT_SOURCES, full: FULL }

/** A statement that fails when it runs (NOT NULL), whatever ran before it in the batch. */
const failing = () =>
  createDb(env.DB).run(
    sql`INSERT INTO users (id, email, password_hash, created_at) VALUES ('x', NULL, 'x', 0)`
  )

interface Case {
  desc: string
  layout: string
  /** Statements in the batch (a check that the matrix below covers what the mapping runs). */
  statements: number
  idempotencyKey?: boolean
  env?: Overrides
}

// things, channels, config, config channels, connections (the whitelisted gateway's and the other
// things'), certificates; an Idempotency-Key adds its claim (delete expired + insert) in front.
const CASES: Case[] = [
  { desc: 'default', layout: 'default', statements: 5 },
  { desc: 'agent-export', layout: 'agent-export', statements: 5 },
  { desc: 'x509 with an Idempotency-Key', layout: 'x509', idempotencyKey: true, statements: 8 },
  {
    desc: 'three things, x509, connections of non-gateway things',
    layout: 'full',
    idempotencyKey: true,
    statements: 8,
  },
  {
    desc: 'without a config (provision off)',
    layout: 'default',
    env: { MF_PROVISION_BS_CONFIG_PROVISIONING: 'false' },
    statements: 3,
  },
]

/** How many statements a mapping of `c` runs (probed without writing). */
async function statementCount(u: TestUser, c: Case): Promise<number> {
  let n = 0
  const { service } = provisionService(
    {
      layouts,
      batch: (s) => {
        n = s.length
        throw new Error('probe')
      },
    },
    c.env
  )
  const idempotencyKey = c.idempotencyKey ? `k-${uid()}` : undefined
  await expect(
    service.provision(identityOf(u), gatewayCreds(), { layout: c.layout, idempotencyKey })
  ).rejects.toThrow('probe')
  return n
}

describe('a mapping is all or nothing', () => {
  it.each(CASES)(
    '$desc: a failure at any position of the batch leaves every table as it was',
    async (c) => {
      const u = await newUser()
      const n = await statementCount(u, c)
      expect(n).toBe(c.statements)
      for (let at = 0; at <= n; at++) {
        const creds = gatewayCreds()
        const inject: ProvisionDeps['inject'] = {
          layouts,
          batch: (s: Statement[]) => [...s.slice(0, at), failing(), ...s.slice(at)],
        }
        const { service, flush } = provisionService(inject, c.env)
        const before = await countAll()
        const err = await service
          .provision(identityOf(u), creds, {
            layout: c.layout,
            idempotencyKey: c.idempotencyKey ? `k-${uid()}` : undefined,
          })
          .then(
            () => undefined,
            (e: unknown) => e
          )
        await flush()
        expect(err, `failure injected at ${at} of ${n}`).toBeDefined()
        expect(String((err as Error).cause ?? err)).toContain(
          'NOT NULL constraint failed: users.email'
        )
        expect(await countAll(), `failure injected at ${at} of ${n}`).toEqual(before)
        // No cache marker for a gateway that does not exist.
        expect(await env.CACHE.get(`bsm:${creds.external_id}`)).toBeNull()
      }
      // And the same mapping without the failure goes through.
      const { service } = provisionService({ layouts }, c.env)
      const ok = await service.provision(identityOf(u), gatewayCreds(), { layout: c.layout })
      expect(ok.status).toBe(201)
    }
  )

  it('the full layout: names, metadata, connections and certificates as the layout says', async () => {
    const u = await newUser()
    const { service } = provisionService({ layouts })
    const creds = gatewayCreds('gw-full')
    const before = await countAll()
    const { body } = await service.provision(identityOf(u), creds, { layout: 'full' })
    const after = await countAll()
    const added = (t: string) => after[t]! - before[t]!
    expect([added('things'), added('channels'), added('certs')]).toEqual([3, 3, 3])
    // gateway: 3 (whitelisted); sensor-a: 2; sensor-b: none (0.12.1 connected no other thing at all).
    expect(added('connections')).toBe(5)
    const things = body.things as {
      id: string
      name: string
      key: string
      metadata?: Record<string, unknown>
    }[]
    const channels = body.channels as { id: string; name: string }[]
    expect(things.map((t) => t.name)).toEqual(['sensor-a', 'gw-full', 'sensor-b'])
    expect(things[0]!.metadata).toEqual({ kind: 'sensor' })
    expect(things[2]!.metadata).toBeUndefined()
    expect(things[1]!.metadata).toEqual({
      external_id: creds.external_id,
      site: 'north',
      type: 'gateway',
      ctrl_channel_id: channels[2]!.id,
      data_channel_id: channels[1]!.id,
      export_channel_id: channels[0]!.id,
      cfg_id: things[1]!.id,
    })
    const chans = async (id: string) =>
      (await api('GET', `/things/${id}/channels?limit=10`, { token: u.token })).body.channels
        .map((c: { name: string }) => c.name)
        .sort()
    expect(await chans(things[0]!.id)).toEqual(['data-channel', 'export-channel'])
    expect(await chans(things[1]!.id)).toEqual([
      'control-channel',
      'data-channel',
      'export-channel',
    ])
    expect(await chans(things[2]!.id)).toEqual([])
    expect(Object.keys(body.client_cert as object).sort()).toEqual(things.map((t) => t.id).sort())
    expect(body.whitelisted).toEqual({ [things[1]!.id]: true })
  })
})

describe('conflicts detected by the batch', () => {
  it('a thing key already in use → 409; nothing is written', async () => {
    const u = await newUser()
    const existing = await newThing(u.token)
    const { service } = provisionService({
      layouts,
      plan: (p) => {
        p.things[0]!.key = existing.key
      },
    })
    const before = await countAll()
    await expect(
      service.provision(identityOf(u), gatewayCreds(), { layout: 'full' })
    ).rejects.toMatchObject({
      code: 'conflict',
      message: 'thing key already in use',
    })
    expect(await countAll()).toEqual(before)
  })

  it('two things of one mapping with the same key → 409; nothing is written', async () => {
    const u = await newUser()
    const { service } = provisionService({
      layouts,
      plan: (p) => {
        p.things[2]!.key = p.things[0]!.key
      },
    })
    const before = await countAll()
    const err = await service
      .provision(identityOf(u), gatewayCreds(), { layout: 'full' })
      .catch((e) => e)
    expect(err).toBeInstanceOf(AppError)
    expect(err.code).toBe('conflict')
    expect(await countAll()).toEqual(before)
  })
})

describe('certificates of a failed mapping', () => {
  it('built-in CA: signed before the batch, never recorded', async () => {
    const u = await newUser()
    const { service } = provisionService({ layouts, batch: (s) => [...s, failing()] })
    const before = await countAll()
    await expect(
      service.provision(identityOf(u), gatewayCreds(), { layout: 'full' })
    ).rejects.toThrow()
    expect((await countAll()).certs).toBe(before.certs)
  })

  it('Vault: the certificates Vault issued are revoked after the failure', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const { service, flush } = provisionService(
      { layouts, batch: (s) => [...s, failing()] },
      VAULT_ENV
    )
    const before = await countAll()
    await expect(
      service.provision(identityOf(u), gatewayCreds(), { layout: 'full' })
    ).rejects.toThrow()
    await flush()
    expect(await countAll()).toEqual(before)
    const issued = double.calls.filter((c) => c.path === '/v1/pki_int/issue/mainflux')
    const revoked = double.calls
      .filter((c) => c.path === '/v1/pki_int/revoke')
      .map((c) => c.body.serial_number)
    expect(issued).toHaveLength(3)
    expect(revoked).toHaveLength(3)
    expect(new Set(revoked)).toEqual(new Set(double.revoked.keys()))
  })

  it('Vault: when one certificate fails, those already issued are revoked and nothing is written', async () => {
    const double = await installVaultDouble()
    double.fail(503)
    const u = await newUser()
    const { service, flush } = provisionService({ layouts }, VAULT_ENV)
    const before = await countAll()
    await expect(
      service.provision(identityOf(u), gatewayCreds(), { layout: 'full' })
    ).rejects.toMatchObject({
      code: 'unavailable',
    })
    await flush()
    expect(await countAll()).toEqual(before)
    expect(double.calls.filter((c) => c.path === '/v1/pki_int/revoke')).toHaveLength(2)
  })

  it('Vault: a successful mapping records the certificates Vault issued', async () => {
    const double = await installVaultDouble()
    const u = await newUser()
    const { service } = provisionService({}, VAULT_ENV)
    const { body } = await service.provision(identityOf(u), gatewayCreds(), { layout: 'x509' })
    const gwId = (body.things as { id: string }[])[0]!.id
    expect(body.ca_cert).toBe(double.issuer.cert.trim())
    const list = await api('GET', `/certs/${gwId}`, { token: u.token })
    expect(list.body.total).toBe(1)
  })
})
