// A hostile relay (or someone who stole the invite) attacks the join and the message stream.
// Each attack must be detected and rejected with a clear error, and must leave state untouched.
import { beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../encoding.ts';
import {
  acceptJoin, createInvite, decodeInvite, decrypt, deriveInviteLocation, encodeInvite, encodeSession, encrypt, encodePayload,
  generateIdentity, newSequenceState, observeSequence, payloadHash, publicIdentity, ready, sas, startJoin,
  unwrapFromLocation, wrapForLocation, type Payload, type Session,
} from './index.ts';
import { encodePublicIdentity } from './identity.ts';
import { inviteBytes, inviteKey } from './invite.ts';
import { aeadOpen, aeadSeal, generateDhKeyPair } from './sodium.ts';
import { joinedPair } from './test-helpers.ts';
import { toBase64Url } from '../encoding.ts';

beforeAll(ready);

async function rejects(s: Session, m: Uint8Array): Promise<void> {
  const before = encodeSession(s);
  await expect(decrypt(s, m)).rejects.toMatchObject({ code: 'decrypt-failed', message: expect.stringMatching(/could not be decrypted/) });
  expect(encodeSession(s)).toEqual(before);
}

describe('a relay attacking the join', () => {
  it('cannot pose as the joiner: a join built without the invite secret is rejected', async () => {
    const { pending, alice } = await joinedPair();
    // The relay knows the channel id, the token and the inviter's public keys, but not the secret.
    const mallory = await generateIdentity();
    const guessed = { ...pending.invite, secret: new Uint8Array(32).fill(7) };
    const forged = await startJoin(guessed, mallory, utf8('I am bob'));
    await expect(acceptJoin(pending, alice, forged.joinMessages[0]!, 0)).rejects.toMatchObject({ code: 'decrypt-failed' });
  });

  it("cannot substitute keys in the invite: a swapped device key fails the certificate, a swapped prekey locks out the relay", async () => {
    const { pending, alice } = await joinedPair();
    const mallory = await generateIdentity();
    const text = encodeInvite(pending.invite);
    const swappedDh = `tincan:${toBase64Url(inviteBytes({ ...pending.invite, inviterDh: mallory.dh.publicKey }))}`;
    expect(() => decodeInvite(swappedDh)).toThrow(expect.objectContaining({ code: 'invite-malformed' }));
    // Swapping the prekey for its own: the relay holds the prekey secret but not Alice's device key (DH2).
    const pre = generateDhKeyPair();
    const swapped = decodeInvite(`tincan:${toBase64Url(inviteBytes({ ...decodeInvite(text), prekey: pre.publicKey }))}`);
    const bob = await generateIdentity();
    const j = await startJoin(swapped, bob, utf8('hi alice'));
    await expect(acceptJoin({ invite: swapped, prekeySecret: pre.secretKey }, mallory, j.joinMessages[0]!, 0)).rejects.toMatchObject({ code: 'verification-failed' });
    const asAlice = { ...mallory, dh: alice.dh, dhCert: alice.dhCert }; // public half only is known
    asAlice.dh = { publicKey: alice.dh.publicKey, secretKey: mallory.dh.secretKey };
    await expect(acceptJoin({ invite: swapped, prekeySecret: pre.secretKey }, asAlice, j.joinMessages[0]!, 0)).rejects.toMatchObject({ code: 'decrypt-failed' });
    // And the real Alice cannot accept it either: the join does not match her prekey, so nobody talks to Bob.
    await expect(acceptJoin(pending, alice, j.joinMessages[0]!, 0)).rejects.toMatchObject({ code: 'decrypt-failed' });
  });

  it('cannot pose as the inviter: messages from anyone without the session keys are rejected by the joiner', async () => {
    const { b } = await joinedPair();
    const other = await joinedPair();
    const m = await encrypt(other.a, utf8('I am alice'));
    await rejects(b, m.message);
  });

  it('a thief who has the invite cannot claim the real joiner\'s identity without their device key', async () => {
    const { pending, alice, bob } = await joinedPair();
    // The thief knows s, so it can unwrap, but must produce DH1 = DH(bob device secret, prekey).
    const thief = await generateIdentity();
    const claimed = { sign: bob.sign, dh: { publicKey: bob.dh.publicKey, secretKey: thief.dh.secretKey }, dhCert: bob.dhCert };
    const j = await startJoin(pending.invite, claimed, utf8('I am bob'));
    await expect(acceptJoin(pending, alice, j.joinMessages[0]!, 0)).rejects.toMatchObject({ code: 'decrypt-failed' });
  });

  it('a thief joining as itself succeeds (the invite is the credential), but SAS and identity differ from the real joiner', async () => {
    const { pending, alice, bob } = await joinedPair();
    const thief = await generateIdentity();
    const real = await startJoin(pending.invite, bob, utf8('bob'));
    const stolen = await startJoin(pending.invite, thief, utf8('thief'));
    const accT = await acceptJoin(pending, alice, stolen.joinMessages[0]!, 0);
    expect(accT.peer.sign).toEqual(thief.sign.publicKey);
    expect(await sas(accT.session)).not.toBe(await sas(real.session));
  });

  it('the joiner identity is hidden from the relay: no public key of the joiner appears in the join message', async () => {
    const { pending, bob } = await joinedPair();
    const j = await startJoin(pending.invite, bob, utf8('hi'));
    const hay = toBase64Url(j.joinMessages[0]!);
    const wrapKey = await inviteKey(pending.invite.secret, 'tincan/v1/join-wrap', 32);
    expect(wrapKey).toHaveLength(32);
    for (const needle of [bob.sign.publicKey, bob.dh.publicKey, encodePublicIdentity(publicIdentity(bob))]) {
      for (let i = 0; i + 8 <= needle.length; i += 8) expect(hay.includes(toBase64Url(needle.subarray(i, i + 6)))).toBe(false);
    }
  });

  it('rejects a join whose ephemeral key is a low-order point (thief with the invite) with decrypt-failed', async () => {
    const { pending, alice, bob } = await joinedPair();
    const j = await startJoin(pending.invite, bob, utf8('x'));
    const { channelId } = await deriveInviteLocation(pending.invite.secret, 0);
    const wk = await inviteKey(pending.invite.secret, 'tincan/v1/join-wrap', 32);
    const ad = new Uint8Array([0, 0, 0, 14, ...utf8('tincan/v1/join'), 0, 0, 0, 16, ...channelId]);
    const inner = aeadOpen(wk, j.joinMessages[0]!.subarray(0, 24), j.joinMessages[0]!.subarray(24), ad)!;
    const evil = inner.slice();
    evil.fill(0, 1, 33);
    const nonce = new Uint8Array(24);
    const rewrapped = concatBytes(nonce, aeadSeal(wk, nonce, evil, ad));
    await expect(acceptJoin(pending, alice, rewrapped, 0)).rejects.toMatchObject({ code: 'decrypt-failed' });
  });
});

describe('a relay attacking the message stream', () => {
  it('every single flipped bit anywhere in an envelope is rejected and changes nothing', async () => {
    let { a, b } = await joinedPair();
    const m = await encrypt(b, utf8('the message'));
    b = m.session;
    for (let i = 0; i < m.message.length; i++) {
      const bad = m.message.slice();
      bad[i]! ^= 1 << (i % 8);
      await rejects(a, bad);
    }
    const ok = await decrypt(a, m.message);
    expect(ok.status).toBe('ok');
  });

  it('truncated or extended envelopes are rejected', async () => {
    const { a, b } = await joinedPair();
    const m = await encrypt(b, utf8('x'));
    for (const n of [0, 1, 80, 81, 120, m.message.length - 1]) await rejects(a, m.message.slice(0, n));
    await rejects(a, concatBytes(m.message, new Uint8Array(1)));
  });

  it('a replayed envelope is reported as duplicate; after the seen-set forgets it, it is rejected (its key is gone)', async () => {
    let { a, b } = await joinedPair();
    const m = await encrypt(b, utf8('once'));
    const r = await decrypt(a, m.message);
    if (r.status !== 'ok') throw new Error('expected ok');
    a = r.session;
    expect(await decrypt(a, m.message)).toEqual({ status: 'duplicate' });
    await rejects({ ...a, seen: [] }, m.message);
  });

  it('an envelope moved to another channel is rejected by the per-location wrap', async () => {
    const { a, b } = await joinedPair();
    const m = await encrypt(b, utf8('x'));
    const w = wrapForLocation(b, new Uint8Array(16).fill(1), m.message);
    expect(() => unwrapFromLocation(a, new Uint8Array(16).fill(2), w)).toThrow(expect.objectContaining({ code: 'decrypt-failed' }));
    expect(() => unwrapFromLocation(a, new Uint8Array(16).fill(1), w.slice(0, 30))).toThrow(expect.objectContaining({ code: 'decrypt-failed' }));
  });

  it('a gap beyond MAX_SKIP is rejected without touching state; dropped and reordered messages are reported', async () => {
    let { a, b } = await joinedPair();
    const msgs: Uint8Array[] = [];
    let prev: Uint8Array = new Uint8Array(32);
    for (let seq = 1; seq <= 5; seq++) {
      const msgId = new Uint8Array(16).fill(seq);
      const p: Payload = { msgId, seq, prevHash: prev, sentAt: 0, kind: 'text', body: utf8(`m${seq}`) };
      prev = await payloadHash(msgId);
      const e = await encrypt(b, encodePayload(p));
      b = e.session;
      msgs.push(e.message);
    }
    // The relay drops #2 and delivers #4 before #3.
    let seq = newSequenceState();
    const events: string[] = [];
    for (const i of [0, 3, 2, 4]) {
      const r = await decrypt(a, msgs[i]!);
      if (r.status !== 'ok') throw new Error('expected ok');
      a = r.session;
      const { decodePayload } = await import('./payload.ts');
      const o = await observeSequence(seq, decodePayload(r.plaintext));
      seq = o.state;
      events.push(o.event.kind === 'gap' ? `gap:${o.event.missing.join(',')}` : o.event.kind);
    }
    expect(events).toEqual(['in-order', 'gap:2,3', 'late', 'in-order']);
    expect(seq.missing).toEqual([2]);
  });

  it('a sender claiming more than MAX_SKIP missing messages is refused', async () => {
    let { a, b } = await joinedPair();
    for (let i = 0; i < 1001; i++) b = (await encrypt(b, utf8('x'))).session;
    const last = await encrypt(b, utf8('far ahead'));
    await rejects(a, last.message);
  });
});
