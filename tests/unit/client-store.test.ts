// The ClientStore contract suite against the CLI's SQLite store (a real file in a temp folder)
// and the in-memory store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSqliteStore } from '../../client-cli/sqlite-store.ts';
import { createMemoryStore } from '../../protocol/client/memory-store.ts';
import { runStoreContract } from '../../protocol/client/test-support/store-contract.ts';

runStoreContract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tincan-store-'));
  const file = path.join(dir, 'state.db');
  const h = {
    store: createSqliteStore({ file }),
    reopen: async () => {
      await h.store.close();
      return createSqliteStore({ file });
    },
    cleanup: async () => {
      await h.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
});

runStoreContract('memory', async () => ({ store: createMemoryStore(), cleanup: async () => {} }));
