/**
 * Keys at rest: Argon2id (crypto_pwhash, only in the sumo build of libsodium-wrappers, loaded
 * lazily on first use so the web client does not pay for it up front) then XChaCha20-Poly1305.
 * Layout (SPEC 5.11): "tincan/v1/pw" string ‖ u32 opslimit ‖ u32 memlimit KiB ‖ salt(16) ‖
 * nonce(24) ‖ ciphertext; everything before the ciphertext is the associated data.
 */
import { CanonicalReader, CanonicalWriter, concatBytes } from '../encoding.ts';
import { TincanError } from '../errors.ts';
import { AEAD_NONCE, aeadOpen, aeadSeal, randomBytes } from './sodium.ts';

const LABEL = 'tincan/v1/pw';
/** Argon2id parameters: libsodium's INTERACTIVE level (2 passes, 64 MiB). */
export const PW_OPSLIMIT = 2;
export const PW_MEMLIMIT_KIB = 65536;

type Sumo = typeof import('libsodium-wrappers-sumo');
let sumo: Promise<Sumo> | null = null;

function loadSumo(): Promise<Sumo> {
  sumo ??= import('libsodium-wrappers-sumo').then(async (m) => {
    const s = ((m as unknown as { default?: Sumo }).default ?? m) as Sumo;
    await s.ready;
    return s;
  });
  return sumo;
}

async function deriveKey(passphrase: string, salt: Uint8Array, ops: number, memKib: number): Promise<Uint8Array> {
  const s = await loadSumo();
  return s.crypto_pwhash(32, passphrase, salt, ops, memKib * 1024, s.crypto_pwhash_ALG_ARGON2ID13);
}

/** Encrypts with a key derived from the passphrase (draws 16 salt + 24 nonce bytes). */
export async function sealWithPassphrase(plaintext: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const salt = randomBytes(16);
  const nonce = randomBytes(AEAD_NONCE);
  const head = new CanonicalWriter().string(LABEL).u32(PW_OPSLIMIT).u32(PW_MEMLIMIT_KIB).fixed(salt, 16).fixed(nonce, AEAD_NONCE).finish();
  const key = await deriveKey(passphrase, salt, PW_OPSLIMIT, PW_MEMLIMIT_KIB);
  return concatBytes(head, aeadSeal(key, nonce, plaintext, head));
}

/** Opens sealWithPassphrase output; throws TincanError('passphrase-wrong') (wrong passphrase or damaged data). */
export async function openWithPassphrase(sealed: Uint8Array, passphrase: string): Promise<Uint8Array> {
  let ops: number, mem: number, salt: Uint8Array, nonce: Uint8Array, headLen: number;
  try {
    const r = new CanonicalReader(sealed);
    if (r.string(64) !== LABEL) throw new RangeError('not sealed by Tincan');
    ops = r.u32();
    mem = r.u32();
    salt = r.fixed(16);
    nonce = r.fixed(AEAD_NONCE);
    headLen = sealed.length - r.remaining;
    if (ops < 1 || ops > 10 || mem < 8 || mem > 1 << 20) throw new RangeError('unreasonable parameters');
  } catch (e) {
    throw new TincanError('passphrase-wrong', `This file was not sealed by Tincan or is damaged (${(e as Error).message}).`);
  }
  const key = await deriveKey(passphrase, salt, ops, mem);
  const out = aeadOpen(key, nonce, sealed.subarray(headLen), sealed.subarray(0, headLen));
  if (!out) throw new TincanError('passphrase-wrong', 'Wrong passphrase (or the file is damaged). Try again.');
  return out;
}
