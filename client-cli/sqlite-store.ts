/**
 * The CLI's ClientStore: one SQLite file (better-sqlite3) in WAL mode with a busy timeout. Each
 * record is a JSON row (bytes as {"$b": base64url}, protocol/client/serialize.ts), with the few
 * columns the queries need. `apply` is one SQLite transaction, so a crash mid-write leaves the file
 * as before the batch. Cross-process exclusion is home-lock.ts's job.
 */
import Database from 'better-sqlite3';
import { sqliteNativeBinding } from './sqlite-binding.ts';
import type {
  ClientStore,
  ConversationRecord,
  IdentityRecord,
  MessageRecord,
  MetaValue,
  OutboxRecord,
  PendingInviteRecord,
  StoreChange,
} from '../protocol/client/store.ts';

const SCHEMA_VERSION = 1;

// The same JSON-with-bytes form as protocol/client/serialize.ts ({"$b": base64url}), with Node's
// native base64url: decoding every session of a 1,000-conversation phonebook in JavaScript
// costs `tincan list` tens of ms.
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Uint8Array ? { $b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64url') } : v,
  );
}
function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const b = (v as { $b?: unknown }).$b;
      if (typeof b === 'string' && Object.keys(v).length === 1) {
        const buf = Buffer.from(b, 'base64url');
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      }
    }
    return v;
  }) as T;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS identity (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  conversation_id TEXT NOT NULL, id TEXT NOT NULL, ord REAL NOT NULL, json TEXT NOT NULL,
  PRIMARY KEY (conversation_id, id));
