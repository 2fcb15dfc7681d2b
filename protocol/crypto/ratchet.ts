/**
 * The Double Ratchet with header encryption (Signal spec, revision 1, section 4), over X25519,
 * HKDF-SHA-256 (root chain), keyed BLAKE2b (message chains) and XChaCha20-Poly1305 with random
 * nonces. A Session is plain data; encrypt/decrypt return a new Session and never modify the one
 * they were given, so a failed decryption leaves state exactly as it was (copy-on-write).
 * A session belongs to one device and must have a single writer (SPEC 5.10).
 */
import { CanonicalReader, CanonicalWriter, bytesEqual, concatBytes } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import { type PublicIdentity, decodePublicIdentity, encodePublicIdentity } from './identity.ts';
import { hkdf, kdfChain, split } from './kdf.ts';
import { pad, unpad } from './padding.ts';
import { AEAD_NONCE, AEAD_TAG, type KeyPair, aeadOpen, aeadSeal, blake2b, dh, generateDhKeyPair, na, randomBytes } from './sodium.ts';

/** Most message keys skipped in one chain by one message (larger gaps are rejected). */
export const MAX_SKIP = 1000;
/** Most skipped message keys kept per session; the oldest are dropped first. */
export const MAX_STORED_SKIPPED = 2000;
/** How many recently decrypted messages are remembered to report duplicates. */
export const MAX_SEEN = 2000;

export const MESSAGE_VERSION = 1;
const HEADER_LEN = 40; // dh 32 ‖ u32 pn ‖ u32 n
/** version ‖ header nonce ‖ header ciphertext+tag */
export const ENC_HEADER_END = 1 + AEAD_NONCE + HEADER_LEN + AEAD_TAG;
const MIN_MESSAGE = ENC_HEADER_END + AEAD_NONCE + AEAD_TAG;

/** A skipped message key, stored until its message arrives or it is evicted. */
export interface SkippedKey {
  hk: Uint8Array;
  n: number;
  mk: Uint8Array;
}

/**
 * One device's end of a 1:1 conversation. Plain data (serialize with encodeSession); treat as
 * opaque and immutable: always continue with the Session a call returns.
 */
export interface Session {
  v: 1;
  /** Associated data bound into every AEAD of this session (SPEC 5.5). */
  ad: Uint8Array;
  /** The peer's identity (verified certificate). */
  peer: PublicIdentity;
  /** Key for the short authentication string. */
  sasKey: Uint8Array;
  /** Key for the per-location wrapping of envelopes. */
  wrapKey: Uint8Array;
  dhs: KeyPair;
  dhr: Uint8Array | null;
  rk: Uint8Array;
  cks: Uint8Array | null;
  ckr: Uint8Array | null;
  hks: Uint8Array | null;
  hkr: Uint8Array | null;
  nhks: Uint8Array | null;
  nhkr: Uint8Array | null;
  ns: number;
  nr: number;
  pn: number;
  skipped: SkippedKey[];
  /** Hex of BLAKE2b-128 of recently decrypted messages, oldest first (strings: fast to look up). */
  seen: string[];
}

/** Shared secrets from the handshake. */
export interface RatchetSeed {
  ad: Uint8Array;
  peer: PublicIdentity;
  sk: Uint8Array;
  hka: Uint8Array;
  nhkb: Uint8Array;
  sasKey: Uint8Array;
  wrapKey: Uint8Array;
}

async function kdfRoot(rk: Uint8Array, dhOut: Uint8Array): Promise<Uint8Array[]> {
  return split(await hkdf(dhOut, rk, 'tincan/v1/ratchet', 96), 32, 32, 32);
}

/** RatchetInitAliceHE: the joiner, who knows the inviter's prekey (draws 32 random bytes). */
export async function initSender(seed: RatchetSeed, peerRatchetKey: Uint8Array): Promise<Session> {
  const dhs = generateDhKeyPair();
  const [rk, cks, nhks] = await kdfRoot(seed.sk, dh(dhs.secretKey, peerRatchetKey));
  return {
    v: 1, ad: seed.ad, peer: seed.peer, sasKey: seed.sasKey, wrapKey: seed.wrapKey,
    dhs, dhr: peerRatchetKey, rk: rk!, cks: cks!, ckr: null,
    hks: seed.hka, hkr: null, nhks: nhks!, nhkr: seed.nhkb,
    ns: 0, nr: 0, pn: 0, skipped: [], seen: [],
  };
}

/** RatchetInitBobHE: the inviter, whose prekey pair is the first ratchet key pair. */
export function initReceiver(seed: RatchetSeed, prekey: KeyPair): Session {
  return {
    v: 1, ad: seed.ad, peer: seed.peer, sasKey: seed.sasKey, wrapKey: seed.wrapKey,
    dhs: prekey, dhr: null, rk: seed.sk, cks: null, ckr: null,
    hks: null, hkr: null, nhks: seed.nhkb, nhkr: seed.hka,
    ns: 0, nr: 0, pn: 0, skipped: [], seen: [],
  };
}

