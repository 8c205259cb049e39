import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { inject } from 'vitest'

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'fluxgate.mjs')

export interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface Ctx {
  url: string
  env: NodeJS.ProcessEnv
  dir: string
  email: string
  password: string
}

/** Spawns the built CLI; `input` goes to stdin. */
export function start(
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string
): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  child.stdin!.end(input ?? '')
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  )
  return { child, done }
}

export const run = (args: string[], env: NodeJS.ProcessEnv, input?: string) =>
  start(args, env, input).done

/** A fresh account, logged in through the CLI, with its own XDG config dir. */
export async function account(): Promise<Ctx> {
  const url = inject('fluxgateUrl')
  const dir = mkdtempSync(join(tmpdir(), 'fluxgate-cli-test-'))
  const email = `cli-${randomUUID().slice(0, 8)}@example.com`
  const password = 'correct horse battery'
  const res = await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${await res.text()}`)
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    FLUXGATE_URL: url,
  }
  const login = await run(['login', email, '--password-stdin'], env, `${password}\n`)
  if (login.code !== 0) throw new Error(`login: ${login.stderr}`)
  return { url, env, dir, email, password }
}

export async function api<T = unknown>(ctx: Ctx, path: string): Promise<T> {
  const token = JSON.parse(
    readFileSync(join(ctx.env.XDG_CONFIG_HOME!, 'fluxgate', 'credentials.json'), 'utf8')
  ).tokens[ctx.url].token as string
  const res = await fetch(`${ctx.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  return (await res.json()) as T
}

export async function sql(query: string): Promise<unknown[]> {
  const res = await fetch(inject('sqlUrl'), { method: 'POST', body: query })
  if (!res.ok) throw new Error(await res.text())
  return (await res.json()) as unknown[]
}

export function gatewaysCsv(
  dir: string,
  n: number,
  prefix: string,
  opts: { bom?: boolean; crlf?: boolean } = {}
): string {
  const nl = opts.crlf ? '\r\n' : '\n'
  let text = `${opts.bom ? '\ufeff' : ''}external_id,external_key,name${nl}`
  for (let i = 1; i <= n; i++)
    text += `${prefix}:${String(i).padStart(4, '0')},key-${prefix}-${i},"gateway ${i}, hall ${i % 3}"${nl}`
  const path = join(dir, `${prefix}-${n}.csv`)
  writeFileSync(path, text)
  return path
}

export const json = <T = Record<string, unknown>>(s: string): T => JSON.parse(s) as T
