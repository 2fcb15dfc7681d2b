/**
 * Padding of ratchet plaintexts to a few size buckets, so that a relay sees one of five envelope
 * sizes instead of the length of each message (SPEC 5.7). Layout: u32 length ‖ plaintext ‖ zeros.
 */
import { TincanError } from '../errors.ts';

/** Padded lengths (the 4-byte length prefix included). */
export const PAD_BUCKETS = [512, 2048, 8192, 32768, 61440] as const;
/** Largest plaintext that fits the largest bucket. */
export const MAX_PLAINTEXT = 61440 - 4;

/** Pads to the smallest bucket that fits; throws TincanError('envelope-too-large') beyond MAX_PLAINTEXT. */
export function pad(plaintext: Uint8Array): Uint8Array {
  const need = plaintext.length + 4;
  const size = PAD_BUCKETS.find((b) => b >= need);
  if (size === undefined) throw new TincanError('envelope-too-large', `A message can hold at most ${MAX_PLAINTEXT} bytes; send a shorter one.`);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, plaintext.length);
  out.set(plaintext, 4);
  return out;
}

/** Strict inverse of pad(): null unless the length is a bucket, the prefix fits and the rest is zero. */
export function unpad(padded: Uint8Array): Uint8Array | null {
  if (!(PAD_BUCKETS as readonly number[]).includes(padded.length)) return null;
  const n = new DataView(padded.buffer, padded.byteOffset, 4).getUint32(0);
  if (n > padded.length - 4) return null;
  for (let i = 4 + n; i < padded.length; i++) if (padded[i] !== 0) return null;
  return padded.slice(4, 4 + n);
}
