import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { spawnSync, spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { account, api, BIN, type Ctx, gatewaysCsv, json, run, sql, start } from './helpers'

/** Any program, its output gathered (for script(1)). */
const run0 = (file: string, args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stdout += d))
    child.on('close', (code) => resolve({ code, stdout }))
  })

const configs = async (ctx: Ctx) =>
  (await api<{ total: number }>(ctx, '/things/configs?limit=1')).total
const thingsTotal = async (ctx: Ctx) => (await api<{ total: number }>(ctx, '/things?limit=1')).total
const journalLines = (out: string, name = 'provision.journal') =>
  readFileSync(join(out, name), 'utf8').split('\n').filter(Boolean)
const doneCount = (out: string) => journalLines(out).filter((l) => l.includes('"t":"done"')).length

async function waitFor(cond: () => boolean, ms = 60_000) {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('fluxgate provision', () => {
  it('provisions every row (BOM, CRLF, quoted commas), writes 0600 credentials, summary.csv; a re-run repeats nothing', async () => {
    const ctx = await account()
    const csv = gatewaysCsv(ctx.dir, 30, 'aa:01', { bom: true, crlf: true })
    const out = join(ctx.dir, 'out')
    const r = await run(['provision', '--csv', csv, '--out', out, '--concurrency', '4'], ctx.env)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      'provisioned 30, recovered 0, already done 0, changed 0, failed 0 (of 30)'
    )
    // Not a TTY: plain progress lines on stderr.
    expect(r.stderr).toMatch(/provision: 30\/30 \(/)
    expect(await configs(ctx)).toBe(30)
    expect(statSync(out).mode & 0o777).toBe(0o700)
    const gwDirs = readdirSync(join(out, 'gateways'))
    expect(gwDirs).toHaveLength(30)
    for (const d of gwDirs) {
      expect(statSync(join(out, 'gateways', d)).mode & 0o777).toBe(0o700)
      for (const f of readdirSync(join(out, 'gateways', d))) {
        expect(statSync(join(out, 'gateways', d, f)).mode & 0o777).toBe(0o600)
      }
      const cred = json<{ things: { key: string }[] }>(
        readFileSync(join(out, 'gateways', d, 'credentials.json'), 'utf8')
      )
      expect(cred.things[0]!.key).toBeTruthy()
    }
    for (const f of ['summary.csv', 'failed.csv', 'provision.journal'])
      expect(statSync(join(out, f)).mode & 0o777).toBe(0o600)
    const summary = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\r\n')
    expect(summary).toHaveLength(31)
    expect(summary.some((l) => l.startsWith('aa:01:0001,"gateway 1, hall 1",'))).toBe(true)
    const listed = json<{ configs: { name: string; external_id: string }[] }>(
      (await run(['--json', 'gateways', 'list', '--external-id', 'aa:01:0002'], ctx.env)).stdout
    )
    expect(listed.configs[0]!.name).toBe('gateway 2, hall 2')

    const again = await run(
      ['provision', '--csv', csv, '--out', out, '--json', '--no-progress'],
      ctx.env
    )
    expect(again.code).toBe(0)
    expect(json(again.stdout)).toMatchObject({
      rows: 30,
      provisioned: 0,
      already_done: 30,
      failed: 0,
    })
    expect(again.stderr).toBe('')
    expect(await configs(ctx)).toBe(30)
  })

  // script(1) (util-linux, on every Debian) gives the CLI a pseudo-terminal; without it the test fails.
  it('on a terminal: a progress bar with rate and ETA', async () => {
    expect(spawnSync('script', ['--version']).status, 'script(1) from util-linux is needed').toBe(0)
    const ctx = await account()
    const csv = gatewaysCsv(ctx.dir, 5, 'tty')
    const out = join(ctx.dir, 'out')
    // util-linux script(1) runs the CLI on a pseudo-terminal.
    const cmd = [process.execPath, BIN, 'provision', '--csv', csv, '--out', out]
      .map((a) => `'${a}'`)
      .join(' ')
    const r = await run0('script', ['-qefc', cmd, '/dev/null'], ctx.env)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/provision \[[^\]]*\] 5\/5 100% \| [\d.]+\/s \| ETA/)
    expect(await configs(ctx)).toBe(5)
  })

  it('refuses bad CSV with the line number before anything is sent (exit 2)', async () => {
    const ctx = await account()
    const write = (name: string, text: string) => {
      const p = join(ctx.dir, name)
      writeFileSync(p, text)
      return p
    }
    const cases: [string, string, RegExp][] = [
      ['missing.csv', 'external_id,name\ngw1,a\n', /line 1: missing column external_key/],
      [
        'dup.csv',
        'external_id,external_key,name\ngw1,k1,a\ngw2,k2,b\ngw1,k3,c\n',
        /line 4: duplicate external_id "gw1" \(first on line 2\)/,
      ],
      ['quote.csv', 'external_id,external_key,name\ngw1,k1,"unterminated\n', /not valid CSV/],
      ['columns.csv', 'external_id,external_key,name\ngw1,k1,a,extra\n', /line 2/],
      [
        'emptykey.csv',
        'external_id,external_key,name\r\ngw1,,a\r\n',
        /line 2: external_key is empty/,
      ],
      ['header.csv', '', /empty file/],
    ]
    for (const [name, text, msg] of cases) {
      const r = await run(
        ['provision', '--csv', write(name, text), '--out', join(ctx.dir, 'o')],
        ctx.env
      )
      expect(r.code, name).toBe(2)
      expect(r.stderr, name).toMatch(msg)
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1)
    }
    expect((await run(['provision', '--csv', join(ctx.dir, 'absent.csv')], ctx.env)).code).toBe(2)
    expect(
      (
        await run(
          [
            'provision',
            '--csv',
            write('x.csv', 'external_id,external_key\na,b\n'),
            '--concurrency',
            '0',
          ],
          ctx.env
        )
      ).code
    ).toBe(2)
    expect(await configs(ctx)).toBe(0)
  })

  for (const signal of ['SIGKILL', 'SIGINT'] as const) {
    it(`resumes after ${signal} halfway: exactly N configs on the server, nothing repeated`, async () => {
      const ctx = await account()
      const n = 60
      const csv = gatewaysCsv(ctx.dir, n, `kill-${signal}`)
      const out = join(ctx.dir, 'out')
      const first = start(['provision', '--csv', csv, '--out', out, '--concurrency', '3'], ctx.env)
      await waitFor(() => existsSync(join(out, 'provision.journal')) && doneCount(out) >= 15)
      first.child.kill(signal)
      const r1 = await first.done
      if (signal === 'SIGKILL') expect(r1.signal).toBe('SIGKILL')
      else {
        expect(r1.code).toBe(130)
        expect(r1.stderr).toContain('interrupted')
      }
      const before = doneCount(out)
      expect(before).toBeLessThan(n)
      const r2 = await run(
        ['provision', '--csv', csv, '--out', out, '--json', '--no-progress'],
        ctx.env
      )
      expect(r2.code).toBe(0)
      const s = json<{ provisioned: number; already_done: number; failed: number }>(r2.stdout)
      expect(s.already_done).toBe(before)
      expect(s.provisioned + s.already_done).toBe(n)
      expect(s.failed).toBe(0)
      expect(await configs(ctx)).toBe(n)
      expect(readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\r\n')).toHaveLength(
        n + 1
      )
      expect(readdirSync(join(out, 'gateways'))).toHaveLength(n)
    })
  }

  it("past the server's 24 h window, a row sent but never recorded as done is recovered, not duplicated", async () => {
    const ctx = await account()
    const csv = gatewaysCsv(ctx.dir, 5, 'late')
    const out = join(ctx.dir, 'out')
    expect(
      (await run(['provision', '--csv', csv, '--out', out, '--no-progress'], ctx.env)).code
    ).toBe(0)
    // As if every answer had been lost after the request was sent, days ago: no "done" records,
    // and the server no longer holds the idempotency answers.
    const path = join(out, 'provision.journal')
    writeFileSync(
      path,
      `${journalLines(out)
        .filter((l) => !l.includes('"t":"done"'))
        .join('\n')}\n`
    )
    const me = json<{ id: string }>((await run(['--json', 'whoami'], ctx.env)).stdout)
    await sql(`DELETE FROM idempotency_keys WHERE owner = '${me.id}'`)
    const r = await run(
      ['provision', '--csv', csv, '--out', out, '--json', '--no-progress'],
      ctx.env
    )
    expect(r.code).toBe(0)
    expect(json(r.stdout)).toMatchObject({ recovered: 5, provisioned: 0, failed: 0 })
    expect(await configs(ctx)).toBe(5)
    const d = readdirSync(join(out, 'gateways'))[0]!
    const cred = json<{ recovered_from_bootstrap_config: boolean; things: { key: string }[] }>(
      readFileSync(join(out, 'gateways', d, 'credentials.json'), 'utf8')
    )
    expect(cred.recovered_from_bootstrap_config).toBe(true)
    expect(cred.things[0]!.key).toBeTruthy()
  })

  it('an edited row already provisioned is reported, not sent; a 409 the journal did not send is a failure (exit 1)', async () => {
    const ctx = await account()
    const csv = gatewaysCsv(ctx.dir, 3, 'edit')
    const out = join(ctx.dir, 'out')
    expect(
      (await run(['provision', '--csv', csv, '--out', out, '--no-progress'], ctx.env)).code
    ).toBe(0)
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('key-edit-2', 'key-edit-2-new'))
    const r = await run(['provision', '--csv', csv, '--out', out, '--no-progress'], ctx.env)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/line 3 edit:0002: changed: already provisioned by an earlier run/)
    expect(readFileSync(join(out, 'failed.csv'), 'utf8')).toContain('edit:0002,changed')
    expect(await configs(ctx)).toBe(3)

    // Another output folder: another journal, which never sent these rows. The unchanged rows
    // repeat their Idempotency-Key within 24 h: the server answers with the stored answers and
    // creates nothing; the edited one is a 409 this journal never sent: a failure.
    const other = join(ctx.dir, 'other')
    const f = await run(['provision', '--csv', csv, '--out', other, '--no-progress'], ctx.env)
    expect(f.code).toBe(1)
    expect(f.stdout).toContain("provisioned 2 (2 answered from the server's idempotency store)")
    expect(f.stdout).toContain('failed 1 (of 3)')
    expect(readFileSync(join(other, 'failed.csv'), 'utf8')).toMatch(
      /edit:0002,failed,409,external_id already provisioned/
    )
    expect(await configs(ctx)).toBe(3)
  })

  it("--dry-run uses the API's dry run and writes nothing; a bad layout fails every row", async () => {
    const ctx = await account()
    const csv = gatewaysCsv(ctx.dir, 4, 'dry')
    const r = await run(
      ['provision', '--csv', csv, '--dry-run', '--out', join(ctx.dir, 'o')],
      ctx.env
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      'dry run: 4 of 4 rows would be provisioned, 0 refused; nothing was written'
    )
    expect(existsSync(join(ctx.dir, 'o'))).toBe(false)
    const bad = await run(
      ['provision', '--csv', csv, '--dry-run', '--layout', 'no-such-layout'],
      ctx.env
    )
    expect(bad.code).toBe(1)
    expect(bad.stdout).toContain('0 of 4 rows would be provisioned, 4 refused')
    expect(await configs(ctx)).toBe(0)
  })
})

