/**
 * SHA-256, HMAC-SHA-256 and HKDF-SHA-256 from WebCrypto (`globalThis.crypto.subtle`, present in
 * Node >= 20 and every current browser). The standard libsodium-wrappers 0.8.4 build wraps none of
 * them (see SPEC.md 5.1). These calls are asynchronous and cost tens of microseconds each, so they
 * are used for the handshake, the root ratchet and hashes, never per message: the per-message
 * chain step (KDF_CK) uses keyed BLAKE2b from libsodium, which is synchronous.
 */
import { utf8 } from '../encoding.ts';
import { blake2b } from './sodium.ts';

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('protocol/crypto: WebCrypto (crypto.subtle) is not available; use a secure context (https or localhost)');
  return s;
}

/** A copy as a plain ArrayBuffer-backed view (WebCrypto rejects SharedArrayBuffer-backed views). */
function buf(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b) as Uint8Array<ArrayBuffer>;
}

/** SHA-256. */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', buf(data)));
}

/** HMAC-SHA-256 (RFC 2104 / 4231). */
export async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', buf(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, buf(data)));
}

/** HKDF-SHA-256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes. */
export async function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array | string, length: number): Promise<Uint8Array> {
  const k = await subtle().importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
  const infoBytes = typeof info === 'string' ? utf8(info) : info;
  const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: buf(salt), info: buf(infoBytes) }, k, length * 8);
  return new Uint8Array(bits);
}

/** Splits `bytes` into consecutive pieces of the given lengths. */
export function split(bytes: Uint8Array, ...lengths: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  for (const n of lengths) {
    out.push(bytes.slice(o, o + n));
    o += n;
  }
  return out;
}

/**
 * KDF_CK of the Double Ratchet: message key = BLAKE2b-256(key = ck, 0x01), next chain key =
 * BLAKE2b-256(key = ck, 0x02). Keyed BLAKE2b is a PRF, as HMAC is in the Signal recommendation.
 */
export function kdfChain(ck: Uint8Array): { ck: Uint8Array; mk: Uint8Array } {
  return { mk: blake2b(32, Uint8Array.of(1), ck), ck: blake2b(32, Uint8Array.of(2), ck) };
}
