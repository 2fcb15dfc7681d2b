/**
 * Sending: encrypt once with the ratchet, wrap a copy per location (each with its own envelope id,
 * stable across retries), save session + message + outbox copies in one atomic batch, and only
 * then post every copy. A message is sent when at least one location took it; copies that could
 * not be posted stay in the outbox and are retried (send, sync, live mode) with backoff.
 */
import * as crypto from '../crypto/index.ts';
import { fromBase64Url, toBase64Url, utf8 } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import {
  type Engine,
  HEALTHY,
  assertNotMoved,
  channelBytes,
  failedHealth,
  isDue,
  locationKey,
  probeTimeout,
  memberKeys,
  ownEnvelopeId,
} from './engine.ts';
import type { ConversationRecord, MessageRecord, OutboxRecord, StoreChange } from './store.ts';

export interface FlushResult {
  /** Copies the relays accepted now. */
  posted: number;
  /** Copies still waiting in the outbox. */
  waiting: number;
  /** Messages that became 'sent' now (at least one copy accepted). */
  delivered: string[];
  errors: { relayUrl: string; message: string }[];
}

export interface SendResult {
  message: MessageRecord;
  /** Locations that accepted this message now. */
  posted: number;
  /** Locations that still have to take it (retried later). */
  queued: number;
  errors: { relayUrl: string; message: string }[];
}

/** Next display-order key after the last message of a conversation. */
export async function nextOrd(engine: Engine, conversationId: string): Promise<number> {
  const last = await engine.store.listMessages(conversationId, { limit: 1 });
  return Math.floor((last[0]?.ord ?? 0) + 1);
}

/**
 * Encrypts one payload for a conversation and builds the batch that records it (conversation
 * with advanced session, outbox copies per location, my envelope ids as seen). Does not post.
 */
export async function preparePayload(
  engine: Engine,
  conv: ConversationRecord,
  kind: string,
  body: Uint8Array,
): Promise<{ conv: ConversationRecord; msgId: string; sentAt: number; changes: StoreChange[]; outbox: OutboxRecord[] }> {
  if (conv.state !== 'active' || !conv.session) {
    throw new TincanError('conversation-not-found', `nobody has joined "${conv.name}" yet: your invite has not been used. Send again once your friend has joined (\`tincan list\` shows it)`);
  }
  const now = engine.clock.now();
  const msgIdBytes = crypto.randomBytes(16);
  const payload: crypto.Payload = { msgId: msgIdBytes, seq: conv.sendSeq + 1, prevHash: conv.sendPrevHash, sentAt: now, kind, body };
  const enc = await crypto.encrypt(crypto.decodeSession(conv.session), crypto.encodePayload(payload));
  const next: ConversationRecord = {
    ...conv,
    session: crypto.encodeSession(enc.session),
    sendSeq: payload.seq,
    sendPrevHash: await crypto.payloadHash(msgIdBytes),
    lastActivity: now,
  };
  const msgId = toBase64Url(msgIdBytes);
  const outbox: OutboxRecord[] = [];
  // Retiring locations get no new copies (unless nothing else is left).
  const active = conv.locations.filter((l) => !l.retiring);
  for (const loc of active.length ? active : conv.locations) outbox.push({
    id: await ownEnvelopeId(engine),
    conversationId: conv.id,
    messageId: msgId,
    relayUrl: loc.relayUrl,
    channelId: loc.channelId,
    data: crypto.wrapForLocation(enc.session, channelBytes(loc), enc.message),
    createdAt: now,
    attempts: 0,
  });
  const changes: StoreChange[] = [{ type: 'put-conversation', conversation: next }];
  for (const e of outbox) {
    changes.push({ type: 'put-outbox', entry: e }, { type: 'add-seen', conversationId: conv.id, envelopeId: e.id });
  }
  return { conv: next, msgId, sentAt: now, changes, outbox };
}

