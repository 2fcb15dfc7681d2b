/**
 * Receiving: fetch every location of a conversation, skip my own envelopes, unwrap and decrypt
 * the rest (the ratchet says 'duplicate' for a copy already read through another location), show
 * each message once in per-sender seq order, detect gaps (seq) and forged envelopes, save
 * everything in one batch, then acknowledge what was processed.
 * An 'invited' conversation turns 'active' here: the first envelope of the joiner is the join
 * message (crypto.acceptJoin); the one-time pending invite is then deleted.
 */
import * as crypto from '../crypto/index.ts';
import { fromBase64Url, fromUtf8, toBase64Url } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import type { Envelope } from '../wire.ts';
import { type Engine, HEALTHY, channelBytes, errorText, failedHealth, isDue, isOwnEnvelopeId, memberKeys, probeTimeout } from './engine.ts';
import { HelloBodySchema, LocationsBodySchema, type LocationOffer, decodeJsonBody } from './payloads.ts';
import { finishRetiring, leaveChannels } from './locations.ts';
import { flushOutbox } from './send.ts';
import type { ConversationRecord, LocationRecord, MessageRecord, StoreChange } from './store.ts';

/** What one sync of one conversation found. */
export interface ConversationReport {
  conversationId: string;
  name: string;
  /** Text messages shown for the first time. */
  newMessages: MessageRecord[];
  /** Peer messages newly detected as missing (a gap in their seq). */
  missing: number;
  /** Envelopes rejected as forged or corrupt. */
  forged: number;
  /** Peer messages whose prevHash does not chain to the previous one (the peer's history forked). */
  chainBroken: number;
  /** True when my invite was used in this sync (the conversation became active). */
  joined: boolean;
  /** Copies of my earlier messages posted now from the outbox. */
  flushed: number;
  /** Locations that failed. */
  errors: { relayUrl: string; message: string }[];
}

const MAX_PAGES = 50;

/** Syncs one conversation: flush its outbox, fetch, process, save, ack. */
export async function syncConversation(engine: Engine, conversationId: string, force: boolean, again = true): Promise<ConversationReport> {
  const flush = await flushOutbox(engine, conversationId, force);
  const conv = await engine.store.getConversation(conversationId);
  if (!conv) throw new TincanError('conversation-not-found', 'this conversation was deleted');
  const before = new Set(conv.locations.map((l) => `${l.relayUrl} ${l.channelId}`));
  const report: ConversationReport = {
    conversationId,
    name: conv.name,
    newMessages: [],
    missing: 0,
    forged: 0,
    chainBroken: 0,
    joined: false,
    flushed: flush.posted,
    errors: [...flush.errors],
  };
  const now = engine.clock.now();
  // Fetch all locations in parallel (short timeouts; failures only mark the location).
  const fetched = await Promise.all(
    conv.locations.map(async (loc) => {
      if (!isDue(loc, now, force)) return { loc, envelopes: null as Envelope[] | null };
      try {
        return { loc, envelopes: await fetchAll(engine, loc) };
      } catch (err) {
        loc.health = failedHealth(loc.health, engine.clock.now(), err);
        report.errors.push({ relayUrl: loc.relayUrl, message: errorText(err) });
        return { loc, envelopes: null };
      }
    }),
  );
  const state: ProcessState = { conv, changes: [], ord: await lastOrd(engine, conv.id), report };
  for (const { loc, envelopes } of fetched) {
    if (!envelopes) continue;
    loc.health = HEALTHY;
    for (const env of envelopes) {
      await processEnvelope(engine, state, loc, env);
      loc.cursor = Math.max(loc.cursor, env.seq);
    }
  }
  await redeemOffers(engine, state);
  // A retiring location that does not answer cannot fill gaps any more: do not wait for it.
  if (fetched.every((f) => f.envelopes !== null || f.loc.retiring)) detectGaps(state);
  const dropped = await finishRetiring(engine, state.conv, state.changes);
  report.name = state.conv.name;
  state.changes.push({ type: 'put-conversation', conversation: state.conv });
  await engine.store.apply(state.changes);
  // Acknowledge after the batch is safely stored.
  let acked = false;
  for (const loc of state.conv.locations) {
    if (loc.cursor > loc.acked) {
      try {
        await engine.relay(loc.relayUrl).ack(memberKeys(loc), loc.channelId, loc.cursor);
        loc.acked = loc.cursor;
        acked = true;
      } catch {
        // Harmless: the next sync acknowledges again.
      }
    }
  }
  if (acked) await engine.store.apply([{ type: 'put-conversation', conversation: state.conv }]);
  await leaveChannels(engine, dropped);
  // Locations joined just now (the peer's offers) may already hold messages: read them too, once.
  if (again && state.conv.locations.some((l) => !before.has(`${l.relayUrl} ${l.channelId}`))) {
    const more = await syncConversation(engine, conversationId, force, false);
    report.newMessages.push(...more.newMessages);
    report.missing += more.missing;
    report.forged += more.forged;
    report.flushed += more.flushed;
    report.errors.push(...more.errors);
    report.name = more.name;
  }
  return report;
}

