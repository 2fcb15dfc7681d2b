/**
 * An in-memory ClientStore: for tests and for hosts that do not persist (a throwaway browser tab).
 * Every record is cloned on the way in and out, so callers cannot mutate stored state by accident,
 * and a batch that throws half-way leaves nothing applied.
 */
import type {
  ClientStore,
  ConversationRecord,
  IdentityRecord,
  MessageRecord,
  MetaValue,
  OutboxRecord,
  PendingInviteRecord,
  StoreChange,
} from './store.ts';

interface State {
  identity: IdentityRecord | null;
  meta: Map<string, MetaValue>;
  conversations: Map<string, ConversationRecord>;
  messages: Map<string, Map<string, MessageRecord>>;
  outbox: Map<string, OutboxRecord>;
  invites: Map<string, PendingInviteRecord>;
  seen: Set<string>;
}

const clone = <T>(v: T): T => structuredClone(v);

/** Creates an empty in-memory store. */
export function createMemoryStore(): ClientStore {
  let s: State = {
    identity: null,
    meta: new Map(),
    conversations: new Map(),
    messages: new Map(),
    outbox: new Map(),
    invites: new Map(),
    seen: new Set(),
  };
  return {
    async getIdentity() {
      return clone(s.identity);
    },
    async getMeta(key) {
      return s.meta.get(key) ?? null;
    },
    async listConversations() {
      return [...s.conversations.values()].map(clone);
    },
    async getConversation(id) {
      return clone(s.conversations.get(id) ?? null);
    },
    async listMessages(conversationId, opts) {
      const all = [...(s.messages.get(conversationId)?.values() ?? [])].sort((a, b) => a.ord - b.ord);
      const out = opts?.limit !== undefined ? all.slice(Math.max(0, all.length - opts.limit)) : all;
      return out.map(clone);
    },
    async getMessage(conversationId, id) {
      return clone(s.messages.get(conversationId)?.get(id) ?? null);
    },
    async listOutbox(conversationId) {
      return [...s.outbox.values()]
        .filter((e) => conversationId === undefined || e.conversationId === conversationId)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(clone);
    },
    async listPendingInvites() {
      return [...s.invites.values()].map(clone);
    },
    async hasSeen(conversationId, envelopeId) {
      return s.seen.has(`${conversationId} ${envelopeId}`);
    },
    async apply(changes: StoreChange[]) {
      const n: State = {
        identity: s.identity,
        meta: new Map(s.meta),
        conversations: new Map(s.conversations),
        messages: new Map([...s.messages].map(([k, v]) => [k, new Map(v)])),
        outbox: new Map(s.outbox),
        invites: new Map(s.invites),
        seen: new Set(s.seen),
      };
      for (const c of changes) {
        switch (c.type) {
          case 'put-identity':
            n.identity = clone(c.identity);
            break;
          case 'put-meta':
            n.meta.set(c.key, c.value);
            break;
          case 'put-conversation':
            n.conversations.set(c.conversation.id, clone(c.conversation));
            break;
          case 'delete-conversation':
            n.conversations.delete(c.id);
            n.messages.delete(c.id);
            n.invites.delete(c.id);
            for (const [k, e] of n.outbox) if (e.conversationId === c.id) n.outbox.delete(k);
            for (const k of n.seen) if (k.startsWith(`${c.id} `)) n.seen.delete(k);
            break;
          case 'put-message': {
            let m = n.messages.get(c.message.conversationId);
            if (!m) n.messages.set(c.message.conversationId, (m = new Map()));
            m.set(c.message.id, clone(c.message));
            break;
          }
          case 'put-outbox':
            n.outbox.set(c.entry.id, clone(c.entry));
            break;
          case 'delete-outbox':
            n.outbox.delete(c.id);
            break;
          case 'put-pending-invite':
            n.invites.set(c.invite.conversationId, clone(c.invite));
            break;
          case 'delete-pending-invite':
            n.invites.delete(c.conversationId);
            break;
          case 'add-seen':
            n.seen.add(`${c.conversationId} ${c.envelopeId}`);
            break;
          default: {
            const never: never = c;
            throw new Error(`unknown store change ${JSON.stringify(never)}`);
          }
        }
      }
      s = n;
    },
    async close() {},
  };
}
