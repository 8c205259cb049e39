// The contract between bench/run.mjs and bench/scenarios/*.mjs (for editors and reviewers; the
// runner is plain JavaScript).

/** One request, as the load generator sends it. A non-string body is sent as JSON. */
export interface BenchRequest {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | object
}

export interface Scenario<State = any> {
  /** Row name in the table and key in results.json, e.g. 'GET /things/{id}'. Unique. */
  name: string
  /** Creates what the requests need, through ctx (the API or bulk D1); runs once per scenario. */
  seed?: (ctx: Context) => State | Promise<State>
  /**
   * The request to send. Called once unless `perRequest`, then for every request with a counter
   * that never repeats within a run (for unique e-mails, keys, names).
   */
  request: (state: State, i: number) => BenchRequest
  perRequest?: boolean
  /** Connections for this scenario (default: --connections); 1 measures one request's latency. */
  connections?: number
  /** A measured window of at least this many seconds (for requests that take seconds). */
  minDuration?: number
  /** Every response must have this status; anything else counts as an error and fails the run. */
  expectStatus: number
  /**
   * A reference row measured right after this scenario on the floor Worker: the path of a request
   * that makes exactly the endpoint's storage calls and nothing else (`/kv-bulk?k=...`: one bulk
   * read of those keys in the app's KV), or of the bench Worker (`/__bench/ref/...`: a cache miss's
   * bulk read, D1 statements and fill). With `perRequest`, called per request with a counter. The
   * row's `of_reference` is endpoint rps / reference rps.
   */
  reference?: (state: State, i: number) => string
  /** How many of the reference's keys must exist (checked once before measuring). */
  referenceHits?: number
}

export interface ApiResponse {
  status: number
  headers: Headers
  /** Parsed JSON when the response is JSON, the text otherwise. */
  body: any
  text: string
}

export interface ApiOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string
  json?: unknown
  headers?: Record<string, string>
}

export interface BenchUser {
  id: string
  email: string
  password: string
  token: string
}

export interface Context {
  /** The app's own socket. */
  url: URL
  api(method: string, path: string, opts?: ApiOptions): Promise<ApiResponse>
  /** api() that throws unless the answer has `status`. */
  call(status: number, method: string, path: string, opts?: ApiOptions): Promise<ApiResponse>
  login(email: string, password?: string): Promise<string>
  newUser(opts?: { email?: string; password?: string; metadata?: object }): Promise<BenchUser>
  apiKey(token: string, opts?: { duration?: number }): Promise<{ id: string; value: string }>
  /** Bulk insert straight into D1 (SQL column names as keys); returns the row count. */
  insertRows(table: string, rows: Record<string, unknown>[]): Promise<number>
  /** The app's D1 database and KV namespace, from Node. */
  d1: D1Database
  kv: KVNamespace
  /** The text bindings the app runs with (secrets from scripts/dev-secrets.mjs, vars). */
  bindings: Record<string, string>
  uid(): string
  /** A distinct client address (CF-Connecting-IP) for each number, for per-address caps. */
  clientIp(n: number): string
  /** The client address the app sees for load requests (they send no CF-Connecting-IP). */
  loadAddress: string
}
