/**
 * The acceptance suite every ClientStore passes (SQLite in the CLI, IndexedDB in the browser,
 * the in-memory store). Call it from a test file:
 *
 *   runStoreContract('sqlite', async () => { ...; return { store, reopen, cleanup } });
 *
 * `reopen` (optional) closes the store and opens the same data again, to prove persistence.
 */
import { describe, expect, it } from 'vitest';
import type { ClientStore, OutboxRecord, StoreChange } from '../store.ts';
import { sampleConversation, sampleMessage } from './samples.ts';

export { sampleConversation, sampleMessage };

export interface StoreHarness {
  store: ClientStore;
  reopen?: () => Promise<ClientStore>;
  cleanup: () => Promise<void>;
}

const bytes = (...xs: number[]) => Uint8Array.from(xs);

function sampleOutbox(id: string, conversationId: string, createdAt: number): OutboxRecord {
  return { id, conversationId, messageId: 'm', relayUrl: 'http://x', channelId: 'c', data: bytes(1, 2, 3, 200), createdAt, attempts: 0 };
}

export function runStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`ClientStore contract: ${name}`, () => {
    const withStore = (fn: (h: StoreHarness) => Promise<void>) => async () => {
      const h = await open();
      try {
        await fn(h);
      } finally {
        await h.cleanup();
      }
    };

    it('starts empty', withStore(async ({ store }) => {
      expect(await store.getIdentity()).toBeNull();
      expect(await store.getMeta('myRelay')).toBeNull();
      expect(await store.listConversations()).toEqual([]);
      expect(await store.listOutbox()).toEqual([]);
      expect(await store.listPendingInvites()).toEqual([]);
      expect(await store.getConversation('x')).toBeNull();
      expect(await store.hasSeen('x', 'y')).toBe(false);
    }));

    it('round-trips every record kind with bytes intact', withStore(async ({ store }) => {
      const identity = { name: 'alice', device: bytes(0, 1, 2, 255), signPublic: new Uint8Array(32).fill(3), createdAt: 5 };
      const conv = sampleConversation('c1', 'bob');
      const changes: StoreChange[] = [
        { type: 'put-identity', identity },
        { type: 'put-meta', key: 'myRelay', value: 'http://127.0.0.1:9' },
        { type: 'put-meta', key: 'movedAt', value: 42 },
        { type: 'put-conversation', conversation: conv },
        { type: 'put-message', message: sampleMessage('c1', 'a', 1) },
        { type: 'put-outbox', entry: sampleOutbox('e1', 'c1', 1) },
        { type: 'put-pending-invite', invite: { conversationId: 'c1', pending: bytes(4, 5), expiresAt: 10, createdAt: 1 } },
        { type: 'add-seen', conversationId: 'c1', envelopeId: 'e1' },
      ];
      await store.apply(changes);
      expect(await store.getIdentity()).toEqual(identity);
      expect(await store.getMeta('myRelay')).toBe('http://127.0.0.1:9');
      expect(await store.getMeta('movedAt')).toBe(42);
      const got = await store.getConversation('c1');
      expect(got).toEqual(conv);
      expect(got!.session).toBeInstanceOf(Uint8Array);
      expect(got!.locations[0]!.memberSecret).toBeInstanceOf(Uint8Array);
      expect(await store.listConversations()).toEqual([conv]);
      expect(await store.getMessage('c1', 'a')).toEqual(sampleMessage('c1', 'a', 1));
      expect((await store.listOutbox('c1'))[0]!.data).toEqual(bytes(1, 2, 3, 200));
      expect(await store.listPendingInvites()).toEqual([{ conversationId: 'c1', pending: bytes(4, 5), expiresAt: 10, createdAt: 1 }]);
      expect(await store.hasSeen('c1', 'e1')).toBe(true);
      expect(await store.hasSeen('c1', 'e2')).toBe(false);
    }));

    it('returns copies: mutating a returned record changes nothing stored', withStore(async ({ store }) => {
      await store.apply([{ type: 'put-conversation', conversation: sampleConversation('c1') }]);
      const a = (await store.getConversation('c1'))!;
      a.name = 'changed';
      a.locations[0]!.cursor = 99;
      expect((await store.getConversation('c1'))!.name).toBe('c1');
      expect((await store.getConversation('c1'))!.locations[0]!.cursor).toBe(3);
    }));

    it('lists messages in ord order, fractional ords included, and honours limit', withStore(async ({ store }) => {
      await store.apply([
        { type: 'put-message', message: sampleMessage('c1', 'x3', 3) },
        { type: 'put-message', message: sampleMessage('c1', 'x1', 1) },
        { type: 'put-message', message: sampleMessage('c1', 'x2', 2) },
        { type: 'put-message', message: sampleMessage('c1', 'x15', 1.5) },
        { type: 'put-message', message: sampleMessage('c2', 'y1', 1) },
      ]);
      expect((await store.listMessages('c1')).map((m) => m.id)).toEqual(['x1', 'x15', 'x2', 'x3']);
      expect((await store.listMessages('c1', { limit: 2 })).map((m) => m.id)).toEqual(['x2', 'x3']);
      expect((await store.listMessages('c2')).map((m) => m.id)).toEqual(['y1']);
      // put-message with an existing id replaces it (status updates)
      await store.apply([{ type: 'put-message', message: { ...sampleMessage('c1', 'x1', 1), status: 'read' } }]);
      expect((await store.getMessage('c1', 'x1'))!.status).toBe('read');
      expect((await store.listMessages('c1')).length).toBe(4);
    }));

    it('keeps the outbox oldest first, filters by conversation, deletes by id', withStore(async ({ store }) => {
      await store.apply([
        { type: 'put-outbox', entry: sampleOutbox('b', 'c1', 2) },
        { type: 'put-outbox', entry: sampleOutbox('a', 'c1', 1) },
        { type: 'put-outbox', entry: sampleOutbox('c', 'c2', 3) },
      ]);
      expect((await store.listOutbox()).map((e) => e.id)).toEqual(['a', 'b', 'c']);
      expect((await store.listOutbox('c2')).map((e) => e.id)).toEqual(['c']);
      await store.apply([{ type: 'delete-outbox', id: 'a' }]);
      expect((await store.listOutbox()).map((e) => e.id)).toEqual(['b', 'c']);
    }));

    it('deleting a conversation deletes its messages, outbox, pending invite and seen ids only', withStore(async ({ store }) => {
      await store.apply([
        { type: 'put-conversation', conversation: sampleConversation('c1') },
        { type: 'put-conversation', conversation: sampleConversation('c2') },
        { type: 'put-message', message: sampleMessage('c1', 'a', 1) },
        { type: 'put-message', message: sampleMessage('c2', 'b', 1) },
        { type: 'put-outbox', entry: sampleOutbox('o1', 'c1', 1) },
        { type: 'put-outbox', entry: sampleOutbox('o2', 'c2', 1) },
        { type: 'put-pending-invite', invite: { conversationId: 'c1', pending: bytes(1), expiresAt: 1, createdAt: 1 } },
        { type: 'add-seen', conversationId: 'c1', envelopeId: 'e' },
        { type: 'add-seen', conversationId: 'c2', envelopeId: 'e' },
      ]);
      await store.apply([{ type: 'delete-conversation', id: 'c1' }]);
      expect(await store.getConversation('c1')).toBeNull();
      expect(await store.listMessages('c1')).toEqual([]);
      expect((await store.listOutbox()).map((e) => e.id)).toEqual(['o2']);
      expect(await store.listPendingInvites()).toEqual([]);
      expect(await store.hasSeen('c1', 'e')).toBe(false);
      expect(await store.hasSeen('c2', 'e')).toBe(true);
      expect((await store.listMessages('c2')).length).toBe(1);
    }));

    it('applies a batch atomically: a failing change leaves nothing of the batch', withStore(async ({ store }) => {
      await store.apply([{ type: 'put-conversation', conversation: sampleConversation('c1') }]);
      const bad = { type: 'no-such-change' } as unknown as StoreChange;
      await expect(
        store.apply([
          { type: 'put-conversation', conversation: { ...sampleConversation('c1'), name: 'half' } },
          { type: 'put-outbox', entry: sampleOutbox('o1', 'c1', 1) },
          bad,
        ]),
      ).rejects.toThrow();
      expect((await store.getConversation('c1'))!.name).toBe('c1');
      expect(await store.listOutbox()).toEqual([]);
    }));

    it('meta values can be cleared with null', withStore(async ({ store }) => {
      await store.apply([{ type: 'put-meta', key: 'k', value: 'v' }]);
      await store.apply([{ type: 'put-meta', key: 'k', value: null }]);
      expect(await store.getMeta('k')).toBeNull();
    }));

    it('persists across reopen', withStore(async (h) => {
      if (!h.reopen) return;
      await h.store.apply([
        { type: 'put-identity', identity: { name: 'n', device: bytes(1), signPublic: bytes(2), createdAt: 1 } },
        { type: 'put-conversation', conversation: sampleConversation('c1') },
        { type: 'put-message', message: sampleMessage('c1', 'a', 1) },
      ]);
      const again = await h.reopen();
      h.store = again;
      expect((await again.getIdentity())!.name).toBe('n');
      expect(await again.getConversation('c1')).toEqual(sampleConversation('c1'));
      expect((await again.listMessages('c1')).length).toBe(1);
    }));
  });
}
