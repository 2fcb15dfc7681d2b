// The CGI adapter against environments recorded from a real Apache and a real lighttpd
// (tests/fixtures/cgi-env/, made by record.ts there), and the real CGI entry as a process:
// body reading limits, long-poll heartbeats, a client that leaves mid-poll.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgiHead, readCgiBody, requestFromCgi, type CgiEnv } from '../../server/adapters/cgi.ts';
import { client } from '../../server/test-support/http-suite.ts';
import { authHeader, b64, rand } from '../../server/test-support/signer.ts';
import { buildTestCgi, cgiTarget, parseCgiOutput } from '../../server/test-support/targets.ts';

const fixturesDir = path.resolve(import.meta.dirname, '../fixtures/cgi-env');
interface Fixture { server: string; case: string; request: { method: string; chunked: boolean; body: string | null }; expect: { path: string; query: string }; env: CgiEnv; stdin: string }
const fixtures: Fixture[] = readdirSync(fixturesDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(path.join(fixturesDir, f), 'utf8')));
const tmp = mkdtempSync(path.join(tmpdir(), 'tincan-cgi-env-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function withStdin<T>(bytes: Uint8Array, fn: (fd: number) => T): T {
  const file = path.join(tmp, `stdin-${Math.random()}`);
  writeFileSync(file, bytes);
  const fd = openSync(file, 'r');
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

describe('CGI environments recorded from real servers', () => {
  it('covers Apache and lighttpd, chunked and rewritten requests', () => {
    expect(new Set(fixtures.map((f) => f.server))).toEqual(new Set(['apache', 'lighttpd']));
    expect(fixtures.filter((f) => f.request.chunked).length).toBeGreaterThanOrEqual(4);
    expect(fixtures.some((f) => f.server === 'apache' && f.request.chunked && f.env['CONTENT_LENGTH'] === undefined)).toBe(true);
  });

  for (const f of fixtures) {
    it(`${f.server} ${f.case}: method, path, query, auth header and body`, () => {
      const stdin = Buffer.from(f.stdin, 'base64');
      const body = withStdin(stdin, (fd) => readCgiBody(f.env, 98_304, fd));
      expect(body).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(body as Uint8Array).toString()).toBe(f.request.body ?? '');
      const req = requestFromCgi(f.env, body as Uint8Array);
      expect(req.method).toBe(f.request.method);
      expect(req.path).toBe(f.expect.path);
      expect(req.query).toBe(f.expect.query);
      expect(req.headers['x-tincan-auth']).toMatch(/^v1 key=/);
      expect(req.headers['origin']).toBe('https://web.example');
      if (f.request.body) expect(req.headers['content-type']).toBe('application/json');
    });
  }
});

describe('CGI body reading', () => {
  const post = (extra: CgiEnv): CgiEnv => ({ REQUEST_METHOD: 'POST', ...extra });
  it('reads exactly CONTENT_LENGTH bytes and no more', () => {
    expect(Buffer.from(withStdin(Buffer.from('abcdef'), (fd) => readCgiBody(post({ CONTENT_LENGTH: '3' }), 100, fd)) as Uint8Array).toString()).toBe('abc');
  });
  it('answers too-large past the limit, with or without a length', () => {
    expect(withStdin(Buffer.alloc(200), (fd) => readCgiBody(post({ CONTENT_LENGTH: '200' }), 100, fd))).toBe('too-large');
    expect(withStdin(Buffer.alloc(200), (fd) => readCgiBody(post({}), 100, fd))).toBe('too-large');
  });
  it('notices a body that ends early', () => {
    expect(withStdin(Buffer.from('ab'), (fd) => readCgiBody(post({ CONTENT_LENGTH: '10' }), 100, fd))).toBe('truncated');
  });
  it('does not wait for a body on GET without a length', () => {
    expect(readCgiBody({ REQUEST_METHOD: 'GET' }, 100, 999)).toEqual(new Uint8Array(0));
  });
  it('writes a Status line, never an HTTP status line', () => {
    expect(cgiHead(404, { 'content-type': 'application/json', 'x-bad': 'a\r\nInjected: 1' })).toBe('Status: 404 Not Found\r\nContent-Type: application/json\r\n\r\n');
  });
});

describe('the CGI entry as a process', () => {
  it('heartbeats a long poll with spaces, in a content type hosts do not compress', async () => {
    const t = await cgiTarget({ heartbeatSeconds: 1 });
    try {
      const c = client(t);
      const { channel, member } = await c.openChannel();
      const r = await c.signed(member, 'GET', `/v1/channels/${channel}/envelopes`, undefined, { query: 'after=0&wait=3' });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/octet-stream');
      expect(r.text).toMatch(/^ {2,3}\{/);
      expect(JSON.parse(r.text)).toEqual({ envelopes: [], cursor: 0, more: false });
    } finally {
      await t.close();
    }
  });

  it('stops a long poll soon after the client went away (EPIPE)', async () => {
    const t = await cgiTarget({ heartbeatSeconds: 1 });
    try {
      const c = client(t);
      const { channel, member } = await c.openChannel();
      const p = `/v1/channels/${channel}/envelopes`;
      const bundle = await buildTestCgi();
      const child = spawn(process.execPath, [bundle], {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { REQUEST_METHOD: 'GET', PATH_INFO: p, QUERY_STRING: 'after=0&wait=20', SCRIPT_NAME: '/index.cgi', HTTP_X_TINCAN_AUTH: authHeader(member, 'GET', `${p}?after=0&wait=20`), TINCAN_CGI_CONFIG: path.join(t.dir, 'config.json') },
      });
      const started = Date.now();
      const firstBytes = await new Promise<Buffer>((resolve) => child.stdout.once('data', resolve));
      expect(parseCgiOutput(Buffer.concat([firstBytes, Buffer.from('')])).status).toBe(200);
      child.stdout.destroy();
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(6000);
    } finally {
      await t.close();
    }
  });

  it('gives the length of every answer that is not a long poll (the client need not wait for the process to end)', async () => {
    const t = await cgiTarget();
    try {
      const c = client(t);
      const { channel, member } = await c.openChannel();
      for (const r of [await t.send('GET', '/v1/info'), await c.signed(member, 'GET', `/v1/channels/${channel}/envelopes`, undefined, { query: 'after=0' }), await t.send('GET', '/v1/nope')]) {
        expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.text)));
      }
    } finally {
      await t.close();
    }
  });

  it('answers 500 internal (no stack) when config.json is broken', async () => {
    const t = await cgiTarget();
    try {
      writeFileSync(path.join(t.dir, 'config.json'), '{ not json');
      const r = await t.send('GET', '/v1/info');
      expect(r.status).toBe(500);
      expect(r.json.error.code).toBe('internal');
      expect(r.text).not.toMatch(/at .*\.ts|SyntaxError/);
    } finally {
      await t.close();
    }
  });

  it('answers 413 to an oversize body without opening the database', async () => {
    const t = await cgiTarget({ limits: { maxBodyBytes: 1000 } });
    try {
      const r = await t.send('POST', `/v1/channels/${b64(rand(16))}/envelopes`, { body: new Uint8Array(50_000) });
      expect([r.status, r.json.error.code]).toEqual([413, 'body-too-large']);
      expect(readdirSync(t.dir)).not.toContain('data');
    } finally {
      await t.close();
    }
  });
});
