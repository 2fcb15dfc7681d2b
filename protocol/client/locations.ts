/**
 * Locations: the channels a conversation lives in, and how a person changes them (SPEC 5.x
 * "Locations"). Adding a location opens a channel on a relay I own (owner-signed, a fresh member
 * key, a one-time token) and offers it to the peer inside the end-to-end session (a 'locations'
 * payload with `add`); the peer's client redeems the token (receive.ts, redeemOffers). Retiring
 * tells the peer (`remove`), drops the location here and leaves its channel (best effort: the
 * relay may be down). A move is both in one payload, posted to every location that answers, so it
 * works while the old relay is down as long as another location is up. History and session stay:
 * the conversation record is the same, only its list of locations changes.
 * Trust boundary: relays see only an ordinary channel opening, a token hash and an opaque
 * envelope; the offer (relay, channel, token) travels end-to-end encrypted.
 */
import * as crypto from '../crypto/index.ts';
import { toBase64Url } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import { type Engine, HEALTHY, PROBE_TIMEOUT_MS, assertNotMoved, channelBytes, errorText, isDue, locationKey, memberKeys, ownEnvelopeId, probeTimeout, randomId } from './engine.ts';
import { myRelay } from './invites.ts';
import { type LocationOffer, type LocationsBody, encodeJsonBody } from './payloads.ts';
import { normalizeRelayUrl } from './relay-client.ts';
import { flushOutbox, preparePayload } from './send.ts';
import type { ConversationRecord, LocationRecord, OutboxRecord, StoreChange } from './store.ts';

/** How long the peer may take to redeem an offered location's one-time token. */
export const OFFER_TTL_MS = 30 * 24 * 3600 * 1000;

/** One location as a person sees it (`tincan locate`, the web client's conversation view). */
export interface LocationView {
  relayUrl: string;
  channelId: string;
  ok: boolean;
  failures: number;
  /** When the next automatic retry may happen (Unix ms; 0 = any time). */
  nextRetryAt: number;
  lastError: string | null;
  /** True when this location is on the relay recorded as mine (`tincan relay use`). */
  onMyRelay: boolean;
  /** Copies of my messages still waiting to be posted there. */
  queued: number;
  /** Being retired: still read until the peer has followed, then left. */
  retiring: boolean;
}

export interface LocationsView {
  conversation: ConversationRecord;
  locations: LocationView[];
  /** Locations the peer offered that I have not joined yet (retried on every sync). */
  pendingOffers: { relayUrl: string; channelId: string }[];
}

/** What a change of locations did. */
export interface LocationsChange {
  conversation: ConversationRecord;
  added: string[];
  removed: string[];
  /** Existing locations that took the message telling the peer, now. 0 = it waits in the outbox. */
  told: number;
  /**
   * Of `removed`, those kept as *retiring* because no other old location is shared with the peer:
   * still read (and their queued copies posted) until the peer has followed, then left by itself.
   */
  retiring: string[];
  errors: { relayUrl: string; message: string }[];
}

/** The locations of a conversation with their health. */
export async function viewLocations(engine: Engine, conv: ConversationRecord): Promise<LocationsView> {
  const mine = await myRelay(engine);
  const outbox = await engine.store.listOutbox(conv.id);
  return {
    conversation: conv,
    locations: conv.locations.map((l) => ({
      relayUrl: l.relayUrl,
      channelId: l.channelId,
      ok: l.health.ok,
      failures: l.health.failures,
      nextRetryAt: l.health.nextRetryAt,
      lastError: l.health.lastError,
      onMyRelay: l.relayUrl === mine,
      queued: outbox.filter((e) => locationKey(e) === locationKey(l)).length,
      retiring: l.retiring !== undefined,
    })),
    pendingOffers: (conv.offers ?? []).map((o) => ({ relayUrl: o.relay, channelId: o.channel })),
  };
}

/** Finds the locations a `--remove`/`--from` reference names: a relay URL (all its channels) or a channel id. */
export function matchLocations(conv: ConversationRecord, ref: string): LocationRecord[] {
  const byChannel = conv.locations.filter((l) => l.channelId === ref);
  if (byChannel.length) return byChannel;
  let url: string;
  try {
    url = normalizeRelayUrl(ref);
  } catch {
    url = ref;
  }
  const found = conv.locations.filter((l) => l.relayUrl === url);
  if (found.length === 0) {
    const have = conv.locations.map((l) => l.relayUrl).join(', ') || 'none';
    throw new TincanError('not-found', `"${conv.name}" has no location on ${ref} (its locations: ${have}); \`tincan locate ${conv.name}\` lists them`);
  }
  return found;
}

