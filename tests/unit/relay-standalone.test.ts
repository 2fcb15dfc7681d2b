// startStandaloneRelay as `tincan relay serve` calls it: static web client at /, JSON 404 beside it,
// a setup code only while unclaimed, the data folder refused inside the served folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStandaloneRelay } from '../../server/main-standalone.ts';
import { client } from '../../server/test-support/http-suite.ts';
import { newKey } from '../../server/test-support/signer.ts';
import type { Reply, Target } from '../../server/test-support/targets.ts';

const quiet = { info() {}, warn() {}, error() {} };
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'tincan-standalone-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('startStandaloneRelay', () => {
  it('serves the web client at / and the API under /v1', async () => {
    const dir = temp();
    const web = path.join(dir, 'web');
    mkdirSync(web);
    writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Tincan</title>');
    const relay = await startStandaloneRelay({ dataDir: path.join(dir, 'data'), owner: newKey().publicKey, webRoot: web, log: quiet });
    try {
      expect(relay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(relay.setupCode).toBeNull();
      const page = await fetch(`${relay.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Tincan</title>');
      const missing = await fetch(`${relay.url}/nope.js`);
      expect(missing.status).toBe(404);
      expect((await missing.json()).error.code).toBe('not-found');
      expect((await (await fetch(`${relay.url}/v1/info`)).json()).transports).toEqual(['http', 'ws']);
    } finally {
      await relay.close();
    }
  });

  it('without a web client: JSON 404 outside /v1; verifies with libsodium; answers carry their length', async () => {
    const dir = temp();
    const relay = await startStandaloneRelay({ dataDir: path.join(dir, 'data'), owner: newKey().publicKey, log: quiet });
    try {
      const missing = await fetch(`${relay.url}/index.html?x=1`);
      expect(missing.status).toBe(404);
      expect((await missing.json()).error.code).toBe('not-found');
      const check = await fetch(`${relay.url}/v1/check`);
      expect(check.headers.get('content-length')).toBe(String((await check.clone().arrayBuffer()).byteLength));
      expect((await check.json()).crypto).toBe('sodium-native');
    } finally {
      await relay.close();
    }
  });

  it('makes a setup code while unclaimed, a fresh one per start, none once claimed', async () => {
    const dir = temp();
    const a = await startStandaloneRelay({ dataDir: dir, log: quiet });
    expect(a.setupCode).toMatch(/^[A-Za-z0-9_-]{20}$/);
    await a.close();
    const b = await startStandaloneRelay({ dataDir: dir, log: quiet });
    expect(b.setupCode).not.toBe(a.setupCode);
    const me = newKey();
    const claim = await fetch(`${b.url}/v1/claim`, { method: 'POST', body: JSON.stringify({ setupCode: b.setupCode, owner: me.b64 }) });
    expect(claim.status).toBe(200);
    await b.close();
    const c = await startStandaloneRelay({ dataDir: dir, log: quiet });
    expect(c.setupCode).toBeNull();
    expect((await (await fetch(`${c.url}/v1/info`)).json()).owner).toBe(me.b64);
    await c.close();
  });

  it('refuses a data folder inside the served folder', async () => {
    const dir = temp();
    await expect(startStandaloneRelay({ dataDir: path.join(dir, 'data'), webRoot: dir, log: quiet })).rejects.toThrow(/inside webRoot/);
  });

  it('closes at once while a long poll waits, without logging an error', async () => {
    const dir = temp();
    const owner = newKey();
    const errors: string[] = [];
    const relay = await startStandaloneRelay({ dataDir: dir, owner: owner.publicKey, log: { ...quiet, error: (m) => errors.push(m) } });
    const t: Target = {
      kind: 'standalone', owner, setupCode: null, dir, dbFile: '',
      async send(method, p, so = {}): Promise<Reply> {
        const r = await fetch(`${relay.url}${p}${so.query ? `?${so.query}` : ''}`, { method, headers: so.headers ?? {}, ...(so.body && so.body.length ? { body: Buffer.from(so.body as Uint8Array) } : {}) });
        const text = await r.text();
        return { status: r.status, headers: {}, text, json: JSON.parse(text) };
      },
      async close() {},
    };
    const c = client(t);
    const { channel, member } = await c.openChannel();
    const poll = c.signed(member, 'GET', `/v1/channels/${channel}/envelopes`, undefined, { query: 'after=0&wait=20' }).catch(() => 'gone');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await relay.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await poll).toBe('gone');
    expect(errors).toEqual([]);
  });
});
