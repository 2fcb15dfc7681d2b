/**
 * The relay Store on SQLite (better-sqlite3). Many CGI processes may open the same file at once:
 * every multi-step change is one `BEGIN IMMEDIATE` transaction (the write lock is taken before the
 * first read, so read-then-write never deadlocks), waits up to 5 s for the lock (busy timeout),
 * and a lock held longer becomes 503 `unavailable`. WAL is used where the filesystem supports it
 * (probed by a real write, since `journal_mode=WAL` can report success and fail later on network
 * filesystems); otherwise the rollback journal. Per-channel seq numbers come from the channel row
 * inside the write transaction, so they are unique and gap-free across processes.
 */
import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TincanError } from '../../protocol/errors.ts';
import type { ChannelState, Log, Store, StoreDiagnostics, StoredEnvelope } from '../core/ports.ts';
import { MIGRATIONS } from './schema.ts';

export interface SqliteStoreOptions {
  /** Database file; its folder is created when missing. */
  file: string;
  log?: Log;
  /** How long a writer waits for the lock before answering `unavailable` (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Skip the WAL probe and use the rollback journal (for tests of that mode). */
  forceRollbackJournal?: boolean;
  /**
   * For a long-running relay that owns the database (standalone): the `atomically` calls of one
   * turn of the event loop share one transaction, committed at the end of the turn (setImmediate),
   * each inside its own savepoint. One commit then writes the pages that many requests share
   * (totals, channel rows, the ends of the indexes) once. Nothing written is durable until
   * `settled()` resolves: callers hold answers and pushes until then.
   */
  groupCommit?: boolean;
  /**
   * For `trimWal()`: the WAL size (bytes) above which it checkpoints and empties the WAL.
   */
  walTrimBytes?: number;
  /**
   * SQLite's page cache per connection, in KiB (better-sqlite3 builds SQLite with 16 MiB). A
   * long-running relay sets a smaller one to keep its resident memory down; the operating system's
   * file cache still holds the pages.
   */
  cacheKiB?: number;
}

export type SqliteStore = Store & {
  /** `PRAGMA integrity_check` result ('ok' when healthy). */
  integrityCheck(): string;
  /** The journal mode in use. */
  readonly journalMode: string;
  /**
   * Checkpoints the WAL and truncates it to nothing when it is larger than `walTrimBytes`; true
   * when it did. For the CGI relay, after each request. A process that exits without closing the
   * database leaves the WAL behind, and the next process to open the database alone rebuilds the
   * WAL index by reading the whole WAL (~1 ms at 4 MB, ~0.4 ms at 300 KB) — and, having lost
   * track of what was already checkpointed, never restarts the WAL: left alone it grows without
   * bound, and past SQLite's auto-checkpoint size every commit copies all of it again.
   * Closing the database instead would checkpoint and delete the WAL on every request (~3 ms).
   */
  trimWal(): boolean;
  /**
   * With `groupCommit`: null when every write is committed, else a promise that resolves when the
   * open group has committed, or rejects (TincanError) when the commit failed and was rolled back.
   * Always null without `groupCommit`.
   */
  settled(): Promise<void> | null;
};

type Row = Record<string, unknown>;
const busyCodes = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_PROTOCOL']);

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && busyCodes.has(code)) throw new TincanError('unavailable', 'The relay database is busy; retry in a moment.');
    if (code === 'SQLITE_FULL') throw new TincanError('quota-exceeded', 'The relay is out of disk space.');
    throw e;
  }
}

