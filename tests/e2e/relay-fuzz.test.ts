// Bounded fuzz: thousands of malformed, oversize, truncated and wrongly signed requests against
// the standalone relay (HTTP) and a few hundred against the CGI entry as processes. Every one
// must get a 4xx JSON error with a known code; afterwards the relay still serves a normal flow
// and `PRAGMA integrity_check` is ok. Seeded, so a failure reproduces.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isErrorCode } from '../../protocol/errors.ts';
import { client } from '../../server/test-support/http-suite.ts';
import { authHeader, b64, json, newKey, rand, type TestKey } from '../../server/test-support/signer.ts';
import { buildTestCgi, cgiTarget, parseCgiOutput, runCgiProcess, standaloneTarget, type Target } from '../../server/test-support/targets.ts';

function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Fuzzed { method: string; path: string; query: string; headers: Record<string, string>; body: Uint8Array; truncate?: number }

/** One request with at least one defect (the routes chosen all need a well-formed, signed request or body). */
function makeRequest(r: () => number, ctx: { channel: string; member: TestKey; owner: TestKey }): Fuzzed {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
  const ch = pick([ctx.channel, b64(rand(16)), 'x', 'A'.repeat(64), '%00', '..']);
  const [method, path] = pick<[string, string]>([
    ['POST', '/v1/channels'], ['POST', `/v1/channels/${ch}/tokens`], ['POST', `/v1/channels/${ch}/join`],
    ['POST', `/v1/channels/${ch}/envelopes`], ['GET', `/v1/channels/${ch}/envelopes`], ['POST', `/v1/channels/${ch}/ack`],
    ['DELETE', `/v1/channels/${ch}/members/self`], ['GET', `/v1/channels/${ch}`], ['POST', '/v1/claim'],
    [pick(['PATCH', 'PUT', 'GET']), '/v1/channels'], ['GET', pick(['/v1/', '/v1//info', '/v9/info', '/v1/info/x'])],
  ]);
  const query = pick(['', 'after=0', 'after=-1', 'limit=0', 'wait=99999', 'after=1&after=2', 'x', '%zz', 'after=99999999999999999999']);
  const validBody = pick<unknown>([
    { channel: b64(rand(16)), member: b64(rand(32)) }, { id: b64(rand(16)), data: b64(rand(10)) }, { upTo: 1 },
    { token: b64(rand(32)) }, { hash: b64(rand(32)), expiresAt: 1 }, { setupCode: 'nope', owner: b64(rand(32)) },
  ]);
  // Defects: at least one, sometimes several.
  let body: Uint8Array = json(validBody);
  const defect = Math.floor(r() * 9);
  if (defect === 0) body = bytes(Math.floor(r() * 300));
  if (defect === 1) body = body.subarray(0, Math.floor(r() * body.length));
  if (defect === 2) body = json({ ...(validBody as object), extra: r() });
  if (defect === 3) body = new Uint8Array(98_305 + Math.floor(r() * 50_000)).fill(0x20);
  if (defect === 4) body = json(JSON.parse(JSON.stringify(validBody), (_k, v) => (typeof v === 'string' ? v + '!' : typeof v === 'number' ? -v - 1 : v)));
  if (defect === 5) body = json(pick<unknown>([null, [], 1, 'x', { data: 'A'.repeat(90_000), id: b64(rand(16)) }, '\u0000']));
  const signer = pick([ctx.member, ctx.owner, newKey()]);
  const pq = query ? `${path}?${query}` : path;
  const headers: Record<string, string> = { 'content-type': pick(['application/json', 'text/plain', '']) };
  const authKind = defect >= 6 ? defect : Math.floor(r() * 10);
  if (authKind === 6) headers['x-tincan-auth'] = authHeader(signer, method, pq, json({ other: 1 }));
  else if (authKind === 7) headers['x-tincan-auth'] = authHeader(signer, method, pq, body, Date.now() - 10 * 60_000);
  else if (authKind === 8) headers['x-tincan-auth'] = pick(['', 'v1', 'v1 key=,ts=,nonce=,sig=', 'Bearer x', 'v1 ' + 'k'.repeat(2000), Buffer.from(bytes(60)).toString('latin1').replace(/[^\x20-\x7e]/g, 'x')]);
  else if (authKind !== 9) headers['x-tincan-auth'] = authHeader(signer, method, pq, body);
  const f: Fuzzed = { method, path, query, headers, body };
  if (r() < 0.1 && body.length > 2) f.truncate = Math.floor(r() * body.length);
  return f;
}

