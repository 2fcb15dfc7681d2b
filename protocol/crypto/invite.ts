/**
 * Invites: a one-time key handed out of band (text `tincan:...`, a link whose fragment carries the
 * same payload, or a QR code of either). It holds the relay locations, the inviter's public keys, a
 * one-time X25519 prekey and a 32-byte secret that no relay ever sees; relays only learn values
 * derived one-way from it (channel id, token hash). Layout and derivations: SPEC.md 5.4.
 */
import { CanonicalReader, CanonicalWriter, fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import { type DeviceIdentity, verifyPublicIdentity } from './identity.ts';
import { hkdf, sha256 } from './kdf.ts';
import { generateDhKeyPair, randomBytes } from './sodium.ts';

export const INVITE_VERSION = 1;
export const MAX_INVITE_RELAYS = 8;
export const MAX_LABEL_BYTES = 32;
export const MAX_RELAY_URL_BYTES = 255;

/** What the invite carries (all public except `secret`, which only the two people see). */
export interface Invite {
  v: 1;
  /** Relay base URLs; location i uses derivation index i. */
  relays: string[];
  /** 32 bytes; never sent to any relay. */
  secret: Uint8Array;
  /** Inviter's Ed25519 identity key. */
  inviterSign: Uint8Array;
  /** Inviter's X25519 device key. */
  inviterDh: Uint8Array;
  /** Identity key's certificate over the device key (checked by decodeInvite). */
  inviterDhCert: Uint8Array;
  /** One-time X25519 invite prekey (public). */
  prekey: Uint8Array;
  /** Unix ms, a whole second (the encoding keeps seconds). */
  expiresAt: number;
  /** How the inviter wants to be called, <= 32 UTF-8 bytes ('' allowed). */
  label: string;
}

/** What the inviter keeps until the invite is used (serializable). */
export interface PendingInvite {
  invite: Invite;
  prekeySecret: Uint8Array;
}

function checkRelays(relays: string[]): void {
  if (relays.length < 1 || relays.length > MAX_INVITE_RELAYS) throw new RangeError(`an invite needs 1 to ${MAX_INVITE_RELAYS} relays`);
  for (const r of relays) {
    const n = utf8(r).length;
    if (!/^https?:\/\/[\x21-\x7e]+$/.test(r) || n > MAX_RELAY_URL_BYTES) throw new RangeError(`not a relay URL (http(s), ASCII, <= 255 bytes): ${r}`);
  }
}

/** Makes an invite (draws 32 bytes of secret, then 32 for the prekey). */
export async function createInvite(o: { identity: DeviceIdentity; relays: string[]; expiresAt: number; label: string }): Promise<PendingInvite> {
  checkRelays(o.relays);
  if (utf8(o.label).length > MAX_LABEL_BYTES) throw new RangeError(`the invite label is longer than ${MAX_LABEL_BYTES} bytes`);
  const secret = randomBytes(32);
  const pre = generateDhKeyPair();
  const invite: Invite = {
    v: 1,
    relays: [...o.relays],
    secret,
    inviterSign: o.identity.sign.publicKey,
    inviterDh: o.identity.dh.publicKey,
    inviterDhCert: o.identity.dhCert,
    prekey: pre.publicKey,
    expiresAt: Math.floor(o.expiresAt / 1000) * 1000,
    label: o.label,
  };
  return { invite, prekeySecret: pre.secretKey };
}

/** The compact binary form (SPEC 5.4): fixed fields, then u8-length-prefixed label and relays. */
export function inviteBytes(invite: Invite): Uint8Array {
  checkRelays(invite.relays);
  const label = utf8(invite.label);
  if (label.length > MAX_LABEL_BYTES) throw new RangeError('label too long');
  const w = new CanonicalWriter()
    .u8(INVITE_VERSION)
    .fixed(invite.secret, 32)
    .fixed(invite.inviterSign, 32)
    .fixed(invite.inviterDh, 32)
    .fixed(invite.inviterDhCert, 64)
    .fixed(invite.prekey, 32)
    .u32(Math.floor(invite.expiresAt / 1000))
    .u8(label.length)
    .fixed(label, label.length)
    .u8(invite.relays.length);
  for (const r of invite.relays) {
    const b = utf8(r);
    w.u8(b.length).fixed(b, b.length);
  }
  return w.finish();
}

function parseInviteBytes(b: Uint8Array): Invite {
  const r = new CanonicalReader(b);
  if (r.u8() !== INVITE_VERSION) throw new RangeError('unknown invite version');
  const secret = r.fixed(32).slice();
  const inviterSign = r.fixed(32).slice();
  const inviterDh = r.fixed(32).slice();
  const inviterDhCert = r.fixed(64).slice();
  const prekey = r.fixed(32).slice();
  const expiresAt = r.u32() * 1000;
  const labelLen = r.u8();
  if (labelLen > MAX_LABEL_BYTES) throw new RangeError('label too long');
  const label = fromUtf8(r.fixed(labelLen));
  if (label === null) throw new RangeError('label is not UTF-8');
  const count = r.u8();
  const relays: string[] = [];
  for (let i = 0; i < count; i++) {
    const url = fromUtf8(r.fixed(r.u8()));
    if (url === null) throw new RangeError('relay URL is not UTF-8');
    relays.push(url);
  }
  r.end();
  checkRelays(relays);
  const invite: Invite = { v: 1, relays, secret, inviterSign, inviterDh, inviterDhCert, prekey, expiresAt, label };
  if (!verifyPublicIdentity({ sign: inviterSign, dh: inviterDh, dhCert: inviterDhCert })) throw new RangeError("the inviter's device certificate is invalid");
  return invite;
}

/** Text form: `tincan:<base64url of inviteBytes>`. */
export function encodeInvite(invite: Invite): string {
  return `tincan:${toBase64Url(inviteBytes(invite))}`;
}

/** Link form: `${webBase}/#join=<payload>`; the fragment never reaches a server. */
export function inviteLink(invite: Invite, webBase: string): string {
  return `${webBase.replace(/\/+$/, '')}/#join=${toBase64Url(inviteBytes(invite))}`;
}

/**
 * Accepts the text form, the link form, or the bare payload (whitespace anywhere is ignored).
 * Throws TincanError('invite-malformed'). Does NOT check expiry.
 */
export function decodeInvite(text: string): Invite {
  let payload = text.trim();
  const hash = payload.indexOf('#');
  if (hash >= 0) {
    const params = new URLSearchParams(payload.slice(hash + 1));
    payload = params.get('join') ?? '';
  } else if (payload.toLowerCase().startsWith('tincan:')) {
    payload = payload.slice('tincan:'.length);
  }
  // Mail and chat programs wrap long lines: whitespace inside the payload is ignored.
  const bytes = fromBase64Url(payload.replace(/\s+/g, ''));
  if (!bytes || bytes.length === 0) throw new TincanError('invite-malformed', 'This is not a Tincan invite: copy the whole "tincan:..." text or link and try again.');
  try {
    return parseInviteBytes(bytes);
  } catch (e) {
    throw new TincanError('invite-malformed', `This invite is damaged or incomplete (${(e as Error).message}); ask for a new one.`);
  }
}

/** Serializes what the inviter keeps. */
export function encodePendingInvite(p: PendingInvite): Uint8Array {
  return new CanonicalWriter().string('tincan/v1/pending-invite').bytes(inviteBytes(p.invite)).fixed(p.prekeySecret, 32).finish();
}

/** Parses encodePendingInvite(); throws TincanError('invite-malformed'). */
export function decodePendingInvite(b: Uint8Array): PendingInvite {
  try {
    const r = new CanonicalReader(b);
    if (r.string(64) !== 'tincan/v1/pending-invite') throw new RangeError('not a pending invite');
    const invite = parseInviteBytes(r.bytes(4096));
    const prekeySecret = r.fixed(32).slice();
    r.end();
    return { invite, prekeySecret };
  } catch (e) {
    throw new TincanError('invite-malformed', `The stored invite is damaged (${(e as Error).message}).`);
  }
}

const INVITE_SALT = utf8('tincan/v1/invite');

/** HKDF-SHA-256(ikm = secret, salt = "tincan/v1/invite", info = label). */
export function inviteKey(secret: Uint8Array, info: string, length: number): Promise<Uint8Array> {
  if (secret.length !== 32) throw new RangeError('invite secret must be 32 bytes');
  return hkdf(secret, INVITE_SALT, info, length);
}

/** One-way values a relay may learn for location i: channel id (16), token (32), SHA-256(token). */
export async function deriveInviteLocation(secret: Uint8Array, index: number): Promise<{ channelId: Uint8Array; token: Uint8Array; tokenHash: Uint8Array }> {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_INVITE_RELAYS) throw new RangeError('location index out of range');
  const channelId = await inviteKey(secret, `tincan/v1/channel/${index}`, 16);
  const token = await inviteKey(secret, `tincan/v1/token/${index}`, 32);
  return { channelId, token, tokenHash: await sha256(token) };
}
