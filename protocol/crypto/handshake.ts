/**
 * First contact from an invite (X3DH-shaped, SPEC 5.5). The joiner proves knowledge of the
 * invite secret (psk), of its device key (DH1) and of a fresh ephemeral key; the inviter proves
 * possession of its device key and of the one-time prekey, both taken from the invite, which
 * travelled out of band. The joiner's identity travels in an id box that only the prekey holder
 * can open, so the relay never learns it. The join message carries the first ratchet message.
 */
import { CanonicalReader, CanonicalWriter, concatBytes } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import { type DeviceIdentity, type PublicIdentity, decodePublicIdentity, encodePublicIdentity, publicIdentity, verifyPublicIdentity } from './identity.ts';
import { type Invite, type PendingInvite, deriveInviteLocation, inviteKey } from './invite.ts';
import { hkdf, split } from './kdf.ts';
import { type RatchetSeed, type Session, decrypt, encrypt, initReceiver, initSender } from './ratchet.ts';
import { AEAD_NONCE, aeadOpen, aeadSeal, dh, generateDhKeyPair, randomBytes, secretEqual } from './sodium.ts';

export const JOIN_VERSION = 1;
const ID_BOX_LEN = 128 + 16;
const ID_NONCE = new Uint8Array(AEAD_NONCE); // the id key is used exactly once (fresh per ephemeral key)

function sessionAd(joiner: PublicIdentity, inviterSign: Uint8Array, inviterDh: Uint8Array, prekey: Uint8Array, ek: Uint8Array): Uint8Array {
  return new CanonicalWriter()
    .string('tincan/v1/ad')
    .fixed(joiner.sign, 32)
    .fixed(joiner.dh, 32)
    .fixed(inviterSign, 32)
    .fixed(inviterDh, 32)
    .fixed(prekey, 32)
    .fixed(ek, 32)
    .finish();
}

async function keySchedule(psk: Uint8Array, dh1: Uint8Array, dh2: Uint8Array, dh3: Uint8Array, ad: Uint8Array, peer: PublicIdentity): Promise<RatchetSeed> {
  const ikm = concatBytes(new Uint8Array(32).fill(0xff), dh1, dh2, dh3);
  const [sk, hka, nhkb, sasKey, wrapKey] = split(await hkdf(ikm, psk, 'tincan/v1/x3dh', 160), 32, 32, 32, 32, 32);
  return { ad, peer, sk: sk!, hka: hka!, nhkb: nhkb!, sasKey: sasKey!, wrapKey: wrapKey! };
}

function idKey(psk: Uint8Array, dh3: Uint8Array): Promise<Uint8Array> {
  return hkdf(dh3, psk, 'tincan/v1/id', 32);
}

function joinWrapAd(channelId: Uint8Array): Uint8Array {
  return new CanonicalWriter().string('tincan/v1/join').bytes(channelId).finish();
}

/**
 * Joiner: builds one join message per invite relay (index i for relays[i]), each wrapped under a
 * key from the invite secret with that location's channel id as associated data, so copies differ
 * byte for byte. Draws: ephemeral 32, ratchet key 32, header nonce 24, body nonce 24, then 24 per relay.
 */
