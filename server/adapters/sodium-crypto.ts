/**
 * The core's Crypto port on libsodium itself, through the native addon of `sodium-native`
 * (N-API, so one prebuilt file serves every Node version of a platform). The CGI relay uses it
 * because a fresh process loads it in ~2 ms, where `node:crypto` costs ~4 ms (it pulls in Node's
 * whole stream machinery) — on a request budget of a few milliseconds above a bare Node start.
 * It is also the very library the clients sign with, so what verifies is exactly what was signed.
 *
 * The addon file is opened directly with `process.dlopen` (no `require-addon` lookup, which costs
 * more than the addon itself). When it cannot load — another platform, a missing file — the
 * caller falls back to `node:crypto` (./node-crypto.ts); the answers are the same.
 */
import type { Crypto } from '../core/ports.ts';

/** The part of sodium-native's API this port uses. */
interface SodiumNative {
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  randombytes_buf(out: Uint8Array): void;
}

/** Loads the addon at `addonPath`; throws when it cannot be loaded or is not sodium-native. */
export function loadSodiumCrypto(addonPath: string): Crypto {
  const mod = { exports: {} as Partial<SodiumNative> };
  process.dlopen(mod, addonPath);
  const s = mod.exports;
  if (typeof s.crypto_sign_verify_detached !== 'function' || typeof s.crypto_hash_sha256 !== 'function' || typeof s.randombytes_buf !== 'function') {
    throw new Error(`${addonPath} is not the sodium-native addon`);
  }
  return sodiumCrypto(s as SodiumNative);
}

function sodiumCrypto(s: SodiumNative): Crypto {
  return {
    sha256(data) {
      const out = new Uint8Array(32);
      s.crypto_hash_sha256(out, data);
      return out;
    },
    verifyEd25519(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        return s.crypto_sign_verify_detached(signature, message, publicKey);
      } catch {
        return false;
      }
    },
    randomBytes(n) {
      const out = new Uint8Array(n);
      if (n > 0) s.randombytes_buf(out);
      return out;
    },
  };
}
