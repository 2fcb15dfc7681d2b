/**
 * Standalone relay entry (express + ws), bundled to dist/relay/standalone.js. `tincan relay serve`
 * imports it and calls `startStandaloneRelay`; that signature is stable.
 *
 *   startStandaloneRelay({ host = '127.0.0.1', port = 0, dataDir, owner?, webRoot?, log?, limits? })
 *     → { url, setupCode, close() }
 *
 * `owner` (32-byte Ed25519 public key) seeds or replaces the owner stored in dataDir/relay.db.
 * Without one and while the database has none, a fresh one-time setup code is made on every start
 * (only its hash is stored) and returned as `setupCode` for the caller to print; POST /v1/claim with
 * it sets the owner once. `close()` stops accepting, ends WebSockets and open requests, then closes
 * the database: every answered 201 is durable.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { toBase64Url, utf8 } from '../protocol/encoding.ts';
import type { Limits } from '../protocol/wire.ts';
import { createHttpHandler } from './adapters/express.ts';
import { createNodeCrypto, type NodeCrypto } from './adapters/node-crypto.ts';
import { createStderrLog, encodeBase64Url, systemClock } from './adapters/node-host.ts';
import { loadSodiumCrypto } from './adapters/sodium-crypto.ts';
import { attachWs } from './adapters/ws.ts';
import { createMemoryNotifier } from './core/memory-notifier.ts';
import type { Crypto, Log } from './core/ports.ts';
import { createRelay } from './core/relay.ts';
import { mergeLimits, seedOwnership, SOFTWARE } from './relay-config.ts';
import { createSqliteStore } from './store/sqlite-store.ts';

export interface StandaloneOptions {
  host?: string;
  port?: number;
  /** Folder for relay.db (created when missing). */
  dataDir: string;
  owner?: Uint8Array | null;
  /** Folder of static web client files served at `/`, if present. */
  webRoot?: string;
  log?: Log;
  limits?: Partial<Limits>;
  /** Ed25519 verifier: libsodium's addon when it loads (default), or node:crypto on the thread pool. */
  crypto?: 'sodium-native' | 'node:crypto';
}

export interface StandaloneRelay {
  /** Base URL, e.g. http://127.0.0.1:43121 (no trailing slash). */
  url: string;
  /** One-time setup code to print, or null when the relay has an owner. */
  setupCode: string | null;
  close(): Promise<void>;
}

export async function startStandaloneRelay(opts: StandaloneOptions): Promise<StandaloneRelay> {
  sizeHeapForServing();
  const log = opts.log ?? createStderrLog((line) => process.stderr.write(line));
  const limits = mergeLimits(opts.limits);
  const dataDir = path.resolve(opts.dataDir);
  if (opts.webRoot) {
    const rel = path.relative(path.resolve(opts.webRoot), dataDir);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) throw new Error('dataDir must not be inside webRoot: the database would be downloadable');
  }
  mkdirSync(dataDir, { recursive: true });
  const { crypto, cryptoName, offload } = chooseCrypto(log, opts.crypto ?? 'sodium-native');
  const store = createSqliteStore({ file: path.join(dataDir, 'relay.db'), log, groupCommit: true, cacheKiB: 4096 });
  let setupCode: string | null = null;
  if (!opts.owner && !store.getOwner()) {
    setupCode = toBase64Url(crypto.randomBytes(15));
    store.setSetupCodeHash(crypto.sha256(utf8(setupCode)));
  }
  seedOwnership(store, opts.owner ?? null, null, log);
  let closing = false;
  const notifier = createMemoryNotifier();
  const relay = createRelay({
    store,
    clock: systemClock,
    log,
    crypto,
    notifier,
    // Expired rows go on a timer (below), not on a share of the writes as in one-request processes.
    config: { limits, software: SOFTWARE, transports: ['http', 'ws'], host: { node: process.version, adapter: 'standalone', crypto: cryptoName, encodeBase64Url }, expiryChance: 0 },
  });
  const expiry = setInterval(() => {
    try {
      // Batches of 200, so that a large backlog does not hold up requests for long.
      for (let i = 0; i < 10 && store.expireSome(Date.now(), 200, limits.envelopeTtlSeconds * 1000) >= 200; i++);
    } catch (e) {
      relay.logUnexpected(e, 'expiry');
    }
  }, 10_000);
  expiry.unref();
  const handler = createHttpHandler({ relay, ...(offload ? { crypto: offload } : {}), settled: store.settled, maxBodyBytes: limits.maxBodyBytes, webRoot: opts.webRoot, closing: () => closing });
  const server: Server = createServer(handler);
  server.requestTimeout = 0; // long polls may take maxWaitSeconds
  const ws = attachWs(server, relay, { settled: store.settled });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info('relay listening', { url, dataDir, owner: store.getOwner() ? 'set' : 'unclaimed' });
  let closed: Promise<void> | null = null;
  return {
    url,
    setupCode,
    close: () =>
      (closed ??= (async () => {
        closing = true;
        clearInterval(expiry);
        await ws.close();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        notifier.wakeAll();
        await stopped;
        // Requests already in the core finish (their answers are lost with the connection, but
        // what they committed is committed) before the database closes.
        await handler.drain();
        store.close();
      })()),
  };
}

/**
 * libsodium's native addon (sodium-native, a dependency; Ed25519 verification ~50 µs of CPU) when
 * it loads; else node:crypto (~110 µs per verification, OpenSSL), whose verifications the HTTP
 * adapter then runs on libuv's thread pool so that they do not hold up the event loop.
 */
function chooseCrypto(log: Log, wanted: 'sodium-native' | 'node:crypto'): { crypto: Crypto; cryptoName: string; offload?: NodeCrypto } {
  if (wanted === 'node:crypto') {
    const crypto = createNodeCrypto();
    return { crypto, cryptoName: 'node:crypto', offload: crypto };
  }
  try {
    const pkg = path.dirname(createRequire(import.meta.url).resolve('sodium-native/package.json'));
    return { crypto: loadSodiumCrypto(path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'sodium-native.node')), cryptoName: 'sodium-native' };
  } catch (e) {
    log.warn('sodium-native did not load; verifying signatures with node:crypto', { error: e instanceof Error ? e.message : String(e) });
    const crypto = createNodeCrypto();
    return { crypto, cryptoName: 'node:crypto', offload: crypto };
  }
}

/**
 * Heap sizing for a long-running relay (target: under 100 MB resident; ~45 MB of that is Node's
 * own code). Under a steady stream of requests V8 doubles the young generation up to 2 × 16 MB;
 * measured, a small one costs no CPU we could see (little outlives a request, so scavenges stay
 * cheap). Node's sizing flags only work at start, and `tincan relay serve` runs inside the CLI's
 * process, so these V8 heuristics (read each time V8 would grow a space) are set here instead —
 * unless the operator sized the heap with Node's own flags.
 */
function sizeHeapForServing(): void {
  if ([...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((a) => /semi-space|old-space|heap-size|heap-growing/.test(a))) return;
  try {
    setFlagsFromString('--semi-space-growth-factor=1');
    // And the old generation is collected when it has doubled since the last full collection,
    // rather than at V8's far larger first limit (garbage promoted by busy minutes piles up there).
    setFlagsFromString('--heap-growing-percent=100');
  } catch {
    /* a Node that refuses: the default sizing */
  }
}
