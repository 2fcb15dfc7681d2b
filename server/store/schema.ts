/**
 * Schema migrations of the relay database, applied in order; `PRAGMA user_version` holds how many
 * ran. Only append to this list: a released migration never changes.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
  CREATE TABLE channels (
    id BLOB PRIMARY KEY,
    created_at INTEGER NOT NULL,
    last_active INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    env_count INTEGER NOT NULL DEFAULT 0,
    env_bytes INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE INDEX channels_active ON channels(last_active);
  CREATE TABLE members (
    channel BLOB NOT NULL,
    key BLOB NOT NULL,
    acked INTEGER NOT NULL DEFAULT 0,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (channel, key)
  ) WITHOUT ROWID;
  CREATE TABLE tokens (
    hash BLOB PRIMARY KEY,
    channel BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by BLOB,
    used_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX tokens_channel ON tokens(channel);
  CREATE INDEX tokens_expires ON tokens(expires_at);
  CREATE TABLE envelopes (
    channel BLOB NOT NULL,
    seq INTEGER NOT NULL,
    id BLOB NOT NULL,
    data BLOB NOT NULL,
    posted_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (channel, seq)
  );
  CREATE UNIQUE INDEX envelopes_id ON envelopes(channel, id);
  CREATE INDEX envelopes_expires ON envelopes(expires_at);
  CREATE TABLE nonces (
    key BLOB NOT NULL,
    nonce BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key, nonce)
  ) WITHOUT ROWID;
  CREATE INDEX nonces_expires ON nonces(expires_at);
  CREATE TABLE rates (bucket TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 1), channels INTEGER NOT NULL, bytes INTEGER NOT NULL);
  INSERT INTO totals VALUES (1, 0, 0);
  `,
];