describe('fluxgate things import', () => {
  const thingsCsv = (ctx: Ctx, n: number) => {
    let text = '\ufeffname,metadata\r\n'
    for (let i = 1; i <= n; i++) text += `sensor-${i},"{""batch"":""b1"",""n"":${i}}"\r\n`
    text += 'plain,\r\n'
    const p = join(ctx.dir, 'things.csv')
    writeFileSync(p, text)
    return p
  }

  it('creates things through /things/bulk in chunks; a re-run and a lost answer duplicate nothing', async () => {
    const ctx = await account()
    const csv = thingsCsv(ctx, 249)
    const out = join(ctx.dir, 'imp')
    const r = await run(
      ['things', 'import', '--csv', csv, '--out', out, '--chunk-size', '100'],
      ctx.env
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      'created 250, reconciled 0, already done 0, failed chunks 0 (of 250 rows)'
    )
    expect(await thingsTotal(ctx)).toBe(250)
    expect(readFileSync(join(out, 'things.csv'), 'utf8').trim().split('\r\n')).toHaveLength(251)

    const again = await run(['things', 'import', '--csv', csv, '--out', out, '--json'], ctx.env)
    expect(json(again.stdout)).toMatchObject({ created: 0, already_done: 250 })

    // As if the answers of every chunk were lost after the chunks landed.
    const path = join(out, 'things-import.journal')
    writeFileSync(
      path,
      `${journalLines(out, 'things-import.journal')
        .filter((l) => !l.includes('"t":"landed"'))
        .join('\n')}\n`
    )
    const lost = await run(['things', 'import', '--csv', csv, '--out', out, '--json'], ctx.env)
    expect(lost.code).toBe(0)
    expect(json(lost.stdout)).toMatchObject({ created: 0, reconciled: 250, failed_chunks: 0 })
    expect(await thingsTotal(ctx)).toBe(250)
  })

  it('a chunk recorded but never sent is created on the re-run', async () => {
    const ctx = await account()
    const csv = thingsCsv(ctx, 9)
    const out = join(ctx.dir, 'imp')
    expect((await run(['things', 'import', '--csv', csv, '--out', out], ctx.env)).code).toBe(0)
    const me = json<{ id: string }>((await run(['--json', 'whoami'], ctx.env)).stdout)
    // The server never saw it: delete the things, keep the journal's chunk record only.
    await sql(`DELETE FROM things WHERE owner = '${me.id}'`)
    writeFileSync(
      join(out, 'things-import.journal'),
      `${journalLines(out, 'things-import.journal')
        .filter((l) => !l.includes('"t":"landed"'))
        .join('\n')}\n`
    )
    const r = await run(['things', 'import', '--csv', csv, '--out', out, '--json'], ctx.env)
    expect(json(r.stdout)).toMatchObject({ created: 10, reconciled: 0 })
  })

  it('refuses bad metadata or a missing column with the line number (exit 2)', async () => {
    const ctx = await account()
    const p = join(ctx.dir, 'bad.csv')
    writeFileSync(p, 'name,metadata\na,{}\nb,{nope}\n')
    const r = await run(['things', 'import', '--csv', p], ctx.env)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('line 3: metadata is not valid JSON')
    writeFileSync(p, 'name\na\n')
    expect((await run(['things', 'import', '--csv', p], ctx.env)).stderr).toContain(
      'missing column metadata'
    )
    expect(await thingsTotal(ctx)).toBe(0)
  })
})
