// decodeIdentitySignKeys: the signing half of a stored identity, read without public-key work, must
// be exactly the key pair decodeIdentity gives (signatures made with it verify under the identity
// key) and must refuse what decodeIdentity refuses as malformed.
import { beforeAll, describe, expect, it } from 'vitest';
import { TincanError } from '../errors.ts';
import { decodeIdentity, decodeIdentitySignKeys, encodeIdentity, generateIdentity, ready, sign, verify } from './index.ts';

beforeAll(() => ready());

describe('decodeIdentitySignKeys', () => {
  it('gives the same Ed25519 key pair as decodeIdentity', async () => {
    const id = await generateIdentity();
    const bytes = encodeIdentity(id);
    const keys = decodeIdentitySignKeys(bytes);
    expect(keys.publicKey).toEqual(decodeIdentity(bytes).sign.publicKey);
    expect(keys.secretKey).toEqual(id.sign.secretKey);
    const msg = new TextEncoder().encode('relay request');
    expect(verify(sign(msg, keys.secretKey), msg, id.sign.publicKey)).toBe(true);
  });

  it('refuses malformed bytes with bad-request, as decodeIdentity does', async () => {
    const bytes = encodeIdentity(await generateIdentity());
    for (const bad of [bytes.subarray(0, bytes.length - 1), new Uint8Array([...bytes, 0]), new Uint8Array(8)]) {
      expect(() => decodeIdentity(bad)).toThrow(TincanError);
      let err: unknown;
      try {
        decodeIdentitySignKeys(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TincanError);
      expect((err as TincanError).code).toBe('bad-request');
    }
  });
});