/** Sends a text message to every location of a conversation. */
export async function sendText(engine: Engine, conv: ConversationRecord, text: string, force = true): Promise<SendResult> {
  await assertNotMoved(engine);
  const p = await preparePayload(engine, conv, 'text', utf8(text));
  const message: MessageRecord = {
    conversationId: conv.id,
    id: p.msgId,
    ord: await nextOrd(engine, conv.id),
    direction: 'out',
    seq: p.conv.sendSeq,
    kind: 'text',
    text,
    sentAt: p.sentAt,
    receivedAt: p.sentAt,
    status: 'queued',
  };
  await engine.store.apply([...p.changes, { type: 'put-message', message }]);
  // Failover: while some location works, a send does not wait on failing ones (their copies stay
  // queued; sync and live mode retry them with backoff). Only when none works are they all tried.
  const flush = await flushOutbox(engine, conv.id, force, { skipFailing: conv.locations.some((l) => l.health.ok) });
  const mine = new Set(p.outbox.map((e) => e.id));
  const left = (await engine.store.listOutbox(conv.id)).filter((e) => mine.has(e.id)).length;
  const stored = (await engine.store.getMessage(conv.id, p.msgId)) ?? message;
  return { message: stored, posted: p.outbox.length - left, queued: left, errors: flush.errors };
}

/** Sends a non-text payload ('locations', ...) that is not shown in the history. */
export async function sendControl(engine: Engine, conv: ConversationRecord, kind: string, body: Uint8Array): Promise<void> {
  const p = await preparePayload(engine, conv, kind, body);
  await engine.store.apply(p.changes);
  await flushOutbox(engine, conv.id, true);
}

/**
 * Posts waiting outbox copies of one conversation, oldest first, in order per location; locations
 * in backoff are skipped unless `force`. Records health and message status.
 */
export async function flushOutbox(engine: Engine, conversationId: string, force: boolean, o: { skipFailing?: boolean } = {}): Promise<FlushResult> {
  const result: FlushResult = { posted: 0, waiting: 0, delivered: [], errors: [] };
  const entries = await engine.store.listOutbox(conversationId);
  if (entries.length === 0) return result;
  const conv = await engine.store.getConversation(conversationId);
  if (!conv) return result;
  const now = engine.clock.now();
  const byLoc = new Map<string, OutboxRecord[]>();
  for (const e of entries) {
    const k = locationKey(e);
    byLoc.set(k, [...(byLoc.get(k) ?? []), e]);
  }
  const changes: StoreChange[] = [];
  const acceptedMsgs = new Set<string>();
  await Promise.all(
    [...byLoc].map(async ([key, list]) => {
      const loc = conv.locations.find((l) => locationKey(l) === key);
      if (!loc) {
        // The location was removed: its copies can never be posted.
        for (const e of list) changes.push({ type: 'delete-outbox', id: e.id });
        return;
      }
      if (!isDue(loc, now, force) || (o.skipFailing && !loc.health.ok)) {
        result.waiting += list.length;
        return;
      }
      const relay = engine.relay(loc.relayUrl);
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        try {
          await relay.post(memberKeys(loc), loc.channelId, e.id, e.data, probeTimeout(loc));
          changes.push({ type: 'delete-outbox', id: e.id });
          acceptedMsgs.add(e.messageId);
          result.posted++;
          loc.health = HEALTHY;
        } catch (err) {
          if (err instanceof TincanError && err.code === 'envelope-conflict') {
            changes.push({ type: 'delete-outbox', id: e.id }); // cannot happen with our ids; never retry it
            continue;
          }
          loc.health = failedHealth(loc.health, engine.clock.now(), err);
          result.errors.push({ relayUrl: loc.relayUrl, message: err instanceof Error ? err.message : String(err) });
          for (const rest of list.slice(i)) changes.push({ type: 'put-outbox', entry: { ...rest, attempts: rest.attempts + 1 } });
          result.waiting += list.length - i;
          return;
        }
      }
    }),
  );
  for (const id of acceptedMsgs) {
    const m = await engine.store.getMessage(conversationId, id);
    if (m && m.status === 'queued') {
      changes.push({ type: 'put-message', message: { ...m, status: 'sent' } });
      result.delivered.push(id);
    }
  }
  changes.push({ type: 'put-conversation', conversation: conv });
  await engine.store.apply(changes);
  return result;
}

export function b64ToBytes(text: string): Uint8Array {
  const b = fromBase64Url(text);
  if (!b) throw new TincanError('internal', 'bad stored base64url');
  return b;
}
