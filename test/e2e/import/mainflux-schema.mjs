// The tables of a Mainflux 0.12.1 deployment, one database per service, as its migrations create
// them (columns, keys and constraints as PostgreSQL reports them on a running 0.12.1).
export const DATABASES = {
  users: [
    `CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email varchar(254) NOT NULL UNIQUE,
      password char(60) NOT NULL,
      metadata jsonb
    )`,
  ],
  things: [
    `CREATE TABLE things (
      id uuid UNIQUE NOT NULL,
      owner varchar(254) NOT NULL,
      key varchar(4096) UNIQUE NOT NULL,
      name varchar(1024),
      metadata jsonb,
      PRIMARY KEY (id, owner)
    )`,
    `CREATE TABLE channels (
      id uuid NOT NULL,
      owner varchar(254) NOT NULL,
      name varchar(1024),
      metadata jsonb,
      PRIMARY KEY (id, owner)
    )`,
    `CREATE TABLE connections (
      channel_id uuid NOT NULL,
      channel_owner varchar(254) NOT NULL,
      thing_id uuid NOT NULL,
      thing_owner varchar(254) NOT NULL,
      FOREIGN KEY (channel_id, channel_owner) REFERENCES channels (id, owner) ON DELETE CASCADE ON UPDATE CASCADE,
      FOREIGN KEY (thing_id, thing_owner) REFERENCES things (id, owner) ON DELETE CASCADE ON UPDATE CASCADE,
      PRIMARY KEY (channel_id, channel_owner, thing_id, thing_owner)
    )`,
  ],
  bootstrap: [
    `CREATE TABLE configs (
      mainflux_thing text UNIQUE NOT NULL,
      owner varchar(254) NOT NULL,
      name text,
      mainflux_key char(36) UNIQUE NOT NULL,
      external_id text UNIQUE NOT NULL,
      external_key text NOT NULL,
      content text,
      client_cert text,
      client_key text,
      ca_cert text,
      state bigint NOT NULL,
      PRIMARY KEY (mainflux_thing, owner)
    )`,
    `CREATE TABLE channels (
      mainflux_channel text UNIQUE NOT NULL,
      owner varchar(254) NOT NULL,
      name text,
      metadata json,
      PRIMARY KEY (mainflux_channel, owner)
    )`,
    `CREATE TABLE connections (
      channel_id text NOT NULL,
      channel_owner varchar(256) NOT NULL,
      config_id text NOT NULL,
      config_owner varchar(256) NOT NULL,
      FOREIGN KEY (channel_id, channel_owner) REFERENCES channels (mainflux_channel, owner) ON DELETE CASCADE ON UPDATE CASCADE,
      FOREIGN KEY (config_id, config_owner) REFERENCES configs (mainflux_thing, owner) ON DELETE CASCADE ON UPDATE CASCADE,
      PRIMARY KEY (channel_id, channel_owner, config_id, config_owner)
    )`,
  ],
  certs: [
    `CREATE TABLE certs (
      thing_id text NOT NULL,
      owner_id text NOT NULL,
      expire timestamptz NOT NULL,
      serial text NOT NULL,
      PRIMARY KEY (thing_id, owner_id, serial)
    )`,
  ],
}
