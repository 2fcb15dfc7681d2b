/**
 * Route handlers of the relay API (SPEC 2.2–2.7). Each takes the parsed request context and
 * returns a response or throws a TincanError; the edge handler in relay.ts turns throws into
 * answers. Authorization happens here: owner-only, member-only or "any signer" per route.
 */
import { bytesEqual, toBase64Url, utf8 } from '../../protocol/encoding.ts';
import { onDemand, PROTOCOL_VERSION, type Envelope, type Limits } from '../../protocol/wire.ts';
import { verifySigned } from './auth-check.ts';
import { fail, jsonResponse, type RelayRequest, type RelayResponse } from './http.ts';
import { bytesOf, channelParam, parseBody, parseFetchQuery, parseJson, parseValue, plainPostBody } from './parse.ts';
import type { ChannelId, ChannelState, Clock, Crypto, Log, MemberKey, Notifier, Store, StoredEnvelope } from './ports.ts';

/** Static facts about the host, for /v1/info and /v1/check. */
export interface RelayConfig {
  limits: Limits;
  software: string;
  transports: ('http' | 'ws')[];
  /** Reported by GET /v1/check. */
  /** What the adapter reports in GET /v1/check; `dataWritable` probes the data folder without the database (used when the SQLite module cannot load). */
  host: {
    node: string;
    adapter: 'cgi' | 'standalone';
    crypto?: string;
    dataWritable?: () => boolean;
    /**
     * The host's native base64url encoder (Node: Buffer). Envelope data dominates a fetch answer;
     * the portable encoder runs as cold, interpreted JavaScript in a CGI process (~1–3 ms for 50
     * envelopes, against ~0.3 ms native). Must give exactly protocol/encoding.ts's output.
     */
    encodeBase64Url?: (bytes: Uint8Array) => string;
  };
  /** Interval of long-poll heartbeats (default 5000 ms). */
  heartbeatMs?: number;
  /** Probability that a write request also deletes a bounded batch of expired rows (default 0.05). */
  expiryChance?: number;
}

export interface Deps {
  store: Store;
  clock: Clock;
  log: Log;
  crypto: Crypto;
  notifier: Notifier;
  config: RelayConfig;
}

export interface HandleHooks {
  /** Called every heartbeat interval while a long poll waits; returns false when the client left. */
  heartbeat?: () => boolean;
  /** Checked between waits of a long poll; true ends it at once (client gone, relay closing). */
  aborted?: () => boolean;
}

export interface Ctx {
  deps: Deps;
  req: RelayRequest;
  params: string[];
  hooks: HandleHooks;
}

function signer(ctx: Ctx): Uint8Array {
  const { req, deps } = ctx;
  const bodyHash = deps.crypto.sha256(req.body);
  const pathAndQuery = req.query === '' ? req.path : `${req.path}?${req.query}`;
  return verifySigned({ ...deps, limits: deps.config.limits }, req.headers['x-tincan-auth'], req.method, pathAndQuery, bodyHash);
}

function requireMember(ctx: Ctx, channel: ChannelId): MemberKey {
  const key = signer(ctx) as MemberKey;
  if (!ctx.deps.store.isMember(channel, key)) fail('not-member', 'This key is not a member of this channel.');
  return key;
}

function channelBody(channel: ChannelId, s: ChannelState) {
  return { channel: toBase64Url(channel), members: s.members, lastSeq: s.lastSeq };
}

export function toWireEnvelope(e: StoredEnvelope, encode: (bytes: Uint8Array) => string = toBase64Url): Envelope {
  return { seq: e.seq, id: encode(e.id), data: encode(e.data), postedAt: e.postedAt };
}

function maybeExpire(deps: Deps): void {
  if (Math.random() < (deps.config.expiryChance ?? 0.05)) {
    const ttlMs = deps.config.limits.envelopeTtlSeconds * 1000;
    deps.store.expireSome(deps.clock.now(), 200, ttlMs);
  }
}

export function info(ctx: Ctx): RelayResponse {
  const { config, store, clock } = ctx.deps;
  const owner = store.getOwner();
  return jsonResponse(200, {
    protocol: 'tincan',
    versions: [PROTOCOL_VERSION],
    software: config.software,
    transports: config.transports,
    limits: config.limits,
    owner: owner ? toBase64Url(owner) : null,
    time: clock.now(),
  });
}

