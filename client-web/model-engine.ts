/**
 * AppModel over the shared client engine (protocol/client/client.ts): the same operations the CLI
 * runs, with browser ports (fetch, WebSocket, IndexedDB). Live mode follows every conversation
 * (WebSocket where the relay offers it, long poll otherwise); queued messages are retried when the
 * browser says the network is back, and by the engine's live loop otherwise.
 */
import { createClient, type Client } from '../protocol/client/client.ts';
import type { ClientStore, MessageRecord } from '../protocol/client/store.ts';
import type { ConversationReport } from '../protocol/client/receive.ts';
import * as crypto from '../protocol/crypto/index.ts';
import { TincanError } from '../protocol/errors.ts';
import type { Info } from '../protocol/wire.ts';
import { browserWebSocket, createFetchHttp } from './browser-ports.ts';
import type { AppModel, ConversationView, InviteView, LocationView, MessageView, ModelEvent, MyRelayView } from './model.ts';
import { discoverRelay, normalizeRelayUrl } from './relay-base.ts';

/** Names "New invite" gives a conversation until the guest says who they are. */
const PLACEHOLDER = 'new-invite';
const isPlaceholder = (name: string) => name === PLACEHOLDER || /^new-invite-\d+$/.test(name);

/** Creates this browser's identity (first visit). */
export async function createIdentity(store: ClientStore, name: string): Promise<void> {
  await createClient({ store, http: createFetchHttp() }).init(name);
}

/** The label of an invite (who sent it), or '' when unreadable. */
export function inviteLabel(text: string): string {
  try {
    return crypto.decodeInvite(text).label;
  } catch {
    return '';
  }
}

export interface EngineModelOptions {
  store: ClientStore;
  /** The folder URL of this page (default relay address). */
  pageRelay: string;
  /** Where this page's relay answers, found at boot. */
  relayProbe: Promise<{ base: string; info: Info } | null>;
  /** Base of invite links (the web client's URL). */
  webBase: string;
}

