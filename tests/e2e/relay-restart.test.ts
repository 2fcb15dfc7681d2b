// `relay serve` restarted mid-way — gracefully, and by SIGKILL — while clients keep posting: every
// envelope that was answered 201 is there afterwards, once, with gap-free seq numbers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startStandaloneRelay } from '../../server/main-standalone.ts';
import { client } from '../../server/test-support/http-suite.ts';
import { b64, newKey, rand, type TestKey } from '../../server/test-support/signer.ts';
import type { Reply, Target } from '../../server/test-support/targets.ts';
import { freePort } from './support/web-servers.ts';

const root = path.resolve(import.meta.dirname, '../..');
const quiet = { info() {}, warn() {}, error() {} };
const LIMITS = { ratePerMinute: 1_000_000 };

function httpTarget(url: () => string, owner: TestKey): Target {
  return {
    kind: 'standalone', owner, setupCode: null, dir: '', dbFile: '',
    async send(method, pathname, so = {}): Promise<Reply> {
      const body = typeof so.body === 'string' ? Buffer.from(so.body) : so.body ? Buffer.from(so.body) : undefined;
      const r = await fetch(`${url()}${pathname}${so.query ? `?${so.query}` : ''}`, { method, headers: so.headers ?? {}, ...(body?.length ? { body } : {}), signal: AbortSignal.timeout(5000) });
      const text = await r.text();
      let json: unknown;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: r.status, headers: {}, text, json };
    },
    async close() {},
  };
}

/** Posts from 4 workers until `stop()`; collects the ids answered 201. */
function posters(t: Target, channel: string, member: TestKey) {
  const acked = new Set<string>();
  let running = true;
  const c = client(t);
  const workers = Array.from({ length: 4 }, async () => {
    while (running) {
      const id = b64(rand(16));
      try {
        const r = await c.signed(member, 'POST', `/v1/channels/${channel}/envelopes`, { id, data: b64(rand(64)) });
        if (r.status === 201) acked.add(id);
      } catch {
        await new Promise((res) => setTimeout(res, 20)); // relay down: try again
      }
    }
  });
  return { acked, stop: async () => { running = false; await Promise.all(workers); } };
}

async function verify(t: Target, channel: string, member: TestKey, acked: Set<string>) {
  const c = client(t);
  const seen: { seq: number; id: string }[] = [];
  for (let after = 0, i = 0; i < 1000; i++) {
    const r = await c.signed(member, 'GET', `/v1/channels/${channel}/envelopes`, undefined, { query: `after=${after}&limit=500` });
    if (r.status !== 200) throw new Error(`fetch failed: ${r.text}`);
    seen.push(...r.json.envelopes);
    after = r.json.cursor;
    if (!r.json.more) break;
  }
  const ids = new Set(seen.map((e) => e.id));
  expect(acked.size).toBeGreaterThan(20);
  expect([...acked].filter((id) => !ids.has(id))).toEqual([]);
  expect(ids.size).toBe(seen.length);
  expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
}

describe('standalone relay restarted mid-way', () => {
  it('graceful close and start on the same data folder: no acknowledged envelope lost', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tincan-restart-'));
    const owner = newKey();
    const port = await freePort();
    let relay = await startStandaloneRelay({ dataDir: dir, port, owner: owner.publicKey, log: quiet, limits: LIMITS });
    const t = httpTarget(() => relay.url, owner);
    try {
      const { channel, member } = await client(t).openChannel();
      const p = posters(t, channel, member);
      await new Promise((r) => setTimeout(r, 700));
      await relay.close();
      await new Promise((r) => setTimeout(r, 200));
      relay = await startStandaloneRelay({ dataDir: dir, port, owner: owner.publicKey, log: quiet, limits: LIMITS });
      await new Promise((r) => setTimeout(r, 700));
      await p.stop();
      await verify(t, channel, member, p.acked);
    } finally {
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGKILL and start again: no acknowledged envelope lost', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tincan-restart-'));
    const owner = newKey();
    const port = await freePort();
    const start = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/test-support/standalone-main.ts', dir, String(port), owner.b64, JSON.stringify(LIMITS)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`relay exited ${code}`)));
      });
      return child;
    };
    let child = await start();
    const t = httpTarget(() => `http://127.0.0.1:${port}`, owner);
    try {
      const { channel, member } = await client(t).openChannel();
      const p = posters(t, channel, member);
      await new Promise((r) => setTimeout(r, 1000));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      child = await start();
      await new Promise((r) => setTimeout(r, 700));
      await p.stop();
      await verify(t, channel, member, p.acked);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
