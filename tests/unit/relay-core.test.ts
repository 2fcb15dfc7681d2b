// The relay core in process: the edge handler (unexpected errors → 500 with a request id, no stack,
// logged without secrets), long-poll heartbeats and client departure, lazy expiry on writes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeCrypto } from '../../server/adapters/node-crypto.ts';
import { systemClock } from '../../server/adapters/node-host.ts';
import { createMemoryNotifier } from '../../server/core/memory-notifier.ts';
import type { Store } from '../../server/core/ports.ts';
import { createRelay } from '../../server/core/relay.ts';
import { mergeLimits, SOFTWARE } from '../../server/relay-config.ts';
import { createSqliteStore } from '../../server/store/sqlite-store.ts';
import { authHeader, b64, json, newKey, rand, sha256 } from '../../server/test-support/signer.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(wrap: (s: Store) => Store = (s) => s, heartbeatMs = 100) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tincan-core-'));
  dirs.push(dir);
  const inner = createSqliteStore({ file: path.join(dir, 'relay.db') });
  const owner = newKey();
  inner.setOwner(owner.publicKey);
  const lines: string[] = [];
  const log = { info: (m: string, f?: object) => lines.push(JSON.stringify({ m, ...f })), warn: (m: string, f?: object) => lines.push(JSON.stringify({ m, ...f })), error: (m: string, f?: object) => lines.push(JSON.stringify({ m, ...f })) };
  const relay = createRelay({
    store: wrap(inner),
    clock: systemClock,
    log,
    crypto: createNodeCrypto(),
    notifier: createMemoryNotifier(),
    config: { limits: mergeLimits({ envelopeTtlSeconds: 1 }), software: SOFTWARE, transports: ['http'], host: { node: process.version, adapter: 'standalone' }, heartbeatMs, expiryChance: 1 },
  });
  const signed = (key: ReturnType<typeof newKey>, method: string, p: string, body?: unknown, query = '') => {
    const bytes = body === undefined ? new Uint8Array(0) : json(body);
    const auth = authHeader(key, method, query ? `${p}?${query}` : p, bytes);
    return { req: { method, path: p, query, headers: { 'x-tincan-auth': auth }, body: bytes }, auth };
  };
  return { relay, owner, lines, signed, inner };
}

describe('relay core', () => {
  it('answers an unexpected failure with 500 internal and a request id, logs it without secrets', async () => {
    const { relay, owner, lines, signed } = setup((s) => ({ ...s, openChannel: () => { throw new Error('disk on fire'); } }));
    const { req, auth } = signed(owner, 'POST', '/v1/channels', { channel: b64(rand(16)), member: newKey().b64 });
    const r = await relay.handle(req);
    expect(r.status).toBe(500);
    const body = JSON.parse(new TextDecoder().decode(r.body));
    expect(body.error.code).toBe('internal');
    expect(body.error.message).not.toContain('disk on fire');
    expect(body.error.message).toContain(r.headers['x-request-id']);
    const logged = lines.join('\n');
    expect(logged).toContain('disk on fire');
    expect(logged).toContain(r.headers['x-request-id']);
    expect(logged).not.toContain(auth.slice(-40));
  });

  it('never logs the setup code', async () => {
    const { relay, lines, inner } = setup();
    const dir = mkdtempSync(path.join(tmpdir(), 'tincan-core-'));
    dirs.push(dir);
    // Make the relay unclaimed with a known code.
    const fresh = createSqliteStore({ file: path.join(dir, 'r.db') });
    fresh.setSetupCodeHash(sha256(new TextEncoder().encode('secret-setup-code')));
    const r2 = createRelay({ store: fresh, clock: systemClock, log: { info: (m, f) => lines.push(JSON.stringify({ m, ...f })), warn() {}, error() {} }, crypto: createNodeCrypto(), notifier: createMemoryNotifier(), config: { limits: mergeLimits({}), software: SOFTWARE, transports: ['http'], host: { node: 'x', adapter: 'cgi' } } });
    const claim = await r2.handle({ method: 'POST', path: '/v1/claim', query: '', headers: {}, body: json({ setupCode: 'secret-setup-code', owner: newKey().b64 }) });
    expect(claim.status).toBe(200);
    expect(lines.join('\n')).not.toContain('secret-setup-code');
    fresh.close();
    inner.close();
    void relay;
  });

  it('heartbeats while a long poll waits and stops when the client left', async () => {
    const { relay, owner, signed } = setup();
    const member = newKey();
    const channel = b64(rand(16));
    await relay.handle(signed(owner, 'POST', '/v1/channels', { channel, member: member.b64 }).req);
    let beats = 0;
    const started = Date.now();
    const r = await relay.handle(signed(member, 'GET', `/v1/channels/${channel}/envelopes`, undefined, 'after=0&wait=1').req, { heartbeat: () => ++beats < 3 });
    expect(r.status).toBe(200);
    expect(beats).toBe(3);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('deletes expired envelopes lazily on writes', async () => {
    const { relay, owner, signed, inner } = setup();
    const member = newKey();
    const channel = b64(rand(16));
    await relay.handle(signed(owner, 'POST', '/v1/channels', { channel, member: member.b64 }).req);
    const p = `/v1/channels/${channel}/envelopes`;
    await relay.handle(signed(member, 'POST', p, { id: b64(rand(16)), data: b64(rand(10)) }).req);
    await new Promise((r) => setTimeout(r, 1100));
    const empty = await relay.handle(signed(member, 'GET', p, undefined, 'after=0').req);
    expect(JSON.parse(new TextDecoder().decode(empty.body)).envelopes).toEqual([]);
    await relay.handle(signed(member, 'POST', p, { id: b64(rand(16)), data: b64(rand(10)) }).req);
    expect(inner.integrityCheck()).toBe('ok');
    expect(inner.fetchEnvelopes({ channel: Buffer.from(channel, 'base64url') as never, after: 0, limit: 10, now: 0 }).envelopes.map((e) => e.seq)).toEqual([2]);
  });
});