function migrate(db: Database.Database): void {
  if ((db.pragma('user_version', { simple: true }) as number) >= MIGRATIONS.length) return;
  db.transaction(() => {
    const v = db.pragma('user_version', { simple: true }) as number;
    for (let i = v; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** Switches to WAL once, proven by a real write and read back; falls back to the rollback journal. */
function chooseJournal(db: Database.Database, log: Log | undefined, forceRollback: boolean): string {
  const current = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  if (current === 'wal') return 'wal';
  const decided = db.prepare("SELECT value FROM meta WHERE key = 'journal'").get() as Row | undefined;
  if (forceRollback || decided?.['value'] === 'delete') return current;
  try {
    const mode = String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase();
    if (mode !== 'wal') return current; // another connection is open; a later start will retry
    const probe = String(Date.now());
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('wal-probe', ?)").run(probe);
    const back = db.prepare("SELECT value FROM meta WHERE key = 'wal-probe'").get() as Row | undefined;
    if (String(back?.['value']) !== probe) throw new Error('WAL probe read back a different value');
    return 'wal';
  } catch (e) {
    log?.warn('WAL does not work on this filesystem; using the rollback journal', { error: String(e) });
    try {
      db.pragma('journal_mode = DELETE');
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('journal', 'delete')").run();
    } catch {
      /* keep whatever mode SQLite left us in */
    }
    return String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  }
}

export function createSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  mkdirSync(path.dirname(opts.file), { recursive: true });
  const db = new Database(opts.file, { timeout: opts.busyTimeoutMs ?? 5000 });
  // The usual open (schema current, WAL on) reads both in one statement: a CGI relay opens the
  // database on every request, and each statement costs ~0.1 ms in a fresh process.
  const head = guard(() => db.prepare('SELECT (SELECT user_version FROM pragma_user_version) AS v, (SELECT journal_mode FROM pragma_journal_mode) AS j').get() as Row);
  const ready = head['v'] === MIGRATIONS.length && String(head['j']).toLowerCase() === 'wal' && !opts.forceRollbackJournal;
  if (!ready) guard(() => migrate(db));
  const journalMode = ready ? 'wal' : guard(() => chooseJournal(db, opts.log, opts.forceRollbackJournal ?? false));
  db.exec(journalMode === 'wal' ? 'PRAGMA synchronous = NORMAL' : 'PRAGMA synchronous = FULL');
  if (opts.cacheKiB !== undefined) db.exec(`PRAGMA cache_size = -${Math.max(64, Math.floor(opts.cacheKiB))}`);

  const stmts = new Map<string, Database.Statement>();
  const q = (sql: string): Database.Statement => {
    let s = stmts.get(sql);
    if (!s) stmts.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const get = (sql: string, ...args: unknown[]) => q(sql).get(...args) as Row | undefined;
  const run = (sql: string, ...args: unknown[]) => q(sql).run(...args);
  // One transaction wrapper for every call: db.transaction() builds four wrapper functions and
  // their properties each time, which cost ~20 % of a small write.
  const inTx = db.transaction((fn: () => unknown) => fn());
  const tx = <T>(fn: () => T): T => guard(() => inTx.immediate(fn) as T);

  // Group commit (opts.groupCommit): one open transaction per turn of the event loop.
  let group: { done: Promise<void>; resolve: () => void; reject: (e: unknown) => void; timer: NodeJS.Immediate } | null = null;
  const beginStmt = opts.groupCommit ? db.prepare('BEGIN IMMEDIATE') : null;
  const commitStmt = opts.groupCommit ? db.prepare('COMMIT') : null;
  let epoch = 0; // see Store.membershipEpoch
  const commitGroup = (): void => {
    const g = group;
    if (!g) return;
    group = null;
    clearImmediate(g.timer);
    try {
      guard(() => commitStmt!.run());
      g.resolve();
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      epoch++;
      g.reject(e instanceof TincanError ? e : new TincanError('unavailable', 'The relay could not save this change; retry in a moment.'));
    }
  };
  const openGroup = (): void => {
    guard(() => beginStmt!.run());
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => {}); // a failure is reported to whoever awaits settled(); none may
    group = { done, resolve, reject, timer: setImmediate(commitGroup) };
  };

  const getMeta = (key: string): Uint8Array | null => {
    const r = get('SELECT value FROM meta WHERE key = ?', key);
    return r ? new Uint8Array(r['value'] as Buffer) : null;
  };
  const state = (channel: Uint8Array): ChannelState | null => {
    const r = get('SELECT last_seq, (SELECT COUNT(*) FROM members WHERE channel = c.id) AS members FROM channels c WHERE id = ?', channel);
    return r ? { members: r['members'] as number, lastSeq: r['last_seq'] as number } : null;
  };
  const mustState = (channel: Uint8Array): ChannelState => {
    const s = state(channel);
    if (!s) throw new TincanError('channel-not-found', 'No such channel on this relay.');
    return s;
  };

  /** Deletes envelopes every member acknowledged, unless an invite is still pending. Inside a transaction. */
  const deleteAcknowledged = (channel: Uint8Array, now: number): number => {
    if (get('SELECT 1 FROM tokens WHERE channel = ? AND used_by IS NULL AND expires_at > ? LIMIT 1', channel, now)) return 0;
    const floor = get('SELECT MIN(acked) AS f FROM members WHERE channel = ?', channel)?.['f'];
    if (typeof floor !== 'number' || floor <= 0) return 0;
    return deleteEnvelopes(channel, 'seq <= ?', floor);
  };
  const deleteEnvelopes = (channel: Uint8Array, where: string, arg: number): number => {
    const r = get(`SELECT COUNT(*) AS n, COALESCE(SUM(length(data)), 0) AS b FROM envelopes WHERE channel = ? AND ${where}`, channel, arg)!;
    const n = r['n'] as number;
    if (n === 0) return 0;
    run(`DELETE FROM envelopes WHERE channel = ? AND ${where}`, channel, arg);
    run('UPDATE channels SET env_count = env_count - ?, env_bytes = env_bytes - ? WHERE id = ?', n, r['b'], channel);
    run('UPDATE totals SET bytes = bytes - ? WHERE id = 1', r['b']);
    return n;
  };
  const dropChannel = (channel: Uint8Array): void => {
    epoch++;
    const c = get('SELECT env_bytes FROM channels WHERE id = ?', channel);
    if (!c) return;
    run('DELETE FROM envelopes WHERE channel = ?', channel);
    run('DELETE FROM members WHERE channel = ?', channel);
    run('DELETE FROM tokens WHERE channel = ?', channel);
    run('DELETE FROM channels WHERE id = ?', channel);
    run('UPDATE totals SET bytes = bytes - ?, channels = channels - 1 WHERE id = 1', c['env_bytes']);
  };

  /** Fixed-window counter; 0 when counted, else ms until the window resets (nothing counted). */
  const countRate = (bucket: string, now: number, windowMs: number, limit: number): number => {
    const r = get('SELECT window_start, count FROM rates WHERE bucket = ?', bucket);
    if (!r || (r['window_start'] as number) + windowMs <= now) {
      run('INSERT OR REPLACE INTO rates (bucket, window_start, count) VALUES (?, ?, 1)', bucket, now);
      return 0;
    }
    if ((r['count'] as number) >= limit) return (r['window_start'] as number) + windowMs - now;
    run('UPDATE rates SET count = count + 1 WHERE bucket = ?', bucket);
    return 0;
  };

  const store: SqliteStore = {
    journalMode,
    settled: () => group?.done ?? null,
    atomically: <T>(fn: () => T): T => {
      if (opts.groupCommit) {
        if (!group) openGroup();
        // The group's transaction is open and every step below runs in its own savepoint (undone
        // alone when it fails): a savepoint around the whole request would add work, not safety.
        return fn();
      }
      // Inside, every tx() runs as a SAVEPOINT (better-sqlite3 nests transactions that way).
      let failure: { e: unknown } | null = null;
      const out = tx(() => {
        try {
          return fn();
        } catch (e) {
          failure = { e };
          return undefined as T;
        }
      });
      if (failure) throw (failure as { e: unknown }).e;
      return out;
    },
    getOwner: () => guard(() => getMeta('owner')),
    setOwner: (owner) => guard(() => void run("INSERT OR REPLACE INTO meta (key, value) VALUES ('owner', ?)", owner)),
    claimOwner: (owner) =>
      tx(() => {
        if (get("SELECT 1 FROM meta WHERE key = 'owner'")) return false;
        run("INSERT INTO meta (key, value) VALUES ('owner', ?)", owner);
        return true;
      }),
    getSetupCodeHash: () => guard(() => getMeta('setup-code-hash')),
    setSetupCodeHash: (hash) =>
      guard(() => {
        if (hash) run("INSERT OR REPLACE INTO meta (key, value) VALUES ('setup-code-hash', ?)", hash);
        else run("DELETE FROM meta WHERE key = 'setup-code-hash'");
      }),

    openChannel: ({ channel, member, token, now, limits }) =>
      tx(() => {
        if (get('SELECT 1 FROM channels WHERE id = ?', channel)) throw new TincanError('channel-exists', 'A channel with this id already exists; pick a fresh random id.');
        const t = get('SELECT channels FROM totals WHERE id = 1')!;
        if ((t['channels'] as number) >= limits.maxChannels) throw new TincanError('quota-exceeded', 'This relay hosts as many channels as it may.');
        run('INSERT INTO channels (id, created_at, last_active) VALUES (?, ?, ?)', channel, now, now);
        run('INSERT INTO members (channel, key, joined_at) VALUES (?, ?, ?)', channel, member, now);
        run('UPDATE totals SET channels = channels + 1 WHERE id = 1');
        if (token) {
          if (get('SELECT 1 FROM tokens WHERE hash = ?', token.hash)) throw new TincanError('bad-request', 'This invite token is already registered; make a fresh one.');
          run('INSERT INTO tokens (hash, channel, expires_at) VALUES (?, ?, ?)', token.hash, channel, token.expiresAt);
        }
        return { members: 1, lastSeq: 0 };
      }),

    addToken: ({ channel, hash, expiresAt }) =>
      tx(() => {
        const s = mustState(channel);
        if (get('SELECT 1 FROM tokens WHERE hash = ?', hash)) throw new TincanError('bad-request', 'This invite token is already registered; make a fresh one.');
        run('INSERT INTO tokens (hash, channel, expires_at) VALUES (?, ?, ?)', hash, channel, expiresAt);
        return s;
      }),

    redeemToken: ({ channel, member, tokenHash, now, maxMembers }) =>
      tx(() => {
        const s = mustState(channel);
        if (get('SELECT 1 FROM members WHERE channel = ? AND key = ?', channel, member)) return s;
        const t = get('SELECT channel, expires_at, used_by FROM tokens WHERE hash = ?', tokenHash);
        if (!t || !Buffer.from(t['channel'] as Buffer).equals(channel)) throw new TincanError('invite-invalid', 'This invite is not valid for this channel.');
        if (t['used_by'] !== null) throw new TincanError('invite-used', 'This invite was already used; ask for a new one.');
        if ((t['expires_at'] as number) <= now) throw new TincanError('invite-expired', 'This invite has expired; ask for a new one.');
        if (s.members >= maxMembers) throw new TincanError('channel-full', `This channel already has ${maxMembers} members.`);
        run('UPDATE tokens SET used_by = ?, used_at = ? WHERE hash = ?', member, now, tokenHash);
        run('INSERT INTO members (channel, key, joined_at) VALUES (?, ?, ?)', channel, member, now);
        run('UPDATE channels SET last_active = ? WHERE id = ?', now, channel);
        return { members: s.members + 1, lastSeq: s.lastSeq };
      }),

    channelState: (channel) => guard(() => state(channel)),
    isMember: (channel, member) => guard(() => get('SELECT 1 FROM members WHERE channel = ? AND key = ?', channel, member) !== undefined),
    membershipEpoch: () => epoch,

    postEnvelope: ({ channel, member, id, data, now, limits }) =>
      tx(() => {
        const prior = get('SELECT seq, data FROM envelopes WHERE channel = ? AND id = ?', channel, id);
        if (prior) {
          if (Buffer.from(prior['data'] as Buffer).equals(data)) return { seq: prior['seq'] as number, duplicate: true };
          throw new TincanError('envelope-conflict', 'An envelope with this id but different content is already stored.');
        }
        const c = get('SELECT last_seq, env_count, env_bytes FROM channels WHERE id = ?', channel);
        if (!c) throw new TincanError('channel-not-found', 'No such channel on this relay.');
        if ((c['env_count'] as number) >= limits.maxChannelEnvelopes || (c['env_bytes'] as number) + data.length > limits.maxChannelBytes) {
          throw new TincanError('channel-full', 'This channel holds as many unread envelopes as it may; wait until members read and acknowledge them.');
        }
        const t = get('SELECT bytes FROM totals WHERE id = 1')!;
        if ((t['bytes'] as number) + data.length > limits.maxRelayBytes) throw new TincanError('quota-exceeded', 'This relay stores as many bytes as it may.');
        const seq = (c['last_seq'] as number) + 1;
        run('INSERT INTO envelopes (channel, seq, id, data, posted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', channel, seq, id, data, now, now + limits.envelopeTtlSeconds * 1000);
        run('UPDATE channels SET last_seq = ?, env_count = env_count + 1, env_bytes = env_bytes + ?, last_active = ? WHERE id = ?', seq, data.length, now, channel);
        run('UPDATE totals SET bytes = bytes + ? WHERE id = 1', data.length);
        // The poster has its own envelope; its acknowledgement moves only if it had everything before.
        run('UPDATE members SET acked = ? WHERE channel = ? AND key = ? AND acked = ?', seq, channel, member, seq - 1);
        return { seq, duplicate: false };
      }),

    fetchEnvelopes: ({ channel, after, limit, now }) =>
      guard(() => {
        const rows = q('SELECT seq, id, data, posted_at FROM envelopes WHERE channel = ? AND seq > ? AND expires_at > ? ORDER BY seq LIMIT ?').all(channel, after, now, limit + 1) as Row[];
        const more = rows.length > limit;
        const envelopes: StoredEnvelope[] = rows.slice(0, limit).map((r) => ({
          seq: r['seq'] as number,
          // Buffers are Uint8Arrays, freshly allocated per row: no copy needed.
          id: r['id'] as Buffer,
          data: r['data'] as Buffer,
          postedAt: r['posted_at'] as number,
        }));
        // Keeps a read-only channel from expiring as idle: at most one write per hour per channel,
        // and none otherwise (a long poll re-reads every 250 ms and must not take the write lock).
        const active = get('SELECT last_active FROM channels WHERE id = ?', channel)?.['last_active'];
        if (typeof active === 'number' && active < now - 3_600_000) run('UPDATE channels SET last_active = ? WHERE id = ?', now, channel);
        return { envelopes, more };
      }),

    lastSeq: (channel) => guard(() => (get('SELECT last_seq FROM channels WHERE id = ?', channel)?.['last_seq'] as number | undefined) ?? 0),

    ack: ({ channel, member, upTo, now }) =>
      tx(() => {
        const c = get('SELECT last_seq FROM channels WHERE id = ?', channel);
        if (!c) throw new TincanError('channel-not-found', 'No such channel on this relay.');
        run('UPDATE members SET acked = MAX(acked, ?) WHERE channel = ? AND key = ?', Math.min(upTo, c['last_seq'] as number), channel, member);
        const acked = get('SELECT acked FROM members WHERE channel = ? AND key = ?', channel, member)?.['acked'] as number;
        return { upTo: acked, deleted: deleteAcknowledged(channel, now) };
      }),

    leave: ({ channel, member }) =>
      tx(() => {
        epoch++;
        run('DELETE FROM members WHERE channel = ? AND key = ?', channel, member);
        if (!get('SELECT 1 FROM members WHERE channel = ? LIMIT 1', channel)) {
          dropChannel(channel);
          return { channelDeleted: true };
        }
        deleteAcknowledged(channel, Date.now());
        return { channelDeleted: false };
      }),

    checkAndRecordNonce: (key, nonce, expiresAt) => guard(() => run('INSERT OR IGNORE INTO nonces (key, nonce, expires_at) VALUES (?, ?, ?)', key, nonce, expiresAt).changes === 1),

    rate: (bucket, now, windowMs, limit) => tx(() => countRate(bucket, now, windowMs, limit)),

    // No savepoint of its own inside a request's transaction: a failure between its two writes (an
    // I/O error) leaves at most a rate counted for a request that was refused, which is harmless.
    admit: ({ key, nonce, nonceExpiresAt, bucket, now, windowMs, limit }) =>
      (db.inTransaction ? guard : tx)(() => {
        if (get('SELECT 1 FROM nonces WHERE key = ? AND nonce = ?', key, nonce)) return 'replayed' as const;
        const wait = countRate(bucket, now, windowMs, limit);
        if (wait === 0) run('INSERT INTO nonces (key, nonce, expires_at) VALUES (?, ?, ?)', key, nonce, nonceExpiresAt);
        return wait;
      }),

    expireSome: (now, limit, channelIdleMs) =>
      tx(() => {
        let n = 0;
        const expired = q('SELECT channel, seq FROM envelopes WHERE expires_at <= ? LIMIT ?').all(now, limit) as Row[];
        for (const e of expired) n += deleteEnvelopes(e['channel'] as Buffer, 'seq = ?', e['seq'] as number);
        n += run('DELETE FROM nonces WHERE (key, nonce) IN (SELECT key, nonce FROM nonces WHERE expires_at <= ? LIMIT ?)', now, limit).changes;
        n += run('DELETE FROM rates WHERE bucket IN (SELECT bucket FROM rates WHERE window_start <= ? LIMIT ?)', now - 3_600_000, limit).changes;
        n += run('DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE expires_at <= ? LIMIT ?)', now - channelIdleMs, limit).changes;
        const idle = q('SELECT id FROM channels WHERE last_active <= ? LIMIT ?').all(now - channelIdleMs, Math.min(limit, 20)) as Row[];
        for (const c of idle) {
          dropChannel(c['id'] as Buffer);
          n++;
        }
        return n;
      }),

    diagnostics: (): StoreDiagnostics => {
      let dataWritable = true;
      try {
        accessSync(path.dirname(opts.file), constants.W_OK);
        accessSync(opts.file, constants.W_OK);
      } catch {
        dataWritable = false;
      }
      // The CGI bundle may answer `better-sqlite3` with node:sqlite underneath (deploy/sqlite-driver.cjs); it says so.
      return { driver: (db as { driver?: string }).driver ?? 'better-sqlite3', journalMode, dataWritable };
    },
    integrityCheck: () => String(db.pragma('integrity_check', { simple: true })),
    trimWal: () => {
      if (journalMode !== 'wal' || !opts.walTrimBytes) return false;
      try {
        if (statSync(`${opts.file}-wal`).size <= opts.walTrimBytes) return false;
        // TRUNCATE waits (busy timeout) for readers and writers to finish: only briefly here, as
        // the answer is out and the web server waits for this process to end. If they do not
        // finish, it checkpoints what it can and leaves the file; a later request trims it.
        db.exec('PRAGMA busy_timeout = 100');
        const r = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as Row | undefined;
        return r?.['busy'] === 0;
      } catch {
        return false; // busy, or no WAL file: nothing to trim now
      }
    },
    close: () => {
      commitGroup();
      if (db.open) db.close();
    },
  };
  return store;
}
