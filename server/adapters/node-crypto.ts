/**
 * The core's Crypto port on node:crypto (SHA-256, Ed25519 verification, random bytes). Loads in
 * ~7 ms, against ~40 ms for libsodium, which matters for a CGI process started per request.
 */
import { createHash, createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { Crypto } from '../core/ports.ts';

// SubjectPublicKeyInfo DER prefix of an Ed25519 key (RFC 8410); the 32 key bytes follow.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface NodeCrypto extends Crypto {
  /**
   * Verifies an Ed25519 signature on libuv's thread pool (off the event loop) and, when it holds,
   * remembers the exact (key, message, signature) so that the core's synchronous
   * `verifyEd25519` of the same three answers without verifying again. A long-running relay calls
   * it before handing a signed request to the core: the costliest step of a request (~0.1 ms of
   * CPU) then runs on another core. The core's check never depends on it: any other triple, or
   * one forgotten because the cache was full, is verified in full.
   */
  preverifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<void>;
}

const PREVERIFIED_MAX = 4096;

export function createNodeCrypto(): NodeCrypto {
  // Importing a key costs as much as verifying with it; a long-running relay sees the same member
  // keys again and again. Bounded: cleared when full.
  const keys = new Map<string, KeyObject>();
  const keyObject = (publicKey: Uint8Array): KeyObject => {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('base64');
    let k = keys.get(id);
    if (!k) {
      k = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
      if (keys.size >= 10_000) keys.clear();
      keys.set(id, k);
    }
    return k;
  };
  // Signatures verified ahead on the thread pool, by signature; each is used once. Oldest dropped first.
  const preverified = new Map<string, { publicKey: Uint8Array; message: Uint8Array }>();
  const sigId = (signature: Uint8Array) => Buffer.from(signature.buffer, signature.byteOffset, signature.length).toString('base64');
  const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
  return {
    sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
    verifyEd25519(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      if (preverified.size > 0) {
        const id = sigId(signature);
        const p = preverified.get(id);
        if (p) {
          preverified.delete(id);
          if (same(p.publicKey, publicKey) && same(p.message, message)) return true;
        }
      }
      try {
        return verify(null, message, keyObject(publicKey), signature);
      } catch {
        return false; // not a valid curve point
      }
    },
    preverifyEd25519(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return Promise.resolve();
      let key: KeyObject;
      try {
        key = keyObject(publicKey);
      } catch {
        return Promise.resolve(); // not a valid curve point: the core's own check will say so
      }
      return new Promise((resolve) => {
        verify(null, message, key, signature, (err, ok) => {
          if (!err && ok) {
            if (preverified.size >= PREVERIFIED_MAX) preverified.delete(preverified.keys().next().value!);
            preverified.set(sigId(signature), { publicKey: publicKey.slice(), message: message.slice() });
          }
          resolve();
        });
      });
    },
    randomBytes: (n) => new Uint8Array(randomBytes(n)),
  };
}
