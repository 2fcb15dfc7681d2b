/**
 * Test-only client side of request signing, on node:crypto Ed25519 (the real clients use
 * protocol/crypto). Builds X-Tincan-Auth values exactly as SPEC 2.1 says.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { authMessage, formatAuthHeader } from '../../protocol/auth.ts';
import { toBase64Url, utf8 } from '../../protocol/encoding.ts';

export interface TestKey {
  publicKey: Uint8Array;
  b64: string;
  privateKey: KeyObject;
}

export function newKey(): TestKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  return { publicKey: raw, b64: toBase64Url(raw), privateKey };
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** The X-Tincan-Auth value for a request. `pathAndQuery` starts at /v1/. */
export function authHeader(key: TestKey, method: string, pathAndQuery: string, body: Uint8Array = new Uint8Array(0), ts = Date.now(), nonce: Uint8Array = new Uint8Array(randomBytes(16))): string {
  const msg = authMessage(method, pathAndQuery, sha256(body), ts, nonce);
  const sig = new Uint8Array(sign(null, msg, key.privateKey));
  return formatAuthHeader({ key: key.publicKey, ts, nonce, sig });
}

export const b64 = toBase64Url;
export const rand = (n: number) => new Uint8Array(randomBytes(n));
export const json = (v: unknown) => utf8(JSON.stringify(v));
