/**
 * Checks protocol/crypto against the vectors in this folder: primitives.json (published KATs) and
 * tincan-v1.json (written by generate.py, an independent Python implementation). Runs unchanged in
 * Node (vectors.test.ts) and in a browser page (tests/e2e/crypto-browser.test.ts); the caller
 * passes the parsed JSON, so this file reads no files. Each case yields one result; a result is ok
 * only if every byte and every outcome matched.
 */
import { bytesEqual } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import {
  acceptJoin, createInvite, decodeInvite, decodePayload, decrypt, deriveInviteLocation, encodeInvite, encodePayload,
  encodePublicIdentity, encodeSession, encrypt, fingerprint, generateIdentity, inviteLink, openWithPassphrase,
  payloadHash, ready, safetyNumber, sas, sealWithPassphrase, startJoin, unwrapFromLocation, wrapForLocation,
  type DeviceIdentity, type Session,
} from '../crypto/index.ts';
import { inviteKey } from '../crypto/invite.ts';
import { hkdf, hmacSha256, sha256 } from '../crypto/kdf.ts';
import { pad } from '../crypto/padding.ts';
import { aeadOpen, aeadSeal, blake2b, na, setRandomSourceForTests, sha512, sign, verify } from '../crypto/sodium.ts';
import { createDrbg } from './drbg.ts';

export interface VectorResult {
  name: string;
  ok: boolean;
  detail?: string;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

export function unhex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

class Mismatch extends Error {}
function eq(what: string, got: Uint8Array | string | number | boolean, want: Uint8Array | string | number | boolean): void {
  const same = got instanceof Uint8Array && want instanceof Uint8Array ? bytesEqual(got, want) : got === want;
  if (!same && got instanceof Uint8Array && want instanceof Uint8Array) {
    let i = 0;
    while (i < got.length && i < want.length && got[i] === want[i]) i++;
    throw new Mismatch(`${what}: differs at byte ${i} (got ${got.length} bytes, want ${want.length})`);
  }
  if (!same) {
    const show = (v: unknown) => (v instanceof Uint8Array ? hex(v) : String(v));
    throw new Mismatch(`${what}: got ${show(got).slice(0, 80)}, want ${show(want).slice(0, 80)}`);
  }
}
async function failsWith(what: string, code: string, f: () => unknown): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (e instanceof TincanError && e.code === code) return;
    throw new Mismatch(`${what}: threw ${(e as Error).message}, want ${code}`);
  }
  throw new Mismatch(`${what}: succeeded, want ${code}`);
}

async function check(results: VectorResult[], name: string, f: () => Promise<void> | void): Promise<void> {
  try {
    await f();
    results.push({ name, ok: true });
  } catch (e) {
    results.push({ name, ok: false, detail: e instanceof Error ? e.message : String(e) });
  } finally {
    setRandomSourceForTests(null);
  }
}

