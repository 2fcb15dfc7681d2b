/**
 * Per-location wrapping: each copy of a ratchet message posted to a channel is sealed once more
 * under the session's wrap key with a fresh random nonce and the channel id as associated data, so
 * copies posted to different relays are not byte-identical and a copy cannot be moved to another
 * channel unnoticed (SPEC 5.8).
 */
import { CanonicalWriter, concatBytes } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import type { Session } from './ratchet.ts';
import { AEAD_NONCE, AEAD_TAG, aeadOpen, aeadSeal, randomBytes } from './sodium.ts';

function wrapAd(channelId: Uint8Array): Uint8Array {
  return new CanonicalWriter().string('tincan/v1/wrap').bytes(channelId).finish();
}

/** nonce(24) ‖ XChaCha20-Poly1305(wrapKey, nonce, message, AD = "tincan/v1/wrap" ‖ channelId). Draws 24 bytes. */
export function wrapForLocation(session: Session, channelId: Uint8Array, message: Uint8Array): Uint8Array {
  const nonce = randomBytes(AEAD_NONCE);
  return concatBytes(nonce, aeadSeal(session.wrapKey, nonce, message, wrapAd(channelId)));
}

/** Inverse of wrapForLocation; throws TincanError('decrypt-failed'). */
export function unwrapFromLocation(session: Session, channelId: Uint8Array, data: Uint8Array): Uint8Array {
  const out = data.length >= AEAD_NONCE + AEAD_TAG ? aeadOpen(session.wrapKey, data.subarray(0, AEAD_NONCE), data.subarray(AEAD_NONCE), wrapAd(channelId)) : null;
  if (!out) throw new TincanError('decrypt-failed', 'An envelope on this channel was not made by the conversation (altered, forged or moved from another channel); it was ignored.');
  return out;
}
