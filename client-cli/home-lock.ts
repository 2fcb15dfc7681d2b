/**
 * The home's cross-process lock: a second SQLite connection on <home>/lock.db holding
 * `BEGIN EXCLUSIVE`. Another process asking for it waits (busy timeout of 10 minutes) instead of
 * failing, so scripts may run many `tincan send` at once; the operating system releases it when
 * a process dies, so a crash never leaves the home locked. Re-entrant within a process.
 */
import Database from 'better-sqlite3';
import { sqliteNativeBinding } from './sqlite-binding.ts';
import { TincanError } from '../protocol/errors.ts';

export class HomeLock {
  private readonly db: Database.Database;
  private depth = 0;

  constructor(file: string, waitMs = 600_000) {
    this.db = new Database(file, sqliteNativeBinding());
    this.db.pragma(`busy_timeout = ${waitMs}`);
  }

  acquire(): void {
    if (this.depth === 0) {
      try {
        this.db.exec('BEGIN EXCLUSIVE');
      } catch (err) {
        throw new TincanError('home-locked', `another tincan process has held this home for too long (${(err as Error).message}); check for a stuck tincan process and try again`);
      }
    }
    this.depth++;
  }

  release(): void {
    if (this.depth === 0) return;
    if (--this.depth === 0) this.db.exec('COMMIT');
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  close(): void {
    if (this.depth > 0) {
      this.depth = 0;
      this.db.exec('COMMIT');
    }
    this.db.close();
  }
}
