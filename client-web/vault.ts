/**
 * The optional passphrase lock of a browser's Tincan data. A random 256-bit data key seals every
 * stored record (AES-256-GCM through WebCrypto, the key held as a non-extractable CryptoKey in this
 * tab's memory only); the data key itself is stored sealed with the passphrase by
 * protocol/crypto's sealWithPassphrase (Argon2id + XChaCha20-Poly1305; the Argon2id build of
 * libsodium is loaded only here, so people without a passphrase never download it).
 */
import { sealWithPassphrase, openWithPassphrase, randomBytes, ready } from '../protocol/crypto/index.ts';
import type { RecordSealer } from './idb-store.ts';

/** What is stored (in clear) to find the data key again. */
export interface VaultRecord {
  v: 1;
  /** The data key, sealed with the passphrase. */
  sealedKey: Uint8Array;
}

const IV_BYTES = 12;

async function sealerFor(rawKey: Uint8Array): Promise<RecordSealer> {
  const key = await crypto.subtle.importKey('raw', rawKey as BufferSource, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  rawKey.fill(0);
  return {
    async seal(plain) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain as BufferSource));
      const out = new Uint8Array(IV_BYTES + ct.length);
      out.set(iv);
      out.set(ct, IV_BYTES);
      return out;
    },
    async open(sealed) {
      const iv = sealed.slice(0, IV_BYTES);
      return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed.subarray(IV_BYTES) as BufferSource));
    },
  };
}

/** Makes a new vault for `passphrase`: the record to store and the sealer to use now. */
export async function createVault(passphrase: string): Promise<{ record: VaultRecord; sealer: RecordSealer }> {
  await ready();
  const raw = randomBytes(32);
  const sealedKey = await sealWithPassphrase(raw, passphrase);
  return { record: { v: 1, sealedKey }, sealer: await sealerFor(raw) };
}

/** Unlocks a vault; throws TincanError('passphrase-wrong') for a wrong passphrase. */
export async function openVault(record: VaultRecord, passphrase: string): Promise<RecordSealer> {
  await ready();
  return sealerFor(await openWithPassphrase(record.sealedKey, passphrase));
}