export async function startJoin(invite: Invite, identity: DeviceIdentity, firstPayload: Uint8Array): Promise<{ session: Session; joinMessages: Uint8Array[] }> {
  const psk = await inviteKey(invite.secret, 'tincan/v1/psk', 32);
  const me = publicIdentity(identity);
  const ek = generateDhKeyPair();
  const dh1 = dh(identity.dh.secretKey, invite.prekey, 'verification-failed');
  const dh2 = dh(ek.secretKey, invite.inviterDh, 'verification-failed');
  const dh3 = dh(ek.secretKey, invite.prekey, 'verification-failed');
  const ad = sessionAd(me, invite.inviterSign, invite.inviterDh, invite.prekey, ek.publicKey);
  const peer: PublicIdentity = { sign: invite.inviterSign, dh: invite.inviterDh, dhCert: invite.inviterDhCert };
  const seed = await keySchedule(psk, dh1, dh2, dh3, ad, peer);
  const idBox = aeadSeal(await idKey(psk, dh3), ID_NONCE, encodePublicIdentity(me), ek.publicKey);
  const first = await encrypt(await initSender(seed, invite.prekey), firstPayload);
  const join = concatBytes(Uint8Array.of(JOIN_VERSION), ek.publicKey, idBox, first.message);
  const wrapKey = await inviteKey(invite.secret, 'tincan/v1/join-wrap', 32);
  const joinMessages: Uint8Array[] = [];
  for (let i = 0; i < invite.relays.length; i++) {
    const { channelId } = await deriveInviteLocation(invite.secret, i);
    const nonce = randomBytes(AEAD_NONCE);
    joinMessages.push(concatBytes(nonce, aeadSeal(wrapKey, nonce, join, joinWrapAd(channelId))));
  }
  return { session: first.session, joinMessages };
}

/**
 * Inviter: opens a join message that arrived at location `locationIndex`. Throws
 * TincanError('decrypt-failed') for anything not made from this invite, and
 * TincanError('verification-failed') when the joiner's device certificate is invalid.
 * `joinId` (the joiner's ephemeral key) is the same on every copy: accept each join once.
 */
export async function acceptJoin(
  pending: PendingInvite,
  identity: DeviceIdentity,
  joinMessage: Uint8Array,
  locationIndex: number,
): Promise<{ session: Session; peer: PublicIdentity; firstPayload: Uint8Array; joinId: Uint8Array }> {
  const { invite, prekeySecret } = pending;
  if (!secretEqual(identity.dh.publicKey, invite.inviterDh)) throw new TincanError('verification-failed', 'This invite was made by another device.');
  const { channelId } = await deriveInviteLocation(invite.secret, locationIndex);
  const wrapKey = await inviteKey(invite.secret, 'tincan/v1/join-wrap', 32);
  const bad = (why: string): never => {
    throw new TincanError('decrypt-failed', `This join request is not valid for the invite (${why}); it was ignored.`);
  };
  if (joinMessage.length < AEAD_NONCE + 16) bad('too short');
  const join = aeadOpen(wrapKey, joinMessage.subarray(0, AEAD_NONCE), joinMessage.subarray(AEAD_NONCE), joinWrapAd(channelId)) ?? bad('not made from this invite for this location');
  const r = new CanonicalReader(join);
  let ek: Uint8Array, idBox: Uint8Array, first: Uint8Array;
  try {
    if (r.u8() !== JOIN_VERSION) bad('unknown version');
    ek = r.fixed(32).slice();
    idBox = r.fixed(ID_BOX_LEN);
    first = r.fixed(r.remaining);
  } catch (e) {
    if (e instanceof TincanError) throw e;
    return bad('truncated');
  }
  const psk = await inviteKey(invite.secret, 'tincan/v1/psk', 32);
  const dh3 = dh(prekeySecret, ek);
  const idBytes = aeadOpen(await idKey(psk, dh3), ID_NONCE, idBox, ek) ?? bad('identity box does not open');
  const peer = decodePublicIdentity(idBytes);
  if (!verifyPublicIdentity(peer)) throw new TincanError('verification-failed', "The joiner's device key is not certified by their identity key; the join was refused.");
  const dh1 = dh(prekeySecret, peer.dh);
  const dh2 = dh(identity.dh.secretKey, ek);
  const ad = sessionAd(peer, invite.inviterSign, invite.inviterDh, invite.prekey, ek);
  const seed = await keySchedule(psk, dh1, dh2, dh3, ad, peer);
  const session = initReceiver(seed, { publicKey: invite.prekey, secretKey: prekeySecret });
  const opened = await decrypt(session, first);
  if (opened.status !== 'ok') return bad('duplicate');
  return { session: opened.session, peer, firstPayload: opened.plaintext, joinId: ek };
}