export async function createEngineModel(o: EngineModelOptions): Promise<AppModel> {
  await crypto.ready();
  const client: Client = createClient({ store: o.store, http: createFetchHttp(), webSocket: browserWebSocket, webBase: o.webBase });
  const who = await client.whoami();
  if (!who) throw new TincanError('not-initialized', 'There is no identity in this browser yet.');
  const listeners = new Set<(e: ModelEvent) => void>();
  const emit = (e: ModelEvent) => listeners.forEach((l) => l(e));
  let stopped = false;

  const toView = async (m: MessageRecord, waiting: Set<string>): Promise<MessageView> => ({
    id: m.id,
    mine: m.direction === 'out',
    kind: m.kind,
    text: m.text,
    at: m.direction === 'out' ? m.sentAt : m.receivedAt,
    state: m.direction === 'in' ? 'received' : m.status === 'queued' ? 'queued' : waiting.has(m.id) ? 'sent' : 'delivered',
  });
  const waitingIds = async (conversationId: string) => new Set((await o.store.listOutbox(conversationId)).map((e) => e.messageId));

  const convView = async (id: string): Promise<ConversationView | null> => {
    const c = await o.store.getConversation(id);
    if (!c) return null;
    const last = (await o.store.listMessages(id, { limit: 10 })).filter((m) => m.kind === 'text').pop();
    return {
      id: c.id,
      name: c.name,
      state: c.state,
      unread: c.unread,
      verified: c.verified,
      lastActivity: c.lastActivity,
      last: last ? { text: last.text, mine: last.direction === 'out', at: last.direction === 'out' ? last.sentAt : last.receivedAt } : null,
    };
  };

  // ---- live mode ----
  const onReport = async (r: ConversationReport) => {
    if (r.joined) {
      // The guest said who they are: name the conversation after them unless renamed already.
      const c = await o.store.getConversation(r.conversationId);
      if (c && isPlaceholder(c.name) && c.peer?.name) {
        for (const candidate of [c.peer.name, `${c.peer.name}-2`, `${c.peer.name}-3`]) {
          try {
            await client.rename(c.id, candidate);
            break;
          } catch {
            /* name taken: try the next */
          }
        }
      }
      emit({ type: 'phonebook' });
    }
    const waiting = await waitingIds(r.conversationId);
    const incoming = await Promise.all(r.newMessages.filter((m) => m.kind === 'text').map((m) => toView(m, waiting)));
    if (incoming.length || r.flushed || r.joined) emit({ type: 'messages', conversationId: r.conversationId, incoming });
  };
  // One live mode for the page's life: a new invite, a join or a move asks it to look again
  // (refresh) rather than restarting it, which would drop every wait in flight.
  const live = client.live({
    onReport: (r) => void onReport(r),
    onError: () => {
      /* relays failing are retried by the engine with backoff; the status pill shows offline */
    },
  });

  const retryQueued = () => {
    if (stopped || !navigator.onLine) return;
    emit({ type: 'connection', online: true });
    void client.sync({ force: true }).then((rep) => rep.conversations.forEach((r) => void onReport(r)), () => {});
  };
  const onOffline = () => emit({ type: 'connection', online: false });
  window.addEventListener('online', retryQueued);
  window.addEventListener('offline', onOffline);

  const resolveRelay = async (address: string): Promise<string> => {
    let url: string;
    try {
      url = normalizeRelayUrl(address);
    } catch (err) {
      throw new TincanError('bad-request', err instanceof Error ? err.message : String(err));
    }
    const found = url === o.pageRelay ? ((await o.relayProbe) ?? (await discoverRelay(url))) : await discoverRelay(url);
    if (!found) throw new TincanError('relay-unreachable', `No Tincan relay answers at ${url}. Check the address (it is the folder where the relay runs).`);
    return found.base;
  };

  const inviteView = (conversationId: string, pendingBytes: Uint8Array): InviteView => {
    const p = crypto.decodePendingInvite(pendingBytes);
    return { conversationId, text: crypto.encodeInvite(p.invite), link: crypto.inviteLink(p.invite, o.webBase), expiresAt: p.invite.expiresAt };
  };

  const locationViews = async (conversationId: string): Promise<LocationView[]> =>
    (await client.locations(conversationId)).locations.map((l) => ({ relayUrl: l.relayUrl, ok: l.ok, lastError: l.lastError, onMyRelay: l.onMyRelay, queued: l.queued, retiring: l.retiring }));

  const model: AppModel = {
    me: { name: who.name, fingerprint: who.fingerprint },
    locations: locationViews,
    async addLocation(conversationId, address) {
      await client.addLocation(conversationId, address ? await resolveRelay(address) : undefined);
      live.refresh(); // follow the new location now, not at the live loop's next round
      return locationViews(conversationId);
    },
    async move(conversationId, address) {
      await client.move(conversationId, { to: await resolveRelay(address) });
      live.refresh(); // follow the new location now, not at the live loop's next round
      return locationViews(conversationId);
    },
    async phonebook() {
      const all = await o.store.listConversations();
      return (await Promise.all(all.map((c) => convView(c.id)))).filter((c): c is ConversationView => c !== null);
    },
    conversation: convView,
    async messages(conversationId) {
      const [all, waiting] = await Promise.all([o.store.listMessages(conversationId), waitingIds(conversationId)]);
      return Promise.all(all.filter((m) => m.kind === 'text').map((m) => toView(m, waiting)));
    },
    async send(conversationId, text) {
      // Show the message (queued) while the relays are being asked.
      const early = setTimeout(() => emit({ type: 'messages', conversationId, incoming: [] }), 40);
      try {
        await client.send(conversationId, text);
      } finally {
        clearTimeout(early);
        emit({ type: 'messages', conversationId, incoming: [] });
      }
    },
    async markRead(conversationId) {
      const c = await o.store.getConversation(conversationId);
      if (!c || c.unread === 0) return;
      await client.markRead(conversationId);
      emit({ type: 'phonebook' });
    },
    async rename(conversationId, name) {
      await client.rename(conversationId, name);
      emit({ type: 'phonebook' });
    },
    async forget(conversationId) {
      await client.forget(conversationId);
      emit({ type: 'phonebook' });
    },
    async verify(conversationId) {
      const v = await client.verification(conversationId);
      return { safetyNumber: v.safetyNumber, sas: v.sas, verified: v.conversation.verified, peerName: v.conversation.peer?.name ?? '' };
    },
    async setVerified(conversationId, verified) {
      await client.markVerified(conversationId, verified);
      emit({ type: 'phonebook' });
    },
    async myRelay(): Promise<MyRelayView | null> {
      const url = await client.myRelay();
      return url ? { url, owned: true } : null;
    },
    async claimRelay(address, setupCode) {
      const base = await resolveRelay(address);
      await client.useRelay(base, { setupCode });
      return { url: base, owned: true };
    },
    async useRelay(address) {
      const base = await resolveRelay(address);
      await client.useRelay(base);
      return { url: base, owned: true };
    },
    async createInvite(name) {
      const created = await client.createInvite({ name: name || PLACEHOLDER });
      live.refresh(); // follow the new channel now, not at the live loop's next round
      emit({ type: 'phonebook' });
      return { conversationId: created.conversation.id, text: created.invite, link: created.link, expiresAt: created.expiresAt };
    },
    async pendingInvite(conversationId) {
      const c = await o.store.getConversation(conversationId);
      return c && c.state === 'invited' && c.invite ? inviteView(c.id, c.invite) : null;
    },
    async join(text) {
      const r = await client.join(text);
      live.refresh();
      live.poke(r.conversation.id);
      emit({ type: 'phonebook' });
      return { conversationId: r.conversation.id };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopped = true;
      live.stop();
      window.removeEventListener('online', retryQueued);
      window.removeEventListener('offline', onOffline);
      await live.done;
      await o.store.close();
    },
  };
  return model;
}
