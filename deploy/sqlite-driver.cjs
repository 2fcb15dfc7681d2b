'use strict';
// `better-sqlite3` as the CGI bundle sees it (deploy/build-cgi.mjs resolves the relay's
// `import Database from 'better-sqlite3'` here). It is the real better-sqlite3 whenever its native
// addon loads. When the addon cannot load on the host's Node — built for another ABI, platform or
// glibc, or not shipped — and the host's Node has the built-in `node:sqlite` (Node 22.13+; 22.5+
// behind a flag), it answers with a small adapter over node:sqlite instead: no native module needed.
//
// The adapter covers what server/store/sqlite-store.ts uses: new Database(file, {timeout}),
// pragma(source, {simple}), prepare(sql).run/get/all(...positional), exec(sql),
// transaction(fn).immediate()/deferred()/exclusive() (nested calls use savepoints), close(), open.
// SQLite errors get better-sqlite3's `code` names (SQLITE_BUSY, SQLITE_FULL, …) so the store's
// busy/full handling works unchanged. Which driver is in use: `db.driver`.
// The proper home of this is a Db port in server/store (the relay's); until then it lives here.
const Real = require('better-sqlite3');

const ADDON_PROBLEM = /NODE_MODULE_VERSION|ELF|GLIBC|shared object|file too short|better_sqlite3\.node|dlopen/i;

// SQLite result codes (primary and the extended ones the store tells apart) → better-sqlite3 names.
const CODES = {
  1: 'SQLITE_ERROR', 2: 'SQLITE_INTERNAL', 3: 'SQLITE_PERM', 4: 'SQLITE_ABORT', 5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM', 8: 'SQLITE_READONLY', 9: 'SQLITE_INTERRUPT', 10: 'SQLITE_IOERR', 11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN', 15: 'SQLITE_PROTOCOL', 19: 'SQLITE_CONSTRAINT', 20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE', 26: 'SQLITE_NOTADB',
  261: 'SQLITE_BUSY_RECOVERY', 517: 'SQLITE_BUSY_SNAPSHOT', 773: 'SQLITE_BUSY_TIMEOUT',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY', 2067: 'SQLITE_CONSTRAINT_UNIQUE',
};

let nativeWorks = null; // null: not tried yet
let nodeSqlite = null;

function loadNodeSqlite() {
  if (nodeSqlite) return nodeSqlite;
  // Node 22 prints "ExperimentalWarning: SQLite is an experimental feature" on every load, which
  // would land in the web server's error log once per request.
  const emit = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    if (/SQLite/.test(String(warning && warning.message ? warning.message : warning))) return;
    return emit.call(process, warning, ...rest);
  };
  try {
    nodeSqlite = require('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
  return nodeSqlite;
}

function hasNodeSqlite() {
  try {
    return typeof loadNodeSqlite().DatabaseSync === 'function';
  } catch {
    return false;
  }
}

function translate(e) {
  if (e && typeof e.errcode === 'number') {
    const name = CODES[e.errcode] || CODES[e.errcode & 0xff] || `SQLITE_${e.errcode}`;
    try {
      Object.defineProperty(e, 'code', { value: name, configurable: true, writable: true, enumerable: true });
    } catch {
      /* keep the original code */
    }
  }
  return e;
}

function sqliteCall(fn) {
  try {
    return fn();
  } catch (e) {
    throw translate(e);
  }
}

class Statement {
  constructor(stmt) {
    this.stmt = stmt;
  }
  run(...args) {
    const r = sqliteCall(() => this.stmt.run(...args));
    return { changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid };
  }
  get(...args) {
    return sqliteCall(() => this.stmt.get(...args));
  }
  all(...args) {
    return sqliteCall(() => this.stmt.all(...args));
  }
}

class NodeSqliteDatabase {
  constructor(file, options) {
    const { DatabaseSync } = loadNodeSqlite();
    this.driver = 'node:sqlite';
    this.db = sqliteCall(() => new DatabaseSync(file));
    this.open = true;
    this.depth = 0;
    // node:sqlite waits 0 ms for a lock by default; better-sqlite3 5000 ms.
    const timeout = options && Number.isFinite(options.timeout) ? Math.max(0, Math.floor(options.timeout)) : 5000;
    this.db.exec(`PRAGMA busy_timeout = ${timeout}`);
  }
  prepare(sql) {
    return new Statement(sqliteCall(() => this.db.prepare(sql)));
  }
  exec(sql) {
    sqliteCall(() => this.db.exec(sql));
    return this;
  }
  pragma(source, options) {
    const rows = sqliteCall(() => this.db.prepare(`PRAGMA ${source}`).all());
    if (options && options.simple) {
      const first = rows[0];
      return first === undefined ? undefined : first[Object.keys(first)[0]];
    }
    return rows;
  }
  transaction(fn) {
    const self = this;
    const make = (begin) =>
      function transaction(...args) {
        if (self.depth > 0) {
          const sp = `tincan_sp_${self.depth}`;
          self.exec(`SAVEPOINT ${sp}`);
          self.depth++;
          try {
            const result = fn.apply(this, args);
            self.depth--;
            self.exec(`RELEASE ${sp}`);
            return result;
          } catch (e) {
            self.depth--;
            self.exec(`ROLLBACK TO ${sp}`);
            self.exec(`RELEASE ${sp}`);
            throw e;
          }
        }
        self.exec(begin);
        self.depth++;
        let result;
        try {
          result = fn.apply(this, args);
          self.depth--;
        } catch (e) {
          self.depth--;
          try {
            self.db.exec('ROLLBACK');
          } catch {
            /* already rolled back by SQLite */
          }
          throw e;
        }
        try {
          self.exec('COMMIT');
        } catch (e) {
          try {
            self.db.exec('ROLLBACK');
          } catch {
            /* nothing to roll back */
          }
          throw e;
        }
        return result;
      };
    const t = make('BEGIN');
    t.deferred = t;
    t.immediate = make('BEGIN IMMEDIATE');
    t.exclusive = make('BEGIN EXCLUSIVE');
    return t;
  }
  close() {
    if (this.open) {
      this.db.close();
      this.open = false;
    }
    return this;
  }
}

/** Opens a database with better-sqlite3, or with node:sqlite when the native addon cannot load. */
function Database(file, options) {
  if (nativeWorks !== false) {
    try {
      const db = new Real(file, options);
      nativeWorks = true;
      return db;
    } catch (e) {
      const problem = ADDON_PROBLEM.test(String(e && e.message)) || (e && e.code === 'MODULE_NOT_FOUND');
      if (nativeWorks === true || !problem || !hasNodeSqlite()) throw e;
      nativeWorks = false;
    }
  }
  return new NodeSqliteDatabase(file, options);
}

module.exports = Database;
module.exports.default = Database;
module.exports.NodeSqliteDatabase = NodeSqliteDatabase;