async function fetchAll(engine: Engine, loc: LocationRecord): Promise<Envelope[]> {
  const relay = engine.relay(loc.relayUrl);
  const out: Envelope[] = [];
  let after = loc.cursor;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await relay.fetch(memberKeys(loc), loc.channelId, { after, limit: 200, ...probeTimeout(loc) });
    out.push(...res.envelopes.filter((e) => e.seq > after));
    if (res.cursor <= after || !res.more) break;
    after = res.cursor;
  }
  return out;
}

interface ProcessState {
  conv: ConversationRecord;
  changes: StoreChange[];
  ord: number;
  report: ConversationReport;
}

async function lastOrd(engine: Engine, id: string): Promise<number> {
  const last = await engine.store.listMessages(id, { limit: 1 });
  return last[0]?.ord ?? 0;
}

async function processEnvelope(engine: Engine, st: ProcessState, loc: LocationRecord, env: Envelope): Promise<void> {
  if ((await engine.store.hasSeen(st.conv.id, env.id)) || (await isOwnEnvelopeId(engine, env.id))) return; // my own copy
  const data = fromBase64Url(env.data);
  if (!data) {
    st.report.forged++;
    return;
  }
  if (st.conv.state === 'invited') {
    // The device keys (X25519 derivation and certificate check) only for accepting a join.
    const { device } = await engine.identity();
    const joined = await tryAcceptJoin(st.conv, device, loc, data);
    if (!joined) {
      st.report.forged++;
      return;
    }
    const peerName = joined.hello?.name ?? '';
    st.conv = {
      ...st.conv,
      state: 'active',
      session: crypto.encodeSession(joined.session),
      peer: { sign: joined.peer.sign, dh: joined.peer.dh, dhCert: joined.peer.dhCert, name: peerName },
      lastActivity: engine.clock.now(),
    };
    st.changes.push({ type: 'delete-pending-invite', conversationId: st.conv.id });
    st.report.joined = true;
    await handlePayload(engine, st, joined.payload);
    return;
  }
  if (!st.conv.session) return;
  let session = crypto.decodeSession(st.conv.session);
  try {
    const message = crypto.unwrapFromLocation(session, channelBytes(loc), data);
    const r = await crypto.decrypt(session, message);
    // The peer posts here, a location not being retired: it has followed my move (locations.ts).
    if (!loc.retiring) for (const l of st.conv.locations) if (l.retiring && !l.retiring.peerMoved) l.retiring = { ...l.retiring, peerMoved: true };
    if (r.status === 'duplicate') return;
    session = r.session;
    st.conv = { ...st.conv, session: crypto.encodeSession(session) };
    await handlePayload(engine, st, crypto.decodePayload(r.plaintext));
  } catch (err) {
    // A copy of the join message on a further invite relay is not a forgery.
    if (st.conv.invite && loc.origin === 'invite' && st.conv.peer) {
      const again = await tryAcceptJoin(st.conv, (await engine.identity()).device, loc, data);
      if (again && bytesEq(again.peer.sign, st.conv.peer.sign)) return;
    }
    if (err instanceof TincanError || err instanceof RangeError) {
      st.report.forged++;
      return;
    }
    throw err;
  }
}

async function tryAcceptJoin(conv: ConversationRecord, device: crypto.DeviceIdentity, loc: LocationRecord, data: Uint8Array) {
  if (!conv.invite || loc.origin !== 'invite') return null;
  try {
    const pending = crypto.decodePendingInvite(conv.invite);
    const r = await crypto.acceptJoin(pending, device, data, loc.inviteIndex ?? 0);
    const payload = crypto.decodePayload(r.firstPayload);
    const hello = payload.kind === 'hello' ? decodeJsonBody(HelloBodySchema, payload.body) : null;
    return { session: r.session, peer: r.peer, payload, hello };
  } catch {
    return null;
  }
}

