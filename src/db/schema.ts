import { sql } from 'drizzle-orm'
import {
  foreignKey,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core'

// All times are integer milliseconds since the epoch; the wire format (RFC 3339) is produced at the
// edges. Metadata is a JSON object stored as TEXT so json_each/json_extract can filter it in SQL.
export type Metadata = Record<string, unknown>

// Owners are user ids (0.12.1 used the e-mail address; ours never changes meaning if an address is
// reused). Every owned table carries `owner` so each query can guard on it.

export const users = sqliteTable('users', {
  id: text().primaryKey(),
  // Stored lower-cased: uniqueness and login are case-insensitive.
  email: text().notNull().unique(),
  // pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>
  passwordHash: text().notNull(),
  metadata: text({ mode: 'json' }).$type<Metadata>(),
  createdAt: integer().notNull(),
  // Login session generation: every login token carries the value it was issued under, and only
  // that value is accepted. A password change, a reset or "sign out everywhere" adds 1 in the same
  // statement that changes the row, so a login that read the old password hash also read the old
  // generation (no clock comparison, no same-second window).
  sessionGen: integer().notNull().default(0),
})

// Login tokens signed out one by one (POST /tokens/revoke), by their `jti`. A row is needed only
// until the token expires, so each insert also deletes the owner's expired rows, and a generation
// bump deletes them all (every token they name is dead by its generation anyway).
export const revokedSessions = sqliteTable(
  'revoked_sessions',
  {
    sid: text().primaryKey(),
    owner: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: integer().notNull(),
  },
  (t) => [index('revoked_sessions_owner_expires_idx').on(t.owner, t.expiresAt)]
)

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text().primaryKey(),
    owner: text()
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    subject: text().notNull(),
    type: integer().notNull(),
    // SHA-256 (base64url) of the issued JWT: the secret itself is never stored.
    secretHash: text().notNull(),
    issuedAt: integer().notNull(),
    expiresAt: integer(),
  },
  (t) => [index('api_keys_owner_issued_idx').on(t.owner, t.issuedAt)]
)

export const things = sqliteTable(
  'things',
  {
    id: text().primaryKey(),
    owner: text().notNull(),
    name: text().notNull().default(''),
    key: text().notNull(),
    metadata: text({ mode: 'json' }).$type<Metadata>(),
    createdAt: integer().notNull(),
  },
  (t) => [
    uniqueIndex('things_key_uq').on(t.key),
    // The owner's listing in id order, and the target of the composite foreign keys that keep both
    // ends of a connection with one owner (SQLite takes a unique index on the same columns in any
    // order as a parent key): one index for both, so each insert maintains one fewer.
    uniqueIndex('things_owner_id_uq').on(t.owner, t.id),
    index('things_owner_name_idx').on(t.owner, t.name, t.id),
  ]
)

export const channels = sqliteTable(
  'channels',
  {
    id: text().primaryKey(),
    owner: text().notNull(),
    name: text().notNull().default(''),
    metadata: text({ mode: 'json' }).$type<Metadata>(),
    createdAt: integer().notNull(),
  },
  (t) => [
    // As for things: the listing index is also the foreign keys' parent key.
    uniqueIndex('channels_owner_id_uq').on(t.owner, t.id),
    index('channels_owner_name_idx').on(t.owner, t.name, t.id),
  ]
)

// How many things and channels each owner has, kept by triggers (migrations/0001_owner_counts.sql)
// on every insert and delete whoever writes them. An unfiltered list answers `total` from here
// instead of counting an owner's whole index range: constant cost at 100,000 things, and D1 bills
// the rows a COUNT reads.
export const ownerCounts = sqliteTable('owner_counts', {
  owner: text().primaryKey(),
  things: integer().notNull().default(0),
  channels: integer().notNull().default(0),
})

