/**
 * The client engine both clients share: `createClient(deps)` gives the operations a person
 * performs (init, relays, invites, join, send, sync, history, verify, rename, forget, export,
 * live mode). Hosts supply the ports (ports.ts, store.ts). Every operation reads fresh records,
 * runs alone (engine.run) and writes through atomic store batches.
 */
import * as crypto from '../crypto/index.ts';
import { toBase64Url, utf8 } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import type { Info } from '../wire.ts';
import { type ClientDeps, type Engine, assertNotMoved, createEngine, errorText, memberKeys, resolveConversation, uniqueName } from './engine.ts';
import { type CreatedInvite, type JoinResult, createInvite, joinInvite, myRelay } from './invites.ts';
import { type LiveHandle, type LiveOptions, startLive } from './live.ts';
import { type LocationsChange, type LocationsView, addLocation, moveConversation, removeLocation, viewLocations } from './locations.ts';
import { type ConversationReport, syncConversation } from './receive.ts';
import { normalizeRelayUrl } from './relay-client.ts';
import { type SendResult, sendText } from './send.ts';
import { fromJson, toJson } from './serialize.ts';
import type { ConversationRecord, MessageRecord, StoreChange } from './store.ts';

export type { ClientDeps } from './engine.ts';

/** A phonebook line. */
export interface ConversationSummary {
  id: string;
  name: string;
  state: 'invited' | 'active';
  peerName: string | null;
  locations: { relayUrl: string; ok: boolean; lastError: string | null }[];
  unread: number;
  lastActivity: number;
  verified: boolean;
  /** Copies waiting to be posted. */
  queued: number;
  /** For 'invited': when the invite expires (Unix ms); null otherwise. */
  inviteExpiresAt: number | null;
}

export interface SyncReport {
  conversations: ConversationReport[];
}

export interface Whoami {
  name: string;
  fingerprint: string;
  signPublic: Uint8Array;
  myRelay: string | null;
}

/** The export file's inner JSON (before passphrase sealing). */
interface Snapshot {
  format: 'tincan-export';
  version: 1;
  exportedAt: number;
  identity: unknown;
  meta: Record<string, unknown>;
  conversations: ConversationRecord[];
  messages: MessageRecord[];
  outbox: unknown[];
  invites: unknown[];
}

export type Client = ReturnType<typeof createClient>;

