// Payload encoding, the per-sender sequence tracker, padding and invite limits: the small rules
// that decide what a person is shown (gaps, late and repeated messages) and what is refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../encoding.ts';
import { createInvite, decodePayload, encodePayload, generateIdentity, newSequenceState, observeSequence, payloadHash, ready, type Payload } from './index.ts';
import { pad, unpad, MAX_PLAINTEXT } from './padding.ts';

beforeAll(ready);

async function chain(n: number): Promise<Payload[]> {
  const out: Payload[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  for (let seq = 1; seq <= n; seq++) {
    const msgId = new Uint8Array(16).fill(seq);
    out.push({ msgId, seq, prevHash: prev, sentAt: 1000 + seq, kind: 'text', body: utf8(`m${seq}`) });
    prev = await payloadHash(msgId);
  }
  return out;
}

describe('payload', () => {
  it('round-trips, and rejects trailing bytes, another version or seq 0 as decrypt-failed', async () => {
    const [p] = await chain(1);
    const b = encodePayload(p!);
    expect(decodePayload(b)).toEqual(p);
    for (const bad of [new Uint8Array([...b, 0]), new Uint8Array([2, ...b.subarray(1)]), b.subarray(0, 20)]) {
      expect(() => decodePayload(bad)).toThrow(expect.objectContaining({ code: 'decrypt-failed' }));
    }
    expect(() => encodePayload({ ...p!, seq: 0 })).toThrow(RangeError);
  });

  it('reports in-order, gaps, late arrivals, repeats and a broken hash chain', async () => {
    const ps = await chain(5);
    let st = newSequenceState();
    const seen: string[] = [];
    const feed = async (p: Payload) => {
      const r = await observeSequence(st, p);
      st = r.state;
      seen.push(r.event.kind === 'gap' ? `gap ${r.event.missing.join(',')}` : r.event.kind);
    };
    await feed(ps[0]!);
    await feed(ps[3]!);
    await feed(ps[1]!);
    await feed(ps[1]!);
    await feed({ ...ps[4]!, prevHash: new Uint8Array(32).fill(9) });
    expect(seen).toEqual(['in-order', 'gap 2,3', 'late', 'repeat', 'chain-broken']);
    expect(st.missing).toEqual([3]);
    expect(st.highest).toBe(5);
  });
});

describe('padding', () => {
  it('pads to the buckets and unpads strictly', () => {
    expect(pad(new Uint8Array(0)).length).toBe(512);
    expect(pad(new Uint8Array(509)).length).toBe(2048);
    expect(pad(new Uint8Array(MAX_PLAINTEXT)).length).toBe(61440);
    expect(() => pad(new Uint8Array(MAX_PLAINTEXT + 1))).toThrow(expect.objectContaining({ code: 'envelope-too-large' }));
    const p = pad(utf8('hi'));
    expect(unpad(p)).toEqual(utf8('hi'));
    const dirty = p.slice();
    dirty[100] = 1;
    expect(unpad(dirty)).toBeNull();
    expect(unpad(p.subarray(0, 511))).toBeNull();
    const long = p.slice();
    long[1] = 1; // claims 65538 bytes
    expect(unpad(long)).toBeNull();
  });
});

describe('invite limits', () => {
  it('refuses bad relay lists and long labels with a message saying what is wrong', async () => {
    const identity = await generateIdentity();
    const base = { identity, expiresAt: Date.now() + 1000, label: 'x' };
    await expect(createInvite({ ...base, relays: [] })).rejects.toThrow(/1 to 8 relays/);
    await expect(createInvite({ ...base, relays: Array(9).fill('https://r.example') })).rejects.toThrow(/1 to 8 relays/);
    await expect(createInvite({ ...base, relays: ['ftp://r.example'] })).rejects.toThrow(/not a relay URL/);
    await expect(createInvite({ ...base, relays: ['https://r.example'], label: 'x'.repeat(33) })).rejects.toThrow(/label/);
    const ok = await createInvite({ ...base, relays: ['https://r.example'], label: 'é'.repeat(16) });
    expect(ok.invite.label).toBe('é'.repeat(16));
  });
});
