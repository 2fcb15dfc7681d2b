/**
 * Request authentication (owner and member requests). A client signs, with an Ed25519 key, the
 * canonical bytes of (method, path from /v1 on including the query, SHA-256 of the body, time,
 * nonce) and sends the result in the `X-Tincan-Auth` header — a custom header, because Apache
 * drops `Authorization` before CGI scripts see it. The relay verifies the signature, the time
 * window and that the nonce is fresh. Hashing and signing are done by the caller (relay: node:crypto;
 * clients: libsodium), so this file stays free of crypto libraries.
 */
import { CanonicalWriter, fromBase64Url, toBase64Url } from './encoding.ts';

/** Header that carries request authentication. */
export const AUTH_HEADER = 'x-tincan-auth';
const DOMAIN = 'tincan-auth-v1';

/** What a signed request asserts. */
export interface AuthFields {
  /** Ed25519 public key (32 bytes). */
  key: Uint8Array;
  /** Client time, Unix milliseconds. */
  ts: number;
  /** 16 random bytes, never reused within the time window. */
  nonce: Uint8Array;
  /** Ed25519 signature (64 bytes) over authMessage(). */
  sig: Uint8Array;
}

/**
 * The exact bytes that are signed. `path` starts at `/v1/` (whatever base path the relay is
 * mounted under) and includes the query string exactly as sent; `bodySha256` is 32 bytes
 * (SHA-256 of the empty string for requests without a body).
 */
export function authMessage(
  method: string,
  path: string,
  bodySha256: Uint8Array,
  ts: number,
  nonce: Uint8Array,
): Uint8Array {
  return new CanonicalWriter()
    .string(DOMAIN)
    .string(method.toUpperCase())
    .string(path)
    .fixed(bodySha256, 32)
    .u64(ts)
    .fixed(nonce, 16)
    .finish();
}

/** Header value: `v1 key=<b64u>,ts=<ms>,nonce=<b64u>,sig=<b64u>`. */
export function formatAuthHeader(f: AuthFields): string {
  return `v1 key=${toBase64Url(f.key)},ts=${f.ts},nonce=${toBase64Url(f.nonce)},sig=${toBase64Url(f.sig)}`;
}

/** Parses a header value strictly; null when malformed. */
export function parseAuthHeader(value: string): AuthFields | null {
  if (value.length > 512) return null;
  const m = /^v1 key=([A-Za-z0-9_-]{43}),ts=(\d{1,16}),nonce=([A-Za-z0-9_-]{22}),sig=([A-Za-z0-9_-]{86})$/.exec(
    value.trim(),
  );
  if (!m) return null;
  const key = fromBase64Url(m[1]!);
  const nonce = fromBase64Url(m[3]!);
  const sig = fromBase64Url(m[4]!);
  const ts = Number(m[2]);
  if (!key || key.length !== 32 || !nonce || nonce.length !== 16 || !sig || sig.length !== 64) return null;
  if (!Number.isSafeInteger(ts)) return null;
  return { key, ts, nonce, sig };
}
