// End-to-end use of the public API in Node: invite → join → chat both ways, wrapping, SAS,
// safety numbers, persistence, and the error paths a user would hit.
import { beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../encoding.ts';
import {
  acceptJoin, createInvite, decodeInvite, decodeSession, decrypt, deriveInviteLocation, encodeInvite, encodeSession,
  encrypt, generateIdentity, inviteLink, ready, sas, safetyNumber, startJoin, unwrapFromLocation, wrapForLocation,
  type DeviceIdentity, type Session, decodeIdentity, encodeIdentity, decodePendingInvite, encodePendingInvite, fingerprint,
} from './index.ts';

let alice: DeviceIdentity;
let bob: DeviceIdentity;
beforeAll(async () => {
  await ready();
  alice = await generateIdentity();
  bob = await generateIdentity();
});

async function pair(relays = ['https://relay.example/chat']) {
  const pending = await createInvite({ identity: alice, relays, expiresAt: Date.now() + 3600_000, label: 'alice' });
  const invite = decodeInvite(encodeInvite(pending.invite));
  const joined = await startJoin(invite, bob, utf8('hello from bob'));
  const accepted = await acceptJoin(pending, alice, joined.joinMessages[0]!, 0);
  return { pending, joined, accepted, a: accepted.session, b: joined.session };
}

async function must(s: Session, m: Uint8Array) {
  const r = await decrypt(s, m);
  if (r.status !== 'ok') throw new Error('unexpected duplicate');
  return r;
}

describe('invite, join and chat', () => {
  it('joins, and both sides chat in both directions', async () => {
    let { accepted, a, b } = await pair();
    expect(new TextDecoder().decode(accepted.firstPayload)).toBe('hello from bob');
    expect(accepted.peer.sign).toEqual(bob.sign.publicKey);
    for (let round = 0; round < 3; round++) {
      const m1 = await encrypt(a, utf8(`a${round}`));
      a = m1.session;
      const r1 = await must(b, m1.message);
      b = r1.session;
      expect(new TextDecoder().decode(r1.plaintext)).toBe(`a${round}`);
      const m2 = await encrypt(b, utf8(`b${round}`));
      b = m2.session;
      const r2 = await must(a, m2.message);
      a = r2.session;
      expect(new TextDecoder().decode(r2.plaintext)).toBe(`b${round}`);
    }
    expect(await sas(a)).toBe(await sas(b));
    expect(await sas(a)).toMatch(/^\d{6}$/);
  });

  it('invite text is compact, and the link keeps the payload in the fragment', async () => {
    const { pending } = await pair();
    const text = encodeInvite(pending.invite);
    expect(text.startsWith('tincan:')).toBe(true);
    expect(text.length).toBeLessThan(340);
    const link = inviteLink(pending.invite, 'https://relay.example/chat/');
    expect(link.startsWith('https://relay.example/chat/#join=')).toBe(true);
    expect(decodeInvite(link)).toEqual(pending.invite);
    expect(decodeInvite(text.slice('tincan:'.length))).toEqual(pending.invite);
    expect(decodeInvite(`  ${text.slice(0, 60)}\n${text.slice(60, 200)}\r\n ${text.slice(200)}\n`)).toEqual(pending.invite);
    expect(() => decodeInvite(text.slice(0, -5))).toThrow(expect.objectContaining({ code: 'invite-malformed' }));
    expect(() => decodeInvite('hello')).toThrow(expect.objectContaining({ code: 'invite-malformed' }));
    expect(decodePendingInvite(encodePendingInvite(pending))).toEqual(pending);
  });

  it('join copies for several relays differ and each opens only at its own location', async () => {
    const { pending, joined } = await pair(['https://a.example', 'https://b.example']);
    const [j0, j1] = joined.joinMessages;
    expect(j0).not.toEqual(j1);
    const x = await acceptJoin(pending, alice, j1!, 1);
    expect(x.peer.sign).toEqual(bob.sign.publicKey);
    await expect(acceptJoin(pending, alice, j0!, 1)).rejects.toMatchObject({ code: 'decrypt-failed' });
    const y = await acceptJoin(pending, alice, j0!, 0);
    expect(y.joinId).toEqual(x.joinId);
  });

  it('relay-visible values are one-way and per location', async () => {
    const { pending } = await pair();
    const l0 = await deriveInviteLocation(pending.invite.secret, 0);
    const l1 = await deriveInviteLocation(pending.invite.secret, 1);
    expect(l0.channelId).toHaveLength(16);
    expect(l0.channelId).not.toEqual(l1.channelId);
    expect(l0.token).not.toEqual(l1.token);
  });

  it('wrapped copies differ per location and cannot be moved between channels', async () => {
    let { a, b } = await pair();
    const m = await encrypt(a, utf8('x'));
    a = m.session;
    const c1 = new Uint8Array(16).fill(1);
    const c2 = new Uint8Array(16).fill(2);
    const w1 = wrapForLocation(a, c1, m.message);
    const w2 = wrapForLocation(a, c2, m.message);
    expect(w1).not.toEqual(w2);
    expect(unwrapFromLocation(b, c1, w1)).toEqual(m.message);
    expect(() => unwrapFromLocation(b, c2, w1)).toThrow(expect.objectContaining({ code: 'decrypt-failed' }));
    const r = await must(b, unwrapFromLocation(b, c2, w2));
    expect((await decrypt(r.session, unwrapFromLocation(b, c1, w1))).status).toBe('duplicate');
  });

  it('sessions and identities survive serialization', async () => {
    let { a, b } = await pair();
    const m = await encrypt(a, utf8('persist'));
    b = decodeSession(encodeSession(b));
    const r = await must(b, m.message);
    const back = decodeSession(encodeSession(r.session));
    expect(encodeSession(back)).toEqual(encodeSession(r.session));
    expect(decodeIdentity(encodeIdentity(alice))).toEqual(alice);
    expect(fingerprint(alice.sign.publicKey)).toMatch(/^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);
  });

  it('safety numbers are 60 digits and order-independent', async () => {
    const s1 = await safetyNumber(alice.sign.publicKey, bob.sign.publicKey);
    expect(s1).toMatch(/^\d{60}$/);
    expect(await safetyNumber(bob.sign.publicKey, alice.sign.publicKey)).toBe(s1);
  });
});

describe('ratchet state bounds', () => {
  it('a successful decrypt leaves the session it was given untouched (copy-on-write)', async () => {
    let { a, b } = await pair();
    const ms: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await encrypt(b, utf8(`m${i}`));
      b = e.session;
      ms.push(e.message);
    }
    const before = encodeSession(a);
    const r = await must(a, ms[2]!); // skips two keys, adds a seen digest
    expect(encodeSession(a)).toEqual(before);
    expect(r.session.skipped).toHaveLength(2);
    expect((await must(a, ms[2]!.slice(0))).status).toBe('ok'); // old state can still read it: nothing was consumed in place
  });

  it(`keeps at most ${2000} skipped keys, dropping the oldest`, async () => {
    let { a, b } = await pair();
    const firsts: Uint8Array[] = [];
    for (let chain = 0; chain < 3; chain++) {
      let first: Uint8Array | null = null;
      for (let i = 0; i < 1000; i++) {
        const e = await encrypt(b, utf8('x'));
        b = e.session;
        first ??= e.message;
      }
      firsts.push(first!);
      const last = await encrypt(b, utf8('last'));
      b = last.session;
      a = (await must(a, last.message)).session; // skips ~1000 keys of this chain
      const reply = await encrypt(a, utf8('turn'));
      a = reply.session;
      b = (await must(b, reply.message)).session; // new DH chain for b's next batch
    }
    expect(a.skipped.length).toBe(2000);
    await expect(decrypt(a, firsts[0]!)).rejects.toMatchObject({ code: 'decrypt-failed' }); // evicted: reported as unreadable
    expect((await decrypt(a, firsts[2]!)).status).toBe('ok');
    expect(decodeSession(encodeSession(a)).skipped).toHaveLength(2000);
  });
});
