/**
 * One-time invites. The inviter opens a channel per invite relay on relays it owns (owner-signed,
 * with a fresh member key of its own and the hash of the one-time token derived from the invite
 * secret) and keeps the pending invite until someone joins. The joiner redeems the token on each
 * relay with a fresh member key and posts the join message, whose first payload ('hello') carries
 * its name and, when it has a relay of its own, a channel there with a one-time token: the
 * inviter joins that too, so the conversation lives on both relays.
 */
import * as crypto from '../crypto/index.ts';
import { toBase64Url, utf8 } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import { type Engine, HEALTHY, assertNotMoved, errorText, ownEnvelopeId, randomId, uniqueName } from './engine.ts';
import { encodeJsonBody, type LocationOffer } from './payloads.ts';
import { normalizeRelayUrl } from './relay-client.ts';
import { flushOutbox } from './send.ts';
import type { ConversationRecord, LocationRecord, OutboxRecord, StoreChange } from './store.ts';

export interface CreatedInvite {
  conversation: ConversationRecord;
  /** `tincan:...` text form. */
  invite: string;
  /** Web client link (fragment form; never sent to a server). */
  link: string;
  expiresAt: number;
}

export interface JoinResult {
  conversation: ConversationRecord;
  /** Invite relays that accepted the join. */
  joined: string[];
  /** Invite relays that failed (relay-unreachable etc.). */
  errors: { relayUrl: string; message: string }[];
}

export const DEFAULT_INVITE_TTL_MS = 7 * 24 * 3600 * 1000;
const OFFER_TTL_MS = 30 * 24 * 3600 * 1000;

function truncateUtf8(text: string, maxBytes: number): string {
  let out = text;
  while (utf8(out).length > maxBytes) out = out.slice(0, -1);
  return out;
}

/** My relay (from `relay use`), or null. */
export async function myRelay(engine: Engine): Promise<string | null> {
  const v = await engine.store.getMeta('myRelay');
  return typeof v === 'string' ? v : null;
}

/** Opens a channel for an invite on every relay and records the pending invite. */
export async function createInvite(
  engine: Engine,
  o: { name?: string; relays?: string[]; expiresInMs?: number },
): Promise<CreatedInvite> {
  await assertNotMoved(engine);
  const { record, device } = await engine.identity();
  const mine = await myRelay(engine);
  const relays = (o.relays && o.relays.length ? o.relays : mine ? [mine] : []).map(normalizeRelayUrl);
  if (relays.length === 0) {
    throw new TincanError('not-initialized', 'you have no relay yet: run `tincan relay use URL` (or `tincan relay serve`), or pass --relay URL');
  }
  const now = engine.clock.now();
  const expiresAt = now + (o.expiresInMs ?? DEFAULT_INVITE_TTL_MS);
  const pending = await crypto.createInvite({ identity: device, relays, expiresAt, label: truncateUtf8(record.name, 32) });
  const locations: LocationRecord[] = [];
  for (let i = 0; i < relays.length; i++) {
    const url = relays[i]!;
    const loc = await crypto.deriveInviteLocation(pending.invite.secret, i);
    const member = crypto.generateSigningKeyPair();
    const channelId = toBase64Url(loc.channelId);
    try {
      await engine.relay(url).openChannel(device.sign, {
        channel: channelId,
        member: member.publicKey,
        token: { hash: loc.tokenHash, expiresAt: pending.invite.expiresAt },
      });
    } catch (err) {
      if (err instanceof TincanError && err.code === 'not-owner') {
        throw new TincanError('not-owner', `you do not own the relay ${url}, so you cannot open channels there; use a relay you run (\`tincan relay use URL\`)`);
      }
      throw err;
    }
    locations.push({
      relayUrl: url,
      channelId,
      memberPublic: member.publicKey,
      memberSecret: member.secretKey,
      cursor: 0,
      acked: 0,
      health: HEALTHY,
      origin: 'invite',
      inviteIndex: i,
    });
  }
  const conversation: ConversationRecord = {
    id: randomId(),
    name: await uniqueName(engine, o.name ?? 'friend'),
    state: 'invited',
    peer: null,
    session: null,
    locations,
    sendSeq: 0,
    sendPrevHash: new Uint8Array(32),
    invite: crypto.encodePendingInvite(pending),
    ...newConversationState(now),
  };
  await engine.store.apply([
    { type: 'put-conversation', conversation },
    { type: 'put-pending-invite', invite: { conversationId: conversation.id, pending: conversation.invite!, expiresAt: pending.invite.expiresAt, createdAt: now } },
  ]);
  return {
    conversation,
    invite: crypto.encodeInvite(pending.invite),
    link: crypto.inviteLink(pending.invite, engine.deps.webBase ?? relays[0]!),
    expiresAt: pending.invite.expiresAt,
  };
}

