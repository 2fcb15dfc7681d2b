/**
 * Talks to one relay over the Http port: every call of protocol/SPEC.md section 2, signed with
 * X-Tincan-Auth where the relay wants it, every answer parsed with protocol/wire.ts. Relay errors
 * become TincanError with the relay's code; no answer at all becomes 'relay-unreachable'; an answer
 * that is not what the protocol says becomes 'relay-protocol'.
 * Clock skew: a request refused with auth-expired fetches /v1/info, corrects the offset with the
 * relay's `time`, and is retried once.
 * Trust boundary: the relay is untrusted; nothing it says is used without schema validation.
 */
import * as z from 'zod/mini';
import { AUTH_HEADER, authMessage, formatAuthHeader } from '../auth.ts';
import { fromUtf8, toBase64Url, utf8 } from '../encoding.ts';
import { TincanError, isErrorCode } from '../errors.ts';
// Answers are parsed with schemas built on first use (`answers`): a fresh process parses one or two.
import {
  answers,
  type ChannelResponse,
  type FetchResponse,
  type Info,
  type WsClientFrame,
} from '../wire.ts';
import type { Clock, Http, HttpResponse } from './ports.ts';

/** An Ed25519 key pair (owner or member key). */
export interface SigningKeys {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The crypto the relay client needs (protocol/crypto provides all three). */
export interface RelayCrypto {
  sha256(data: Uint8Array): Promise<Uint8Array>;
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  randomBytes(n: number): Uint8Array;
}

export interface RelayClientOptions {
  http: Http;
  clock: Clock;
  crypto: RelayCrypto;
  /** Ordinary requests give up after this (default 8 s). */
  timeoutMs?: number;
  /** Shared clock offsets per relay URL (relay time − my time), kept by the caller across clients. */
  skews?: Map<string, number>;
}

/** Normalizes a relay base URL: no trailing slash, no query or fragment; throws on non-http(s). */
export function normalizeRelayUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new TincanError('bad-request', `"${text}" is not a relay URL; give one like http://127.0.0.1:8080 or https://host/chat`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TincanError('bad-request', `relay URLs start with http:// or https:// (got "${text}")`);
  }
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

const EMPTY = new Uint8Array(0);
let emptyHash: Uint8Array | null = null;

/** Client of one relay. Stateless apart from the shared clock offset. */
export class RelayClient {
  readonly url: string;
  private readonly o: RelayClientOptions;
  private readonly skews: Map<string, number>;

  constructor(url: string, options: RelayClientOptions) {
    this.url = normalizeRelayUrl(url);
    this.o = options;
    this.skews = options.skews ?? new Map();
  }

  /** GET /v1/info; also records the clock offset to the relay. */
  async info(timeoutMs?: number): Promise<Info> {
    const started = this.o.clock.now();
    const res = await this.send('GET', '/v1/info', undefined, null, timeoutMs);
    const info = this.parse(answers.info(), res);
    const rtt = this.o.clock.now() - started;
    this.skews.set(this.url, info.time - (started + rtt / 2));
    return info;
  }

  /** POST /v1/claim with the setup code the relay printed. */
  async claim(setupCode: string, owner: Uint8Array): Promise<void> {
    const res = await this.send('POST', '/v1/claim', { setupCode, owner: toBase64Url(owner) }, null);
    this.parse(answers.claimResponse(), res);
  }

  /** POST /v1/channels, signed by the owner key. */
  async openChannel(
    owner: SigningKeys,
    o: { channel: string; member: Uint8Array; token?: { hash: Uint8Array; expiresAt: number } },
  ): Promise<ChannelResponse> {
    const body: Record<string, unknown> = { channel: o.channel, member: toBase64Url(o.member) };
    if (o.token) body['token'] = { hash: toBase64Url(o.token.hash), expiresAt: o.token.expiresAt };
    return this.parse(answers.channelResponse(), await this.send('POST', '/v1/channels', body, owner));
  }

  /** POST /v1/channels/:channel/tokens (owner or member). */
  async addToken(signer: SigningKeys, channel: string, hash: Uint8Array, expiresAt: number): Promise<ChannelResponse> {
    const res = await this.send('POST', `/v1/channels/${channel}/tokens`, { hash: toBase64Url(hash), expiresAt }, signer);
    return this.parse(answers.channelResponse(), res);
  }

  /** POST /v1/channels/:channel/join, signed by the new member key. */
  async join(member: SigningKeys, channel: string, token: Uint8Array): Promise<ChannelResponse> {
    const res = await this.send('POST', `/v1/channels/${channel}/join`, { token: toBase64Url(token) }, member);
    return this.parse(answers.channelResponse(), res);
  }

  /** POST an envelope; the same id again is stored once (duplicate: true). `timeoutMs` overrides the default (probes of a failing relay). */
  async post(member: SigningKeys, channel: string, id: string, data: Uint8Array, o: { timeoutMs?: number } = {}): Promise<{ seq: number; duplicate: boolean }> {
    const res = await this.send('POST', `/v1/channels/${channel}/envelopes`, { id, data: toBase64Url(data) }, member, o.timeoutMs);
    return this.parse(answers.postEnvelopeResponse(), res);
  }

