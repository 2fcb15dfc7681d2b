/**
 * protocol/crypto — Tincan's end-to-end encryption, the only importer of libsodium. Runs unchanged
 * in Node >= 20 and browsers: libsodium-wrappers (standard build) for X25519, Ed25519,
 * XChaCha20-Poly1305, BLAKE2b, SHA-512 and randomness; WebCrypto for SHA-256/HMAC/HKDF; the sumo
 * build only lazily, for Argon2id. Everything is plain data (Uint8Array, numbers, strings, plain
 * objects) so it can be stored; nothing holds hidden state except the loaded libsodium module.
 * The constructions are specified in protocol/SPEC.md section 5; the threat model in section 6.
 *
 * FINAL API (differences from coord/CRYPTO-API.md are marked [+] added or [~] refined):
 *
 *   ready(): Promise<void>                                  await once before any other call
 *   randomBytes(n): Uint8Array
 *   sha256(data): Promise<Uint8Array>
 *   [+] hmacSha256(key, data), hkdf(ikm, salt, info, length): Promise<Uint8Array>
 *
 *   KeyPair {publicKey, secretKey}; DeviceIdentity {sign, dh, dhCert}; PublicIdentity {sign, dh, dhCert}
 *   generateIdentity(): Promise<DeviceIdentity>; publicIdentity(id)
 *   encodeIdentity(id) / decodeIdentity(bytes)             decode throws TincanError('bad-request')
 *   [+] decodeIdentitySignKeys(bytes): KeyPair              only the Ed25519 pair: no X25519, no cert check (cheap)
 *   [+] verifyPublicIdentity(p): boolean                    checks dhCert
 *   [+] encodePublicIdentity(p) / decodePublicIdentity(b)   fixed 128 bytes
 *   fingerprint(signPublic): string                         "3F2A 91C0 ..." (8 groups of 4 hex)
 *   generateSigningKeyPair(); sign(msg, sk); verify(sig, msg, pk)   Ed25519 detached
 *
 *   Invite {v, relays, secret, inviterSign, inviterDh, inviterDhCert, prekey, expiresAt, label}
 *     [~] expiresAt is kept in whole seconds (createInvite rounds down); decodeInvite checks the cert.
 *   PendingInvite {invite, prekeySecret}
 *   createInvite({identity, relays, expiresAt, label}): Promise<PendingInvite>   1..8 relays, label <= 32 B
 *   encodePendingInvite / decodePendingInvite
 *   encodeInvite(invite): "tincan:<b64u>"; inviteLink(invite, webBase): `${webBase}/#join=<b64u>`
 *   decodeInvite(text): Invite                              text, link or bare payload; TincanError('invite-malformed'); no expiry check
 *   deriveInviteLocation(secret, i): Promise<{channelId(16), token(32), tokenHash(32 = SHA-256(token))}>
 *
 *   Session (plain data; treat as opaque and immutable; continue with the one each call returns)
 *     [+] session.peer: PublicIdentity is readable.
 *   startJoin(invite, identity, firstPayload): Promise<{session, joinMessages}>   joinMessages[i] for relays[i]
 *   acceptJoin(pending, identity, joinMessage, locationIndex): Promise<{session, peer, firstPayload, joinId}>
 *     [+] joinId (32 B, the same on every copy of one join): accept each join only once.
 *     throws TincanError('decrypt-failed' | 'verification-failed'). Does not check expiry (the relay does).
 *   encrypt(session, plaintext): Promise<{session, message}>            plaintext <= MAX_PLAINTEXT (61436)
 *   decrypt(session, message): Promise<{status:'ok', session, plaintext} | {status:'duplicate'}>
 *     never changes state on failure; TincanError('decrypt-failed')
 *   encodeSession(s) / decodeSession(b)                     decode throws TincanError('bad-request')
 *   wrapForLocation(session, channelId, message) / unwrapFromLocation(session, channelId, data)
 *
 *   Payload {msgId(16), seq(from 1), prevHash(32), sentAt, kind, body}
 *   encodePayload / decodePayload (TincanError('decrypt-failed')); payloadHash(msgId): Promise<Uint8Array>
 *   [+] SequenceState, newSequenceState(), observeSequence(state, payload):
 *       Promise<{state, event: in-order | gap{missing} | late{seq} | repeat | chain-broken}>
 *
 *   safetyNumber(a, b): Promise<string> (60 digits, order-independent); sas(session): Promise<string> (6 digits)
 *   [+] formatSafetyNumber(digits): "12345 67890 ..."; safetyNumberQrText(digits): "tincan-safety:1:<digits>"
 *   sealWithPassphrase(plaintext, passphrase) / openWithPassphrase(sealed, passphrase)   TincanError('passphrase-wrong')
 *
 *   [+] constants: MAX_SKIP 1000, MAX_STORED_SKIPPED 2000, MAX_SEEN 2000, PAD_BUCKETS, MAX_PLAINTEXT,
 *       MAX_INVITE_RELAYS 8, MAX_LABEL_BYTES 32
 */
export { ready, randomBytes, generateSigningKeyPair, sign, verify, type KeyPair } from './sodium.ts';
export { sha256, hmacSha256, hkdf } from './kdf.ts';
export {
  type DeviceIdentity,
  type PublicIdentity,
  generateIdentity,
  publicIdentity,
  encodeIdentity,
  decodeIdentity,
  decodeIdentitySignKeys,
  verifyPublicIdentity,
  encodePublicIdentity,
  decodePublicIdentity,
  fingerprint,
} from './identity.ts';
export {
  type Invite,
  type PendingInvite,
  createInvite,
  encodeInvite,
  inviteLink,
  decodeInvite,
  encodePendingInvite,
  decodePendingInvite,
  deriveInviteLocation,
  MAX_INVITE_RELAYS,
  MAX_LABEL_BYTES,
} from './invite.ts';
export { startJoin, acceptJoin } from './handshake.ts';
export { type Session, encrypt, decrypt, encodeSession, decodeSession, MAX_SKIP, MAX_STORED_SKIPPED, MAX_SEEN } from './ratchet.ts';
export { wrapForLocation, unwrapFromLocation } from './wrap.ts';
export { PAD_BUCKETS, MAX_PLAINTEXT } from './padding.ts';
export {
  type Payload,
  type SequenceState,
  type SequenceEvent,
  encodePayload,
  decodePayload,
  payloadHash,
  newSequenceState,
  observeSequence,
} from './payload.ts';
export { safetyNumber, sas, formatSafetyNumber, safetyNumberQrText } from './safety.ts';
export { sealWithPassphrase, openWithPassphrase } from './passphrase.ts';
