/**
 * Verifies the `X-Tincan-Auth` header of a signed request (SPEC 2.1): format, time window,
 * Ed25519 signature over the canonical bytes, then a fresh nonce (replays rejected), then the
 * signer's rate limit. Returns the verified signer key. The header value is never logged.
 */
import { authMessage, parseAuthHeader } from '../../protocol/auth.ts';
import { toBase64Url } from '../../protocol/encoding.ts';
import type { Limits } from '../../protocol/wire.ts';
import { fail } from './http.ts';
import type { Clock, Crypto, Store } from './ports.ts';

export interface AuthDeps {
  store: Store;
  clock: Clock;
  crypto: Crypto;
  limits: Limits;
}

/** Checks a signed request; `pathAndQuery` starts at `/v1/`. Returns the 32-byte signer key. */
export function verifySigned(
  deps: AuthDeps,
  header: string | undefined,
  method: string,
  pathAndQuery: string,
  bodySha256: Uint8Array,
): Uint8Array {
  if (header === undefined || header === '') fail('auth-required', 'This request must be signed: send an X-Tincan-Auth header (SPEC 2.1).');
  const fields = parseAuthHeader(header);
  if (!fields) fail('auth-invalid', 'The X-Tincan-Auth header is malformed.');
  const now = deps.clock.now();
  const windowMs = deps.limits.authWindowSeconds * 1000;
  if (Math.abs(fields.ts - now) > windowMs) {
    fail('auth-expired', 'The request time is outside the accepted window; correct your clock from GET /v1/info "time" and retry.');
  }
  const message = authMessage(method, pathAndQuery, bodySha256, fields.ts, fields.nonce);
  if (!deps.crypto.verifyEd25519(fields.key, message, fields.sig)) fail('auth-invalid', 'The request signature does not verify.');
  const admitted = deps.store.admit({
    key: fields.key,
    nonce: fields.nonce,
    nonceExpiresAt: now + 2 * windowMs,
    bucket: `k:${toBase64Url(fields.key)}`,
    now,
    windowMs: 60_000,
    limit: deps.limits.ratePerMinute,
  });
  if (admitted === 'replayed') fail('replayed-request', 'This signed request was already used; sign each request with a fresh nonce.');
  const retryMs = admitted;
  if (retryMs > 0) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryMs / 1000));
    fail('rate-limited', `Too many requests for this key; retry in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
  return fields.key;
}
