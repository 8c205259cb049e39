import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { CliError, EXIT, type ExitCode } from './errors'

/*
 * The one API client of the CLI: base URL, token, JSON in and out, errors carrying the status and
 * the API's own message (`{"error": "..."}`), `429` waited out using `Retry-After` with a visible
 * note, and the mapping of failures to exit codes (3 for connection and authentication, 1 for the
 * rest).
 */

export type Query = Record<string, string | number | boolean | undefined | null>

export interface RequestOptions {
  query?: Query
  body?: unknown
  headers?: Record<string, string>
  /** Send the token (default true). */
  auth?: boolean
  signal?: AbortSignal
  /** Accept (return) these non-2xx statuses instead of throwing. */
  accept?: number[]
  /** The answer as text rather than JSON (PEM, CRL). */
  text?: boolean
  /** The answer as bytes (a DER CRL). */
  binary?: boolean
}

export interface ApiResponse<T = unknown> {
  status: number
  headers: Headers
  body: T
}

/** A refused request: the HTTP status and the API's message. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly apiMessage: string,
    message: string,
    exitCode: ExitCode
  ) {
    super(message, exitCode)
    this.name = 'ApiError'
  }
}

/** The server could not be reached (exit 3). */
export class ConnectionError extends CliError {
  constructor(message: string) {
    super(message, EXIT.connection)
    this.name = 'ConnectionError'
  }
}

export interface ClientOptions {
  url: string
  token?: string
  /** Where visible notes go (429 waits); stderr unless given. */
  note?: (line: string) => void
  /** How many 429 answers in a row are waited out before giving up (default 30). */
  maxRateWaits?: number
  /** The longest single wait in seconds (default 120). */
  maxWaitSec?: number
}

/** Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; 1 when absent. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number {
  if (!value) return 1
  const n = Number(value.trim())
  if (Number.isFinite(n)) return Math.max(0, n)
  const when = Date.parse(value)
  if (Number.isFinite(when)) return Math.max(0, Math.ceil((when - now) / 1000))
  return 1
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        reject(signal.reason)
      },
      { once: true }
    )
  })

function describeNetworkError(e: unknown): string {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } }
  if (err?.code)
    return err.message && !err.message.startsWith(err.code)
      ? `${err.code} (${err.message})`
      : (err.message ?? err.code)
  const cause = err?.cause
  if (cause?.code) return cause.message ? `${cause.code} (${cause.message})` : cause.code
  return cause?.message || err?.message || String(e)
}

interface RawResponse {
  status: number
  headers: Headers
  body: Buffer
}

const httpAgent = new HttpAgent({ keepAlive: true })
const httpsAgent = new HttpsAgent({ keepAlive: true })

export class Client {
  readonly url: string
  token: string | undefined
  private readonly note: (line: string) => void
  private readonly maxRateWaits: number
  private readonly maxWaitSec: number

  constructor(opts: ClientOptions) {
    this.url = opts.url.replace(/\/+$/, '')
    this.token = opts.token
    this.note = opts.note ?? ((line) => process.stderr.write(`${line}\n`))
    this.maxRateWaits = opts.maxRateWaits ?? 30
    this.maxWaitSec = opts.maxWaitSec ?? 120
  }

  urlFor(path: string, query?: Query): string {
    const u = new URL(this.url + path)
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v))
    }
    return u.href
  }

  /** One request; 429 is waited out; non-2xx (outside `accept`) throws ApiError. */
  async send<T = unknown>(
    method: string,
    path: string,
    opts: RequestOptions = {}
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
    if (opts.auth !== false) {
      if (!this.token) {
        throw new CliError(
          'not logged in: run `fluxgate login` (or set FLUXGATE_TOKEN)',
          EXIT.connection
        )
      }
      headers.authorization = `Bearer ${this.token}`
    }
    let body: string | undefined
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body)
      headers['content-type'] = 'application/json'
    }
    const href = this.urlFor(path, opts.query)
    for (let waits = 0; ; waits++) {
      let res: RawResponse
      try {
        res = await this.exchange(href, method, headers, body, opts.signal)
      } catch (e) {
        if (opts.signal?.aborted) throw e
        throw new ConnectionError(`cannot reach ${this.url}: ${describeNetworkError(e)}`)
      }
      if (res.status === 429 && waits < this.maxRateWaits) {
        const sec = Math.min(retryAfterSeconds(res.headers.get('retry-after')), this.maxWaitSec)
        this.note(
          `fluxgate: rate limited by the server (429), waiting ${sec} s (Retry-After) before retrying`
        )
        await sleep(sec * 1000, opts.signal)
        continue
      }
      const ok0 = res.status >= 200 && res.status < 300
      if (opts.binary && ok0)
        return { status: res.status, headers: res.headers, body: res.body as T }
      const raw = res.body.toString('utf8')
      const ok = res.status >= 200 && res.status < 300
      if (!ok && !opts.accept?.includes(res.status))
        throw this.apiError(method, path, res.status, raw)
      let parsed: unknown = raw
      if (!opts.text && raw !== '' && (res.headers.get('content-type') ?? '').includes('json')) {
        try {
          parsed = JSON.parse(raw)
        } catch {
          parsed = raw
        }
      } else if (!opts.text && raw === '') parsed = undefined
      return { status: res.status, headers: res.headers, body: parsed as T }
    }
  }

  /**
   * One HTTP exchange over node:http(s) with a keep-alive agent: the connections stay open for
   * the next request, and it costs less CPU per request than fetch, which matters for a batch.
   */
  private exchange(
    href: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal?: AbortSignal
  ): Promise<RawResponse> {
    const u = new URL(href)
    const https = u.protocol === 'https:'
    const h: Record<string, string | number> = { ...headers }
    if (body !== undefined) h['content-length'] = Buffer.byteLength(body)
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        u,
        { method, headers: h, agent: https ? httpsAgent : httpAgent, signal },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => {
            const out = new Headers()
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v)
            }
            resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks) })
          })
        }
      )
      req.on('error', reject)
      req.end(body)
    })
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return (await this.send<T>(method, path, opts)).body
  }

  get = <T = unknown>(path: string, opts?: RequestOptions) => this.request<T>('GET', path, opts)
  post = <T = unknown>(path: string, body?: unknown, opts?: RequestOptions) =>
    this.request<T>('POST', path, { ...opts, body })
  put = <T = unknown>(path: string, body?: unknown, opts?: RequestOptions) =>
    this.request<T>('PUT', path, { ...opts, body })
  patch = <T = unknown>(path: string, body?: unknown, opts?: RequestOptions) =>
    this.request<T>('PATCH', path, { ...opts, body })
  delete = <T = unknown>(path: string, opts?: RequestOptions) =>
    this.request<T>('DELETE', path, opts)

  /** The API's `{"error": "..."}` message (or the raw text), with the status, as an ApiError. */
  apiError(method: string, path: string, status: number, raw: string): ApiError {
    let msg = ''
    try {
      const j = JSON.parse(raw) as { error?: unknown }
      if (j && typeof j.error === 'string') msg = j.error
    } catch {
      // not JSON
    }
    if (!msg) msg = raw.trim().slice(0, 200) || `HTTP ${status}`
    if (status === 401) {
      const hint = this.token ? '; log in again with `fluxgate login`' : ''
      return new ApiError(
        status,
        msg,
        `authentication failed (401): ${msg}${hint}`,
        EXIT.connection
      )
    }
    if (status === 429) {
      return new ApiError(status, msg, `rate limited (429) too many times: ${msg}`, EXIT.failed)
    }
    return new ApiError(status, msg, `${method} ${path} failed (${status}): ${msg}`, EXIT.failed)
  }
}
