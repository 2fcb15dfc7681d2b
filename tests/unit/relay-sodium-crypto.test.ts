// The CGI relay's libsodium Crypto port (server/adapters/sodium-crypto.ts) gives the same answers
// as the node:crypto one: RFC 8032 test vectors, real signatures, tampered ones, malformed keys;
// and the CGI entry falls back to node:crypto when the addon file is missing or is not sodium.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
import { createNodeCrypto } from '../../server/adapters/node-crypto.ts';
import { loadSodiumCrypto } from '../../server/adapters/sodium-crypto.ts';

const addon = path.join(path.dirname(createRequire(import.meta.url).resolve('sodium-native/package.json')), 'prebuilds', `${process.platform}-${process.arch}`, 'sodium-native.node');
const sodium = loadSodiumCrypto(addon);
const node = createNodeCrypto();

// RFC 8032 §7.1, tests 1–3 (public key, message, signature).
const RFC8032 = [
  ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '', 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
  ['3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72', '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
  ['fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'af82', '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'],
] as const;

describe('sodium-native Crypto port', () => {
  it('accepts the RFC 8032 vectors and rejects them with one bit flipped, like node:crypto', () => {
    for (const [pk, msg, sig] of RFC8032) {
      const [k, m, s] = [fromHex(pk)!, fromHex(msg)!, fromHex(sig)!];
      expect(sodium.verifyEd25519(k, m, s)).toBe(true);
      expect(node.verifyEd25519(k, m, s)).toBe(true);
      const bad = s.slice();
      bad[10]! ^= 0x04;
      expect(sodium.verifyEd25519(k, m, bad)).toBe(false);
      expect(sodium.verifyEd25519(k, new Uint8Array([...m, 0]), s)).toBe(false);
    }
  });

  it('agrees with node:crypto on fresh signatures, wrong keys and malformed input', () => {
    for (let i = 0; i < 50; i++) {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
      const msg = new Uint8Array(createHash('sha256').update(String(i)).digest()).subarray(0, i % 32);
      const sig = new Uint8Array(sign(null, msg, privateKey));
      const other = raw.slice();
      other[0]! ^= 1;
      for (const [k, s] of [[raw, sig], [other, sig], [raw, sig.subarray(0, 63)], [raw.subarray(0, 31), sig], [new Uint8Array(32), sig]] as const) {
        expect(sodium.verifyEd25519(k, msg, s)).toBe(node.verifyEd25519(k, msg, s));
      }
      expect(sodium.verifyEd25519(raw, msg, sig)).toBe(true);
    }
  });

  it('hashes like node:crypto and gives random bytes of the asked length', () => {
    for (const n of [0, 1, 55, 56, 64, 1000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 7) & 255);
      expect(sodium.sha256(data)).toEqual(node.sha256(data));
    }
    expect(sodium.randomBytes(0)).toHaveLength(0);
    const a = sodium.randomBytes(32);
    expect(a).toHaveLength(32);
    expect(a).not.toEqual(sodium.randomBytes(32));
  });

  it('refuses a missing file or a native module that is not sodium-native', () => {
    expect(() => loadSodiumCrypto(path.join(path.dirname(addon), 'missing.node'))).toThrow(/No such file|cannot open/i);
    const sqlite = path.join(path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    expect(() => loadSodiumCrypto(sqlite)).toThrow(/not the sodium-native addon/);
  });
});

describe('native base64url encoder of the Node relays', () => {
  it('gives exactly the portable encoder’s text for every length and offset', async () => {
    const { encodeBase64Url } = await import('../../server/adapters/node-host.ts');
    const { toBase64Url } = await import('../../protocol/encoding.ts');
    const big = sodium.randomBytes(300);
    for (let n = 0; n < 100; n++) {
      const view = big.subarray(n, n + n * 2);
      expect(encodeBase64Url(view)).toBe(toBase64Url(view));
    }
  });
});
