/** Mainflux limits and our own caps, in one place. */
export const LIMITS = {
  /** 0.12.1: names are at most 1024 characters. */
  nameMax: 1024,
  /** 0.12.1: thing keys are VARCHAR(4096). */
  keyMax: 4096,
  /**
   * New thing keys while MF_CERTS_CN=thing_key, where the key is the subject CN of the thing's
   * certificates: RFC 5280's ub-common-name.
   */
  keyCnMax: 64,
  /** Page sizes: absent or 0 means 10, above 100 is refused. */
  pageDefault: 10,
  pageMax: 100,
  /** Items per bulk create request (things, channels). */
  bulkMax: 1000,
  /** Ids per side of a bulk connect/disconnect request; the product is capped too. */
  connectIdsMax: 1000,
  connectPairsMax: 10000,
  /** Default request body cap in bytes (FLUXGATE_MAX_BODY_BYTES overrides). */
  bodyBytes: 1024 * 1024,
  /** Emails: RFC 5321 path limit. */
  emailMax: 254,
  /** Passwords longer than this are refused before hashing (PBKDF2 cost is per block). */
  passwordMax: 1024,
  /** A CSR in PEM (an RSA-4096 request is about 1.7 KB). */
  csrPemMax: 16 * 1024,
  /** D1 allows 100 bound parameters per statement. */
  d1Params: 100,
  /**
   * Bootstrap external ids appear in KV key names (at most 512 bytes, with our short prefixes), so
   * they are at most 256 bytes of UTF-8.
   */
  externalIdBytes: 256,
  /** Bootstrap `content` (the agent's configuration document) and each certificate/key field. */
  bootstrapContentMax: 64 * 1024,
  bootstrapPemMax: 64 * 1024,
  /** Channels per bootstrap config (a gateway uses two or three). */
  bootstrapChannelsMax: 100,
  /**
   * Things and channels per provision layout: one mapping is one D1 batch, and a Workers Free
   * invocation may run 50 D1 statements.
   */
  provisionThingsMax: 50,
  provisionChannelsMax: 50,
  /** `Idempotency-Key` header length (Stripe's limit) and how long a stored answer is replayed. */
  idempotencyKeyMax: 255,
  idempotencyTtlMs: 24 * 3_600_000,
} as const

/** Splits `items` into runs of at most `size` (bulk statements under D1's parameter cap). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Rows of `columns` bound values each that fit in one D1 statement. */
export const rowsPerStatement = (columns: number) => Math.floor(LIMITS.d1Params / columns)
