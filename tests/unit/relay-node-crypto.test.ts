// The relay's node:crypto adapter: signatures verified ahead on the thread pool are trusted only
// for the exact key, message and signature that were verified, and only once.
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createNodeCrypto } from '../../server/adapters/node-crypto.ts';

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  return { raw, sign: (m: Uint8Array) => new Uint8Array(sign(null, m, privateKey)) };
}
const bytes = (s: string) => new TextEncoder().encode(s);

describe('node crypto adapter', () => {
  it('verifies good signatures and rejects bad ones, with or without verifying ahead', async () => {
    const c = createNodeCrypto();
    const k = keyPair();
    const msg = bytes('POST /v1/channels/x/envelopes');
    const sig = k.sign(msg);
    expect(c.verifyEd25519(k.raw, msg, sig)).toBe(true);
    await c.preverifyEd25519(k.raw, msg, sig);
    expect(c.verifyEd25519(k.raw, msg, sig)).toBe(true);
    // Still true afterwards: the entry is used once, then full verification answers.
    expect(c.verifyEd25519(k.raw, msg, sig)).toBe(true);
    const bad = sig.slice();
    bad[5]! ^= 1;
    await c.preverifyEd25519(k.raw, msg, bad);
    expect(c.verifyEd25519(k.raw, msg, bad)).toBe(false);
  });

  it('a signature verified ahead does not vouch for another message or key', async () => {
    const c = createNodeCrypto();
    const k = keyPair();
    const other = keyPair();
    const msg = bytes('GET /v1/channels/x/envelopes?after=1');
    const sig = k.sign(msg);
    await c.preverifyEd25519(k.raw, msg, sig);
    expect(c.verifyEd25519(k.raw, bytes('GET /v1/channels/x/envelopes?after=2'), sig)).toBe(false);
    await c.preverifyEd25519(k.raw, msg, sig);
    expect(c.verifyEd25519(other.raw, msg, sig)).toBe(false);
    // Malformed keys and signatures are refused, never thrown.
    await c.preverifyEd25519(new Uint8Array(31), msg, sig);
    await c.preverifyEd25519(new Uint8Array(32).fill(255), msg, sig);
    expect(c.verifyEd25519(new Uint8Array(32).fill(255), msg, sig)).toBe(false);
  });
});

describe('standalone relay on node:crypto (signatures verified on the thread pool)', () => {
  it('accepts signed requests and refuses forged and replayed ones', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { startStandaloneRelay } = await import('../../server/main-standalone.ts');
    const { authHeader, b64, json, newKey, rand } = await import('../../server/test-support/signer.ts');
    const dir = mkdtempSync(path.join(tmpdir(), 'tincan-node-crypto-'));
    const owner = newKey();
    const relay = await startStandaloneRelay({ dataDir: dir, owner: owner.publicKey, crypto: 'node:crypto', log: { info() {}, warn() {}, error() {} } });
    try {
      const post = (auth: string, body: Uint8Array) => fetch(`${relay.url}/v1/channels`, { method: 'POST', headers: { 'x-tincan-auth': auth }, body: Buffer.from(body) });
      const body = json({ channel: b64(rand(16)), member: newKey().b64 });
      const auth = authHeader(owner, 'POST', '/v1/channels', body);
      expect((await post(auth, body)).status).toBe(201);
      const replay = await post(auth, body);
      expect([replay.status, (await replay.json()).error.code]).toEqual([401, 'replayed-request']);
      const other = json({ channel: b64(rand(16)), member: newKey().b64 });
      const forged = await post(authHeader(owner, 'POST', '/v1/channels', body), other);
      expect([forged.status, (await forged.json()).error.code]).toEqual([401, 'auth-invalid']);
      expect((await (await fetch(`${relay.url}/v1/check`)).json()).crypto).toBe('node:crypto');
    } finally {
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
