/**
 * Test-only deterministic random stream, the same as generate.py's Drbg:
 * block_i = SHA-512("tincan-test-drbg" ‖ seed ‖ u32be(i)); each draw takes the next bytes.
 * Only the vector verifier and tests use it (through setRandomSourceForTests).
 */
import { concatBytes, utf8 } from '../encoding.ts';
import { sha512 } from '../crypto/sodium.ts';

export function createDrbg(seed: Uint8Array | string): (n: number) => Uint8Array {
  const s = typeof seed === 'string' ? utf8(seed) : seed;
  const label = utf8('tincan-test-drbg');
  let i = 0;
  let buf: Uint8Array = new Uint8Array(0);
  return (n: number) => {
    while (buf.length < n) {
      const ctr = new Uint8Array(4);
      new DataView(ctr.buffer).setUint32(0, i++);
      buf = concatBytes(buf, sha512(concatBytes(label, s, ctr)));
    }
    const out = buf.slice(0, n);
    buf = buf.slice(n);
    return out;
  };
}