export function createClient(deps: ClientDeps) {
  const engine: Engine = createEngine(deps);
  const store = deps.store;
  const run = engine.run;

  return {
    engine,

    /** Creates this device's identity; refuses when one exists. */
    init: (name: string) =>
      run(async () => {
        const trimmed = name.trim();
        if (!trimmed || utf8(trimmed).length > 64) throw new TincanError('bad-request', 'give a name of 1 to 64 bytes, e.g. `tincan init --name alice`');
        if (await store.getIdentity()) throw new TincanError('bad-request', 'this home already has an identity (`tincan whoami` shows it); use another TINCAN_HOME for a second one');
        const device = await crypto.generateIdentity();
        await store.apply([{ type: 'put-identity', identity: { name: trimmed, device: crypto.encodeIdentity(device), signPublic: device.sign.publicKey, createdAt: engine.clock.now() } }]);
        return { name: trimmed, fingerprint: crypto.fingerprint(device.sign.publicKey) };
      }),

    /** Name, fingerprint and relay of this device, or null before init. */
    whoami: () =>
      run(async (): Promise<Whoami | null> => {
        const id = await store.getIdentity();
        if (!id) return null;
        return { name: id.name, fingerprint: crypto.fingerprint(id.signPublic), signPublic: id.signPublic, myRelay: await myRelay(engine) };
      }),

    /** Records "my relay" after checking that it answers and that I own it (claiming it with a setup code if given). */
    useRelay: (url: string, o: { setupCode?: string } = {}) =>
      run(async (): Promise<Info> => {
        const { device } = await engine.identity();
        const relay = engine.relay(normalizeRelayUrl(url));
        let info = await relay.info();
        const me = toBase64Url(device.sign.publicKey);
        if (info.owner === null) {
          if (!o.setupCode) throw new TincanError('not-owner', `${relay.url} has no owner yet; claim it with the setup code it printed: \`tincan relay use ${relay.url} --setup-code CODE\``);
          await relay.claim(o.setupCode, device.sign.publicKey);
          info = await relay.info();
        }
        if (info.owner !== me) {
          throw new TincanError('not-owner', `${relay.url} is owned by another identity, not by you (${crypto.fingerprint(device.sign.publicKey)}); use a relay you run, e.g. \`tincan relay serve\``);
        }
        await store.apply([{ type: 'put-meta', key: 'myRelay', value: relay.url }]);
        return info;
      }),

    myRelay: () => run(() => myRelay(engine)),

    createInvite: (o: { name?: string; relays?: string[]; expiresInMs?: number }) => run((): Promise<CreatedInvite> => createInvite(engine, o)),

    join: (text: string, o: { name?: string } = {}) => run((): Promise<JoinResult> => joinInvite(engine, text, o)),

    /** The phonebook. */
    list: () =>
      run(async (): Promise<ConversationSummary[]> => {
        const [all, outbox, invites] = await Promise.all([store.listConversations(), store.listOutbox(), store.listPendingInvites()]);
        const expiries = new Map(invites.map((i) => [i.conversationId, i.expiresAt]));
        const queued = new Map<string, number>();
        for (const e of outbox) queued.set(e.conversationId, (queued.get(e.conversationId) ?? 0) + 1);
        return all.map((c) => summarize(c, queued.get(c.id) ?? 0, expiries.get(c.id) ?? null));
      }, { crypto: false }),

    conversation: (ref: string) => run(() => resolveConversation(engine, ref)),

    send: (ref: string, text: string) =>
      run(async (): Promise<SendResult> => {
        if (!text) throw new TincanError('bad-request', 'there is nothing to send (empty text)');
        await engine.signKeys(); // not-initialized before anything else (no public-key operation)
        let conv = await resolveConversation(engine, ref);
        // Still waiting for the invite to be used: the friend may have joined since the last sync.
        // Look (one sync of this conversation) before telling the person to wait.
        if (conv.state !== 'active') {
          await syncConversation(engine, conv.id, true);
          conv = await resolveConversation(engine, conv.id);
        }
        return sendText(engine, conv, text);
      }),

    /** Syncs one conversation (by name/id) or all; `force` ignores backoff (a person asked). */
    sync: (o: { conversation?: string; force?: boolean } = {}) =>
      run(async (): Promise<SyncReport> => {
        await assertNotMoved(engine);
        await engine.signKeys(); // not-initialized before anything else (no public-key operation)
        const convs = o.conversation ? [await resolveConversation(engine, o.conversation)] : await store.listConversations();
        const reports: ConversationReport[] = [];
        // Conversations are independent; a few at a time keeps many slow relays from adding up.
        const queue = [...convs];
        await Promise.all(
          Array.from({ length: Math.min(4, queue.length) }, async () => {
            for (let c = queue.shift(); c; c = queue.shift()) reports.push(await syncConversation(engine, c.id, o.force ?? true));
          }),
        );
        const order = new Map(convs.map((c, i) => [c.id, i]));
        reports.sort((a, b) => order.get(a.conversationId)! - order.get(b.conversationId)!);
        return { conversations: reports };
      }),

    /** History in display order (text messages), the last `limit`. */
    history: (ref: string, o: { limit?: number } = {}) =>
      run(async () => {
        const conv = await resolveConversation(engine, ref);
        const msgs = await store.listMessages(conv.id, o.limit !== undefined ? { limit: o.limit } : {});
        return { conversation: conv, messages: msgs.filter((m) => m.kind === 'text') };
      }),

    /** Marks every incoming message of a conversation read. */
    markRead: (ref: string) =>
      run(async () => {
        const conv = await resolveConversation(engine, ref);
        const changes: StoreChange[] = [];
        for (const m of await store.listMessages(conv.id)) if (m.status === 'unread') changes.push({ type: 'put-message', message: { ...m, status: 'read' } });
        changes.push({ type: 'put-conversation', conversation: { ...conv, unread: 0 } });
        await store.apply(changes);
        return changes.length - 1;
      }),

    /** Safety number (identity keys) and SAS (this session) to compare with the peer. */
    verification: (ref: string) =>
      run(async () => {
        const conv = await resolveConversation(engine, ref);
        if (!conv.peer || !conv.session) throw new TincanError('conversation-not-found', `nobody has joined "${conv.name}" yet, so there is nothing to verify`);
        const { device } = await engine.identity();
        return {
          conversation: conv,
          safetyNumber: await crypto.safetyNumber(device.sign.publicKey, conv.peer.sign),
          sas: await crypto.sas(crypto.decodeSession(conv.session)),
          peerFingerprint: crypto.fingerprint(conv.peer.sign),
        };
      }),

    markVerified: (ref: string, verified = true) =>
      run(async () => {
        const conv = await resolveConversation(engine, ref);
        await store.apply([{ type: 'put-conversation', conversation: { ...conv, verified } }]);
      }),

    rename: (ref: string, name: string) =>
      run(async () => {
        const conv = await resolveConversation(engine, ref);
        const wanted = name.trim();
        if (!wanted) throw new TincanError('bad-request', 'give a non-empty name');
        const unique = await uniqueName(engine, wanted, conv.id);
        if (unique !== wanted) throw new TincanError('bad-request', `there is already a conversation called "${wanted}"; pick another name`);
        await store.apply([{ type: 'put-conversation', conversation: { ...conv, name: wanted } }]);
        return { from: conv.name, to: wanted };
      }),

    /** Leaves every location (tells the relays) and deletes the conversation locally. */
    forget: (ref: string) =>
      run(async () => {
        const conv = await resolveConversation(engine, ref);
        const errors: string[] = [];
        await Promise.all(
          conv.locations.map(async (loc) => {
            try {
              await engine.relay(loc.relayUrl).leave(memberKeys(loc), loc.channelId);
            } catch (err) {
              if (!(err instanceof TincanError && (err.code === 'not-member' || err.code === 'channel-not-found'))) errors.push(`${loc.relayUrl}: ${errorText(err)}`);
            }
          }),
        );
        await store.apply([{ type: 'delete-conversation', id: conv.id }]);
        return { name: conv.name, errors };
      }),

    /** Seals the whole phonebook under a passphrase; marks this home as moved (it stops sending). */
    exportSealed: (passphrase: string, o: { retire?: boolean } = {}) =>
      run(async () => {
        const identity = await store.getIdentity();
        if (!identity) throw new TincanError('not-initialized', 'there is nothing to export: this home has no identity');
        await assertNotMoved(engine); // a second export of a retired home would fork the conversations
        const conversations = await store.listConversations();
        const messages: MessageRecord[] = [];
        for (const c of conversations) messages.push(...(await store.listMessages(c.id)));
        const meta: Record<string, unknown> = {};
        for (const k of ['myRelay']) meta[k] = await store.getMeta(k);
        const snapshot: Snapshot = {
          format: 'tincan-export',
          version: 1,
          exportedAt: engine.clock.now(),
          identity,
          meta,
          conversations,
          messages,
          outbox: await store.listOutbox(),
          invites: await store.listPendingInvites(),
        };
        const sealed = await crypto.sealWithPassphrase(utf8(toJson(snapshot)), passphrase);
        if (o.retire !== false) await store.apply([{ type: 'put-meta', key: 'movedAt', value: snapshot.exportedAt }]);
        return { sealed, conversations: conversations.length, messages: messages.length };
      }),

    /** Restores an export into this (empty) home. */
    importSealed: (sealed: Uint8Array, passphrase: string) =>
      run(async () => {
        if (await store.getIdentity()) throw new TincanError('bad-request', 'this home already has an identity; import into a fresh TINCAN_HOME (importing is a move, not a merge)');
        const plain = await crypto.openWithPassphrase(sealed, passphrase);
        let snap: Snapshot;
        try {
          snap = fromJson<Snapshot>(new TextDecoder().decode(plain));
        } catch {
          throw new TincanError('bad-request', 'this file is not a Tincan export');
        }
        if (snap.format !== 'tincan-export' || snap.version !== 1) throw new TincanError('bad-request', 'this file is not a Tincan export this version can read');
        const changes: StoreChange[] = [{ type: 'put-identity', identity: snap.identity as never }];
        for (const [key, value] of Object.entries(snap.meta)) changes.push({ type: 'put-meta', key, value: value as never });
        for (const c of snap.conversations) changes.push({ type: 'put-conversation', conversation: c });
        for (const m of snap.messages) changes.push({ type: 'put-message', message: m });
        for (const e of snap.outbox as never[]) changes.push({ type: 'put-outbox', entry: e }, { type: 'add-seen', conversationId: (e as { conversationId: string }).conversationId, envelopeId: (e as { id: string }).id });
        for (const i of snap.invites as never[]) changes.push({ type: 'put-pending-invite', invite: i });
        await store.apply(changes);
        return { name: (snap.identity as { name: string }).name, conversations: snap.conversations.length, messages: snap.messages.length, exportedAt: snap.exportedAt };
      }),

    /** Follows conversations live (see live.ts). */
    live: (o: LiveOptions): LiveHandle => startLive(engine, o),

    /** A conversation's locations with their health (see locations.ts). */
    locations: (ref: string) => run(async (): Promise<LocationsView> => viewLocations(engine, await resolveConversation(engine, ref))),

    /** Adds a location on a relay I own (default: my relay) and tells the peer. */
    addLocation: (ref: string, url?: string) => run(async (): Promise<LocationsChange> => addLocation(engine, await resolveConversation(engine, ref), url)),

    /** Retires the locations on a relay (URL) or a channel (id) and tells the peer. */
    removeLocation: (ref: string, location: string) => run(async (): Promise<LocationsChange> => removeLocation(engine, await resolveConversation(engine, ref), location)),

    /** Moves a conversation to a relay I own: add there, tell the peer, retire `from` (see locations.ts). */
    move: (ref: string, o: { to: string; from?: string[] }) => run(async (): Promise<LocationsChange> => moveConversation(engine, await resolveConversation(engine, ref), o)),
  };
}

function summarize(c: ConversationRecord, queued: number, inviteExpiresAt: number | null): ConversationSummary {
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    peerName: c.peer?.name ?? null,
    locations: c.locations.map((l) => ({ relayUrl: l.relayUrl, ok: l.health.ok, lastError: l.health.lastError })),
    unread: c.unread,
    lastActivity: c.lastActivity,
    verified: c.verified,
    queued,
    inviteExpiresAt: c.state === 'invited' ? inviteExpiresAt : null,
  };
}
