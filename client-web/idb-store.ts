/**
 * The engine's ClientStore port on IndexedDB: identity, phonebook, history, outbox and pending
 * invites of this browser, never sent anywhere. `apply()` runs one readwrite transaction, which the
 * browser commits whole or not at all (also when the tab is killed mid-write).
 *
 * Optionally every record is sealed at rest with a key unlocked by the person's passphrase (see
 * vault.ts). Sealing is async (WebCrypto) while an IndexedDB transaction closes as soon as it waits
 * on anything else, so a batch is sealed first and written second. The few fields the store must
 * sort or filter by (conversation id, display order, creation time) stay in clear beside the sealed
 * record; they are local random ids and numbers.
 *
 * Layout (one object store, string keys): identity · meta/<key> · conv/<id> · msg/<conv>/<id> ·
 * out/<id> · inv/<conv> · seen/<conv>/<envelopeId> · app/<key> (the web app's own settings).
 */
import type { ClientStore, ConversationRecord, IdentityRecord, MessageRecord, MetaValue, OutboxRecord, PendingInviteRecord, StoreChange } from '../protocol/client/store.ts';
import { fromJson, toJson } from '../protocol/client/serialize.ts';
import { utf8, fromUtf8 } from '../protocol/encoding.ts';
import { STORE, done, prefixRange, req } from './idb.ts';

/** Seals records at rest (vault.ts); absent = records are stored as they are. */
export interface RecordSealer {
  seal(plain: Uint8Array): Promise<Uint8Array>;
  open(sealed: Uint8Array): Promise<Uint8Array>;
}

/** What is stored under each key: clear sort/filter fields and the record (sealed or not). */
interface Row {
  c?: string;
  o?: number;
  r?: unknown;
  s?: Uint8Array;
}

/** The web client's IndexedDB store: the engine port plus the app's own small settings. */
export interface IdbClientStore extends ClientStore {
  getAppSetting<T>(key: string): Promise<T | undefined>;
  setAppSetting(key: string, value: unknown): Promise<void>;
}