/** Published known-answer tests for every primitive. */
export async function verifyPrimitives(p: Json): Promise<VectorResult[]> {
  await ready();
  const r: VectorResult[] = [];
  const s = na();
  for (const v of p.x25519) await check(r, `x25519 ${v.source}`, () => eq('out', s.crypto_scalarmult(unhex(v.scalar), unhex(v.u)), unhex(v.out)));
  for (const v of p.x25519dh)
    await check(r, `x25519 ${v.source}`, () => {
      eq('alice public', s.crypto_scalarmult_base(unhex(v.aliceSecret)), unhex(v.alicePublic));
      eq('bob public', s.crypto_scalarmult_base(unhex(v.bobSecret)), unhex(v.bobPublic));
      eq('shared a', s.crypto_scalarmult(unhex(v.aliceSecret), unhex(v.bobPublic)), unhex(v.shared));
      eq('shared b', s.crypto_scalarmult(unhex(v.bobSecret), unhex(v.alicePublic)), unhex(v.shared));
    });
  for (const v of p.ed25519)
    await check(r, `ed25519 ${v.source}`, () => {
      const kp = s.crypto_sign_seed_keypair(unhex(v.secret));
      eq('public', kp.publicKey, unhex(v.public));
      eq('signature', sign(unhex(v.message), kp.privateKey), unhex(v.signature));
      eq('verifies', verify(unhex(v.signature), unhex(v.message), kp.publicKey), true);
      const other = unhex(v.message + '00');
      eq('other message rejected', verify(unhex(v.signature), other, kp.publicKey), false);
    });
  for (const v of p.hkdfSha256) await check(r, `hkdf-sha256 ${v.source}`, async () => eq('okm', await hkdf(unhex(v.ikm), unhex(v.salt), unhex(v.info), v.length), unhex(v.okm)));
  for (const v of p.hmacSha256) await check(r, `hmac-sha256 ${v.source}`, async () => eq('mac', await hmacSha256(unhex(v.key), unhex(v.data)), unhex(v.mac)));
  for (const v of p.sha256) await check(r, `sha256 ${v.source}`, async () => eq('digest', await sha256(unhex(v.data)), unhex(v.digest)));
  for (const v of p.sha512) await check(r, `sha512 ${v.source}`, () => eq('digest', sha512(unhex(v.data)), unhex(v.digest)));
  for (const v of p.blake2b) await check(r, `blake2b ${v.source}`, () => eq('digest', blake2b(v.length, unhex(v.data)), unhex(v.digest)));
  for (const v of p.xchacha20poly1305)
    await check(r, `xchacha20poly1305 ${v.source}`, () => {
      const ct = aeadSeal(unhex(v.key), unhex(v.nonce), unhex(v.plaintext), unhex(v.aad));
      eq('ciphertext‖tag', ct, unhex(v.ciphertext + v.tag));
      eq('opens', aeadOpen(unhex(v.key), unhex(v.nonce), ct, unhex(v.aad)) ?? new Uint8Array(0), unhex(v.plaintext));
      const bad = ct.slice();
      bad[0]! ^= 1;
      eq('tampered rejected', aeadOpen(unhex(v.key), unhex(v.nonce), bad, unhex(v.aad)) === null, true);
    });
  return r;
}

interface Party {
  alice: DeviceIdentity;
  bob: DeviceIdentity;
  a: Session;
  b: Session;
}

async function setup(t: Json, seed: string, relays: string[], index: number): Promise<Party & { joinMessages: Uint8Array[]; joinId: Uint8Array; first: Uint8Array; peer: Uint8Array; pending: Awaited<ReturnType<typeof createInvite>> }> {
  setRandomSourceForTests(createDrbg(seed));
  const alice = await generateIdentity();
  const bob = await generateIdentity();
  const pending = await createInvite({ identity: alice, relays, expiresAt: t.handshake.invite.expiresAtIn, label: t.handshake.invite.label });
  const joined = await startJoin(pending.invite, bob, unhex(t.handshake.join.firstPayload));
  const acc = await acceptJoin(pending, alice, joined.joinMessages[index]!, index);
  return { alice, bob, a: acc.session, b: joined.session, joinMessages: joined.joinMessages, joinId: acc.joinId, first: acc.firstPayload, peer: encodePublicIdentity(acc.peer), pending };
}

function mutate(m: Uint8Array, mut: Json): Uint8Array {
  if (!mut) return m;
  if ('flip' in mut) {
    const i = ((mut.flip % m.length) + m.length) % m.length;
    const out = m.slice();
    out[i]! ^= 1;
    return out;
  }
  if ('truncate' in mut) return m.slice(0, mut.truncate);
  const extra = unhex(mut.append);
  const out = new Uint8Array(m.length + extra.length);
  out.set(m);
  out.set(extra, m.length);
  return out;
}

