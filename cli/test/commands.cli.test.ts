import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { account, type Ctx, json, run } from './helpers'

let ctx: Ctx
beforeAll(async () => {
  ctx = await account()
})

const oneLine = (s: string) => {
  expect(s.trim().split('\n')).toHaveLength(1)
  expect(s).not.toMatch(/\n\s+at /)
}

describe('login and whoami', () => {
  it('stores the token in the XDG config dir with mode 0600 (folder 0700) and whoami shows the account', async () => {
    const path = join(ctx.env.XDG_CONFIG_HOME!, 'fluxgate', 'credentials.json')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(join(ctx.env.XDG_CONFIG_HOME!, 'fluxgate')).mode & 0o777).toBe(0o700)
    const me = await run(['whoami'], ctx.env)
    expect(me.code).toBe(0)
    expect(me.stdout).toContain(`email:    ${ctx.email}`)
    const j = await run(['whoami', '--json'], ctx.env)
    expect(json(j.stdout).email).toBe(ctx.email)
  })

  it('a wrong password: one line with the API message, exit 3, nothing stored', async () => {
    const env = { ...ctx.env, XDG_CONFIG_HOME: join(ctx.dir, 'other-config') }
    const r = await run(['login', ctx.email, '--password-stdin'], env, 'wrong\n')
    expect(r.code).toBe(3)
    oneLine(r.stderr)
    expect(r.stderr).toMatch(/^fluxgate: authentication failed \(401\): /)
    expect(existsSync(join(env.XDG_CONFIG_HOME, 'fluxgate', 'credentials.json'))).toBe(false)
  })

  it('an unreachable URL: one line, exit 3', async () => {
    const r = await run(['whoami', '--url', 'http://127.0.0.1:9'], {
      ...ctx.env,
      FLUXGATE_TOKEN: 'x',
    })
    expect(r.code).toBe(3)
    oneLine(r.stderr)
    expect(r.stderr).toContain('cannot reach http://127.0.0.1:9')
  })

  it('an expired or invalid token: one line telling to log in again, exit 3', async () => {
    const r = await run(['things', 'list'], {
      ...ctx.env,
      FLUXGATE_TOKEN: 'eyJhbGciOiJIUzI1NiJ9.e30.invalid',
    })
    expect(r.code).toBe(3)
    oneLine(r.stderr)
    expect(r.stderr).toContain('fluxgate login')
  })

  it('not logged in: exit 3; logout ends the token on the server and forgets it', async () => {
    const other = await account()
    const token = JSON.parse(
      readFileSync(join(other.env.XDG_CONFIG_HOME!, 'fluxgate', 'credentials.json'), 'utf8')
    ).tokens[other.url].token as string
    const profile = () =>
      fetch(`${other.url}/users/profile`, { headers: { authorization: `Bearer ${token}` } })
    expect((await profile()).status).toBe(200)
    expect((await run(['logout'], other.env)).code).toBe(0)
    expect((await profile()).status).toBe(401)
    const r = await run(['whoami'], other.env)
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('not logged in')
  })

  it('usage errors exit 2: unknown command, bad flag value, bad --url', async () => {
    expect((await run(['nope'], ctx.env)).code).toBe(2)
    const bad = await run(['things', 'list', '--metadata', '[1]'], ctx.env)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--metadata must be a JSON object')
    expect((await run(['whoami', '--url', 'ftp://x'], ctx.env)).code).toBe(2)
    expect((await run(['--help'], ctx.env)).code).toBe(0)
  })
})

describe('things and channels', () => {
  it('create, get, list with filters, update, delete; connect and disconnect many-to-many', async () => {
    const t1 = json<{ id: string; key: string }>(
      (
        await run(
          ['--json', 'things', 'create', '--name', 'pump-1', '--metadata', '{"site":"a"}'],
          ctx.env
        )
      ).stdout
    )
    const t2 = json<{ id: string }>(
      (
        await run(
          ['--json', 'things', 'create', '--name', 'pump-2', '--metadata', '{"site":"b"}'],
          ctx.env
        )
      ).stdout
    )
    const c1 = json<{ id: string }>(
      (await run(['--json', 'channels', 'create', '--name', 'telemetry'], ctx.env)).stdout
    )
    const c2 = json<{ id: string }>(
      (await run(['--json', 'channels', 'create', '--name', 'control'], ctx.env)).stdout
    )
    expect(t1.key).toBeTruthy()

    const byMeta = json<{ things: { id: string }[]; total: number }>(
      (await run(['--json', 'things', 'list', '--metadata', '{"site":"b"}'], ctx.env)).stdout
    )
    expect(byMeta.things.map((t) => t.id)).toEqual([t2.id])
    const ordered = await run(
      [
        'things',
        'list',
        '--name',
        'pump',
        '--order',
        'name',
        '--dir',
        'desc',
        '--limit',
        '1',
        '--offset',
        '0',
      ],
      ctx.env
    )
    expect(ordered.code).toBe(0)
    expect(ordered.stdout).toMatch(/^ID\s+NAME\s+KEY\s+METADATA\n/)
    expect(ordered.stdout).toContain('pump-2')
    expect(ordered.stdout).toContain('1 of 2 (offset 0, limit 1)')

    const con = await run(
      ['things', 'connect', '--channels', `${c1.id},${c2.id}`, '--things', `${t1.id},${t2.id}`],
      ctx.env
    )
    expect(con.code).toBe(0)
    expect(con.stdout).toContain('connected 2 channel(s) and 2 thing(s)')
    const dis = await run(
      ['channels', 'disconnect', '--channels', c2.id, '--things', t1.id],
      ctx.env
    )
    expect(dis.code).toBe(0)

    const upd = await run(['things', 'update', t1.id, '--name', 'pump-1b'], ctx.env)
    expect(upd.code).toBe(0)
    expect(upd.stdout).toContain('pump-1b')
    const del = await run(['things', 'delete', t1.id], ctx.env)
    expect(del.stdout).toContain(`deleted thing ${t1.id}`)
    const gone = await run(['things', 'get', t1.id], ctx.env)
    expect(gone.code).toBe(1)
    oneLine(gone.stderr)
    expect(gone.stderr).toContain('(404)')
  })

  it("an API refusal is one line with the API's message, exit 1", async () => {
    const r = await run(['things', 'list', '--limit', '500'], ctx.env)
    expect(r.code).toBe(1)
    oneLine(r.stderr)
    expect(r.stderr).toContain('limit must be at most 100')
    const c = await run(['things', 'connect', '--channels', 'nope', '--things', 'nope'], ctx.env)
    expect(c.code).toBe(1)
  })
})

