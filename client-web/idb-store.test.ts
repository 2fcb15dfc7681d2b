// The IndexedDB ClientStore, run on fake-indexeddb (an in-memory implementation of the IndexedDB
// spec) in Node: ordering, cascades, atomic batches, and sealed records at rest.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createIdbStore, type RecordSealer } from './idb-store.ts';
import { openKv } from './idb.ts';
import type { ConversationRecord, MessageRecord, OutboxRecord, StoreChange } from '../protocol/client/store.ts';

let dbn = 0;
const open = async (sealer: RecordSealer | null = null) => {
  const kv = await openKv(`test-${++dbn}-${Math.random()}`);
  return { kv, store: createIdbStore(kv.db, sealer) };
};

const conv = (id: string, createdAt: number): ConversationRecord => ({
  id, name: `c${id}`, state: 'active', peer: null, session: new Uint8Array([1, 2, 3]), locations: [], sendSeq: 0,
  sendPrevHash: new Uint8Array(32), recvContiguous: 0, recvAhead: [], reportedMissing: [], verified: false, unread: 0,
  createdAt, lastActivity: createdAt, invite: null,
});
const msg = (conversationId: string, id: string, ord: number): MessageRecord => ({
  conversationId, id, ord, direction: 'in', seq: ord, kind: 'text', text: `m${id}`, sentAt: ord, receivedAt: ord, status: 'unread',
});
const out = (id: string, conversationId: string, createdAt: number): OutboxRecord => ({
  id, conversationId, messageId: id, relayUrl: 'http://r', channelId: 'ch', data: new Uint8Array([9]), createdAt, attempts: 0,
});

// A sealer that really transforms the bytes, so a test notices if anything is stored in clear.
const xorSealer: RecordSealer = {
  seal: async (p) => {
    if (new TextDecoder().decode(p).includes('BOOM')) throw new Error('sealing failed');
    return Uint8Array.from(p, (b) => b ^ 0x5a);
  },
  open: async (s) => Uint8Array.from(s, (b) => b ^ 0x5a),
};

for (const [label, sealer] of [['plain', null], ['sealed', xorSealer]] as const) {
  describe(`IndexedDB store (${label})`, () => {
    it('keeps conversations in creation order and messages in display order', async () => {
      const { store } = await open(sealer);
      await store.apply([{ type: 'put-conversation', conversation: conv('b', 2) }, { type: 'put-conversation', conversation: conv('a', 1) }]);
      await store.apply([msg('a', 'x', 3), msg('a', 'y', 1.5), msg('a', 'z', 2)].map((m) => ({ type: 'put-message', message: m }) as StoreChange));
      expect((await store.listConversations()).map((c) => c.id)).toEqual(['a', 'b']);
      expect((await store.listMessages('a')).map((m) => m.id)).toEqual(['y', 'z', 'x']);
      expect((await store.listMessages('a', { limit: 2 })).map((m) => m.id)).toEqual(['z', 'x']);
      const c = await store.getConversation('a');
      expect(c?.session).toEqual(new Uint8Array([1, 2, 3]));
      expect(c?.session).toBeInstanceOf(Uint8Array);
    });

    it('deletes a conversation with its messages, outbox, invite and seen ids, and nothing else', async () => {
      const { store } = await open(sealer);
      await store.apply([
        { type: 'put-conversation', conversation: conv('a', 1) },
        { type: 'put-conversation', conversation: conv('b', 2) },
        { type: 'put-message', message: msg('a', 'm1', 1) },
        { type: 'put-message', message: msg('b', 'm2', 1) },
        { type: 'put-outbox', entry: out('o1', 'a', 1) },
        { type: 'put-outbox', entry: out('o2', 'b', 2) },
        { type: 'put-pending-invite', invite: { conversationId: 'a', pending: new Uint8Array([1]), expiresAt: 5, createdAt: 1 } },
        { type: 'add-seen', conversationId: 'a', envelopeId: 'e1' },
        { type: 'put-meta', key: 'myRelay', value: 'http://r' },
      ]);
      await store.apply([{ type: 'delete-conversation', id: 'a' }, { type: 'put-outbox', entry: out('o3', 'b', 3) }]);
      expect((await store.listConversations()).map((c) => c.id)).toEqual(['b']);
      expect(await store.listMessages('a')).toEqual([]);
      expect((await store.listOutbox()).map((o) => o.id)).toEqual(['o2', 'o3']);
      expect((await store.listOutbox('b')).map((o) => o.id)).toEqual(['o2', 'o3']);
      expect(await store.listPendingInvites()).toEqual([]);
      expect(await store.hasSeen('a', 'e1')).toBe(false);
      expect(await store.getMeta('myRelay')).toBe('http://r');
      expect(await store.getMeta('unset')).toBeNull();
    });

    it('applies a batch whole or not at all', async () => {
      const { store } = await open(sealer);
      await store.apply([{ type: 'put-conversation', conversation: conv('a', 1) }]);
      // Fails inside the IndexedDB transaction (plain: not cloneable) or while sealing (sealed).
      const bad = { ...msg('a', 'm1', 1), text: 'BOOM', extra: () => 1 } as unknown as MessageRecord;
      await expect(
        store.apply([{ type: 'put-message', message: msg('a', 'ok', 1) }, { type: 'delete-conversation', id: 'a' }, { type: 'put-message', message: bad }]),
      ).rejects.toThrow();
      expect((await store.listConversations()).map((c) => c.id)).toEqual(['a']);
      expect(await store.listMessages('a')).toEqual([]);
    });
  });
}

it('stores nothing of a sealed record in clear', async () => {
  const { kv, store } = await open(xorSealer);
  await store.apply([{ type: 'put-message', message: { ...msg('a', 'm1', 1), text: 'secret words' } }]);
  const rows = await kv.list<Record<string, unknown>>('msg/');
  expect(JSON.stringify(rows, (_k, v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v))).not.toContain('secret words');
  expect((await store.getMessage('a', 'm1'))?.text).toBe('secret words');
});
