/**
 * Strict parsing of untrusted request parts: JSON bodies against the wire schemas, query strings,
 * path parameters. Every failure is `bad-request` with a message that names the field.
 */
import * as z from 'zod/mini';
import { fromBase64Url, fromUtf8 } from '../../protocol/encoding.ts';
import { DEFAULT_LIMITS } from '../../protocol/wire.ts';
import { fail } from './http.ts';
import type { ChannelId } from './ports.ts';

/** Parses a JSON body with `schema`; bad-request on invalid UTF-8, JSON or shape. */
export function parseBody<T>(schema: z.ZodMiniType<T>, body: Uint8Array): T {
  return parseValue(schema, parseJson(body));
}

export function parseJson(body: Uint8Array): unknown {
  const text = fromUtf8(body);
  if (text === null) fail('bad-request', 'The request body is not valid UTF-8.');
  try {
    return JSON.parse(text);
  } catch {
    fail('bad-request', 'The request body is not valid JSON.');
  }
}

export function parseValue<T>(schema: z.ZodMiniType<T>, value: unknown): T {
  const r = z.safeParse(schema, value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length ? ` at "${issue.path.join('.')}"` : '';
    fail('bad-request', `The request does not match the protocol${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return r.data;
}

const B64URL_TEXT = /^[A-Za-z0-9_-]*$/;
const MAX_DATA_CHARS = Math.ceil((DEFAULT_LIMITS.maxEnvelopeBytes * 4) / 3);

/**
 * The body of a post, `{id, data}`, when it is plainly valid — checked directly, because a post is
 * the relay's most frequent write and zod's first use costs ~1 ms in a fresh CGI process. Accepts
 * only what PostEnvelopeRequestSchema accepts (tests/unit/relay-post-body.test.ts compares the two
 * on generated bodies); null for anything else, which the schema then judges and words.
 */
export function plainPostBody(raw: unknown): { id: string; data: string } | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const keys = Object.keys(raw);
  if (keys.length !== 2 || !Object.prototype.hasOwnProperty.call(raw, 'id') || !Object.prototype.hasOwnProperty.call(raw, 'data')) return null;
  const { id, data } = raw as Record<string, unknown>;
  if (typeof id !== 'string' || typeof data !== 'string') return null;
  if (id.length !== 22 || data.length > MAX_DATA_CHARS || !B64URL_TEXT.test(id) || !B64URL_TEXT.test(data)) return null;
  return { id, data };
}

/** Decodes base64url that a schema already checked. */
export function bytesOf(text: string, what: string): Uint8Array {
  const b = fromBase64Url(text);
  if (!b) fail('bad-request', `${what} is not valid base64url.`);
  return b;
}

// Path and query parameters are checked with plain patterns, not zod: a fetch (the most frequent
// request) then parses no JSON and never pays zod's first-use cost (~1 ms in a fresh CGI process).
/** 16 bytes of base64url: ChannelIdSchema's rule (protocol/wire.ts). */
const CHANNEL_ID = /^[A-Za-z0-9_-]{22}$/;

export function channelParam(text: string): ChannelId {
  if (!CHANNEL_ID.test(text)) fail('bad-request', 'The channel id in the path must be 16 bytes of base64url.');
  return bytesOf(text, 'The channel id') as ChannelId;
}

/** The query parameters of GET …/envelopes and what each may hold (decimal, no sign or leading zeros). */
const FETCH_QUERY: Record<string, RegExp> = {
  after: /^(0|[1-9]\d{0,14})$/,
  limit: /^[1-9]\d{0,3}$/,
  wait: /^(0|[1-9]\d{0,3})$/,
};

/** `after`, `limit`, `wait` of GET …/envelopes (SPEC 2.7). */
export function parseFetchQuery(query: string): { after: number; limit: number; wait: number } {
  const fields: Record<string, string> = {};
  if (query !== '') {
    for (const part of query.split('&')) {
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      const v = eq < 0 ? '' : part.slice(eq + 1);
      if (!Object.prototype.hasOwnProperty.call(FETCH_QUERY, k)) fail('bad-request', `Unknown query parameter "${k}"; this request takes after, limit and wait.`);
      if (Object.prototype.hasOwnProperty.call(fields, k)) fail('bad-request', `The query parameter "${k}" appears twice.`);
      if (!FETCH_QUERY[k]!.test(v)) fail('bad-request', `The query parameter "${k}" must be a whole number without sign or leading zeros.`);
      fields[k] = v;
    }
  }
  const q: { after?: string; limit?: string; wait?: string } = fields;
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (limit > 500) fail('bad-request', 'limit must be between 1 and 500.');
  return { after: q.after === undefined ? 0 : Number(q.after), limit, wait: q.wait === undefined ? 0 : Number(q.wait) };
}
