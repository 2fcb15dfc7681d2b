/**
 * The one place that loads libsodium (standard build of libsodium-wrappers, same code in Node and
 * browsers) and the one source of randomness for all of protocol/crypto. Everything here is a thin,
 * synchronous wrapper over a libsodium primitive; nothing is implemented by hand.
 *
 * Randomness is injectable for deterministic test vectors only (`setRandomSourceForTests`); it is
 * deliberately not re-exported from index.ts.
 */
import sodiumModule from 'libsodium-wrappers';
import { TincanError } from '../errors.ts';

type Sodium = typeof sodiumModule;
let lib: Sodium | null = null;
let loading: Promise<void> | null = null;

/** Loads libsodium once; every other function requires it. */
export function ready(): Promise<void> {
  if (lib) return Promise.resolve();
  loading ??= sodiumModule.ready.then(() => {
    lib = sodiumModule;
  });
  return loading;
}

/** The loaded libsodium module (throws if ready() was not awaited). */
export function na(): Sodium {
  if (!lib) throw new Error('protocol/crypto: await ready() before using crypto');
  return lib;
}

type RandomSource = (n: number) => Uint8Array;
let testRandom: RandomSource | null = null;

/** Test-only: replaces the random source (null restores libsodium's CSPRNG). */
export function setRandomSourceForTests(source: RandomSource | null): void {
  testRandom = source;
}

/**
 * n bytes from the platform CSPRNG, `crypto.getRandomValues` (Node >= 20 and browsers; libsodium's
 * randombytes_buf reaches the same source but costs ~0.3 ms per call in Node), or the injected
 * test source.
 */
export function randomBytes(n: number): Uint8Array {
  if (testRandom) return testRandom(n);
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

export interface KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** X25519 key pair: 32 random bytes as the secret scalar, public = X25519(secret, 9). */
export function generateDhKeyPair(): KeyPair {
  const secretKey = randomBytes(32);
  return { publicKey: na().crypto_scalarmult_base(secretKey), secretKey };
}

/** Ed25519 key pair from a 32-byte random seed (secretKey is libsodium's 64-byte seed‖public). */
export function generateSigningKeyPair(): KeyPair {
  const kp = na().crypto_sign_seed_keypair(randomBytes(32));
  return { publicKey: kp.publicKey, secretKey: kp.privateKey };
}

/** X25519; a low-order or malformed peer key becomes TincanError(code) instead of a crash. */
export function dh(secretKey: Uint8Array, publicKey: Uint8Array, code: 'decrypt-failed' | 'verification-failed' = 'decrypt-failed'): Uint8Array {
  if (publicKey.length !== 32 || secretKey.length !== 32) throw new TincanError(code, 'A key has the wrong length.');
  try {
    return na().crypto_scalarmult(secretKey, publicKey);
  } catch {
    throw new TincanError(code, 'The peer sent an invalid (low-order) public key.');
  }
}

/** Ed25519 detached signature. */
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return na().crypto_sign_detached(message, secretKey);
}

/** Ed25519 verification; false (never throws) on malformed input. */
export function verify(sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (sig.length !== 64 || publicKey.length !== 32) return false;
  try {
    return na().crypto_sign_verify_detached(sig, message, publicKey);
  } catch {
    return false;
  }
}

export const AEAD_NONCE = 24;
export const AEAD_TAG = 16;

/** XChaCha20-Poly1305 (IETF) with an explicit nonce: returns ciphertext‖tag. */
export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array {
  return na().crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
}

/** Opens ciphertext‖tag; null when authentication fails. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array): Uint8Array | null {
  if (ciphertext.length < AEAD_TAG) return null;
  try {
    return na().crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key);
  } catch {
    return null;
  }
}

/** BLAKE2b with an output length and an optional key (libsodium crypto_generichash). */
export function blake2b(outLen: number, message: Uint8Array, key?: Uint8Array): Uint8Array {
  return na().crypto_generichash(outLen, message, key ?? null);
}

/** SHA-512 (libsodium crypto_hash). */
export function sha512(message: Uint8Array): Uint8Array {
  return na().crypto_hash(message);
}

/** Constant-time equality for secrets of equal length. */
export function secretEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && na().memcmp(a, b);
}
