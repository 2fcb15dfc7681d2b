/**
 * Identities and devices. A person's identity is an Ed25519 signing key pair; each device (a CLI
 * home, a browser profile) has its own X25519 key pair, certified by the identity key. Ratchet
 * state belongs to one device and is never copied to another.
 */
import { CanonicalReader, CanonicalWriter } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import { blake2b, generateDhKeyPair, generateSigningKeyPair, na, sign, verify, type KeyPair } from './sodium.ts';

/** A device's keys: the person's Ed25519 identity key, the device's X25519 key and its certificate. */
export interface DeviceIdentity {
  sign: KeyPair;
  dh: KeyPair;
  dhCert: Uint8Array;
}

/** The public half of a DeviceIdentity, as a peer knows it. */
export interface PublicIdentity {
  sign: Uint8Array;
  dh: Uint8Array;
  dhCert: Uint8Array;
}

const DH_CERT_LABEL = 'tincan/v1/dh-cert';

/** The bytes an identity key signs to certify a device DH key (SPEC 5.3). */
export function dhCertMessage(dhPublic: Uint8Array): Uint8Array {
  return new CanonicalWriter().string(DH_CERT_LABEL).fixed(dhPublic, 32).finish();
}

/** Whether `id.dhCert` is the identity key's signature over its DH key. */
export function verifyPublicIdentity(id: PublicIdentity): boolean {
  return id.sign.length === 32 && id.dh.length === 32 && verify(id.dhCert, dhCertMessage(id.dh), id.sign);
}

/** Makes a new identity and device key, with the certificate (draws 32 + 32 random bytes). */
export async function generateIdentity(): Promise<DeviceIdentity> {
  const s = generateSigningKeyPair();
  const d = generateDhKeyPair();
  return { sign: s, dh: d, dhCert: sign(dhCertMessage(d.publicKey), s.secretKey) };
}

/** The public half of a device identity. */
export function publicIdentity(id: DeviceIdentity): PublicIdentity {
  return { sign: id.sign.publicKey, dh: id.dh.publicKey, dhCert: id.dhCert };
}

/** Serializes a device identity with its secrets (store it encrypted or in a private file). */
export function encodeIdentity(id: DeviceIdentity): Uint8Array {
  return new CanonicalWriter()
    .string('tincan/v1/identity')
    .fixed(id.sign.secretKey, 64)
    .fixed(id.dh.secretKey, 32)
    .fixed(id.dhCert, 64)
    .finish();
}

/** Parses encodeIdentity() output; throws TincanError('bad-request') when malformed. */
export function decodeIdentity(b: Uint8Array): DeviceIdentity {
  try {
    const r = new CanonicalReader(b);
    if (r.string(64) !== 'tincan/v1/identity') throw new RangeError('not an identity');
    const signSecret = r.fixed(64).slice();
    const dhSecret = r.fixed(32).slice();
    const dhCert = r.fixed(64).slice();
    r.end();
    const id: DeviceIdentity = {
      sign: { publicKey: signSecret.slice(32), secretKey: signSecret },
      dh: { publicKey: na().crypto_scalarmult_base(dhSecret), secretKey: dhSecret },
      dhCert,
    };
    if (!verifyPublicIdentity(publicIdentity(id))) throw new RangeError('certificate does not match');
    return id;
  } catch (e) {
    if (e instanceof TincanError) throw e;
    throw new TincanError('bad-request', `The stored identity is damaged (${(e as Error).message}).`);
  }
}

/**
 * Only the identity (Ed25519) key pair of encodeIdentity() output, without deriving the X25519
 * public key or checking the certificate: no public-key operation at all. For a caller that only
 * signs or keys a MAC with it (a fresh `tincan send`: decodeIdentity's two public-key operations
 * were ~5 ms of its ~60 ms of CPU). Throws TincanError('bad-request') when malformed, as
 * decodeIdentity does; a certificate that does not match is found by decodeIdentity only.
 */
export function decodeIdentitySignKeys(b: Uint8Array): KeyPair {
  try {
    const r = new CanonicalReader(b);
    if (r.string(64) !== 'tincan/v1/identity') throw new RangeError('not an identity');
    const signSecret = r.fixed(64).slice();
    r.fixed(32);
    r.fixed(64);
    r.end();
    return { publicKey: signSecret.slice(32), secretKey: signSecret };
  } catch (e) {
    if (e instanceof TincanError) throw e;
    throw new TincanError('bad-request', `The stored identity is damaged (${(e as Error).message}).`);
  }
}

/** Fixed 128-byte form of a public identity: sign(32) ‖ dh(32) ‖ dhCert(64). */
export function encodePublicIdentity(p: PublicIdentity): Uint8Array {
  return new CanonicalWriter().fixed(p.sign, 32).fixed(p.dh, 32).fixed(p.dhCert, 64).finish();
}

/** Parses encodePublicIdentity(); throws RangeError when malformed (certificate not checked). */
export function decodePublicIdentity(b: Uint8Array): PublicIdentity {
  const r = new CanonicalReader(b);
  const p = { sign: r.fixed(32).slice(), dh: r.fixed(32).slice(), dhCert: r.fixed(64).slice() };
  r.end();
  return p;
}

/**
 * Short human fingerprint of an identity key, 8 groups of 4 hex digits:
 * BLAKE2b-128("tincan/v1/fingerprint" ‖ key). For `whoami`; verification uses safetyNumber().
 */
export function fingerprint(signPublic: Uint8Array): string {
  const h = blake2b(16, new CanonicalWriter().string('tincan/v1/fingerprint').fixed(signPublic, 32).finish());
  const hex = Array.from(h, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
  return hex.match(/.{4}/g)!.join(' ');
}
