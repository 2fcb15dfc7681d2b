/**
 * Shared plumbing of the client engine: the dependencies, relay clients per URL, the identity,
 * the serialization of operations, and small helpers on records. Internal to protocol/client.
 */
import * as crypto from '../crypto/index.ts';
import { fromBase64Url, toBase64Url } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import { type Clock, type Http, type WebSocketFactory, systemClock } from './ports.ts';
import { RelayClient, type SigningKeys } from './relay-client.ts';
import type { ClientStore, ConversationRecord, IdentityRecord, LocationHealth, LocationRecord } from './store.ts';

/** What a host gives the engine. */
export interface ClientDeps {
  store: ClientStore;
  http: Http;
  clock?: Clock;
  /** WebSocket factory for live push from standalone relays; without it, live mode long-polls. */
  webSocket?: WebSocketFactory;
  /**
   * Runs `fn` while holding the host's exclusive lock over the store (the CLI: a cross-process
   * lock; must be re-entrant). Every engine operation runs inside it. Default: no extra lock.
   */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Ordinary relay requests give up after this (default 8000 ms). */
  timeoutMs?: number;
  /** Base URL of the web client for invite links (default: the invite's first relay). */
  webBase?: string;
}

export interface Engine {
  deps: ClientDeps;
  store: ClientStore;
  clock: Clock;
  relay(url: string): RelayClient;
  /** The identity, decoded once (throws not-initialized). */
  identity(): Promise<{ record: IdentityRecord; device: crypto.DeviceIdentity }>;
  /**
   * Only the identity's signing key pair (throws not-initialized): no public-key operation, unlike
   * identity(), for operations that need nothing else (a send).
   */
  signKeys(): Promise<crypto.KeyPair>;
  /**
   * Runs one operation at a time (in-process mutex, then the host's exclusive lock). A call made
   * while an operation runs is taken for a nested one and runs inline — except with `queue`, for
   * callers that never run inside an operation (live mode's timers and pushes): those wait their
   * turn. Async code cannot tell nested from concurrent calls, and a concurrent sync running inline
   * saved its stale copy of a conversation over what the running operation (a move) had just saved.
   */
  run<T>(fn: () => Promise<T>, o?: { crypto?: boolean; queue?: boolean }): Promise<T>;
}

export function createEngine(deps: ClientDeps): Engine {
  const clock = deps.clock ?? systemClock;
  const skews = new Map<string, number>();
  const relays = new Map<string, RelayClient>();
  let cached: { record: IdentityRecord; device: crypto.DeviceIdentity } | null = null;
  let signOnly: crypto.KeyPair | null = null;
  const storedIdentity = async (): Promise<IdentityRecord> => {
    const record = await deps.store.getIdentity();
    if (!record) throw new TincanError('not-initialized', 'there is no identity here yet; create one with `tincan init --name YOUR-NAME`');
    return record;
  };
  let tail: Promise<unknown> = Promise.resolve();
  let depth = 0;
  const engine: Engine = {
    deps,
    store: deps.store,
    clock,
    relay(url) {
      let r = relays.get(url);
      if (!r) {
        r = new RelayClient(url, {
          http: deps.http,
          clock,
          crypto: { sha256: crypto.sha256, sign: crypto.sign, randomBytes: crypto.randomBytes },
          skews,
          ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
        });
        relays.set(url, r);
      }
      return r;
    },
    async identity() {
      if (cached) return cached;
      await crypto.ready();
      const record = await storedIdentity();
      cached = { record, device: crypto.decodeIdentity(record.device) };
      return cached;
    },
    async signKeys() {
      if (cached) return cached.device.sign;
      signOnly ??= crypto.decodeIdentitySignKeys((await storedIdentity()).device);
      return signOnly;
    },
    run<T>(fn: () => Promise<T>, o?: { crypto?: boolean; queue?: boolean }): Promise<T> {
      // Re-entrant: an operation that calls another one runs it inline (see the interface).
      if (depth > 0 && !o?.queue) return fn();
      const exclusive = deps.exclusive ?? (<U>(f: () => Promise<U>) => f());
      const next = tail.then(() =>
        exclusive(async () => {
          depth++;
          try {
            // Pure store reads (the phonebook) skip loading libsodium.
            if (o?.crypto !== false) await crypto.ready();
            return await fn();
          } finally {
            depth--;
          }
        }),
      );
      tail = next.catch(() => undefined);
      return next;
    },
  };
  return engine;
}

/** A location's member key pair. */
export function memberKeys(loc: LocationRecord): SigningKeys {
  return { publicKey: loc.memberPublic, secretKey: loc.memberSecret };
}