/** Applies one decrypted payload of the peer: seq bookkeeping, then by kind. */
async function handlePayload(engine: Engine, st: ProcessState, p: crypto.Payload): Promise<void> {
  const c = st.conv;
  if (p.seq <= c.recvContiguous || c.recvAhead.includes(p.seq)) return; // already had it
  const ahead = [...c.recvAhead, p.seq].sort((a, b) => a - b);
  let contiguous = c.recvContiguous;
  while (ahead[0] === contiguous + 1) {
    contiguous++;
    ahead.shift();
  }
  // prevHash chains each payload to the sender's previous one. Checked when this one follows the
  // last in-order one directly; a mismatch means the sender's history forked (e.g. an old copy of
  // its home went on sending), which seq numbers alone would not show.
  const hash = await crypto.payloadHash(p.msgId);
  let recvLastHash: Uint8Array | null = null;
  if (p.seq === c.recvContiguous + 1 && c.recvAhead.length === 0) {
    const expected = p.seq === 1 ? new Uint8Array(32) : (c.recvLastHash ?? null);
    if (expected && !bytesEq(expected, p.prevHash)) st.report.chainBroken++;
    recvLastHash = hash;
  }
  st.conv = { ...c, recvContiguous: contiguous, recvAhead: ahead, recvLastHash, lastActivity: Math.max(c.lastActivity, engine.clock.now()) };
  const now = engine.clock.now();
  if (p.kind === 'text') {
    const text = fromUtf8(p.body) ?? '\uFFFD';
    const id = toBase64Url(p.msgId);
    if (await engine.store.getMessage(c.id, id)) return;
    const message: MessageRecord = {
      conversationId: c.id,
      id,
      ord: await ordFor(engine, st, p.seq),
      direction: 'in',
      seq: p.seq,
      kind: 'text',
      text,
      sentAt: p.sentAt,
      receivedAt: now,
      status: 'unread',
    };
    st.changes.push({ type: 'put-message', message });
    st.report.newMessages.push(message);
    st.conv = { ...st.conv, unread: st.conv.unread + 1 };
  } else if (p.kind === 'hello') {
    const hello = decodeJsonBody(HelloBodySchema, p.body);
    if (hello && st.conv.peer) {
      st.conv = { ...st.conv, peer: { ...st.conv.peer, name: hello.name }, offers: [...(st.conv.offers ?? []), ...hello.locations] };
    }
  } else if (p.kind === 'locations') {
    const body = decodeJsonBody(LocationsBodySchema, p.body);
    if (body) {
      const removed = new Set(body.remove.map((r) => `${r.relay} ${r.channel}`));
      // Retired, not dropped: read until I have every payload up to this one (locations.ts).
      for (const l of st.conv.locations) if (removed.has(`${l.relayUrl} ${l.channelId}`)) l.retiring = { ...(l.retiring ?? { since: now }), afterSeq: p.seq };
      st.conv = {
        ...st.conv,
        offers: [...(st.conv.offers ?? []), ...body.add],
      };
    }
  }
  // Unknown kinds are ignored (newer peers), but their seq still counts.
}

/** Display order for a peer message: after everything so far, but before later-seq peer messages. */
async function ordFor(engine: Engine, st: ProcessState, seq: number): Promise<number> {
  const pendingLater = st.changes
    .filter((ch): ch is Extract<StoreChange, { type: 'put-message' }> => ch.type === 'put-message')
    .map((ch) => ch.message)
    .filter((m) => m.direction === 'in' && m.seq > seq);
  const stored = (await engine.store.listMessages(st.conv.id, { limit: 200 })).filter((m) => m.direction === 'in' && m.seq > seq);
  const later = [...pendingLater, ...stored].sort((a, b) => a.ord - b.ord)[0];
  if (!later) return ++st.ord;
  const before = [...(await engine.store.listMessages(st.conv.id, { limit: 200 })), ...pendingLater.map((m) => m)]
    .filter((m) => m.ord < later.ord)
    .reduce((mx, m) => Math.max(mx, m.ord), Math.floor(later.ord) - 1);
  return (before + later.ord) / 2;
}

/** Redeems location offers from the peer (hello / locations): join with a fresh member key. */
async function redeemOffers(engine: Engine, st: ProcessState): Promise<void> {
  const offers = st.conv.offers ?? [];
  if (offers.length === 0) return;
  const left: LocationOffer[] = [];
  for (const o of offers) {
    if (st.conv.locations.some((l) => l.relayUrl === o.relay && l.channelId === o.channel)) continue;
    if (o.expiresAt < engine.clock.now()) continue;
    const member = crypto.generateSigningKeyPair();
    try {
      const token = fromBase64Url(o.token);
      if (!token) continue;
      await engine.relay(o.relay).join(member, o.channel, token);
      st.conv = {
        ...st.conv,
        locations: [
          ...st.conv.locations,
          {
            relayUrl: o.relay,
            channelId: o.channel,
            memberPublic: member.publicKey,
            memberSecret: member.secretKey,
            cursor: 0,
            acked: 0,
            health: HEALTHY,
            origin: 'extra',
          },
        ],
      };
    } catch (err) {
      if (err instanceof TincanError && (err.code === 'relay-unreachable' || err.code === 'unavailable' || err.code === 'rate-limited')) left.push(o);
      else st.report.errors.push({ relayUrl: o.relay, message: `could not add the location your peer offered: ${errorText(err)}` });
    }
  }
  st.conv = { ...st.conv, offers: left };
}

function detectGaps(st: ProcessState): void {
  const c = st.conv;
  if (c.recvAhead.length === 0) return;
  const max = c.recvAhead[c.recvAhead.length - 1]!;
  const have = new Set(c.recvAhead);
  const reported = new Set(c.reportedMissing);
  const fresh: number[] = [];
  for (let s = c.recvContiguous + 1; s < max; s++) if (!have.has(s) && !reported.has(s)) fresh.push(s);
  if (fresh.length === 0) return;
  st.report.missing += fresh.length;
  st.conv = { ...c, reportedMissing: [...c.reportedMissing, ...fresh].slice(-1000) };
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
