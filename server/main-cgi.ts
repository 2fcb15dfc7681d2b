/**
 * CGI entry of the relay: one process per HTTP request.
 *
 * Contract (for the deploy bundle's `index.cgi`):
 *   import { runCgi } from './relay-cgi.js';
 *   await runCgi({ configPath: '/abs/path/config.json' });   // reads env + stdin, writes fd 1, exits 0
 *
 * `config.json` (beside the entry; JSON object, every field optional):
 *   {
 *     "owner": "<b64u Ed25519 public key>" | null,  // seeds/overrides the owner in the database
 *     "setupCodeHash": "<b64u SHA-256 of the UTF-8 setup code>",  // lets POST /v1/claim set the owner once
 *     "dataDir": "data",                               // relative to the config file's folder; holds relay.db
 *     "limits": { "maxChannels": 100, ... },           // any of /v1/info limits, overriding the defaults
 *     "heartbeatSeconds": 5                            // long-poll heartbeat interval
 *   }
 * Trust: config.json is the operator's; env and stdin are the client's. The database opens only for
 * routes that need it. This file and what it imports never load express or ws (checked by
 * tests/architecture.test.ts): the import graph is the per-request latency.
 */
import { accessSync, constants, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createStderrLog, encodeBase64Url, systemClock } from './adapters/node-host.ts';
import { loadSodiumCrypto } from './adapters/sodium-crypto.ts';
import { serveCgi, type CgiEnv } from './adapters/cgi.ts';
import { createPollingNotifier } from './core/memory-notifier.ts';
import type { Crypto } from './core/ports.ts';
import { createRelay } from './core/relay.ts';
import { lazyStore } from './lazy-store.ts';
import { decodeKey, mergeLimits, seedOwnership, SOFTWARE } from './relay-config.ts';
import { createSqliteStore, type SqliteStore } from './store/sqlite-store.ts';

export interface CgiConfigFile {
  owner?: string | null;
  setupCodeHash?: string;
  dataDir?: string;
  limits?: Record<string, unknown>;
  heartbeatSeconds?: number;
}

export interface RunCgiOptions {
  /** Absolute path of config.json. */
  configPath: string;
  /** Defaults to process.env. */
  env?: CgiEnv;
  stdinFd?: number;
  stdoutFd?: number;
  /** Call process.exit(0) after the answer is written (default true). */
  exit?: boolean;
  /**
   * The sodium-native addon file (the upload bundle ships it as relay/sodium-native.node). Loads in
   * ~2 ms; without it, or when it cannot load here, the relay uses node:crypto (~4 ms per request).
   */
  sodiumAddon?: string;
}

const log = createStderrLog((line) => {
  try {
    writeSync(2, line);
  } catch {
    /* nowhere left to report */
  }
});

export async function runCgi(opts: RunCgiOptions): Promise<void> {
  let closeStore = () => {};
  let opened: SqliteStore | null = null;
  try {
    const config = JSON.parse(readFileSync(opts.configPath, 'utf8')) as CgiConfigFile;
    if (typeof config !== 'object' || config === null) throw new Error('config.json must hold a JSON object');
    const limits = mergeLimits(config.limits as never);
    const owner = decodeKey(config.owner, 'config.json "owner"');
    const setupCodeHash = decodeKey(config.setupCodeHash, 'config.json "setupCodeHash"');
    const dataDir = path.resolve(path.dirname(opts.configPath), config.dataDir ?? 'data');
    const { crypto, cryptoName } = await chooseCrypto(opts.sodiumAddon);
    const store = lazyStore(() => {
      const s = createSqliteStore({ file: path.join(dataDir, 'relay.db'), log, walTrimBytes: WAL_TRIM_BYTES });
      seedOwnership(s, owner, setupCodeHash, log);
      return (opened = s);
    });
    closeStore = () => store.close();
    const relay = createRelay({
      store,
      clock: systemClock,
      log,
      crypto,
      notifier: createPollingNotifier(systemClock),
      config: {
        limits,
        software: SOFTWARE,
        transports: ['http'],
        host: { node: process.version, adapter: 'cgi', crypto: cryptoName, dataWritable: () => folderWritable(dataDir), encodeBase64Url },
        heartbeatMs: (config.heartbeatSeconds ?? 5) * 1000,
      },
    });
    await serveCgi(relay, { env: opts.env ?? process.env, maxBodyBytes: limits.maxBodyBytes, stdinFd: opts.stdinFd ?? 0, stdoutFd: opts.stdoutFd ?? 1 });
  } catch (e) {
    log.error('CGI relay failed before answering', { error: e instanceof Error ? e.message : String(e) });
    const body = JSON.stringify({ error: { code: 'internal', message: 'The relay is misconfigured or failed to start; its operator can find the details in the web server error log.' } });
    try {
      writeSync(opts.stdoutFd ?? 1, `Status: 500 Internal Server Error\r\nContent-Type: application/json; charset=utf-8\r\nAccess-Control-Allow-Origin: *\r\n\r\n${body}`);
    } catch {
      /* client gone */
    }
  }
  // Exiting without closing keeps the WAL: closing the last connection would checkpoint and delete
  // it on every request (~3 ms). Committed transactions are durable either way. The next process
  // reads the WAL to rebuild its index, so it is emptied whenever it outgrows WAL_TRIM_BYTES (one
  // request in a few dozen pays for that, after its answer is written).
  (opened as SqliteStore | null)?.trimWal();
  if (opts.exit !== false) process.exit(0);
  closeStore();
}

/**
 * Measured over 200 CGI posts in one run (each post writes ~50 KB of WAL frames; a loaded 2-vCPU
 * machine, so only the gap is telling): left alone the WAL reached 9.5 MB and posts averaged 61 ms;
 * trimmed past 1 MB, 41 ms; past 256 KB, 51 ms (it trims, and fsyncs, four times as often).
 * See SqliteStore.trimWal.
 */
const WAL_TRIM_BYTES = 1024 * 1024;

/** libsodium through the addon when it loads; else node:crypto, imported only then (it is the slower load). */
async function chooseCrypto(addon: string | undefined): Promise<{ crypto: Crypto; cryptoName: string }> {
  if (addon) {
    try {
      return { crypto: loadSodiumCrypto(addon), cryptoName: 'sodium-native' };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      // An older upload has no addon file: not worth a line per request in the error log.
      if (!/No such file/i.test(error)) log.warn('sodium-native did not load; using node:crypto', { error });
    }
  }
  const { createNodeCrypto } = await import('./adapters/node-crypto.ts');
  return { crypto: createNodeCrypto(), cryptoName: 'node:crypto' };
}

/** Whether the data folder can be written by this process (checked without opening the database). */
function folderWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