function fail(why: string): never {
  throw new TincanError('decrypt-failed', `This message could not be decrypted and was ignored (${why}).`);
}

/** Encrypts one message (draws 24 + 24 random bytes: header nonce, body nonce). */
export async function encrypt(session: Session, plaintext: Uint8Array): Promise<{ session: Session; message: Uint8Array }> {
  if (!session.cks || !session.hks) throw new TincanError('decrypt-failed', 'This session cannot send yet: it has not received the first message.');
  const padded = pad(plaintext);
  const { ck, mk } = kdfChain(session.cks);
  const header = new CanonicalWriter().fixed(session.dhs.publicKey, 32).u32(session.pn).u32(session.ns).finish();
  const hnonce = randomBytes(AEAD_NONCE);
  const encHeader = concatBytes(Uint8Array.of(MESSAGE_VERSION), hnonce, aeadSeal(session.hks, hnonce, header, session.ad));
  const nonce = randomBytes(AEAD_NONCE);
  const body = aeadSeal(mk, nonce, padded, concatBytes(session.ad, encHeader));
  return { session: { ...session, cks: ck, ns: session.ns + 1 }, message: concatBytes(encHeader, nonce, body) };
}

function parseHeader(h: Uint8Array): { dh: Uint8Array; pn: number; n: number } {
  const r = new CanonicalReader(h);
  return { dh: r.fixed(32).slice(), pn: r.u32(), n: r.u32() };
}

function skipKeys(st: Session, until: number): void {
  if (until - st.nr > MAX_SKIP) fail(`it claims ${until - st.nr} earlier messages are missing, more than the ${MAX_SKIP} allowed`);
  if (!st.ckr || !st.hkr) return;
  let ck = st.ckr;
  const added: SkippedKey[] = [];
  while (st.nr < until) {
    const step = kdfChain(ck);
    added.push({ hk: st.hkr, n: st.nr, mk: step.mk });
    ck = step.ck;
    st.nr++;
  }
  st.ckr = ck;
  // A new array: the caller's Session shares the old one and must not change.
  if (added.length > 0) st.skipped = st.skipped.concat(added);
  if (st.skipped.length > MAX_STORED_SKIPPED) st.skipped = st.skipped.slice(st.skipped.length - MAX_STORED_SKIPPED);
}

function takeSkipped(st: Session, hk: Uint8Array, n: number): Uint8Array | null {
  const i = st.skipped.findIndex((k) => k.n === n && bytesEqual(k.hk, hk));
  if (i < 0) return null;
  const mk = st.skipped[i]!.mk;
  st.skipped = [...st.skipped.slice(0, i), ...st.skipped.slice(i + 1)];
  return mk;
}

function nextKey(st: Session): Uint8Array {
  const { ck, mk } = kdfChain(st.ckr!);
  st.ckr = ck;
  st.nr++;
  return mk;
}

/** Identifies a message for duplicate detection: hex of BLAKE2b-128 of its bytes. */
export function messageDigest(message: Uint8Array): string {
  return na().to_hex(blake2b(16, message));
}

/**
 * Decrypts one message. Never changes `session` on failure (throws TincanError('decrypt-failed'));
 * a message already decrypted (the same bytes, e.g. from a second relay) gives {status:'duplicate'}.
 */