export function check(ctx: Ctx): RelayResponse {
  const { config, store } = ctx.deps;
  let sqlite: { driver: string; journalMode: string; error?: string };
  let dataWritable = false;
  try {
    const d = store.diagnostics();
    sqlite = { driver: d.driver, journalMode: d.journalMode };
    dataWritable = d.dataWritable;
  } catch (e) {
    sqlite = { driver: 'unavailable', journalMode: 'none', error: e instanceof Error ? e.message : String(e) };
    // The folder's own permissions still tell the owner something true when the driver is missing.
    dataWritable = config.host.dataWritable?.() ?? false;
  }
  return jsonResponse(200, {
    node: config.host.node,
    sqlite,
    dataWritable,
    authHeaderReceived: typeof ctx.req.headers['x-tincan-auth'] === 'string',
    adapter: config.host.adapter,
    crypto: config.host.crypto ?? 'node:crypto',
  });
}

export function claim(ctx: Ctx): RelayResponse {
  const { store, clock, crypto } = ctx.deps;
  const body = parseBody(onDemand.claimRequest(), ctx.req.body);
  if (store.getOwner()) fail('already-claimed', 'This relay already has an owner.');
  const retryMs = store.rate('claim', clock.now(), 60_000, 10);
  if (retryMs > 0) {
    const retryAfterSeconds = Math.ceil(retryMs / 1000);
    fail('rate-limited', `Too many setup attempts; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
  const expected = store.getSetupCodeHash();
  const given = crypto.sha256(utf8(body.setupCode.trim()));
  // Hashes of equal length compared without early exit: timing reveals nothing about the code.
  if (!expected || !bytesEqual(expected, given)) fail('setup-code-invalid', 'That setup code is not valid for this relay; copy it again from the relay console or UPLOAD.md.');
  const owner = bytesOf(body.owner, 'owner');
  if (!store.claimOwner(owner)) fail('already-claimed', 'This relay already has an owner.');
  store.setSetupCodeHash(null);
  ctx.deps.log.info('relay claimed', { owner: body.owner });
  return jsonResponse(200, { owner: body.owner });
}

export function openChannel(ctx: Ctx): RelayResponse {
  const { store, clock, config } = ctx.deps;
  const key = signer(ctx);
  const owner = store.getOwner();
  if (!owner) fail('not-owner', 'This relay has no owner yet; claim it with its setup code first.');
  if (!bytesEqual(owner, key)) fail('not-owner', 'Only the relay owner may open channels.');
  const body = parseBody(onDemand.openChannelRequest(), ctx.req.body);
  const channel = bytesOf(body.channel, 'channel') as ChannelId;
  const state = store.openChannel({
    channel,
    member: bytesOf(body.member, 'member') as MemberKey,
    ...(body.token ? { token: { hash: bytesOf(body.token.hash, 'token.hash'), expiresAt: body.token.expiresAt } } : {}),
    now: clock.now(),
    limits: config.limits,
  });
  maybeExpire(ctx.deps);
  return jsonResponse(201, channelBody(channel, state));
}

export function addToken(ctx: Ctx): RelayResponse {
  const { store, clock } = ctx.deps;
  const channel = channelParam(ctx.params[0]!);
  const key = signer(ctx);
  const owner = store.getOwner();
  const isOwner = owner !== null && bytesEqual(owner, key);
  if (!isOwner && !store.isMember(channel, key as MemberKey)) fail('not-member', 'Only the relay owner or a member may add invite tokens.');
  const body = parseBody(onDemand.addTokenRequest(), ctx.req.body);
  const state = store.addToken({ channel, hash: bytesOf(body.hash, 'hash'), expiresAt: body.expiresAt, now: clock.now() });
  return jsonResponse(201, channelBody(channel, state));
}

export function join(ctx: Ctx): RelayResponse {
  const { store, clock, crypto, config } = ctx.deps;
  const channel = channelParam(ctx.params[0]!);
  const key = signer(ctx) as MemberKey;
  const body = parseBody(onDemand.joinRequest(), ctx.req.body);
  const state = store.redeemToken({
    channel,
    member: key,
    tokenHash: crypto.sha256(bytesOf(body.token, 'token')),
    now: clock.now(),
    maxMembers: config.limits.maxMembers,
  });
  return jsonResponse(200, channelBody(channel, state));
}

export function channelState(ctx: Ctx): RelayResponse {
  const channel = channelParam(ctx.params[0]!);
  requireMember(ctx, channel);
  const state = ctx.deps.store.channelState(channel);
  if (!state) fail('channel-not-found', 'This channel no longer exists.');
  return jsonResponse(200, channelBody(channel, state));
}

export function postEnvelope(ctx: Ctx): RelayResponse {
  const { store, clock, config, notifier } = ctx.deps;
  const channel = channelParam(ctx.params[0]!);
  const member = requireMember(ctx, channel);
  const raw = parseJson(ctx.req.body);
  const rawData = (raw as { data?: unknown } | null)?.data;
  if (typeof rawData === 'string' && Math.floor((rawData.length * 3) / 4) > config.limits.maxEnvelopeBytes) {
    fail('envelope-too-large', `Envelopes may hold at most ${config.limits.maxEnvelopeBytes} bytes.`);
  }
  const body = plainPostBody(raw) ?? parseValue(onDemand.postEnvelopeRequest(), raw);
  const data = bytesOf(body.data, 'data');
  const now = clock.now();
  const r = store.postEnvelope({ channel, member, id: bytesOf(body.id, 'id'), data, now, limits: config.limits });
  if (!r.duplicate) notifier.published(channel, { seq: r.seq, id: bytesOf(body.id, 'id'), data, postedAt: now });
  maybeExpire(ctx.deps);
  return jsonResponse(r.duplicate ? 200 : 201, r);
}

export async function fetchEnvelopes(ctx: Ctx): Promise<RelayResponse> {
  const { store, clock, config, notifier } = ctx.deps;
  const channel = channelParam(ctx.params[0]!);
  const q = parseFetchQuery(ctx.req.query);
  requireMember(ctx, channel);
  const start = clock.now();
  const deadline = start + Math.min(q.wait, config.limits.maxWaitSeconds) * 1000;
  const beatMs = config.heartbeatMs ?? 5000;
  let lastBeat = start;
  for (;;) {
    const now = clock.now();
    const r = store.fetchEnvelopes({ channel, after: q.after, limit: q.limit, now });
    if (r.envelopes.length > 0 || now >= deadline) {
      const cursor = r.envelopes.length ? r.envelopes[r.envelopes.length - 1]!.seq : q.after;
      const encode = config.host.encodeBase64Url ?? toBase64Url;
      return jsonResponse(200, { envelopes: r.envelopes.map((e) => toWireEnvelope(e, encode)), cursor, more: r.more });
    }
    if (ctx.hooks.aborted?.()) return jsonResponse(200, { envelopes: [], cursor: q.after, more: false });
    if (ctx.hooks.heartbeat && now - lastBeat >= beatMs) {
      lastBeat = now;
      if (!ctx.hooks.heartbeat()) return jsonResponse(200, { envelopes: [], cursor: q.after, more: false });
    }
    await notifier.wait(channel, Math.min(deadline, lastBeat + beatMs));
  }
}

export function ack(ctx: Ctx): RelayResponse {
  const { store, clock } = ctx.deps;
  const channel = channelParam(ctx.params[0]!);
  const member = requireMember(ctx, channel);
  const body = parseBody(onDemand.ackRequest(), ctx.req.body);
  const r = store.ack({ channel, member, upTo: body.upTo, now: clock.now() });
  maybeExpire(ctx.deps);
  return jsonResponse(200, r);
}

export function leave(ctx: Ctx): RelayResponse {
  const channel = channelParam(ctx.params[0]!);
  const member = requireMember(ctx, channel);
  if (ctx.req.body.length > 0) fail('bad-request', 'DELETE …/members/self takes no body.');
  const r = ctx.deps.store.leave({ channel, member });
  return jsonResponse(200, { left: true, channelDeleted: r.channelDeleted });
}
