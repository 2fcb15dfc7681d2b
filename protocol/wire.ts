/**
 * Wire schemas of the relay API, protocol v1 (see protocol/SPEC.md). Every request body and
 * every relay answer is parsed from `unknown` with these at the boundary, on both sides.
 * Written with `zod/mini` so that bundles stay small and the CGI path loads little.
 * Bytes travel as base64url without padding.
 */
import * as z from 'zod/mini';

export const PROTOCOL_VERSION = 1 as const;

/** Limits every relay enforces unless its configuration lowers them (announced in /v1/info). */
export const DEFAULT_LIMITS = {
  /** Largest request body the relay reads, in bytes (413 body-too-large past it). */
  maxBodyBytes: 96 * 1024,
  /** Largest envelope `data`, in decoded bytes (413 envelope-too-large). */
  maxEnvelopeBytes: 64 * 1024,
  /** Envelopes a channel may hold un-acknowledged (409 channel-full). */
  maxChannelEnvelopes: 5000,
  /** Bytes a channel may hold un-acknowledged (409 channel-full). */
  maxChannelBytes: 32 * 1024 * 1024,
  /** Channels one relay hosts (409 quota-exceeded). */
  maxChannels: 10000,
  /** Bytes of envelopes one relay stores in all (409 quota-exceeded). */
  maxRelayBytes: 1024 * 1024 * 1024,
  /** Members per channel. */
  maxMembers: 8,
  /** Requests per member key per minute (429 rate-limited). */
  ratePerMinute: 600,
  /** Envelopes expire this long after they are posted, acknowledged or not. */
  envelopeTtlSeconds: 30 * 24 * 3600,
  /** Longest long-poll `wait` the relay honours, in seconds. */
  maxWaitSeconds: 25,
  /** Accepted clock skew of a signed request, in seconds. */
  authWindowSeconds: 300,
} as const;
export type Limits = { [K in keyof typeof DEFAULT_LIMITS]: number };

const B64URL = /^[A-Za-z0-9_-]*$/;
/** base64url text of exactly `bytes` decoded bytes. */
export const b64Fixed = (bytes: number) =>
  z.string().check(z.regex(B64URL), z.length(Math.ceil((bytes * 4) / 3)));
/** base64url text of at most `maxBytes` decoded bytes. */
export const b64Max = (maxBytes: number) =>
  z.string().check(z.regex(B64URL), z.maxLength(Math.ceil((maxBytes * 4) / 3)));

/**
 * A schema built on its first use, then kept. The CGI relay starts one process per request and
 * needs only its route's schemas: building every schema at load cost ~1.4 ms of that request. So
 * the relay takes what it parses from `onDemand` below, and clients take the answers they parse
 * from `answers` (a fresh `tincan send` parses one); every `…Schema` constant is the same object,
 * built at once but marked pure, so a bundle that never uses it drops it (esbuild does not act on
 * zod's own annotations).
 */
function once<T>(build: () => T): () => T {
  let schema: T | undefined;
  return () => (schema ??= build());
}

const channelId = once(() => b64Fixed(16));
const publicKey = once(() => b64Fixed(32));
const envelopeId = once(() => b64Fixed(16));
const tokenHash = once(() => b64Fixed(32));
const token = once(() => b64Fixed(32));
const seq = once(() => z.int().check(z.minimum(0)));
const unixMs = once(() => z.int().check(z.minimum(0)));

/** A channel id: 16 bytes, chosen by the client (derived from the invite secret). */
export const ChannelIdSchema = /* @__PURE__ */ channelId();
/** An Ed25519 public key (owner or member). */
export const PublicKeySchema = /* @__PURE__ */ publicKey();
/** A client-chosen envelope id: 16 random bytes. */
export const EnvelopeIdSchema = /* @__PURE__ */ envelopeId();
/** SHA-256 of a one-time invite token. */
export const TokenHashSchema = /* @__PURE__ */ tokenHash();
/** A one-time invite token as presented by the joiner: 32 bytes. */
export const TokenSchema = /* @__PURE__ */ token();

