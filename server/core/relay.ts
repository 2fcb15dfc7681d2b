/**
 * The relay: one function from a plain request to a plain response (`handle`), plus WebSocket
 * subscriptions (`subscribe`) for adapters that can push. Everything below the adapters is here;
 * the adapters (CGI, express, ws) only translate. Trust boundary: every byte of the request is
 * untrusted; bodies and queries are parsed with the wire schemas, signed requests verified
 * before any state is read for them, and unexpected errors answered as 500 `internal` with a
 * request id (logged, no stack to the client).
 */
import { TincanError } from '../../protocol/errors.ts';
import { toBase64Url } from '../../protocol/encoding.ts';
import type { WsClientFrame, WsServerFrame } from '../../protocol/wire.ts';
import { verifySigned } from './auth-check.ts';
import * as h from './handlers.ts';
import { errorResponse, fail, jsonResponse, PREFLIGHT_HEADERS, type RelayRequest, type RelayResponse } from './http.ts';
import { bytesOf } from './parse.ts';
import type { ChannelId, MemberKey, StoredEnvelope } from './ports.ts';

export type { RelayRequest, RelayResponse } from './http.ts';
export type { Deps as RelayDeps, HandleHooks, RelayConfig } from './handlers.ts';

type Handler = (ctx: h.Ctx) => RelayResponse | Promise<RelayResponse>;
interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}
/**
 * Handlers that run without the request transaction: long polls (a wait must not hold the write
 * lock), read-only info, and the diagnostics (which must answer even when the database cannot open).
 * All others run in one transaction: one commit per request.
 */
const NO_TRANSACTION = new Set<Handler>([h.fetchEnvelopes, h.info, h.check]);

const C = '([A-Za-z0-9_-]{1,64})';
const ROUTES: Route[] = [
  { pattern: /^\/v1\/info$/, methods: { GET: h.info } },
  { pattern: /^\/v1\/check$/, methods: { GET: h.check } },
  { pattern: /^\/v1\/claim$/, methods: { POST: h.claim } },
  { pattern: /^\/v1\/channels$/, methods: { POST: h.openChannel } },
  { pattern: new RegExp(`^/v1/channels/${C}$`), methods: { GET: h.channelState } },
  { pattern: new RegExp(`^/v1/channels/${C}/tokens$`), methods: { POST: h.addToken } },
  { pattern: new RegExp(`^/v1/channels/${C}/join$`), methods: { POST: h.join } },
  { pattern: new RegExp(`^/v1/channels/${C}/envelopes$`), methods: { GET: h.fetchEnvelopes, POST: h.postEnvelope } },
  { pattern: new RegExp(`^/v1/channels/${C}/ack$`), methods: { POST: h.ack } },
  { pattern: new RegExp(`^/v1/channels/${C}/members/self$`), methods: { DELETE: h.leave } },
];

export interface Relay {
  /** Answers one request. Never throws. */
  handle(req: RelayRequest, hooks?: h.HandleHooks): Promise<RelayResponse>;
  /**
   * Opens a push subscription (SPEC 3) for a verified `subscribe` frame: sends `subscribed`, the
   * backlog, then each new envelope. Returns the unsubscribe function. Throws TincanError.
   */
  subscribe(frame: Extract<WsClientFrame, { type: 'subscribe' }>, send: (f: WsServerFrame) => void): () => void;
  /** Logs an unexpected error with a fresh request id and returns the id. */
  logUnexpected(e: unknown, where: string): string;
}