/** Joins a conversation with an invite (text, link or bare payload). */
export async function joinInvite(engine: Engine, text: string, o: { name?: string }): Promise<JoinResult> {
  await assertNotMoved(engine);
  const { record, device } = await engine.identity();
  const invite = crypto.decodeInvite(text);
  const who = invite.label || 'the person who sent it';
  const now = engine.clock.now();
  if (invite.expiresAt < now) {
    throw new TincanError('invite-expired', `this invite expired on ${new Date(invite.expiresAt).toISOString()} — ask ${who} for a new one`);
  }
  if (bytesEq(invite.inviterSign, device.sign.publicKey)) {
    throw new TincanError('invite-invalid', 'this is your own invite; give it to the person you want to talk to');
  }
  // Redeem the one-time token on each invite relay with a fresh member key.
  const locations: (LocationRecord | null)[] = [];
  const errors: { relayUrl: string; message: string }[] = [];
  let fatal: TincanError | null = null;
  for (let i = 0; i < invite.relays.length; i++) {
    const url = normalizeRelayUrl(invite.relays[i]!);
    const d = await crypto.deriveInviteLocation(invite.secret, i);
    const member = crypto.generateSigningKeyPair();
    const channelId = toBase64Url(d.channelId);
    try {
      await engine.relay(url).join(member, channelId, d.token);
      locations.push({ relayUrl: url, channelId, memberPublic: member.publicKey, memberSecret: member.secretKey, cursor: 0, acked: 0, health: HEALTHY, origin: 'invite', inviteIndex: i });
    } catch (err) {
      locations.push(null);
      errors.push({ relayUrl: url, message: errorText(err) });
      if (err instanceof TincanError && !fatal) {
        if (err.code === 'invite-used') fatal = new TincanError('invite-used', `this invite was already used — ask ${who} for a new one`);
        else if (err.code === 'invite-expired') fatal = new TincanError('invite-expired', `this invite has expired — ask ${who} for a new one`);
        else if (err.code === 'invite-invalid' || err.code === 'channel-not-found') fatal = new TincanError('invite-invalid', `the relay ${url} does not know this invite (withdrawn, or mistyped?) — ask ${who} for a new one`);
        else fatal = err;
      }
    }
  }
  const joinedLocs = locations.filter((l): l is LocationRecord => l !== null);
  if (joinedLocs.length === 0) throw fatal ?? new TincanError('relay-unreachable', 'no relay of this invite could be reached; try again later');

  // A relay of my own: open a channel there and offer it to the inviter in the hello payload.
  const offers: LocationOffer[] = [];
  const extra: LocationRecord[] = [];
  const mine = await myRelay(engine);
  if (mine && !invite.relays.map(normalizeRelayUrl).includes(mine)) {
    const member = crypto.generateSigningKeyPair();
    const channelId = randomId();
    const token = crypto.randomBytes(32);
    const expiresAt = now + OFFER_TTL_MS;
    try {
      await engine.relay(mine).openChannel(device.sign, { channel: channelId, member: member.publicKey, token: { hash: await crypto.sha256(token), expiresAt } });
      offers.push({ relay: mine, channel: channelId, token: toBase64Url(token), expiresAt });
      extra.push({ relayUrl: mine, channelId, memberPublic: member.publicKey, memberSecret: member.secretKey, cursor: 0, acked: 0, health: HEALTHY, origin: 'extra' });
    } catch (err) {
      errors.push({ relayUrl: mine, message: `could not open a channel on your relay: ${errorText(err)}` });
    }
  }
  const helloId = crypto.randomBytes(16);
  const hello: crypto.Payload = {
    msgId: helloId,
    seq: 1,
    prevHash: new Uint8Array(32),
    sentAt: now,
    kind: 'hello',
    body: encodeJsonBody({ name: record.name.slice(0, 64), locations: offers }),
  };
  const { session, joinMessages } = await crypto.startJoin(invite, device, crypto.encodePayload(hello));
  const conversation: ConversationRecord = {
    id: randomId(),
    name: await uniqueName(engine, o.name ?? (invite.label || 'friend')),
    state: 'active',
    peer: { sign: invite.inviterSign, dh: invite.inviterDh, dhCert: invite.inviterDhCert, name: invite.label },
    session: crypto.encodeSession(session),
    locations: [...joinedLocs, ...extra],
    sendSeq: 1,
    sendPrevHash: await crypto.payloadHash(helloId),
    invite: null,
    ...newConversationState(now),
  };
  const changes: StoreChange[] = [{ type: 'put-conversation', conversation }];
  for (let i = 0; i < locations.length; i++) {
    const loc = locations[i];
    if (!loc) continue;
    const entry: OutboxRecord = {
      id: await ownEnvelopeId(engine),
      conversationId: conversation.id,
      messageId: toBase64Url(helloId),
      relayUrl: loc.relayUrl,
      channelId: loc.channelId,
      data: joinMessages[i]!,
      createdAt: now,
      attempts: 0,
    };
    changes.push({ type: 'put-outbox', entry }, { type: 'add-seen', conversationId: conversation.id, envelopeId: entry.id });
  }
  await engine.store.apply(changes);
  const flush = await flushOutbox(engine, conversation.id, true);
  return {
    conversation: (await engine.store.getConversation(conversation.id)) ?? conversation,
    joined: joinedLocs.map((l) => l.relayUrl),
    errors: [...errors, ...flush.errors],
  };
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** What every new conversation starts with, whether made by an invite or by a join: nothing received, read or verified yet. */
function newConversationState(now: number) {
  return { recvContiguous: 0, recvAhead: [], reportedMissing: [], verified: false, unread: 0, createdAt: now, lastActivity: now } satisfies Partial<ConversationRecord>;
}