/**
 * Adds locations on relays I own and/or retires locations, telling the peer in one 'locations'
 * payload. Order: open the new channels; encrypt the payload once and store it with a copy per
 * location (old, new and retiring) in one batch; post to the locations that are due (all of them
 * when none is); then — only if an existing location took the news — drop the retired locations
 * (re-posting to the remaining ones any message of mine that no remaining location holds) and
 * leave their channels. Refuses a change that would leave no location.
 */
export async function changeLocations(
  engine: Engine,
  conv: ConversationRecord,
  o: { add?: string[]; remove?: LocationRecord[] },
): Promise<LocationsChange> {
  await assertNotMoved(engine);
  if (conv.state !== 'active' || !conv.session) {
    throw new TincanError('conversation-not-found', `nobody has joined "${conv.name}" yet, so there is nobody to tell about a new location; wait until your invite is used`);
  }
  const { device } = await engine.identity();
  const addUrls = [...new Set((o.add ?? []).map(normalizeRelayUrl))].filter((u) => !conv.locations.some((l) => l.relayUrl === u));
  const removeKeys = new Set((o.remove ?? []).map(locationKey));
  const kept = conv.locations.filter((l) => !removeKeys.has(locationKey(l)));
  if (kept.filter((l) => !l.retiring).length + addUrls.length === 0) {
    throw new TincanError('bad-request', `that would leave "${conv.name}" with no location at all; add one first (\`tincan locate ${conv.name} --add URL\` or \`tincan move ${conv.name} --to URL\`)`);
  }
  if (addUrls.length === 0 && removeKeys.size === 0) {
    return { conversation: conv, added: [], removed: [], told: 0, retiring: [], errors: [] };
  }
  const now = engine.clock.now();
  // 1. Open a channel on each new relay (I must own it: only owners open channels).
  const added: LocationRecord[] = [];
  const offers: LocationOffer[] = [];
  for (const url of addUrls) {
    const member = crypto.generateSigningKeyPair();
    const channelId = randomId();
    const token = crypto.randomBytes(32);
    const expiresAt = now + OFFER_TTL_MS;
    try {
      await engine.relay(url).openChannel(device.sign, { channel: channelId, member: member.publicKey, token: { hash: await crypto.sha256(token), expiresAt } });
    } catch (err) {
      if (err instanceof TincanError && err.code === 'not-owner') {
        throw new TincanError('not-owner', `you do not own the relay ${url}, so you cannot open a channel there; add a relay you run (\`tincan relay serve\`, or one set up with \`tincan relay use URL\`)`);
      }
      if (err instanceof TincanError && err.code === 'relay-unreachable') {
        throw new TincanError('relay-unreachable', `cannot reach ${url} to open a channel there; check that it runs and try again (nothing was changed)`, { relay: url });
      }
      throw err;
    }
    added.push({ relayUrl: url, channelId, memberPublic: member.publicKey, memberSecret: member.secretKey, cursor: 0, acked: 0, health: HEALTHY, origin: 'extra' });
    offers.push({ relay: url, channel: channelId, token: toBase64Url(token), expiresAt });
  }
  // 2. One payload for the peer, stored with its copies before anything is posted.
  const removed = conv.locations.filter((l) => removeKeys.has(locationKey(l)));
  const body: LocationsBody = { add: offers, remove: removed.map((l) => ({ relay: l.relayUrl, channel: l.channelId })) };
  const widened: ConversationRecord = { ...conv, locations: [...conv.locations, ...added] };
  const p = await preparePayload(engine, widened, 'locations', encodeJsonBody(body));
  await engine.store.apply(p.changes);
  // 3. Post: skip locations in backoff unless every location is (the dead relay must not stall a move).
  const force = !widened.locations.some((l) => isDue(l, now, false));
  const flush = await flushOutbox(engine, conv.id, force);
  const old = new Set(conv.locations.map(locationKey));
  const waiting = new Set((await engine.store.listOutbox(conv.id)).map((e) => e.id));
  const told = p.outbox.filter((e) => old.has(locationKey(e)) && !waiting.has(e.id)).length;
  const result: LocationsChange = {
    conversation: (await engine.store.getConversation(conv.id)) ?? p.conv,
    added: added.map((l) => l.relayUrl),
    removed: [],
    told,
    retiring: [],
    errors: [...flush.errors],
  };
  if (removed.length === 0) return result;
  const current = (await engine.store.getConversation(conv.id)) ?? p.conv;
  result.removed = removed.map((l) => l.relayUrl);
  if (!kept.some((l) => !l.retiring)) {
    // 4a. No other old location is shared with the peer: until it has followed, its messages (and
    // this news) can only travel through the retiring ones. Keep reading them; no new copies.
    for (const l of current.locations) if (removeKeys.has(locationKey(l))) l.retiring = { since: now, ...l.retiring };
    await engine.store.apply([{ type: 'put-conversation', conversation: current }]);
    result.conversation = current;
    result.retiring = result.removed;
    return result;
  }
  // 4b. Retire now: drop the locations, keep every message of mine reachable, leave the channels.
  const remaining = current.locations.filter((l) => !removeKeys.has(locationKey(l)));
  // The news itself needs no re-posting once any location took it.
  const skip = new Set(p.outbox.some((e) => !waiting.has(e.id)) ? [p.msgId] : []);
  const changes: StoreChange[] = await retargetOrphans(engine, current, remaining, removeKeys, skip);
  result.conversation = { ...current, locations: remaining };
  changes.push({ type: 'put-conversation', conversation: result.conversation });
  await engine.store.apply(changes);
  await flushOutbox(engine, conv.id, false);
  result.errors.push(...(await leaveChannels(engine, removed)));
  return result;
}

