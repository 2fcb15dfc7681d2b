/**
 * Helpers for end-to-end tests of a relay reached over real HTTP: Ed25519 keys and signing with
 * node:crypto (real crypto, no mocks), a protocol/client RelayClient on fetch, and the relay-level
 * journey (owner opens a channel with a one-time token, a second member joins, both post and read).
 * Also `makeBundle()`, which runs the real bundle writer on the built dist/cgi.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RelayClient, type SigningKeys } from '../../../protocol/client/relay-client.ts';
import type { Http } from '../../../protocol/client/ports.ts';
import { toBase64Url } from '../../../protocol/encoding.ts';
import { writeRelayBundle, type RelayBundleOptions, type RelayBundleResult } from '../../../deploy/write-relay-bundle.ts';
import { nodeForWebUser } from './web-servers.ts';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A fresh Ed25519 key pair in libsodium's layout (secretKey = seed ‖ publicKey). */
export function newKeys(): SigningKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  return { publicKey: new Uint8Array(pub), secretKey: new Uint8Array(Buffer.concat([seed, pub])) };
}

function signEd25519(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, secretKey.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  return new Uint8Array(sign(null, message, key));
}

/** Http port on global fetch. */
export const fetchHttp: Http = {
  async request(req) {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body ? { body: Buffer.from(req.body) } : {}),
      signal: req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]) : AbortSignal.timeout(req.timeoutMs),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    return { status: res.status, headers, body: new Uint8Array(await res.arrayBuffer()) };
  },
};

/** A RelayClient for `baseUrl`, on fetch and node:crypto. */
export function relayClient(baseUrl: string, timeoutMs = 30_000): RelayClient {
  return new RelayClient(baseUrl, {
    http: fetchHttp,
    clock: { now: () => Date.now() },
    timeoutMs,
    crypto: {
      sha256: async (d) => new Uint8Array(createHash('sha256').update(d).digest()),
      sign: signEd25519,
      randomBytes: (n) => new Uint8Array(randomBytes(n)),
    },
  });
}

export const newChannelId = () => toBase64Url(randomBytes(16));
export const newEnvelopeId = () => toBase64Url(randomBytes(16));

/**
 * The relay-level journey: the owner opens a channel (member key `alice`) with a one-time token,
 * `bob` redeems it, a second redemption fails with invite-used, both post and each reads the
 * other's envelope. Returns what each side read.
 */
export async function relayJourney(baseUrl: string, owner: SigningKeys) {
  const relay = relayClient(baseUrl);
  const alice = newKeys();
  const bob = newKeys();
  const mallory = newKeys();
  const channel = newChannelId();
  const token = new Uint8Array(randomBytes(32));
  const tokenHash = new Uint8Array(createHash('sha256').update(token).digest());
  await relay.info();
  const opened = await relay.openChannel(owner, { channel, member: alice.publicKey, token: { hash: tokenHash, expiresAt: Date.now() + 3_600_000 } });
  const joined = await relay.join(bob, channel, token);
  const secondUse = await relay.join(mallory, channel, token).then(
    () => 'accepted',
    (e: { code?: string }) => e.code ?? String(e),
  );
  const fromAlice = new TextEncoder().encode('hi bob (opaque bytes to the relay)');
  const fromBob = new TextEncoder().encode('hi alice');
  const p1 = await relay.post(alice, channel, newEnvelopeId(), fromAlice);
  const p2 = await relay.post(bob, channel, newEnvelopeId(), fromBob);
  const bobRead = await relay.fetch(bob, channel, { after: 0 });
  const aliceRead = await relay.fetch(alice, channel, { after: 0 });
  const text = (e: { data: string }) => Buffer.from(e.data, 'base64url').toString('utf8');
  return {
    relay,
    channel,
    alice,
    bob,
    opened,
    joined,
    secondUse,
    seqs: [p1.seq, p2.seq],
    bobSaw: bobRead.envelopes.map(text),
    aliceSaw: aliceRead.envelopes.map(text),
  };
}

/** Writes a bundle from the built dist/cgi into a fresh temp folder (like `tincan relay bundle`). */
export function makeBundle(o: Partial<RelayBundleOptions> & { owner: Uint8Array | null }): RelayBundleResult {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tincan-bundle-')), 'site');
  // The Node running the tests, at a path www-data can execute (as the host's Node is by the CGI user).
  return writeRelayBundle({ root: repoRoot, out, nodePath: nodeForWebUser(), ...o });
}

/**
 * The user journey with the real `tincan` binary (two TINCAN_HOMEs) against a relay at `baseUrl`:
 * alice (the relay's owner) invites bob, bob joins, the invite fails a second time, both send and
 * read. Returns what each side's `read --json` showed. `alice` must be initialised already.
 */
export async function cliJourney(baseUrl: string, homes: { alice: string; bob: string; carol: string }) {
  const { ok, okJson, tincan } = await import('../cli-harness.ts');
  type Item = { from: string; text: string; status: string };
  await ok(homes.bob, ['init', '--name', 'bob']);
  await ok(homes.carol, ['init', '--name', 'carol']);
  await ok(homes.alice, ['relay', 'use', baseUrl]);
  const inv = await okJson<{ invite: string }>(homes.alice, ['invite', '--name', 'bob']);
  const joined = await okJson<{ conversation: string }>(homes.bob, ['join', inv.invite]);
  const again = await tincan(homes.carol, ['join', inv.invite]);
  const synced = await ok(homes.alice, ['sync']); // alice learns that her invite was used
  await ok(homes.alice, ['send', 'bob', 'Hello bob, through CGI']);
  await ok(homes.bob, ['send', 'alice', 'Hi alice, CGI works both ways']);
  const bobView = await okJson<Item[]>(homes.bob, ['read', 'alice']);
  const aliceView = await okJson<Item[]>(homes.alice, ['read', 'bob']);
  // Order-insensitive: the CLI lists a message when this home learned of it.
  const strip = (xs: Item[]) => xs.map(({ from, text }) => ({ from, text })).sort((a, b) => a.text.localeCompare(b.text));
  return { joined: joined.conversation, synced, secondJoin: { code: again.code, stderr: again.stderr }, bobView: strip(bobView), aliceView: strip(aliceView) };
}

/** What cliJourney() must return, whatever the web server. */
export const expectedCliJourney = {
  joined: 'alice',
  bobView: [
    { from: 'alice', text: 'Hello bob, through CGI' },
    { from: 'me', text: 'Hi alice, CGI works both ways' },
  ],
  // (both sorted by text)
  aliceView: [
    { from: 'me', text: 'Hello bob, through CGI' },
    { from: 'bob', text: 'Hi alice, CGI works both ways' },
  ],
};