/** What a relay parses, each schema built on first use (see `once`); the same objects as the constants. */
export const onDemand = {
  channelId,
  claimRequest: once(() => z.strictObject({ setupCode: z.string().check(z.minLength(1), z.maxLength(64)), owner: publicKey() })),
  openChannelRequest: once(() =>
    z.strictObject({
      channel: channelId(),
      /** The opener's own member key for this channel (unlinkable to the owner key). */
      member: publicKey(),
      /** One-time invite token (hash) that lets one more member join. */
      token: z.optional(z.strictObject({ hash: tokenHash(), expiresAt: unixMs() })),
    }),
  ),
  addTokenRequest: once(() => z.strictObject({ hash: tokenHash(), expiresAt: unixMs() })),
  joinRequest: once(() => z.strictObject({ token: token() })),
  postEnvelopeRequest: once(() => z.strictObject({ id: envelopeId(), data: b64Max(DEFAULT_LIMITS.maxEnvelopeBytes) })),
  ackRequest: once(() => z.strictObject({ upTo: seq() })),
  wsClientFrame: once(() =>
    z.discriminatedUnion('type', [
      z.object({
        type: z.literal('subscribe'),
        channel: channelId(),
        after: seq(),
        /** An X-Tincan-Auth value signed over method SUBSCRIBE and path /v1/channels/:channel/envelopes?after=N. */
        auth: z.string().check(z.maxLength(1024)),
      }),
      z.object({ type: z.literal('unsubscribe'), channel: channelId() }),
      z.object({ type: z.literal('ping') }),
    ]),
  ),
};

// ---- GET /v1/info ----
const info = /* @__PURE__ */ once(() =>
  z.object({
    protocol: z.literal('tincan'),
    versions: z.array(z.int()),
    software: z.string(),
    transports: z.array(z.enum(['http', 'ws'])),
    limits: z.object({
      maxBodyBytes: z.int(),
      maxEnvelopeBytes: z.int(),
      maxChannelEnvelopes: z.int(),
      maxChannelBytes: z.int(),
      maxChannels: z.int(),
      maxRelayBytes: z.int(),
      maxMembers: z.int(),
      ratePerMinute: z.int(),
      envelopeTtlSeconds: z.int(),
      maxWaitSeconds: z.int(),
      authWindowSeconds: z.int(),
    }),
    /** The owner's Ed25519 key, or null while the relay waits to be claimed. */
    owner: z.nullable(publicKey()),
    /** Relay clock, so clients can correct skew before signing. */
    time: unixMs(),
  }),
);
export const InfoSchema = /* @__PURE__ */ info();
export type Info = z.infer<typeof InfoSchema>;

// Request bodies are strict objects: unknown fields are rejected (SPEC 1), answers are parsed loosely.

// ---- POST /v1/claim ----
export const ClaimRequestSchema = /* @__PURE__ */ onDemand.claimRequest();
export type ClaimRequest = z.infer<typeof ClaimRequestSchema>;
const claimResponse = /* @__PURE__ */ once(() => z.object({ owner: publicKey() }));
export const ClaimResponseSchema = /* @__PURE__ */ claimResponse();

// ---- POST /v1/channels (owner) ----
export const OpenChannelRequestSchema = /* @__PURE__ */ onDemand.openChannelRequest();
export type OpenChannelRequest = z.infer<typeof OpenChannelRequestSchema>;
const channelResponse = /* @__PURE__ */ once(() =>
  z.object({
    channel: channelId(),
    members: z.int(),
    lastSeq: seq(),
  }),
);
export const ChannelResponseSchema = /* @__PURE__ */ channelResponse();
export type ChannelResponse = z.infer<typeof ChannelResponseSchema>;

// ---- POST /v1/channels/:channel/tokens (owner, or a member of the channel) ----
export const AddTokenRequestSchema = /* @__PURE__ */ onDemand.addTokenRequest();
export type AddTokenRequest = z.infer<typeof AddTokenRequestSchema>;

// ---- POST /v1/channels/:channel/join (signed by the new member key) ----
export const JoinRequestSchema = /* @__PURE__ */ onDemand.joinRequest();
export type JoinRequest = z.infer<typeof JoinRequestSchema>;

// ---- POST /v1/channels/:channel/envelopes (member) ----
export const PostEnvelopeRequestSchema = /* @__PURE__ */ onDemand.postEnvelopeRequest();
export type PostEnvelopeRequest = z.infer<typeof PostEnvelopeRequestSchema>;
const postEnvelopeResponse = /* @__PURE__ */ once(() =>
  z.object({
    seq: seq(),
    /** True when this id was already stored (a retried post); nothing was written. */
    duplicate: z.boolean(),
  }),
);
export const PostEnvelopeResponseSchema = /* @__PURE__ */ postEnvelopeResponse();
export type PostEnvelopeResponse = z.infer<typeof PostEnvelopeResponseSchema>;

