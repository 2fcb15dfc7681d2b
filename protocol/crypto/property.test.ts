// Property tests: two people talk through several simulated relays that lose, duplicate, reorder
// and corrupt envelopes at random (seeded, so every failure is reproducible). Every message that
// reached at least one relay decrypts exactly once, every lost one is reported as missing, forged
// copies are rejected, and the sessions keep working afterwards.
import { beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../encoding.ts';
import {
  decodeSession, decodePayload, decrypt, encodePayload, encodeSession, encrypt, newSequenceState, observeSequence,
  payloadHash, ready, unwrapFromLocation, wrapForLocation, type Session, type SequenceState,
} from './index.ts';
import { joinedPair, prng, shuffle } from './test-helpers.ts';

beforeAll(ready);

interface Side {
  session: Session;
  seq: number;
  prev: Uint8Array;
  track: SequenceState;
  got: Set<number>;
}

const RELAYS = 3;
const channels = Array.from({ length: RELAYS }, (_, i) => new Uint8Array(16).fill(i + 1));

async function runOnce(seed: number, rounds: number): Promise<void> {
  const rnd = prng(seed);
  const pair = await joinedPair();
  const sides: Record<'a' | 'b', Side> = {
    a: { session: pair.a, seq: 0, prev: new Uint8Array(32), track: newSequenceState(), got: new Set() },
    b: { session: pair.b, seq: 0, prev: new Uint8Array(32), track: newSequenceState(), got: new Set() },
  };
  // Per receiver, per relay: queue of wrapped envelopes waiting to be fetched.
  const queues: Record<'a' | 'b', Uint8Array[][]> = { a: channels.map(() => []), b: channels.map(() => []) };
  const lost: Record<'a' | 'b', Set<number>> = { a: new Set(), b: new Set() };
  let forgedRejected = 0;

  async function send(from: 'a' | 'b', reliable: boolean) {
    const to = from === 'a' ? 'b' : 'a';
    const s = sides[from];
    s.seq++;
    const msgId = new Uint8Array(16);
    new DataView(msgId.buffer).setUint32(0, s.seq);
    msgId[15] = from.charCodeAt(0);
    const payload = encodePayload({ msgId, seq: s.seq, prevHash: s.prev, sentAt: s.seq, kind: 'text', body: utf8(`${from}${s.seq}`) });
    s.prev = await payloadHash(msgId);
    const e = await encrypt(s.session, payload);
    s.session = e.session;
    let posted = 0;
    for (let r = 0; r < RELAYS; r++) {
      if (!reliable && rnd() < 0.45) continue; // this relay loses it
      posted++;
      const copies = rnd() < 0.2 ? 2 : 1; // and sometimes serves it twice
      for (let c = 0; c < copies; c++) queues[to][r]!.push(wrapForLocation(s.session, channels[r]!, e.message));
    }
    if (posted === 0) lost[to].add(s.seq);
  }

  async function fetch(to: 'a' | 'b', r: number) {
    const side = sides[to];
    const batch = shuffle(queues[to][r]!, rnd);
    queues[to][r] = [];
    for (const w of batch) {
      if (rnd() < 0.1) {
        // The relay also serves a copy with some bits flipped: rejected, state untouched.
        const bad = w.slice();
        bad[Math.floor(rnd() * bad.length)]! ^= 1 + Math.floor(rnd() * 255);
        const before = encodeSession(side.session);
        expect(() => unwrapFromLocation(side.session, channels[r]!, bad)).toThrow(expect.objectContaining({ code: 'decrypt-failed' }));
        expect(encodeSession(side.session)).toEqual(before);
        forgedRejected++;
      }
      const inner = unwrapFromLocation(side.session, channels[r]!, w);
      const before = encodeSession(side.session);
      const res = await decrypt(side.session, inner);
      if (res.status === 'duplicate') continue;
      side.session = res.session;
      expect(encodeSession(side.session)).not.toEqual(before);
      const p = decodePayload(res.plaintext);
      expect(side.got.has(p.seq)).toBe(false); // exactly once
      side.got.add(p.seq);
      side.track = (await observeSequence(side.track, p)).state;
    }
  }

  for (let i = 0; i < rounds; i++) {
    const x = rnd();
    if (x < 0.35) await send('a', false);
    else if (x < 0.7) await send('b', false);
    else await fetch(rnd() < 0.5 ? 'a' : 'b', Math.floor(rnd() * RELAYS));
    if (rnd() < 0.05) sides.a.session = decodeSession(encodeSession(sides.a.session)); // a restart
  }
  // Drain everything, then one reliable message each way so trailing losses become visible.
  for (const to of ['a', 'b'] as const) for (let r = 0; r < RELAYS; r++) await fetch(to, r);
  await send('a', true);
  await send('b', true);
  for (const to of ['a', 'b'] as const) for (let r = 0; r < RELAYS; r++) await fetch(to, r);

  for (const [to, from] of [['a', 'b'], ['b', 'a']] as const) {
    const sent = sides[from].seq;
    const expected = new Set(Array.from({ length: sent }, (_, i) => i + 1).filter((s) => !lost[to].has(s)));
    expect([...sides[to].got].sort((x, y) => x - y)).toEqual([...expected].sort((x, y) => x - y));
    expect([...sides[to].track.missing].sort((x, y) => x - y)).toEqual([...lost[to]].sort((x, y) => x - y));
    expect(sides[to].track.highest).toBe(sent);
  }
  expect(forgedRejected).toBeGreaterThan(0);
}

describe('random delivery across several relays', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`seed ${seed}: each message decrypts exactly once, losses are reported, state never corrupts`, async () => {
      await runOnce(seed, 120);
    });
  }
});
