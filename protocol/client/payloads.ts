/**
 * Payload kinds: what travels inside the end-to-end encrypted Payload (protocol/crypto) `body`.
 * Bodies are JSON (UTF-8) except 'text', whose body is the UTF-8 text itself. They are only ever
 * read after decryption and authentication, and are still parsed strictly: a peer's client may
 * be buggy or hostile. See SPEC.md 5.x "Payload kinds".
 */
import * as z from 'zod/mini';
import { fromUtf8, utf8 } from '../encoding.ts';

/** A channel offered to the peer: join it with the one-time token. */
export const LocationOfferSchema = z.object({
  relay: z.string().check(z.maxLength(255), z.regex(/^https?:\/\/[\x21-\x7e]+$/)),
  channel: z.string().check(z.regex(/^[A-Za-z0-9_-]{22}$/)),
  token: z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/)),
  expiresAt: z.int(),
});
export type LocationOffer = z.infer<typeof LocationOfferSchema>;

/** 'hello': the first payload of a joiner (inside the join message): its name and extra locations. */
export const HelloBodySchema = z.object({
  name: z.string().check(z.maxLength(64)),
  locations: z.array(LocationOfferSchema).check(z.maxLength(8)),
});
export type HelloBody = z.infer<typeof HelloBodySchema>;

/** 'locations': channels added to (offered) or removed from the conversation. */
export const LocationsBodySchema = z.object({
  add: z.array(LocationOfferSchema).check(z.maxLength(8)),
  remove: z.array(z.object({ relay: z.string().check(z.maxLength(255)), channel: z.string().check(z.maxLength(32)) })).check(z.maxLength(8)),
});
export type LocationsBody = z.infer<typeof LocationsBodySchema>;

export type PayloadKind = 'hello' | 'text' | 'locations';

export function encodeJsonBody(body: HelloBody | LocationsBody): Uint8Array {
  return utf8(JSON.stringify(body));
}

/** Parses a JSON body strictly; null when it does not fit. */
export function decodeJsonBody<T>(schema: z.ZodMiniType<T>, body: Uint8Array): T | null {
  const text = fromUtf8(body);
  if (text === null) return null;
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