// ---- GET /v1/channels/:channel/envelopes?after=SEQ&limit=N&wait=S (member) ----
const envelope = /* @__PURE__ */ once(() =>
  z.object({
    seq: seq(),
    id: envelopeId(),
    data: z.string().check(z.regex(B64URL)),
    postedAt: unixMs(),
  }),
);
export const EnvelopeSchema = /* @__PURE__ */ envelope();
export type Envelope = z.infer<typeof EnvelopeSchema>;
const fetchResponse = /* @__PURE__ */ once(() =>
  z.object({
    envelopes: z.array(envelope()),
    /** Pass as `after` next time. */
    cursor: seq(),
    /** True when more envelopes wait beyond `limit`. */
    more: z.boolean(),
  }),
);
export const FetchResponseSchema = /* @__PURE__ */ fetchResponse();
export type FetchResponse = z.infer<typeof FetchResponseSchema>;

// ---- POST /v1/channels/:channel/ack (member) ----
export const AckRequestSchema = /* @__PURE__ */ onDemand.ackRequest();
export type AckRequest = z.infer<typeof AckRequestSchema>;
const ackResponse = /* @__PURE__ */ once(() => z.object({ upTo: seq(), deleted: z.int() }));
export const AckResponseSchema = /* @__PURE__ */ ackResponse();

// ---- DELETE /v1/channels/:channel/members/self (member leaves) ----
const leaveResponse = /* @__PURE__ */ once(() => z.object({ left: z.literal(true), channelDeleted: z.boolean() }));
export const LeaveResponseSchema = /* @__PURE__ */ leaveResponse();

// ---- errors ----
const errorBody = /* @__PURE__ */ once(() =>
  z.object({
    error: z.object({ code: z.string(), message: z.string() }),
  }),
);
export const ErrorBodySchema = /* @__PURE__ */ errorBody();
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

// ---- GET /v1/check (no auth): host diagnostics for `tincan relay check` ----
const check = /* @__PURE__ */ once(() =>
  z.object({
    /** Node version running the relay, e.g. "v20.19.0". */
    node: z.string(),
    sqlite: z.object({
      driver: z.string(),
      /** 'wal' or 'delete' (rollback journal); 'none' with `error` when the database cannot be opened. */
      journalMode: z.string(),
      error: z.optional(z.string()),
    }),
    /** Whether the relay can write its data folder and database. */
    dataWritable: z.boolean(),
    /** Whether an X-Tincan-Auth header reached the relay on this very request (send a dummy one). */
    authHeaderReceived: z.boolean(),
    adapter: z.enum(['cgi', 'standalone']),
    /** Which library verifies signatures: 'sodium-native' (libsodium's addon) or 'node:crypto'. */
    crypto: z.optional(z.string()),
  }),
);
export const CheckSchema = /* @__PURE__ */ check();
export type Check = z.infer<typeof CheckSchema>;

// ---- WebSocket frames on GET /v1/ws (standalone relays) ----
export const WsClientFrameSchema = /* @__PURE__ */ onDemand.wsClientFrame();
export type WsClientFrame = z.infer<typeof WsClientFrameSchema>;
const wsServerFrame = /* @__PURE__ */ once(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('subscribed'), channel: channelId(), cursor: seq() }),
    z.object({
      type: z.literal('envelopes'),
      channel: channelId(),
      envelopes: z.array(envelope()),
      cursor: seq(),
    }),
    z.object({
      type: z.literal('error'),
      channel: z.optional(channelId()),
      error: z.object({ code: z.string(), message: z.string() }),
    }),
    z.object({ type: z.literal('pong') }),
  ]),
);
export const WsServerFrameSchema = /* @__PURE__ */ wsServerFrame();
export type WsServerFrame = z.infer<typeof WsServerFrameSchema>;

/** What a client parses, each schema built on first use (see `once`); the same objects as the constants. */
export const answers = {
  info,
  claimResponse,
  channelResponse,
  postEnvelopeResponse,
  envelope,
  fetchResponse,
  ackResponse,
  leaveResponse,
  errorBody,
  check,
  wsServerFrame,
};