export const connections = sqliteTable(
  'connections',
  {
    channelId: text().notNull(),
    thingId: text().notNull(),
    owner: text().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.thingId] }),
    index('connections_thing_channel_idx').on(t.thingId, t.channelId),
    foreignKey({
      columns: [t.channelId, t.owner],
      foreignColumns: [channels.id, channels.owner],
      name: 'connections_channel_fk',
    }).onDelete('cascade'),
    foreignKey({
      columns: [t.thingId, t.owner],
      foreignColumns: [things.id, things.owner],
      name: 'connections_thing_fk',
    }).onDelete('cascade'),
  ]
)

// Certificates issued by the built-in CA or through Vault. Never key material. Rows outlive their
// thing (no foreign key) so revoked serials stay in the CRL until they expire.
export const certs = sqliteTable(
  'certs',
  {
    serial: text().primaryKey(),
    thingId: text().notNull(),
    owner: text().notNull(),
    keyType: text().notNull(),
    keyBits: integer().notNull(),
    issuedAt: integer().notNull(),
    expiresAt: integer().notNull(),
    revokedAt: integer(),
    // What the subject CN is: the thing's key at issue time (`thing_key`) or its id (`thing_id`),
    // as MF_CERTS_CN said then. A key rotation revokes the live `thing_key` ones, whose CN is the
    // key being given up. Rows from before this column count as `thing_key`.
    cnSource: text().$type<'thing_key' | 'thing_id'>().notNull().default('thing_key'),
  },
  (t) => [
    index('certs_owner_thing_expires_idx').on(t.owner, t.thingId, t.expiresAt),
    index('certs_thing_idx').on(t.thingId),
    index('certs_revoked_idx')
      .on(t.revokedAt, t.expiresAt)
      .where(sql`${t.revokedAt} IS NOT NULL`),
  ]
)

// Bootstrap configs: the id is the thing id (as in 0.12.1); deleting the thing deletes its config.
export const bootstrapConfigs = sqliteTable(
  'bootstrap_configs',
  {
    thingId: text()
      .primaryKey()
      .references(() => things.id, { onDelete: 'cascade' }),
    owner: text().notNull(),
    name: text(),
    externalId: text().notNull(),
    // Keyed hash of the external key: the key itself is never stored where it can be read back.
    externalKeyHash: text().notNull(),
    content: text(),
    clientCert: text(),
    clientKey: text(),
    caCert: text(),
    state: integer().notNull().default(0),
    lastBootstrapAt: integer(),
    lastFailureAt: integer(),
    lastFailure: text(),
    createdAt: integer().notNull(),
    // The subject CN of `clientCert`, read when it is written ('' when it is not a certificate
    // with one CN; NULL without a certificate, or for rows from before this column). A key
    // rotation clears the certificate fields when this is the key being given up.
    clientCertCn: text(),
  },
  (t) => [
    uniqueIndex('bootstrap_configs_external_id_uq').on(t.externalId),
    index('bootstrap_configs_owner_idx').on(t.owner, t.thingId),
    // GET /things/configs/summary: the counts by state and by last fetch read this index only
    // (no table row per config), and the latest failures are the first entries of the second.
    index('bootstrap_configs_owner_state_seen_idx').on(t.owner, t.state, t.lastBootstrapAt),
    index('bootstrap_configs_owner_failure_idx')
      .on(t.owner, t.lastFailureAt, t.thingId)
      .where(sql`${t.lastFailureAt} IS NOT NULL`),
  ]
)

export const bootstrapChannels = sqliteTable(
  'bootstrap_channels',
  {
    configId: text()
      .notNull()
      .references(() => bootstrapConfigs.thingId, { onDelete: 'cascade' }),
    channelId: text()
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.configId, t.channelId] }),
    index('bootstrap_channels_channel_idx').on(t.channelId),
  ]
)

// Stored answers of idempotent requests (provision `Idempotency-Key`).
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    owner: text().notNull(),
    key: text().notNull(),
    requestHash: text().notNull(),
    status: integer().notNull(),
    response: text().notNull(),
    createdAt: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.owner, t.key] })]
)