/** Leaves the channels of dropped locations (best effort; skipped while a relay is known down: the channel expires by itself). */
export async function leaveChannels(engine: Engine, dropped: LocationRecord[]): Promise<{ relayUrl: string; message: string }[]> {
  const errors: { relayUrl: string; message: string }[] = [];
  await Promise.all(
    dropped.map(async (l) => {
      if (!isDue(l, engine.clock.now(), false)) return;
      try {
        await engine.relay(l.relayUrl).leave(memberKeys(l), l.channelId, probeTimeout(l));
      } catch (err) {
        if (!(err instanceof TincanError && (err.code === 'not-member' || err.code === 'channel-not-found'))) {
          errors.push({ relayUrl: l.relayUrl, message: `could not leave the old channel (it expires by itself): ${errorText(err)}` });
        }
      }
    }),
  );
  return errors;
}

/**
 * Called by every sync, after processing: drops the retiring locations the peer no longer needs
 * and I no longer need to read — when I retired it: a peer message came through another location
 * since and no gap is open (everything the peer sent before is in); when the peer retired it: I
 * have every peer payload up to the one that said so. Also after OFFER_TTL_MS at the latest.
 * Never drops the last location. Mutates `conv.locations`, adds the outbox changes (copies of mine
 * that only the dropped locations held are re-wrapped for the others) to `changes`, and returns
 * the dropped locations, whose channels the caller leaves once the batch is stored.
 */
export async function finishRetiring(engine: Engine, conv: ConversationRecord, changes: StoreChange[]): Promise<LocationRecord[]> {
  const now = engine.clock.now();
  const done = conv.locations.filter((l) => {
    const r = l.retiring;
    if (!r) return false;
    if (now - r.since > OFFER_TTL_MS) return true;
    if (r.afterSeq !== undefined) return conv.recvContiguous >= r.afterSeq;
    return r.peerMoved === true && conv.recvAhead.length === 0;
  });
  const remaining = conv.locations.filter((l) => !done.includes(l));
  if (done.length === 0 || remaining.length === 0) return [];
  changes.push(...(await retargetOrphans(engine, conv, remaining, new Set(done.map(locationKey)), new Set())));
  conv.locations = remaining;
  return done;
}

/**
 * Outbox copies bound for retired locations, of messages that no remaining location holds a copy
 * of yet: re-wrapped for every remaining location (the wrap key is the session's, so a stored copy
 * can be unwrapped and wrapped for another channel). Without this, a message queued only for a
 * dead relay would vanish with it. Returns the batch (deletes and new copies).
 */
