// The CGI relay keeps its SQLite WAL short. Each request is a fresh process that exits without
// closing the database; the next one rebuilds the WAL index by reading the whole WAL and, having
// lost track of what was checkpointed, never restarts it — so without trimming the WAL grows with
// every post (and every open reads all of it). Real index.cgi processes, real SQLite files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authHeader, b64, json, newKey, rand } from '../server/test-support/signer.ts';
import { writeRelayBundle } from './write-relay-bundle.ts';

const root = path.resolve(import.meta.dirname, '..');
const built = existsSync(path.join(root, 'dist/cgi/relay.js'));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tincan-cgi-wal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.runIf(built)('the CGI relay’s WAL', () => {
  it('stays under ~1 MB over 120 posts of 2 KB (it would pass 6 MB), all stored once, the database intact', () => {
    const owner = newKey();
    const dir = path.join(tmp, 'site');
    writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner: owner.publicKey, limits: { ratePerMinute: 1_000_000 } });
    const cgi = (method: string, p: string, body: Uint8Array, auth: string, query = '') => {
      const r = spawnSync(path.join(dir, 'index.cgi'), [], {
        env: { PATH: '/usr/bin:/bin', GATEWAY_INTERFACE: 'CGI/1.1', REQUEST_METHOD: method, PATH_INFO: p, QUERY_STRING: query, SCRIPT_NAME: '/chat/index.cgi', CONTENT_LENGTH: String(body.length), HTTP_X_TINCAN_AUTH: auth },
        input: body,
        encoding: 'utf8',
        timeout: 20_000,
      });
      return { status: Number(/^Status: (\d+)/m.exec(r.stdout)?.[1] ?? 0), body: r.stdout.split(/\r\n\r\n/)[1] ?? '' };
    };
    const member = newKey();
    const channel = b64(rand(16));
    const open = json({ channel, member: member.b64 });
    expect(cgi('POST', '/v1/channels', open, authHeader(owner, 'POST', '/v1/channels', open)).status).toBe(201);
    const ep = `/v1/channels/${channel}/envelopes`;
    const wal = path.join(dir, 'data', 'relay.db-wal');
    let largest = 0;
    for (let i = 0; i < 120; i++) {
      const body = json({ id: b64(rand(16)), data: b64(rand(2000)) });
      expect(cgi('POST', ep, body, authHeader(member, 'POST', ep, body)).status).toBe(201);
      largest = Math.max(largest, existsSync(wal) ? statSync(wal).size : 0);
    }
    // 120 posts write ~6 MB of WAL frames; trimmed past 1 MB, it never holds much more.
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(1024 * 1024 + 128 * 1024);
    const q = 'after=0&limit=500';
    const got = cgi('GET', ep, new Uint8Array(0), authHeader(member, 'GET', `${ep}?${q}`), q);
    expect(got.status).toBe(200);
    expect(JSON.parse(got.body).envelopes).toHaveLength(120);
    const check = spawnSync('sqlite3', [path.join(dir, 'data', 'relay.db'), 'PRAGMA integrity_check;'], { encoding: 'utf8' });
    if (check.status === 0) expect(check.stdout.trim()).toBe('ok');
  });
});
