/**
 * The inner payload of every ratchet message: a message id, a per-sender sequence number and the
 * hash of the sender's previous message id, so that a relay dropping or reordering messages is
 * detected even across ratchet steps (SPEC 5.6). Encoded canonically, never as JSON.
 */
import { CanonicalReader, CanonicalWriter, bytesEqual, utf8, concatBytes } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import { sha256 } from './kdf.ts';

export const PAYLOAD_VERSION = 1;
const MAX_KIND = 64;

/** What a message says, inside the encryption. */
export interface Payload {
  /** 16 random bytes, the same on every copy and every retry. */
  msgId: Uint8Array;
  /** Per sender, from 1. */
  seq: number;
  /** payloadHash(previous msgId of this sender); 32 zero bytes for seq 1. */
  prevHash: Uint8Array;
  /** Sender's clock, Unix ms (informative only). */
  sentAt: number;
  /** 'text' | 'hello' | 'locations' | ... (ASCII, <= 64 bytes). */
  kind: string;
  body: Uint8Array;
}

/** u8 version ‖ msgId(16) ‖ u64 seq ‖ prevHash(32) ‖ u64 sentAt ‖ string kind ‖ bytes body. */
export function encodePayload(p: Payload): Uint8Array {
  if (p.seq < 1) throw new RangeError('seq starts at 1');
  if (utf8(p.kind).length > MAX_KIND) throw new RangeError('kind too long');
  return new CanonicalWriter().u8(PAYLOAD_VERSION).fixed(p.msgId, 16).u64(p.seq).fixed(p.prevHash, 32).u64(p.sentAt).string(p.kind).bytes(p.body).finish();
}

/** Strict inverse of encodePayload; throws TincanError('decrypt-failed') (it came from the peer). */
export function decodePayload(b: Uint8Array): Payload {
  try {
    const r = new CanonicalReader(b);
    if (r.u8() !== PAYLOAD_VERSION) throw new RangeError('unknown payload version');
    const p: Payload = { msgId: r.fixed(16).slice(), seq: r.u64(), prevHash: r.fixed(32).slice(), sentAt: r.u64(), kind: r.string(MAX_KIND), body: r.bytes().slice() };
    r.end();
    if (p.seq < 1) throw new RangeError('seq 0');
    return p;
  } catch (e) {
    throw new TincanError('decrypt-failed', `A message decrypted but its content is malformed (${(e as Error).message}).`);
  }
}

/** What the sender's next prevHash must be: SHA-256("tincan/v1/prev" ‖ msgId). */
export function payloadHash(msgId: Uint8Array): Promise<Uint8Array> {
  return sha256(concatBytes(utf8('tincan/v1/prev'), msgId));
}

/** What a receiver remembers about one sender's sequence (plain data). */
export interface SequenceState {
  /** Highest seq received. */
  highest: number;
  /** payloadHash of the msgId at `highest`. */
  highestHash: Uint8Array | null;
  /** Seqs below `highest` not received yet (capped, oldest dropped). */
  missing: number[];
}

export const MAX_TRACKED_MISSING = 1000;

export function newSequenceState(): SequenceState {
  return { highest: 0, highestHash: null, missing: [] };
}

/** What observing one payload says about delivery. */
export type SequenceEvent =
  | { kind: 'in-order' }
  | { kind: 'gap'; missing: number[] } // messages before this one have not arrived (yet)
  | { kind: 'late'; seq: number } // filled an earlier gap: it arrived out of order
  | { kind: 'repeat' } // this seq was already seen
  | { kind: 'chain-broken' }; // prevHash does not match what we received at seq-1

/**
 * Records a decrypted payload from one sender and says whether messages were dropped or
 * reordered. Never throws; the new state is returned.
 */
export async function observeSequence(state: SequenceState, p: Payload): Promise<{ state: SequenceState; event: SequenceEvent }> {
  const hash = await payloadHash(p.msgId);
  if (p.seq > state.highest) {
    const gapFrom = state.highest + 1;
    const newly: number[] = [];
    for (let s = Math.max(gapFrom, p.seq - MAX_TRACKED_MISSING); s < p.seq; s++) newly.push(s);
    const missing = state.missing.concat(newly).slice(-MAX_TRACKED_MISSING);
    const next: SequenceState = { highest: p.seq, highestHash: hash, missing };
    if (newly.length > 0) return { state: next, event: { kind: 'gap', missing: newly } };
    const expected = state.highestHash ?? new Uint8Array(32);
    if (!bytesEqual(expected, p.prevHash)) return { state: next, event: { kind: 'chain-broken' } };
    return { state: next, event: { kind: 'in-order' } };
  }
  const i = state.missing.indexOf(p.seq);
  if (i >= 0) return { state: { ...state, missing: state.missing.filter((s) => s !== p.seq) }, event: { kind: 'late', seq: p.seq } };
  return { state, event: { kind: 'repeat' } };
}