async function retargetOrphans(
  engine: Engine,
  conv: ConversationRecord,
  remaining: LocationRecord[],
  removeKeys: Set<string>,
  skip: Set<string>,
): Promise<StoreChange[]> {
  const outbox = await engine.store.listOutbox(conv.id);
  const remainingKeys = new Set(remaining.map(locationKey));
  const covered = new Set(outbox.filter((e) => remainingKeys.has(locationKey(e))).map((e) => e.messageId));
  const changes: StoreChange[] = [];
  const done = new Set<string>();
  const session = conv.session ? crypto.decodeSession(conv.session) : null;
  for (const e of outbox) {
    if (!removeKeys.has(locationKey(e))) continue;
    changes.push({ type: 'delete-outbox', id: e.id });
    if (!session || covered.has(e.messageId) || done.has(e.messageId) || skip.has(e.messageId)) continue;
    const msg = await engine.store.getMessage(conv.id, e.messageId);
    if (msg && msg.status !== 'queued') continue; // some location already took it
    done.add(e.messageId);
    let inner: Uint8Array;
    try {
      inner = crypto.unwrapFromLocation(session, channelBytes(e), e.data);
    } catch {
      continue;
    }
    for (const loc of remaining) {
      const copy: OutboxRecord = {
        id: await ownEnvelopeId(engine),
        conversationId: conv.id,
        messageId: e.messageId,
        relayUrl: loc.relayUrl,
        channelId: loc.channelId,
        data: crypto.wrapForLocation(session, channelBytes(loc), inner),
        createdAt: e.createdAt,
        attempts: 0,
      };
      changes.push({ type: 'put-outbox', entry: copy }, { type: 'add-seen', conversationId: conv.id, envelopeId: copy.id });
    }
  }
  return changes;
}

/** Adds a location on a relay I own (default: my relay) and tells the peer. */
export async function addLocation(engine: Engine, conv: ConversationRecord, url?: string): Promise<LocationsChange> {
  const target = url ?? (await myRelay(engine));
  if (!target) throw new TincanError('bad-request', 'give the relay to add (`--add URL`), or set your relay first with `tincan relay use URL`');
  const u = normalizeRelayUrl(target);
  if (conv.locations.some((l) => l.relayUrl === u)) {
    throw new TincanError('bad-request', `"${conv.name}" already lives on ${u}; \`tincan locate ${conv.name}\` lists its locations`);
  }
  return changeLocations(engine, conv, { add: [u] });
}

/** Retires the locations `ref` names (a relay URL or channel id) and tells the peer. */
export async function removeLocation(engine: Engine, conv: ConversationRecord, ref: string): Promise<LocationsChange> {
  return changeLocations(engine, conv, { remove: matchLocations(conv, ref) });
}

/**
 * Moves a conversation to the relay `to` (which I own): adds a location there unless it has one,
 * tells the peer, and retires `from` — by default the locations on relays I own (my relay, or any
 * whose /v1/info names me), else the failing ones, else the only one. Run again to finish a move whose retiring was postponed.
 */
export async function moveConversation(engine: Engine, conv: ConversationRecord, o: { to: string; from?: string[] }): Promise<LocationsChange> {
  const to = normalizeRelayUrl(o.to);
  let from: LocationRecord[];
  if (o.from && o.from.length) {
    from = o.from.flatMap((ref) => matchLocations(conv, ref));
  } else {
    const others = conv.locations.filter((l) => l.relayUrl !== to);
    const mine = await myRelay(engine);
    const me = toBase64Url((await engine.identity()).device.sign.publicKey);
    // Mine = on my relay, or on any relay that says I own it (my relay may already be the target).
    const owned = await Promise.all(
      others.map(async (l) => l.relayUrl === mine || (l.health.ok && (await engine.relay(l.relayUrl).info(PROBE_TIMEOUT_MS).then((i) => i.owner === me, () => false)))),
    );
    const onMine = others.filter((_, i) => owned[i]);
    const failing = others.filter((l) => !l.health.ok);
    from = onMine.length ? onMine : failing.length ? failing : others.length === 1 ? others : [];
    if (from.length === 0 && others.length > 0) {
      throw new TincanError('bad-request', `"${conv.name}" lives on several relays (${others.map((l) => l.relayUrl).join(', ')}); say which to leave with --from URL`);
    }
  }
  from = from.filter((l) => l.relayUrl !== to);
  return changeLocations(engine, conv, { add: [to], remove: from });
}

/**
 * Live mode saw a failing location answer again (a long poll or WebSocket subscription worked):
 * ends its backoff so that the next sync reads it and posts its queued copies at once, instead
 * of waiting up to the backoff's end (and, for long polls, instead of polling the same envelopes
 * in a loop meanwhile). Returns whether anything changed.
 */
export async function markReachable(engine: Engine, conversationId: string, key: string): Promise<boolean> {
  return engine.run(async () => {
    const conv = await engine.store.getConversation(conversationId);
    const loc = conv?.locations.find((l) => locationKey(l) === key);
    if (!conv || !loc || loc.health.ok || loc.health.nextRetryAt === 0) return false;
    loc.health = { ...loc.health, nextRetryAt: 0 };
    await engine.store.apply([{ type: 'put-conversation', conversation: conv }]);
    return true;
  }, { queue: true }); // called by live mode only: never inside an operation (see Engine.run)
}