/** Builds a relay over its ports. */
export function createRelay(deps: h.Deps): Relay {
  const encode = deps.config.host.encodeBase64Url ?? toBase64Url;
  const logUnexpected = (e: unknown, where: string): string => {
    const requestId = toBase64Url(deps.crypto.randomBytes(9));
    deps.log.error('unexpected error', { requestId, where, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    return requestId;
  };

  async function route(req: RelayRequest, hooks: h.HandleHooks): Promise<RelayResponse> {
    if (req.body.length > deps.config.limits.maxBodyBytes) {
      fail('body-too-large', `Request bodies may hold at most ${deps.config.limits.maxBodyBytes} bytes.`);
    }
    for (const r of ROUTES) {
      const m = r.pattern.exec(req.path);
      if (!m) continue;
      if (req.method === 'OPTIONS') return { status: 204, headers: { ...PREFLIGHT_HEADERS }, body: new Uint8Array(0) };
      const handler = r.methods[req.method];
      if (!handler) {
        const allow = [...Object.keys(r.methods), 'OPTIONS'].join(', ');
        fail('method-not-allowed', `${req.method} is not allowed here; use ${allow}.`, { allow });
      }
      const ctx = { deps, req, params: m.slice(1), hooks };
      return NO_TRANSACTION.has(handler) ? handler(ctx) : deps.store.atomically(() => handler(ctx));
    }
    if (req.method === 'OPTIONS' && req.path.startsWith('/v1/')) return { status: 204, headers: { ...PREFLIGHT_HEADERS }, body: new Uint8Array(0) };
    if (/^\/v\d+\//.test(req.path) && !req.path.startsWith('/v1/')) fail('unsupported-version', 'This relay speaks protocol version 1 (paths under /v1/).');
    fail('not-found', `No such endpoint: ${req.method} ${req.path.slice(0, 200)}.`);
  }

  // The frame pushing one envelope, made once for all its subscribers (the notifier calls them one
  // after the other), so that it is encoded once and adapters can serialize it once.
  let lastPush: { channel: string; e: StoredEnvelope; frame: WsServerFrame } | null = null;
  const pushFrame = (channel: string, e: StoredEnvelope): WsServerFrame => {
    if (!lastPush || lastPush.e !== e || lastPush.channel !== channel) {
      lastPush = { channel, e, frame: { type: 'envelopes', channel, envelopes: [h.toWireEnvelope(e, encode)], cursor: e.seq } };
    }
    return lastPush.frame;
  };

  return {
    async handle(req, hooks = {}) {
      try {
        return await route(req, hooks);
      } catch (e) {
        if (e instanceof TincanError) return errorResponse(e);
        const requestId = logUnexpected(e, `${req.method} ${req.path.slice(0, 200)}`);
        return jsonResponse(500, { error: { code: 'internal', message: `The relay failed unexpectedly (request id ${requestId}); its operator can find the details in the log.` } }, { 'x-request-id': requestId });
      }
    },

    subscribe(frame, send) {
      const channel = bytesOf(frame.channel, 'channel') as ChannelId;
      const key = verifySigned(
        { ...deps, limits: deps.config.limits },
        frame.auth,
        'SUBSCRIBE',
        `/v1/channels/${frame.channel}/envelopes?after=${frame.after}`,
        deps.crypto.sha256(new Uint8Array(0)),
      ) as MemberKey;
      if (!deps.store.isMember(channel, key)) fail('not-member', 'This key is not a member of this channel.');
      let checkedEpoch = deps.store.membershipEpoch();
      let cursor = frame.after;
      send({ type: 'subscribed', channel: frame.channel, cursor });
      // The store is synchronous, so no post can interleave between the backlog and the subscription.
      for (let page = 0; page < 10_000; page++) {
        const r = deps.store.fetchEnvelopes({ channel, after: cursor, limit: 500, now: deps.clock.now() });
        if (r.envelopes.length === 0) break;
        cursor = r.envelopes[r.envelopes.length - 1]!.seq;
        send({ type: 'envelopes', channel: frame.channel, envelopes: r.envelopes.map((e) => h.toWireEnvelope(e, encode)), cursor });
        if (!r.more) break;
      }
      let active = true;
      const unsubscribe = deps.notifier.subscribe(channel, (e) => {
        if (!active || e.seq <= cursor) return;
        // A member that left (or whose channel was deleted) stops receiving at once: membership is
        // checked again on the first push after any membership may have ended in this relay.
        const epoch = deps.store.membershipEpoch();
        if (epoch !== checkedEpoch && ((checkedEpoch = epoch), !deps.store.isMember(channel, key))) {
          active = false;
          unsubscribe();
          send({ type: 'error', channel: frame.channel, error: { code: 'not-member', message: 'This key is no longer a member of this channel; the subscription ended.' } });
          return;
        }
        cursor = e.seq;
        send(pushFrame(frame.channel, e));
      });
      return () => {
        active = false;
        unsubscribe();
      };
    },
    logUnexpected,
  };
}
