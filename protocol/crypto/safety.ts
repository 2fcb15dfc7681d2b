/**
 * What two people compare to know they talk to each other: the safety number (from the two
 * identity keys; stable across sessions and devices) and the SAS (from one session's handshake
 * secret; right after joining). SPEC 5.9.
 */
import { CanonicalWriter, concatBytes, utf8 } from '../encoding.ts';
import type { Session } from './ratchet.ts';
import { blake2b, sha512 } from './sodium.ts';

export const SAFETY_ITERATIONS = 5200;

function digits5(b: Uint8Array, offset: number): string {
  let n = 0;
  for (let i = 0; i < 5; i++) n = n * 256 + b[offset + i]!;
  return String(n % 100000).padStart(5, '0');
}

/** 30 digits for one identity key: SHA-512 iterated 5200 times (Signal fingerprint v0 shape). */
export function safetyHalf(signPublic: Uint8Array): string {
  let h = sha512(concatBytes(new CanonicalWriter().u16(0).finish(), signPublic, utf8('tincan')));
  for (let i = 0; i < SAFETY_ITERATIONS; i++) h = sha512(concatBytes(h, signPublic));
  let out = '';
  for (let i = 0; i < 30; i += 5) out += digits5(h, i);
  return out;
}

/** 60 digits from two identity keys, the same whichever order they are given in. */
export async function safetyNumber(a: Uint8Array, b: Uint8Array): Promise<string> {
  const [x, y] = [safetyHalf(a), safetyHalf(b)].sort();
  return x! + y!;
}

/** Groups of five digits for display: "12345 67890 ...". */
export function formatSafetyNumber(digits: string): string {
  return digits.match(/.{1,5}/g)!.join(' ');
}

/** Text to put in the safety-number QR code (scan the other screen to compare). */
export function safetyNumberQrText(digits: string): string {
  return `tincan-safety:1:${digits}`;
}

/** 6 digits from the session's handshake secret, the same on both sides of one session. */
export async function sas(session: Session): Promise<string> {
  const d = blake2b(8, utf8('tincan/v1/sas'), session.sasKey);
  let n = 0;
  for (let i = 0; i < 5; i++) n = n * 256 + d[i]!;
  return String(n % 1_000_000).padStart(6, '0');
}