export function channelBytes(loc: { channelId: string }): Uint8Array {
  const b = fromBase64Url(loc.channelId);
  if (!b || b.length !== 16) throw new TincanError('internal', `stored channel id ${loc.channelId} is not 16 bytes`);
  return b;
}

export const HEALTHY: LocationHealth = { ok: true, failures: 0, nextRetryAt: 0, lastError: null };

/** Health after a failure: exponential backoff from 2 s up to 5 min. */
export function failedHealth(h: LocationHealth, now: number, err: unknown): LocationHealth {
  const failures = h.failures + 1;
  const delay = Math.min(300_000, 2000 * 2 ** Math.min(failures - 1, 10));
  return { ok: false, failures, nextRetryAt: now + delay, lastError: errorText(err) };
}

/**
 * How long a request to a location that is failing may take: a relay that accepts connections but
 * never answers must not stall a send or sync for the full timeout each time it is retried.
 */
export const PROBE_TIMEOUT_MS = 2000;

/** The timeout for a request to `loc`: short while it is failing, the default otherwise. */
export function probeTimeout(loc: LocationRecord): { timeoutMs?: number } {
  return loc.health.ok ? {} : { timeoutMs: PROBE_TIMEOUT_MS };
}

/** Whether to try a location now (always when forced by a person's explicit command). */
export function isDue(loc: LocationRecord, now: number, force: boolean): boolean {
  return force || loc.health.nextRetryAt <= now;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function locationKey(loc: { relayUrl: string; channelId: string }): string {
  return `${loc.relayUrl} ${loc.channelId}`;
}

const ownKeys = new WeakMap<Engine, Uint8Array>();
async function ownKey(engine: Engine): Promise<Uint8Array> {
  let k = ownKeys.get(engine);
  if (!k) {
    const sign = await engine.signKeys();
    k = await crypto.sha256(new Uint8Array([...new TextEncoder().encode('tincan-own-envelope-id'), ...sign.secretKey]));
    ownKeys.set(engine, k);
  }
  return k;
}

/**
 * A fresh envelope id I can later recognize as mine (8 random bytes + 8 bytes keyed by a secret of
 * my identity), so my own copies are skipped when reading, even after an export/import. To a relay
 * it is 16 random-looking bytes.
 */
export async function ownEnvelopeId(engine: Engine): Promise<string> {
  const r = crypto.randomBytes(8);
  const tag = await crypto.sha256(new Uint8Array([...(await ownKey(engine)), ...r]));
  return toBase64Url(new Uint8Array([...r, ...tag.subarray(0, 8)]));
}

export async function isOwnEnvelopeId(engine: Engine, id: string): Promise<boolean> {
  const b = fromBase64Url(id);
  if (!b || b.length !== 16) return false;
  const tag = await crypto.sha256(new Uint8Array([...(await ownKey(engine)), ...b.subarray(0, 8)]));
  return tag.subarray(0, 8).every((x, i) => x === b[8 + i]);
}

export function randomId(): string {
  // Never starting with '-': people pass ids on command lines, where `-x…` reads as an option.
  for (;;) {
    const id = toBase64Url(crypto.randomBytes(16));
    if (id[0] !== '-') return id;
  }
}

/** Finds a conversation by id or by name (case-insensitive); throws conversation-not-found. */
export async function resolveConversation(engine: Engine, ref: string): Promise<ConversationRecord> {
  const byId = await engine.store.getConversation(ref);
  if (byId) return byId;
  const all = await engine.store.listConversations();
  const exact = all.filter((c) => c.name === ref);
  if (exact.length === 1) return exact[0]!;
  const folded = all.filter((c) => c.name.toLowerCase() === ref.toLowerCase());
  if (folded.length === 1) return folded[0]!;
  throw new TincanError('conversation-not-found', `there is no conversation called "${ref}"; \`tincan list\` shows your conversations`);
}

/** A name not yet used in the phonebook, based on `wanted`. */
export async function uniqueName(engine: Engine, wanted: string, exceptId?: string): Promise<string> {
  const base = wanted.trim() || 'friend';
  const taken = new Set((await engine.store.listConversations()).filter((c) => c.id !== exceptId).map((c) => c.name.toLowerCase()));
  if (!taken.has(base.toLowerCase())) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`.toLowerCase())) return `${base}-${i}`;
}

/** Refuses to send from a home whose data was exported (moved) to another machine. */
export async function assertNotMoved(engine: Engine): Promise<void> {
  const moved = await engine.store.getMeta('movedAt');
  if (moved !== null) {
    throw new TincanError(
      'home-moved',
      `this home was exported on ${new Date(Number(moved)).toISOString()} and now lives elsewhere; sending from here would fork the conversations. Use the home you imported it into (or \`tincan init\` a fresh one).`,
    );
  }
}