CREATE INDEX IF NOT EXISTS messages_by_ord ON messages (conversation_id, ord);
CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, created_at INTEGER NOT NULL, n INTEGER NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_by_conversation ON outbox (conversation_id, created_at, n);
CREATE TABLE IF NOT EXISTS invites (conversation_id TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen (conversation_id TEXT NOT NULL, envelope_id TEXT NOT NULL, PRIMARY KEY (conversation_id, envelope_id)) WITHOUT ROWID;
`;

export interface SqliteStoreOptions {
  /** Path of the database file (created when missing). */
  file: string;
  /** Open read-only (no schema changes): for quick reads such as the identity key. */
  readonly?: boolean;
}

/** Opens (and if needed creates) the CLI state database. */
export function createSqliteStore(o: SqliteStoreOptions): ClientStore {
  const db = new Database(o.file, { ...sqliteNativeBinding(), ...(o.readonly ? { readonly: true, fileMustExist: true } : {}) });
  db.pragma('busy_timeout = 30000');
  if (!o.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < SCHEMA_VERSION) {
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
  }
  // Statements are prepared on first use: a command runs a few of them (a `send` about six of 25).
  const lazy = <P extends unknown[] = unknown[], R = unknown>(sql: string): (() => Database.Statement<P, R>) => {
    let st: Database.Statement<P, R> | undefined;
    return () => (st ??= db.prepare<P, R>(sql));
  };
  const q = {
    identity: lazy<[], { json: string }>('SELECT json FROM identity WHERE id = 1'),
    meta: lazy<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    convs: lazy<[], { json: string }>('SELECT json FROM conversations ORDER BY n'),
    conv: lazy<[string], { json: string }>('SELECT json FROM conversations WHERE id = ?'),
    msgsAll: lazy<[string], { json: string }>('SELECT json FROM messages WHERE conversation_id = ? ORDER BY ord'),
    msgsLast: lazy<[string, number], { json: string }>(
      'SELECT json FROM (SELECT json, ord FROM messages WHERE conversation_id = ? ORDER BY ord DESC LIMIT ?) ORDER BY ord',
    ),
    msg: lazy<[string, string], { json: string }>('SELECT json FROM messages WHERE conversation_id = ? AND id = ?'),
    outboxAll: lazy<[], { json: string }>('SELECT json FROM outbox ORDER BY created_at, n'),
    outboxConv: lazy<[string], { json: string }>('SELECT json FROM outbox WHERE conversation_id = ? ORDER BY created_at, n'),
    invites: lazy<[], { json: string }>('SELECT json FROM invites ORDER BY rowid'),
    seen: lazy<[string, string], { one: number }>('SELECT 1 AS one FROM seen WHERE conversation_id = ? AND envelope_id = ?'),
  };
  const w = o.readonly
    ? null
    : {
        identity: lazy('INSERT INTO identity (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json'),
        metaPut: lazy('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
        metaDel: lazy('DELETE FROM meta WHERE key = ?'),
        conv: lazy('INSERT INTO conversations (id, json) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json'),
        convDel: lazy('DELETE FROM conversations WHERE id = ?'),
        msgsDel: lazy('DELETE FROM messages WHERE conversation_id = ?'),
        outboxDelConv: lazy('DELETE FROM outbox WHERE conversation_id = ?'),
        inviteDel: lazy('DELETE FROM invites WHERE conversation_id = ?'),
        seenDelConv: lazy('DELETE FROM seen WHERE conversation_id = ?'),
        msg: lazy(
          'INSERT INTO messages (conversation_id, id, ord, json) VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id, id) DO UPDATE SET ord = excluded.ord, json = excluded.json',
        ),
        outbox: lazy(
          `INSERT INTO outbox (id, conversation_id, created_at, n, json) VALUES (?, ?, ?, (SELECT coalesce(max(n), 0) + 1 FROM outbox), ?)
           ON CONFLICT (id) DO UPDATE SET json = excluded.json`,
        ),
        outboxDel: lazy('DELETE FROM outbox WHERE id = ?'),
        invite: lazy('INSERT INTO invites (conversation_id, json) VALUES (?, ?) ON CONFLICT (conversation_id) DO UPDATE SET json = excluded.json'),
        seen: lazy('INSERT OR IGNORE INTO seen (conversation_id, envelope_id) VALUES (?, ?)'),
      };

  const applyOne = (c: StoreChange) => {
    if (!w) throw new Error('read-only store');
    switch (c.type) {
      case 'put-identity':
        w.identity().run(toJson(c.identity));
        break;
      case 'put-meta':
        if (c.value === null) w.metaDel().run(c.key);
        else w.metaPut().run(c.key, JSON.stringify(c.value));
        break;
      case 'put-conversation':
        w.conv().run(c.conversation.id, toJson(c.conversation));
        break;
      case 'delete-conversation':
        w.convDel().run(c.id);
        w.msgsDel().run(c.id);
        w.outboxDelConv().run(c.id);
        w.inviteDel().run(c.id);
        w.seenDelConv().run(c.id);
        break;
      case 'put-message':
        w.msg().run(c.message.conversationId, c.message.id, c.message.ord, toJson(c.message));
        break;
      case 'put-outbox':
        w.outbox().run(c.entry.id, c.entry.conversationId, c.entry.createdAt, toJson(c.entry));
        break;
      case 'delete-outbox':
        w.outboxDel().run(c.id);
        break;
      case 'put-pending-invite':
        w.invite().run(c.invite.conversationId, toJson(c.invite));
        break;
      case 'delete-pending-invite':
        w.inviteDel().run(c.conversationId);
        break;
      case 'add-seen':
        w.seen().run(c.conversationId, c.envelopeId);
        break;
      default: {
        const never: never = c;
        throw new Error(`unknown store change ${JSON.stringify(never)}`);
      }
    }
  };
  const applyAll = db.transaction((changes: StoreChange[]) => {
    for (const c of changes) applyOne(c);
  });

  return {
    async getIdentity() {
      const row = q.identity().get();
      return row ? fromJson<IdentityRecord>(row.json) : null;
    },
    async getMeta(key) {
      const row = q.meta().get(key);
      return row ? (JSON.parse(row.value) as MetaValue) : null;
    },
    async listConversations() {
      return q.convs().all().map((r) => fromJson<ConversationRecord>(r.json));
    },
    async getConversation(id) {
      const row = q.conv().get(id);
      return row ? fromJson<ConversationRecord>(row.json) : null;
    },
    async listMessages(conversationId, opts) {
      const rows = opts?.limit !== undefined ? q.msgsLast().all(conversationId, opts.limit) : q.msgsAll().all(conversationId);
      return rows.map((r) => fromJson<MessageRecord>(r.json));
    },
    async getMessage(conversationId, id) {
      const row = q.msg().get(conversationId, id);
      return row ? fromJson<MessageRecord>(row.json) : null;
    },
    async listOutbox(conversationId) {
      const rows = conversationId === undefined ? q.outboxAll().all() : q.outboxConv().all(conversationId);
      return rows.map((r) => fromJson<OutboxRecord>(r.json));
    },
    async listPendingInvites() {
      return q.invites().all().map((r) => fromJson<PendingInviteRecord>(r.json));
    },
    async hasSeen(conversationId, envelopeId) {
      return q.seen().get(conversationId, envelopeId) !== undefined;
    },
    async apply(changes) {
      // .immediate(): take the write lock up front rather than upgrading mid-transaction.
      applyAll.immediate(changes);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
