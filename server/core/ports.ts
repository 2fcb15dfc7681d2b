/**
 * The relay core's ports: everything the core needs from the outside world, as small interfaces.
 * The core (this folder) is pure TypeScript — no Node built-ins, no database, no sockets — so one
 * core runs under CGI (one process per request), under express + ws, and in tests in process.
 * Implementations live in server/store (SQLite) and server/adapters (node:crypto, notifiers).
 */
import type { Limits } from '../../protocol/wire.ts';

/** Branded ids that cross module boundaries (bytes; b64url only at the wire). */
export type ChannelId = Uint8Array & { readonly __brand: 'ChannelId' };
export type MemberKey = Uint8Array & { readonly __brand: 'MemberKey' };

/** An envelope as the store keeps it. */
export interface StoredEnvelope {
  seq: number;
  id: Uint8Array;
  data: Uint8Array;
  postedAt: number;
}

/** A channel's public state. */
export interface ChannelState {
  members: number;
  lastSeq: number;
}

/** What the host (adapter) reports for GET /v1/check. */
export interface StoreDiagnostics {
  driver: string;
  journalMode: 'wal' | 'delete' | string;
  dataWritable: boolean;
}

/**
 * Persistence, as intent-level operations. Every multi-step method is one transaction in the
 * implementation, and is safe against concurrent writers in other processes (CGI). Methods are
 * synchronous: SQLite is, and a CGI process serves one request. Expected failures throw
 * `TincanError` with a stable code; nothing is written when a method throws.
 */
export interface Store {
  /**
   * Runs `fn` in one write transaction, so a request's several store calls cost one commit. Each
   * store method called inside stays atomic on its own (a failing one undoes only itself), and what
   * `fn` did is committed even when `fn` throws; the throw is passed on. Never wrap a wait.
   */
  atomically<T>(fn: () => T): T;
  /** The relay owner's public key, or null while unclaimed. */
  getOwner(): Uint8Array | null;
  /** Sets the owner unconditionally (operator configuration). */
  setOwner(owner: Uint8Array): void;
  /** Sets the owner only if none is set; false when an owner already exists. Atomic. */
  claimOwner(owner: Uint8Array): boolean;
  /** SHA-256 of the one-time setup code, or null. */
  getSetupCodeHash(): Uint8Array | null;
  setSetupCodeHash(hash: Uint8Array | null): void;

  /** Creates a channel with its first member (and optionally one invite token). Throws channel-exists, quota-exceeded. */
  openChannel(p: { channel: ChannelId; member: MemberKey; token?: { hash: Uint8Array; expiresAt: number }; now: number; limits: Limits }): ChannelState;
  /** Registers a one-time token for an existing channel. Throws channel-not-found. */
  addToken(p: { channel: ChannelId; hash: Uint8Array; expiresAt: number; now: number }): ChannelState;
  /**
   * Redeems a token: in one transaction checks it belongs to the channel, is unused and unexpired,
   * marks it used and adds the member. Idempotent for a key that is already a member.
   * Throws channel-not-found, invite-invalid, invite-used, invite-expired, channel-full.
   */
  redeemToken(p: { channel: ChannelId; member: MemberKey; tokenHash: Uint8Array; now: number; maxMembers: number }): ChannelState;
  /** The channel's state, or null when it does not exist. */
  channelState(channel: ChannelId): ChannelState | null;
  isMember(channel: ChannelId, member: MemberKey): boolean;
  /**
   * A number that changes whenever a membership may have ended in this process (a member left, a
   * channel was deleted or expired, a write was rolled back). A long-lived subscription re-checks
   * `isMember` only when it changed, instead of querying on every push.
   */
  membershipEpoch(): number;
  /**
   * Appends an envelope with the next gap-free seq, or returns the stored seq when `id` is already
   * there with the same data. Throws envelope-conflict, channel-full, quota-exceeded.
   */
  postEnvelope(p: { channel: ChannelId; member: MemberKey; id: Uint8Array; data: Uint8Array; now: number; limits: Limits }): { seq: number; duplicate: boolean };
  /** Unexpired envelopes with seq > after, oldest first, at most `limit`; `more` when others follow. */
  fetchEnvelopes(p: { channel: ChannelId; after: number; limit: number; now: number }): { envelopes: StoredEnvelope[]; more: boolean };
  /** Highest seq of the channel (0 when empty or missing); cheap, used by long polls. */
  lastSeq(channel: ChannelId): number;
  /** Records the member's acknowledgement and deletes what every member has acknowledged. */
  ack(p: { channel: ChannelId; member: MemberKey; upTo: number; now: number }): { upTo: number; deleted: number };
  /** Removes the member; deletes the channel when it was the last one. */
  leave(p: { channel: ChannelId; member: MemberKey }): { channelDeleted: boolean };
  /** Records (key, nonce) until `expiresAt`; false when the pair was already recorded (a replay). */
  checkAndRecordNonce(key: Uint8Array, nonce: Uint8Array, expiresAt: number): boolean;
  /**
   * Admits one signed request, in one transaction: 'replayed' when (key, nonce) was recorded
   * before; else the milliseconds to wait when `bucket` already counted `limit` requests in this
   * window (nothing recorded); else records the nonce until `nonceExpiresAt`, counts the request
   * and returns 0.
   */
  admit(p: { key: Uint8Array; nonce: Uint8Array; nonceExpiresAt: number; bucket: string; now: number; windowMs: number; limit: number }): 'replayed' | number;
  /**
   * Counts one request in the fixed window of `bucket`; returns 0 when allowed, else the
   * milliseconds until the window resets.
   */
  rate(bucket: string, now: number, windowMs: number, limit: number): number;
  /** Deletes at most `limit` expired rows of each kind (envelopes, nonces, tokens, idle channels). */
  expireSome(now: number, limit: number, channelIdleMs: number): number;
  diagnostics(): StoreDiagnostics;
  close(): void;
}

/** Wall-clock time and sleeping. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Structured log lines. Never pass secrets (tokens, auth headers, setup codes). */
export interface Log {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Hashing and signature verification (node:crypto in the adapters; the core may not import it). */
export interface Crypto {
  sha256(data: Uint8Array): Uint8Array;
  verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  randomBytes(n: number): Uint8Array;
}

/**
 * Tells waiters that a channel got a new envelope. In one process (standalone) it wakes long
 * polls and WebSocket subscriptions at once; across CGI processes there is no shared memory, so
 * the CGI notifier's `wait` just sleeps a short interval and the core polls the store again.
 */
export interface Notifier {
  /** Called by the core after an envelope was stored. */
  published(channel: ChannelId, envelope: StoredEnvelope): void;
  /** Resolves when `channel` may have something new, or at `untilMs` at the latest. */
  wait(channel: ChannelId, untilMs: number): Promise<void>;
  /** Calls `listener` for every envelope published on `channel`; returns the unsubscribe function. */
  subscribe(channel: ChannelId, listener: (e: StoredEnvelope) => void): () => void;
  /** Resolves every pending `wait` now (the relay is closing). */
  wakeAll(): void;
}
