/**
 * A small promise wrapper over IndexedDB: one database, one object store of key → value records,
 * and atomic batches. Every change is one IndexedDB transaction, which the browser commits in full
 * or not at all, so a tab closed mid-write leaves the previous state (the engine relies on this:
 * a ratchet step and the message it produced are written together). Keys are strings; values are
 * structured-clone data (plain objects, strings, numbers, Uint8Array).
 */

/** One write in an atomic batch. */
export type KvOp = { op: 'put'; key: string; value: unknown } | { op: 'delete'; key: string } | { op: 'delete-prefix'; prefix: string };

/** Key/value records in IndexedDB. */
export interface Kv {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Records whose key starts with `prefix`, in key order. */
  list<T = unknown>(prefix: string): Promise<Array<{ key: string; value: T }>>;
  /** Applies every op in one transaction. */
  batch(ops: KvOp[]): Promise<void>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  close(): void;
}

export const STORE = 'kv';

/** Resolves with a request's result. */
export function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** Resolves when a transaction commits; rejects when it aborts. */
export function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

/** Every key starting with `prefix` (prefix + U+FFFF is past any key we write). */
export const prefixRange = (prefix: string) => IDBKeyRange.bound(prefix, `${prefix}\uffff`, false, false);

/** Opens (creating if needed) the database `name`. */
export async function openKv(name: string): Promise<Kv & { db: IDBDatabase }> {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE);
  };
  const db = await req(open);
  // Another tab upgrading the schema must not be blocked by us forever.
  db.onversionchange = () => db.close();

  const kv: Kv & { db: IDBDatabase } = {
    db,
    async get<T>(key: string) {
      const tx = db.transaction(STORE, 'readonly');
      return (await req(tx.objectStore(STORE).get(key))) as T | undefined;
    },
    async list<T>(prefix: string) {
      const tx = db.transaction(STORE, 'readonly');
      const store = tx.objectStore(STORE);
      const range = prefixRange(prefix);
      const [keys, values] = await Promise.all([req(store.getAllKeys(range)), req(store.getAll(range))]);
      return keys.map((k, i) => ({ key: String(k), value: values[i] as T }));
    },
    async batch(ops: KvOp[]) {
      if (ops.length === 0) return;
      const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
      const store = tx.objectStore(STORE);
      for (const o of ops) {
        if (o.op === 'put') store.put(o.value, o.key);
        else if (o.op === 'delete') store.delete(o.key);
        else store.delete(prefixRange(o.prefix));
      }
      await done(tx);
    },
    put: (key, value) => kv.batch([{ op: 'put', key, value }]),
    delete: (key) => kv.batch([{ op: 'delete', key }]),
    close: () => db.close(),
  };
  return kv;
}

/** Deletes the whole database (used by "Forget this browser"). */
export async function deleteKv(name: string): Promise<void> {
  await req(indexedDB.deleteDatabase(name) as IDBRequest<unknown>);
}