export async function decrypt(session: Session, message: Uint8Array): Promise<{ status: 'ok'; session: Session; plaintext: Uint8Array } | { status: 'duplicate' }> {
  if (message.length < MIN_MESSAGE || message[0] !== MESSAGE_VERSION) fail('not a Tincan message');
  const digest = messageDigest(message);
  if (session.seen.includes(digest)) return { status: 'duplicate' };
  const st: Session = { ...session, skipped: session.skipped, seen: session.seen };
  const hnonce = message.subarray(1, 1 + AEAD_NONCE);
  const hct = message.subarray(1 + AEAD_NONCE, ENC_HEADER_END);
  let mk: Uint8Array | null = null;
  let raw = st.hkr ? aeadOpen(st.hkr, hnonce, hct, st.ad) : null;
  if (raw) {
    const h = parseHeader(raw);
    if (h.n < st.nr) mk = takeSkipped(st, st.hkr!, h.n) ?? fail('it was already read, or its key expired');
    else {
      skipKeys(st, h.n);
      mk = nextKey(st);
    }
  } else if (st.nhkr && (raw = aeadOpen(st.nhkr, hnonce, hct, st.ad))) {
    const h = parseHeader(raw);
    skipKeys(st, h.pn);
    st.pn = st.ns;
    st.ns = 0;
    st.nr = 0;
    st.hks = st.nhks;
    st.hkr = st.nhkr;
    st.dhr = h.dh;
    const [rk1, ckr, nhkr] = await kdfRoot(st.rk, dh(st.dhs.secretKey, h.dh));
    st.ckr = ckr!;
    st.nhkr = nhkr!;
    st.dhs = generateDhKeyPair();
    const [rk2, cks, nhks] = await kdfRoot(rk1!, dh(st.dhs.secretKey, h.dh));
    st.rk = rk2!;
    st.cks = cks!;
    st.nhks = nhks!;
    skipKeys(st, h.n);
    mk = nextKey(st);
  } else {
    const tried: Uint8Array[] = [];
    for (const k of st.skipped) {
      if (tried.some((t) => bytesEqual(t, k.hk))) continue;
      tried.push(k.hk);
      const r = aeadOpen(k.hk, hnonce, hct, st.ad);
      if (r) {
        mk = takeSkipped(st, k.hk, parseHeader(r).n) ?? fail('it was already read, or its key expired');
        break;
      }
    }
    if (!mk) fail('it was not encrypted for this conversation, or it was altered');
  }
  const nonce = message.subarray(ENC_HEADER_END, ENC_HEADER_END + AEAD_NONCE);
  const padded = aeadOpen(mk, nonce, message.subarray(ENC_HEADER_END + AEAD_NONCE), concatBytes(st.ad, message.subarray(0, ENC_HEADER_END)));
  if (!padded) fail('it was altered or forged');
  const plaintext = unpad(padded) ?? fail('bad padding');
  const seen = session.seen.length >= MAX_SEEN ? session.seen.slice(session.seen.length - MAX_SEEN + 1) : session.seen.slice();
  seen.push(digest);
  st.seen = seen;
  return { status: 'ok', session: st, plaintext };
}

const SESSION_LABEL = 'tincan/v1/session';

function opt(w: CanonicalWriter, b: Uint8Array | null): void {
  if (b) w.u8(1).fixed(b, 32);
  else w.u8(0);
}
function readOpt(r: CanonicalReader): Uint8Array | null {
  const f = r.u8();
  if (f === 0) return null;
  if (f !== 1) throw new RangeError('bad optional flag');
  return r.fixed(32).slice();
}

/** Serializes a session (contains secrets: store it as privately as the identity). */
export function encodeSession(s: Session): Uint8Array {
  const w = new CanonicalWriter().string(SESSION_LABEL).bytes(s.ad).fixed(encodePublicIdentity(s.peer), 128);
  w.fixed(s.sasKey, 32).fixed(s.wrapKey, 32).fixed(s.dhs.secretKey, 32);
  for (const k of [s.dhr, s.rk, s.cks, s.ckr, s.hks, s.hkr, s.nhks, s.nhkr]) opt(w, k);
  w.u32(s.ns).u32(s.nr).u32(s.pn).u32(s.skipped.length);
  for (const k of s.skipped) w.fixed(k.hk, 32).u32(k.n).fixed(k.mk, 32);
  w.u32(s.seen.length);
  for (const d of s.seen) w.fixed(na().from_hex(d), 16);
  return w.finish();
}

/** Parses encodeSession(); throws TincanError('bad-request') when damaged. */
export function decodeSession(b: Uint8Array): Session {
  try {
    const r = new CanonicalReader(b);
    if (r.string(64) !== SESSION_LABEL) throw new RangeError('not a session');
    const ad = r.bytes(4096).slice();
    const peer = decodePublicIdentity(r.fixed(128));
    const sasKey = r.fixed(32).slice();
    const wrapKey = r.fixed(32).slice();
    const dhSecret = r.fixed(32).slice();
    const dhr = readOpt(r), rk = readOpt(r), cks = readOpt(r), ckr = readOpt(r);
    const hks = readOpt(r), hkr = readOpt(r), nhks = readOpt(r), nhkr = readOpt(r);
    if (!rk) throw new RangeError('missing root key');
    const ns = r.u32();
    const nr = r.u32();
    const pn = r.u32();
    const nSkipped = r.u32();
    if (nSkipped > MAX_STORED_SKIPPED) throw new RangeError('too many skipped keys');
    const skipped: SkippedKey[] = [];
    for (let i = 0; i < nSkipped; i++) skipped.push({ hk: r.fixed(32).slice(), n: r.u32(), mk: r.fixed(32).slice() });
    const nSeen = r.u32();
    if (nSeen > MAX_SEEN) throw new RangeError('too many seen digests');
    const seen: string[] = [];
    for (let i = 0; i < nSeen; i++) seen.push(na().to_hex(r.fixed(16)));
    r.end();
    const dhs = { publicKey: na().crypto_scalarmult_base(dhSecret), secretKey: dhSecret };
    return { v: 1, ad, peer, sasKey, wrapKey, dhs, dhr, rk, cks, ckr, hks, hkr, nhks, nhkr, ns, nr, pn, skipped, seen };
  } catch (e) {
    throw new TincanError('bad-request', `The stored session is damaged (${(e as Error).message}).`);
  }
}
