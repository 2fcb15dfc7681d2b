/**
 * Strict parsing of untrusted request parts: JSON bodies against the wire schemas, query strings,
 * path parameters. Every failure is `bad-request` with a message that names the field.
 */
import * as z from 'zod/mini';
import { fromBase64Url, fromUtf8 } from '../../protocol/encoding.ts';
import { onDemand } from '../../protocol/wire.ts';
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

/** Decodes base64url that a schema already checked. */
export function bytesOf(text: string, what: string): Uint8Array {
  const b = fromBase64Url(text);
  if (!b) fail('bad-request', `${what} is not valid base64url.`);
  return b;
}

export function channelParam(text: string): ChannelId {
  if (!z.safeParse(onDemand.channelId(), text).success) fail('bad-request', 'The channel id in the path must be 16 bytes of base64url.');
  return bytesOf(text, 'The channel id') as ChannelId;
}

// Built on first use, like the wire schemas (protocol/wire.ts `onDemand`): most requests are not fetches.
let fetchQuery: z.ZodMiniType<{ after?: string | undefined; limit?: string | undefined; wait?: string | undefined }> | undefined;
const fetchQuerySchema = () =>
  (fetchQuery ??= z.strictObject({
    after: z.optional(z.string().check(z.regex(/^(0|[1-9]\d{0,14})$/))),
    limit: z.optional(z.string().check(z.regex(/^[1-9]\d{0,3}$/))),
    wait: z.optional(z.string().check(z.regex(/^(0|[1-9]\d{0,3})$/))),
  }));

/** `after`, `limit`, `wait` of GET …/envelopes (SPEC 2.7). */
export function parseFetchQuery(query: string): { after: number; limit: number; wait: number } {
  const fields: Record<string, string> = {};
  if (query !== '') {
    for (const part of query.split('&')) {
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      const v = eq < 0 ? '' : part.slice(eq + 1);
      if (Object.prototype.hasOwnProperty.call(fields, k)) fail('bad-request', `The query parameter "${k}" appears twice.`);
      fields[k] = v;
    }
  }
  const q = parseValue(fetchQuerySchema(), fields);
  const limit = q.limit === undefined ? 100 : Number(q.limit);
  if (limit > 500) fail('bad-request', 'limit must be between 1 and 500.');
  return { after: q.after === undefined ? 0 : Number(q.after), limit, wait: q.wait === undefined ? 0 : Number(q.wait) };
}