async function runScenario(t: Json, sc: Json): Promise<void> {
  const p = await setup(t, sc.seed, [t.handshake.invite.relays[0]], 0);
  const st: Record<string, Session> = { a: p.a, b: p.b };
  const sent: Uint8Array[] = [];
  const wraps: Uint8Array[] = [];
  for (const [i, step] of (sc.steps as Json[]).entries()) {
    const at = `step ${i} (${step.op})`;
    if (step.op === 'send') {
      const out = await encrypt(st[step.from]!, unhex(step.plaintext));
      st[step.from] = out.session;
      sent.push(out.message);
      eq(`${at} message sha256`, await sha256(out.message), unhex(step.sha256));
      if (step.message) eq(`${at} message`, out.message, unhex(step.message));
    } else if (step.op === 'deliver') {
      const data = mutate(sent[step.msg]!, step.mutate);
      const before = encodeSession(st[step.to]!);
      let outcome: string;
      try {
        const r = await decrypt(st[step.to]!, data);
        outcome = r.status;
        if (r.status === 'ok') {
          st[step.to] = r.session;
          eq(`${at} plaintext`, r.plaintext, unhex(step.plaintext));
        }
      } catch (e) {
        if (!(e instanceof TincanError)) throw e;
        outcome = e.code;
      }
      eq(`${at} outcome`, outcome, step.expect);
      if (outcome !== 'ok') eq(`${at} state unchanged`, encodeSession(st[step.to]!), before);
    } else if (step.op === 'forget-seen') {
      st[step.who] = { ...st[step.who]!, seen: [] };
    } else if (step.op === 'wrap') {
      const w = wrapForLocation(st[step.from]!, unhex(step.channel), sent[step.msg]!);
      wraps.push(w);
      eq(`${at} wrapped`, w, unhex(step.data));
    } else if (step.op === 'unwrap') {
      let outcome = 'ok';
      try {
        unwrapFromLocation(st[step.to]!, unhex(step.channel), wraps[step.wrap]!);
      } catch (e) {
        outcome = (e as TincanError).code;
      }
      eq(`${at} outcome`, outcome, step.expect);
    } else throw new Mismatch(`unknown op ${step.op}`);
  }
  eq('final inviter state', await sha256(encodeSession(st.a!)), unhex(sc.final.a));
  eq('final joiner state', await sha256(encodeSession(st.b!)), unhex(sc.final.b));
  eq('inviter skipped keys', st.a!.skipped.length, sc.final.aSkipped);
  eq('joiner skipped keys', st.b!.skipped.length, sc.final.bSkipped);
}