function assertError(status: number, text: string, what: string): void {
  if (status < 400 || status >= 500) throw new Error(`${what}: expected a 4xx, got ${status} ${text.slice(0, 300)}`);
  const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  if (!isErrorCode(parsed.error?.code) || typeof parsed.error?.message !== 'string') throw new Error(`${what}: not an error body: ${text.slice(0, 300)}`);
}

async function afterwards(t: Target): Promise<void> {
  const c = client(t);
  const { channel, member } = await c.openChannel();
  expect((await c.signed(member, 'POST', `/v1/channels/${channel}/envelopes`, { id: b64(rand(16)), data: b64(rand(10)) })).status).toBe(201);
  expect((await c.signed(member, 'GET', `/v1/channels/${channel}/envelopes`, undefined, { query: 'after=0' })).json.envelopes).toHaveLength(1);
  const db = new Database(t.dbFile, { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
}

describe('bounded fuzz', () => {
  it('standalone: 3000 defective requests, each a 4xx JSON error; the relay stays up and intact', async () => {
    const t = await standaloneTarget({ limits: { ratePerMinute: 100_000 } });
    try {
      const c = client(t);
      const { channel, member } = await c.openChannel();
      const r = prng(20261122);
      for (let i = 0; i < 3000; i += 20) {
        await Promise.all(Array.from({ length: 20 }, async (_, j) => {
          const f = makeRequest(r, { channel, member, owner: t.owner });
          const res = await fetch(`${t.url}${f.path}${f.query ? `?${f.query}` : ''}`, { method: f.method, headers: f.headers, ...(f.body.length && f.method !== 'GET' ? { body: Buffer.from(f.body) } : {}) });
          assertError(res.status, await res.text(), `#${i + j} ${f.method} ${f.path}`);
        }));
      }
      await afterwards(t);
    } finally {
      await t.close();
    }
  });

  it('CGI entry: 200 defective requests as processes, including bodies shorter than CONTENT_LENGTH', async () => {
    const t = await cgiTarget({ limits: { ratePerMinute: 100_000 } });
    const bundle = await buildTestCgi();
    try {
      const c = client(t);
      const { channel, member } = await c.openChannel();
      const r = prng(42);
      for (let i = 0; i < 200; i += 10) {
        await Promise.all(Array.from({ length: 10 }, async (_, j) => {
          const f = makeRequest(r, { channel, member, owner: t.owner });
          const env: Record<string, string> = { REQUEST_METHOD: f.method, PATH_INFO: f.path, QUERY_STRING: f.query, SCRIPT_NAME: '/index.cgi', TINCAN_CGI_CONFIG: `${t.dir}/config.json` };
          if (f.method !== 'GET') env['CONTENT_LENGTH'] = String(f.body.length);
          if (f.headers['x-tincan-auth'] !== undefined) env['HTTP_X_TINCAN_AUTH'] = f.headers['x-tincan-auth'];
          const stdin = f.truncate !== undefined ? f.body.subarray(0, f.truncate) : f.body;
          const out = await runCgiProcess(bundle, env, stdin);
          expect(out.code).toBe(0);
          const p = parseCgiOutput(out.out);
          assertError(p.status, p.body, `#${i + j} ${f.method} ${f.path}`);
        }));
      }
      await afterwards(t);
    } finally {
      await t.close();
    }
  });
});