/** Builds the store over an open database (one object store named `kv`, see idb.ts). */
export function createIdbStore(db: IDBDatabase, sealer: RecordSealer | null = null): IdbClientStore {
  const wrap = async (record: unknown, c?: string, o?: number): Promise<Row> => {
    const row: Row = {};
    if (c !== undefined) row.c = c;
    if (o !== undefined) row.o = o;
    if (sealer) row.s = await sealer.seal(utf8(toJson(record)));
    else row.r = record;
    return row;
  };
  const unwrap = async <T>(row: Row | undefined): Promise<T | null> => {
    if (!row) return null;
    if (row.s) {
      const text = fromUtf8(await sealer!.open(row.s));
      if (text === null) throw new Error('stored record is not UTF-8');
      return fromJson<T>(text);
    }
    return row.r as T;
  };

  const read = async (key: string) => {
    const tx = db.transaction(STORE, 'readonly');
    return (await req(tx.objectStore(STORE).get(key))) as Row | undefined;
  };
  const readPrefix = async (prefix: string) => {
    const tx = db.transaction(STORE, 'readonly');
    return (await req(tx.objectStore(STORE).getAll(prefixRange(prefix)))) as Row[];
  };
  const unwrapAll = async <T>(rows: Row[]) => (await Promise.all(rows.map((r) => unwrap<T>(r)))) as T[];

  /** One planned write, its row already sealed. */
  type Planned = { put: string; row: Row } | { del: string } | { delPrefix: string } | { delOutboxOf: string };

  return {
    async getIdentity() {
      return unwrap<IdentityRecord>(await read('identity'));
    },
    async getMeta(key) {
      return (await unwrap<MetaValue>(await read(`meta/${key}`))) ?? null;
    },
    async listConversations() {
      const rows = await readPrefix('conv/');
      rows.sort((a, b) => (a.o ?? 0) - (b.o ?? 0));
      return unwrapAll<ConversationRecord>(rows);
    },
    async getConversation(id) {
      return unwrap<ConversationRecord>(await read(`conv/${id}`));
    },
    async listMessages(conversationId, opts) {
      const rows = await readPrefix(`msg/${conversationId}/`);
      rows.sort((a, b) => (a.o ?? 0) - (b.o ?? 0));
      const picked = opts?.limit !== undefined ? rows.slice(Math.max(0, rows.length - opts.limit)) : rows;
      return unwrapAll<MessageRecord>(picked);
    },
    async getMessage(conversationId, id) {
      return unwrap<MessageRecord>(await read(`msg/${conversationId}/${id}`));
    },
    async listOutbox(conversationId) {
      const rows = (await readPrefix('out/')).filter((r) => conversationId === undefined || r.c === conversationId);
      rows.sort((a, b) => (a.o ?? 0) - (b.o ?? 0));
      return unwrapAll<OutboxRecord>(rows);
    },
    async listPendingInvites() {
      return unwrapAll<PendingInviteRecord>(await readPrefix('inv/'));
    },
    async hasSeen(conversationId, envelopeId) {
      return (await read(`seen/${conversationId}/${envelopeId}`)) !== undefined;
    },
    async apply(changes: StoreChange[]) {
      // Seal everything first: the transaction below must not wait on anything but IndexedDB.
      const plan: Planned[] = [];
      for (const c of changes) {
        switch (c.type) {
          case 'put-identity':
            plan.push({ put: 'identity', row: await wrap(c.identity) });
            break;
          case 'put-meta':
            plan.push({ put: `meta/${c.key}`, row: await wrap(c.value) });
            break;
          case 'put-conversation':
            plan.push({ put: `conv/${c.conversation.id}`, row: await wrap(c.conversation, undefined, c.conversation.createdAt) });
            break;
          case 'delete-conversation':
            plan.push({ del: `conv/${c.id}` }, { delPrefix: `msg/${c.id}/` }, { del: `inv/${c.id}` }, { delPrefix: `seen/${c.id}/` }, { delOutboxOf: c.id });
            break;
          case 'put-message':
            plan.push({ put: `msg/${c.message.conversationId}/${c.message.id}`, row: await wrap(c.message, c.message.conversationId, c.message.ord) });
            break;
          case 'put-outbox':
            plan.push({ put: `out/${c.entry.id}`, row: await wrap(c.entry, c.entry.conversationId, c.entry.createdAt) });
            break;
          case 'delete-outbox':
            plan.push({ del: `out/${c.id}` });
            break;
          case 'put-pending-invite':
            plan.push({ put: `inv/${c.invite.conversationId}`, row: await wrap(c.invite, c.invite.conversationId) });
            break;
          case 'delete-pending-invite':
            plan.push({ del: `inv/${c.conversationId}` });
            break;
          case 'add-seen':
            plan.push({ put: `seen/${c.conversationId}/${c.envelopeId}`, row: { c: c.conversationId } });
            break;
          default: {
            const never: never = c;
            throw new Error(`unknown store change ${JSON.stringify(never)}`);
          }
        }
      }
      if (plan.length === 0) return;
      const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
      const store = tx.objectStore(STORE);
      const committed = done(tx);
      try {
        for (const p of plan) {
          if ('put' in p) store.put(p.row, p.put);
          else if ('del' in p) store.delete(p.del);
          else if ('delPrefix' in p) store.delete(prefixRange(p.delPrefix));
          else {
            // Awaiting IndexedDB requests keeps the transaction open; later writes queue after these.
            const keys = await req(store.getAllKeys(prefixRange('out/')));
            const rows = (await req(store.getAll(prefixRange('out/')))) as Row[];
            rows.forEach((r, i) => r.c === p.delOutboxOf && store.delete(keys[i]!));
          }
        }
      } catch (err) {
        tx.abort();
        await committed.catch(() => {});
        throw err;
      }
      await committed;
    },
    async close() {
      db.close();
    },
    async getAppSetting<T>(key: string) {
      const row = await read(`app/${key}`);
      return row ? ((row.r as T) ?? undefined) : undefined;
    },
    async setAppSetting(key, value) {
      // App settings (chosen relay, notification choice) are not secret and are read before unlock.
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put({ r: value } satisfies Row, `app/${key}`);
      await done(tx);
    },
  };
}