  /** GET envelopes after `after`; `wait` > 0 long-polls (seconds). */
  async fetch(
    member: SigningKeys,
    channel: string,
    o: { after: number; limit?: number; wait?: number; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<FetchResponse> {
    let path = `/v1/channels/${channel}/envelopes?after=${o.after}`;
    if (o.limit !== undefined) path += `&limit=${o.limit}`;
    if (o.wait) path += `&wait=${o.wait}`;
    const timeout = o.wait ? (o.wait + 15) * 1000 : o.timeoutMs;
    const res = await this.send('GET', path, undefined, member, timeout, o.signal);
    return this.parse(answers.fetchResponse(), res);
  }

  /** POST ack: I have everything up to `upTo`. */
  async ack(member: SigningKeys, channel: string, upTo: number): Promise<{ upTo: number; deleted: number }> {
    return this.parse(answers.ackResponse(), await this.send('POST', `/v1/channels/${channel}/ack`, { upTo }, member));
  }

  /** DELETE my membership. */
  async leave(member: SigningKeys, channel: string, o: { timeoutMs?: number } = {}): Promise<{ left: true; channelDeleted: boolean }> {
    return this.parse(answers.leaveResponse(), await this.send('DELETE', `/v1/channels/${channel}/members/self`, undefined, member, o.timeoutMs));
  }

  /** GET /v1/channels/:channel (member). */
  async channel(member: SigningKeys, channel: string): Promise<ChannelResponse> {
    return this.parse(answers.channelResponse(), await this.send('GET', `/v1/channels/${channel}`, undefined, member));
  }

  /** The WebSocket URL of this relay (section 3). */
  wsUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/v1/ws`;
  }

  /** A signed subscribe frame for the WebSocket (section 3). */
  async subscribeFrame(member: SigningKeys, channel: string, after: number): Promise<WsClientFrame> {
    const auth = await this.authValue(member, 'SUBSCRIBE', `/v1/channels/${channel}/envelopes?after=${after}`, EMPTY);
    return { type: 'subscribe', channel, after, auth };
  }

  private now(): number {
    return Math.round(this.o.clock.now() + (this.skews.get(this.url) ?? 0));
  }

  private async authValue(keys: SigningKeys, method: string, path: string, body: Uint8Array): Promise<string> {
    const hash = body.length === 0 ? (emptyHash ??= await this.o.crypto.sha256(EMPTY)) : await this.o.crypto.sha256(body);
    const ts = this.now();
    const nonce = this.o.crypto.randomBytes(16);
    const sig = this.o.crypto.sign(authMessage(method, path, hash, ts, nonce), keys.secretKey);
    return formatAuthHeader({ key: keys.publicKey, ts, nonce, sig });
  }

  private async send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    json: unknown,
    signer: SigningKeys | null,
    timeoutMs?: number,
    signal?: AbortSignal,
    retried = false,
  ): Promise<HttpResponse> {
    const body = json === undefined ? undefined : utf8(JSON.stringify(json));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    if (signer) headers[AUTH_HEADER] = await this.authValue(signer, method, path, body ?? EMPTY);
    let res: HttpResponse;
    try {
      res = await this.o.http.request({
        method,
        url: this.url + path,
        headers,
        ...(body ? { body } : {}),
        timeoutMs: timeoutMs ?? this.o.timeoutMs ?? 8000,
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new TincanError('relay-unreachable', `cannot reach the relay ${this.url} (${why}); check the address and that it is running, then try again`, { relay: this.url });
    }
    if (res.status >= 400) {
      const err = this.toError(res);
      if (err.code === 'auth-expired' && signer && !retried) {
        await this.info(); // corrects the clock offset
        return this.send(method, path, json, signer, timeoutMs, signal, true);
      }
      throw err;
    }
    return res;
  }

  private toError(res: HttpResponse): TincanError {
    const parsed = answers.errorBody().safeParse(parseJson(res.body));
    if (parsed.success && isErrorCode(parsed.data.error.code)) {
      return new TincanError(parsed.data.error.code, `${this.url}: ${parsed.data.error.message}`, { relay: this.url, status: res.status });
    }
    if ([502, 503, 504, 508].includes(res.status)) {
      return new TincanError('relay-unreachable', `the relay ${this.url} is not answering right now (HTTP ${res.status}); try again later`, { relay: this.url, status: res.status });
    }
    return new TincanError('relay-protocol', `${this.url} answered HTTP ${res.status} without a Tincan error; is this a Tincan relay URL?`, { relay: this.url, status: res.status });
  }

  private parse<T>(schema: z.ZodMiniType<T>, res: HttpResponse): T {
    const parsed = schema.safeParse(parseJson(res.body));
    if (!parsed.success) {
      throw new TincanError('relay-protocol', `${this.url} gave an answer that is not Tincan protocol v1; is this a Tincan relay URL?`, { relay: this.url, status: res.status });
    }
    return parsed.data;
  }
}

function parseJson(body: Uint8Array): unknown {
  const text = fromUtf8(body);
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