/** Tincan's own vectors: DRBG, invite derivation, handshake, ratchet scenarios, payload, padding, passphrase. */
export async function verifyTincan(t: Json): Promise<VectorResult[]> {
  await ready();
  const r: VectorResult[] = [];
  await check(r, 'drbg stream', () => eq('first 100 bytes', createDrbg(t.drbg.seed)(100), unhex(t.drbg.first100)));
  const h = t.handshake;
  await check(r, 'identities, fingerprints, safety number', async () => {
    setRandomSourceForTests(createDrbg(h.seed));
    const alice = await generateIdentity();
    const bob = await generateIdentity();
    for (const [who, id] of [['alice', alice], ['bob', bob]] as const) {
      eq(`${who} sign`, id.sign.publicKey, unhex(h[who].sign));
      eq(`${who} dh`, id.dh.publicKey, unhex(h[who].dh));
      eq(`${who} dhCert`, id.dhCert, unhex(h[who].dhCert));
      eq(`${who} fingerprint`, fingerprint(id.sign.publicKey), h[who].fingerprint);
    }
    eq('safety number', await safetyNumber(alice.sign.publicKey, bob.sign.publicKey), h.safetyNumber);
    eq('safety number reversed', await safetyNumber(bob.sign.publicKey, alice.sign.publicKey), h.safetyNumber);
  });
  await check(r, 'invite: encoding and one-way derivations', async () => {
    const p = await setup(t, h.seed, h.invite.relays, 1);
    const inv = p.pending.invite;
    eq('secret', inv.secret, unhex(h.invite.secret));
    eq('prekey', inv.prekey, unhex(h.invite.prekey));
    eq('prekey secret', p.pending.prekeySecret, unhex(h.invite.prekeySecret));
    eq('expiresAt', inv.expiresAt, h.invite.expiresAt);
    eq('text', encodeInvite(inv), h.invite.text);
    eq('link', inviteLink(inv, 'https://relay-one.example/chat'), h.invite.link);
    eq('decoded text', encodeInvite(decodeInvite(h.invite.text)), h.invite.text);
    eq('decoded link', encodeInvite(decodeInvite(h.invite.link)), h.invite.text);
    eq('psk', await inviteKey(inv.secret, 'tincan/v1/psk', 32), unhex(h.invite.psk));
    for (const l of h.invite.locations) {
      const d = await deriveInviteLocation(inv.secret, l.index);
      eq(`channel ${l.index}`, d.channelId, unhex(l.channelId));
      eq(`token ${l.index}`, d.token, unhex(l.token));
      eq(`token hash ${l.index}`, d.tokenHash, unhex(l.tokenHash));
    }
  });
  await check(r, 'handshake: join messages, accept, SAS, session state', async () => {
    const p = await setup(t, h.seed, h.invite.relays, h.accept.index);
    h.join.joinMessages.forEach((m: string, i: number) => eq(`join message ${i}`, p.joinMessages[i]!, unhex(m)));
    eq('peer', p.peer, unhex(h.accept.peer));
    eq('first payload', p.first, unhex(h.accept.firstPayload));
    eq('join id', p.joinId, unhex(h.accept.joinId));
    eq('sas inviter', await sas(p.a), h.accept.sas);
    eq('sas joiner', await sas(p.b), h.accept.sas);
    eq('inviter state', await sha256(encodeSession(p.a)), unhex(h.accept.inviterSessionSha256));
    eq('joiner state', await sha256(encodeSession(p.b)), unhex(h.accept.joinerSessionSha256));
    for (const x of h.rejects) await failsWith(`reject: ${x.why}`, x.expect, () => acceptJoin(p.pending, p.alice, unhex(x.data), x.index));
  });
  for (const sc of t.scenarios) await check(r, `ratchet scenario: ${sc.name}`, () => runScenario(t, sc));
  await check(r, 'payload encoding and hash chain', async () => {
    const v = t.payload;
    const p = { msgId: unhex(v.msgId), seq: v.seq, prevHash: unhex(v.prevHash), sentAt: v.sentAt, kind: v.kind, body: unhex(v.body) };
    eq('encoded', encodePayload(p), unhex(v.encoded));
    eq('decoded', encodePayload(decodePayload(unhex(v.encoded))), unhex(v.encoded));
    eq('hash of zero id', await payloadHash(new Uint8Array(16)), unhex(v.hashOfZeroId));
    eq('hash of msgId', await payloadHash(unhex(v.msgId)), unhex(v.hashOfMsgId));
  });
  await check(r, 'padding buckets', () => {
    for (const v of t.padding) eq(`pad(${v.length})`, pad(new Uint8Array(v.length)).length, v.padded);
  });
  await check(r, 'passphrase seal (Argon2id + XChaCha20-Poly1305)', async () => {
    const v = t.passphrase;
    setRandomSourceForTests(createDrbg(v.seed));
    const sealed = await sealWithPassphrase(unhex(v.plaintext), v.passphrase);
    setRandomSourceForTests(null);
    eq('sealed', sealed, unhex(v.sealed));
    eq('opened', await openWithPassphrase(unhex(v.sealed), v.passphrase), unhex(v.plaintext));
    await failsWith('wrong passphrase', 'passphrase-wrong', () => openWithPassphrase(unhex(v.sealed), v.passphrase + '!'));
  });
  return r;
}
