// The Store contract suite against SQLite on temp files, in both journal modes, plus the
// SQLite-specific promises: migrations, the WAL probe, integrity after use.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStoreOptions } from '../../server/store/sqlite-store.ts';
import { MIGRATIONS } from '../../server/store/schema.ts';
import { storeContract } from '../../server/test-support/store-contract.ts';

function temp(forceRollbackJournal: boolean, more: Partial<SqliteStoreOptions> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tincan-store-'));
  const store = createSqliteStore({ file: path.join(dir, 'data', 'relay.db'), forceRollbackJournal, ...more });
  return {
    store,
    cleanup() {
      expect(store.integrityCheck()).toBe('ok');
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

storeContract('SQLite (WAL)', () => temp(false));
// The standalone relay's mode: the writes of one event-loop turn share a transaction (more in
// relay-store-group.test.ts).
storeContract('SQLite (WAL, group commit)', () => temp(false, { groupCommit: true }));
storeContract('SQLite (rollback journal)', () => temp(true));

describe('SQLite store', () => {
  it('uses WAL on a local disk, migrates once, and reopens an existing database', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tincan-store-'));
    const file = path.join(dir, 'relay.db');
    const a = createSqliteStore({ file });
    expect(a.journalMode).toBe('wal');
    expect(a.diagnostics()).toEqual({ driver: 'better-sqlite3', journalMode: 'wal', dataWritable: true });
    a.claimOwner(new Uint8Array(32).fill(7));
    a.close();
    const b = createSqliteStore({ file });
    expect(b.getOwner()).toEqual(new Uint8Array(32).fill(7));
    b.close();
    const raw = new Database(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the rollback journal when told to (the fallback when the WAL probe fails)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tincan-store-'));
    const s = createSqliteStore({ file: path.join(dir, 'relay.db'), forceRollbackJournal: true });
    expect(s.journalMode).toBe('delete');
    s.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