describe('keys, certs, gateways', () => {
  it('keys: create with expiry, list, revoke', async () => {
    const k = json<{ id: string; value: string; expires_at: string }>(
      (await run(['--json', 'keys', 'create', '--expires', '2h'], ctx.env)).stdout
    )
    expect(Date.parse(k.expires_at) - Date.now()).toBeGreaterThan(7000_000)
    const list = await run(['keys', 'list'], ctx.env)
    expect(list.stdout).toContain(k.id)
    expect((await run(['keys', 'revoke', k.id], ctx.env)).stdout).toContain(`revoked key ${k.id}`)
    expect((await run(['keys', 'create', '--expires', 'soon'], ctx.env)).code).toBe(2)
  })

  it('certs: issue EC and RSA with PEM files (0600), list, revoke, CRL', async () => {
    const t = json<{ id: string }>(
      (await run(['--json', 'things', 'create', '--name', 'cert-thing'], ctx.env)).stdout
    )
    const out = join(ctx.dir, 'certs-ec')
    const ec = await run(['certs', 'issue', t.id, '--out', out], ctx.env)
    expect(ec.code).toBe(0)
    for (const f of ['cert.pem', 'key.pem', 'ca.pem']) {
      expect(statSync(join(out, f)).mode & 0o777).toBe(0o600)
    }
    expect(readFileSync(join(out, 'cert.pem'), 'utf8')).toContain('BEGIN CERTIFICATE')
    const rsa = json<{ serial: string }>(
      (
        await run(
          [
            '--json',
            'certs',
            'issue',
            t.id,
            '--key-type',
            'rsa',
            '--key-bits',
            '2048',
            '--out',
            join(ctx.dir, 'certs-rsa'),
          ],
          ctx.env
        )
      ).stdout
    )
    const list = await run(['certs', 'list', t.id], ctx.env)
    expect(list.stdout).toContain('rsa-2048')
    expect(list.stdout).toContain('2 of 2')
    const rev = await run(['certs', 'revoke', rsa.serial], ctx.env)
    expect(rev.stdout).toContain(rsa.serial)
    const crl = await run(['certs', 'crl'], ctx.env)
    expect(crl.stdout).toContain('BEGIN X509 CRL')
    expect(
      (await run(['certs', 'issue', t.id, '--key-type', 'rsa', '--key-bits', '7'], ctx.env)).code
    ).toBe(1)
    expect((await run(['certs', 'revoke'], ctx.env)).code).toBe(2)
  })

  it('gateways: list with state, show, blacklist, whitelist', async () => {
    const csv = join(ctx.dir, 'gw.csv')
    writeFileSync(csv, 'external_id,external_key,name\ngw-list-1,k1,first\n')
    const p = await run(
      ['provision', '--csv', csv, '--out', join(ctx.dir, 'gw-out'), '--no-progress'],
      ctx.env
    )
    expect(p.code).toBe(0)
    const list = json<{ configs: { mainflux_id: string; state: number }[] }>(
      (await run(['--json', 'gateways', 'list'], ctx.env)).stdout
    )
    const id = list.configs[0]!.mainflux_id
    const table = await run(['gateways', 'list'], ctx.env)
    expect(table.stdout).toMatch(/STATE\s+LAST_BOOTSTRAP/)
    expect(table.stdout).toContain('gw-list-1')
    expect((await run(['gateways', 'blacklist', id], ctx.env)).stdout).toContain('inactive')
    const show = await run(['gateways', 'show', id], ctx.env)
    expect(show.stdout).toMatch(/state:\s+inactive/)
    expect(show.stdout).toMatch(/last_bootstrap:\s+never/)
    expect((await run(['gateways', 'list', '--state', 'active'], ctx.env)).stdout).not.toContain(
      'gw-list-1'
    )
    expect((await run(['gateways', 'whitelist', id], ctx.env)).stdout).toContain('active')
    expect((await run(['gateways', 'show', 'nope'], ctx.env)).code).toBe(1)
  })
})

describe('429', () => {
  it('is waited out using Retry-After with a visible note, not a failure', async () => {
    let calls = 0
    const srv = createServer((req, res) => {
      calls++
      if (calls === 1) {
        res
          .writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' })
          .end('{"error":"too many requests"}')
        return
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"id":"u1","email":"x@example.com"}')
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
    const t0 = Date.now()
    const r = await run(['whoami', '--url', url], { ...ctx.env, FLUXGATE_TOKEN: 't' })
    srv.close()
    expect(r.code).toBe(0)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000)
    expect(r.stderr).toContain('rate limited by the server (429), waiting 1 s (Retry-After)')
    expect(r.stdout).toContain('x@example.com')
    expect(calls).toBe(2)
  })
})
