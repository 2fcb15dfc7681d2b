// The bundle writer and the CGI loader without a web server: what lands in the folder (modes,
// config, setup code, UPLOAD.md), the refusals that protect the uploader, and index.cgi run directly
// as a CGI process (a real Node process, real SQLite) — including its answer when the SQLite module
// cannot load on the host's Node. Needs dist/cgi (built by `npm install` / `npm run build`).
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeSetupCode, requiredGlibc, setupCodeHash, writeRelayBundle } from './write-relay-bundle.ts';

const root = path.resolve(import.meta.dirname, '..');
const built = existsSync(path.join(root, 'dist/cgi/relay.js'));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tincan-bundle-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const out = () => path.join(tmp, `site${n++}`);
const owner = new Uint8Array(32).fill(7);

function cgi(dir: string, env: Record<string, string>) {
  const r = spawnSync(path.join(dir, 'index.cgi'), [], {
    env: { PATH: '/usr/bin:/bin', GATEWAY_INTERFACE: 'CGI/1.1', REQUEST_METHOD: 'GET', QUERY_STRING: '', SCRIPT_NAME: '/chat/index.cgi', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const [head = '', body = ''] = r.stdout.split(/\r?\n\r?\n/, 2);
  return { status: Number(/^Status: (\d+)/m.exec(head)?.[1] ?? 200), head, body, stderr: r.stderr };
}

describe('setup codes', () => {
  it('are 100-bit, typable, and hashed the way the relay checks them (SHA-256 of the trimmed text)', () => {
    const a = makeSetupCode();
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$/);
    expect(makeSetupCode()).not.toBe(a);
    expect(setupCodeHash(` ${a}\n`)).toBe(createHash('sha256').update(a).digest('base64url'));
  });
});

describe.runIf(built)('writeRelayBundle', () => {
  it('writes an uploadable folder: modes, shebang, config with the owner, private .htaccess files', () => {
    const dir = out();
    const r = writeRelayBundle({ root, out: dir, nodePath: '/opt/alt/alt-nodejs20/root/usr/bin/node', owner, basePath: '/chat/' });
    expect(r.setupCode).toBeNull();
    expect(r.warnings.join(' ')).toMatch(/does not exist on this machine/);
    const mode = (p: string) => statSync(path.join(dir, p)).mode & 0o777;
    for (const d of ['.', 'data', 'relay']) expect(mode(d), d).toBe(0o755);
    for (const f of ['config.json', '.htaccess', 'UPLOAD.md', 'data/.htaccess', 'relay/.htaccess', 'relay/relay.js', 'relay/better_sqlite3.node', 'check.html']) expect(mode(f), f).toBe(0o644);
    expect(mode('index.cgi')).toBe(0o755);
    expect(readFileSync(path.join(dir, 'index.cgi'), 'utf8').split('\n')[0]).toBe('#!/opt/alt/alt-nodejs20/root/usr/bin/node --v8-pool-size=1');
    expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toMatchObject({ owner: Buffer.from(owner).toString('base64url'), dataDir: 'data', limits: { maxBodyBytes: 98304 } });
    const ht = readFileSync(path.join(dir, '.htaccess'), 'utf8');
    expect(ht).toContain('RewriteBase /chat/');
    expect(ht).not.toMatch(/^\s*(CGIPassAuth|CGIScriptTimeout)\b/m); // each turns a folder into a 500 on common hosts
    expect(readFileSync(path.join(dir, 'data/.htaccess'), 'utf8')).toContain('RedirectMatch 404');
    const guide = readFileSync(path.join(dir, 'UPLOAD.md'), 'utf8');
    expect(guide).toContain(r.supportedNode);
    expect(guide).toContain('https://example.org/chat/index.cgi');
    expect(readdirSync(path.join(dir, 'relay')).sort()).toEqual(['.htaccess', 'better-sqlite3.LICENSE', 'better_sqlite3.node', 'relay.js', 'sodium-native.LICENSE', 'sodium-native.node']);
    expect(r.sodiumBytes).toBeGreaterThan(100_000);
  });

  it('without an owner, writes only the hash of a one-time setup code and puts the code in UPLOAD.md', () => {
    const dir = out();
    const r = writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner: null });
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(config.owner).toBeNull();
    expect(config.setupCodeHash).toBe(setupCodeHash(r.setupCode!));
    expect(readFileSync(path.join(dir, 'config.json'), 'utf8')).not.toContain(r.setupCode!);
    expect(readFileSync(path.join(dir, 'UPLOAD.md'), 'utf8')).toContain(r.setupCode!);
  });

  it('refuses a relative or spaced --node, a non-empty --out, and keeps data/ on --force', () => {
    expect(() => writeRelayBundle({ root, out: out(), nodePath: 'node', owner })).toThrow(/absolute path/);
    expect(() => writeRelayBundle({ root, out: out(), nodePath: '/my node/bin/node', owner })).toThrow(/space/);
    const dir = out();
    writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner });
    writeFileSync(path.join(dir, 'data', 'relay.db'), 'precious');
    expect(() => writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner })).toThrow(/not empty.*--force/);
    writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner, force: true });
    expect(readFileSync(path.join(dir, 'data', 'relay.db'), 'utf8')).toBe('precious');
  });

  it('reports the glibc the SQLite module needs', () => {
    expect(requiredGlibc(path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toMatch(/^2\.\d+$/);
  });

  it('index.cgi answers as a CGI process, writes its V8 code cache once per kind of request, and uses it', () => {
    const dir = out();
    writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner });
    const first = cgi(dir, { PATH_INFO: '/v1/info' });
    expect(first.status, first.stderr).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ protocol: 'tincan', owner: Buffer.from(owner).toString('base64url') });
    const name = `.v8-cache-${process.version}-${process.arch}.bin`;
    const files = () => readdirSync(path.join(dir, 'data')).filter((f) => f.startsWith('.v8-cache-')).sort();
    expect(files()).toEqual([name, `${name}.GET.info`]);
    const cacheFile = path.join(dir, 'data', name);
    const size = statSync(cacheFile).size;
    expect(size).toBeGreaterThan(1000);
    // The same kind again: the cache is used, not rewritten.
    const mtime = statSync(cacheFile).mtimeMs;
    expect(cgi(dir, { PATH_INFO: '/v1/info' }).status).toBe(200);
    expect(statSync(cacheFile).mtimeMs).toBe(mtime);
    // Another kind adds what it compiled, once.
    const again = cgi(dir, { PATH_INFO: '/v1/check', HTTP_X_TINCAN_AUTH: 'probe' });
    expect(JSON.parse(again.body)).toMatchObject({ dataWritable: true, authHeaderReceived: true, sqlite: { driver: 'better-sqlite3' } });
    expect(files()).toEqual([name, `${name}.GET.check`, `${name}.GET.info`]);
    expect(statSync(cacheFile).size).toBeGreaterThan(size);
    // Paths outside the API leave no marker (a stranger cannot fill data/ with files).
    expect(cgi(dir, { PATH_INFO: '/v1/no/such/thing' }).status).toBe(404);
    expect(files()).toHaveLength(3);
    expect(readdirSync(path.join(dir, 'data')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // A corrupt cache is rejected by V8 and rewritten; the request still works.
    writeFileSync(cacheFile, Buffer.alloc(size, 1));
    expect(cgi(dir, { PATH_INFO: '/v1/info' }).status).toBe(200);
    expect(readFileSync(cacheFile).equals(Buffer.alloc(size, 1))).toBe(false);
  });

  it('when the SQLite module cannot load on the host: JSON 500s, and /v1/check names the load error', () => {
    const dir = out();
    writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner });
    // What a bundle made for another Node ABI or platform looks like to this Node.
    writeFileSync(path.join(dir, 'relay/better_sqlite3.node'), 'not an ELF file');
    const r = cgi(dir, { PATH_INFO: '/v1/info' });
    expect(r.status).toBe(500);
    expect(r.head).toMatch(/Content-Type: application\/json/);
    expect(JSON.parse(r.body).error.code).toBe('internal');
    const check = JSON.parse(cgi(dir, { PATH_INFO: '/v1/check', HTTP_X_TINCAN_AUTH: 'probe' }).body);
    expect(check.sqlite.driver).toBe('unavailable');
    expect(check.sqlite.error).toMatch(/better_sqlite3\.node/);
  });

  it('when the relay code itself cannot load, index.cgi answers a JSON 500 that says what to do', () => {
    const dir = out();
    writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner });
    rmSync(path.join(dir, 'relay/relay.js'));
    const r = cgi(dir, { PATH_INFO: '/v1/info' });
    expect(r.status).toBe(500);
    const err = JSON.parse(r.body).error;
    expect(err.code).toBe('internal');
    expect(err.message).toContain(`Node ${process.version} (ABI ${process.versions.modules}`);
    expect(err.message).toContain('tincan relay bundle --node');
    expect(r.stderr).toContain('tincan relay:'); // lands in the web server's error log
  });
});

describe.runIf(built)('signature checks in the CGI relay', () => {
  // A signed owner request (open a channel) through index.cgi: it succeeds and a forged one fails,
  // whichever library verifies; /v1/check names the library.
  async function signedOpen(dir: string, ownerKeys: Awaited<ReturnType<typeof ownerPair>>, forge: boolean) {
    const { authHeader, json, b64, rand } = await import('../server/test-support/signer.ts');
    const body = json({ channel: b64(rand(16)), member: b64(rand(32)) });
    let auth = authHeader(ownerKeys, 'POST', '/v1/channels', body);
    if (forge) auth = auth.replace(/sig=([A-Za-z0-9_-])/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
    const r = spawnSync(path.join(dir, 'index.cgi'), [], {
      env: { PATH: '/usr/bin:/bin', GATEWAY_INTERFACE: 'CGI/1.1', REQUEST_METHOD: 'POST', PATH_INFO: '/v1/channels', QUERY_STRING: '', SCRIPT_NAME: '/chat/index.cgi', CONTENT_LENGTH: String(body.length), HTTP_X_TINCAN_AUTH: auth },
      input: body,
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: Number(/^Status: (\d+)/m.exec(r.stdout)?.[1] ?? 0), stderr: r.stderr };
  }
  async function ownerPair() {
    const { newKey } = await import('../server/test-support/signer.ts');
    return newKey();
  }

  it('uses libsodium’s addon when it loads, else node:crypto — with the same answers', async () => {
    const keys = await ownerPair();
    const dir = out();
    writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner: keys.publicKey });
    const crypto = () => JSON.parse(cgi(dir, { PATH_INFO: '/v1/check' }).body).crypto;
    expect(crypto()).toBe('sodium-native');
    expect((await signedOpen(dir, keys, false)).status).toBe(201);
    expect((await signedOpen(dir, keys, true)).status).toBe(401);

    // An older upload without the addon: node:crypto, silently.
    rmSync(path.join(dir, 'relay/sodium-native.node'));
    expect(crypto()).toBe('node:crypto');
    const missing = await signedOpen(dir, keys, false);
    expect(missing.status).toBe(201);
    expect(missing.stderr).toBe('');
    expect((await signedOpen(dir, keys, true)).status).toBe(401);

    // A damaged addon: node:crypto, and one warning line for the error log.
    writeFileSync(path.join(dir, 'relay/sodium-native.node'), 'not an ELF file');
    expect(crypto()).toBe('node:crypto');
    const damaged = await signedOpen(dir, keys, false);
    expect(damaged.status).toBe(201);
    expect(damaged.stderr).toMatch(/sodium-native did not load; using node:crypto/);
  });
});

describe.runIf(built)('request bodies in the CGI bundle', () => {
  // The bundle sets zod up only when a body needs judging (deploy/build-cgi.mjs lazyZod): bad
  // bodies still get the schema's precise answer, good ones pass.
  it('answers a malformed body with a 400 that names the field, and takes a good one', async () => {
    const { authHeader, json, b64, rand, newKey } = await import('../server/test-support/signer.ts');
    const keys = newKey();
    const dir = out();
    writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner: keys.publicKey });
    const open = (value: unknown) => {
      const body = json(value);
      const r = spawnSync(path.join(dir, 'index.cgi'), [], {
        env: { PATH: '/usr/bin:/bin', GATEWAY_INTERFACE: 'CGI/1.1', REQUEST_METHOD: 'POST', PATH_INFO: '/v1/channels', QUERY_STRING: '', SCRIPT_NAME: '/chat/index.cgi', CONTENT_LENGTH: String(body.length), HTTP_X_TINCAN_AUTH: authHeader(keys, 'POST', '/v1/channels', body) },
        input: body,
        encoding: 'utf8',
      });
      return { status: Number(/^Status: (\d+)/m.exec(r.stdout)?.[1] ?? 0), body: r.stdout.split(/\r\n\r\n/)[1] ?? '', stderr: r.stderr };
    };
    const bad = open({ channel: 'too-short', member: b64(rand(32)) });
    expect(bad.status, bad.stderr).toBe(400);
    expect(JSON.parse(bad.body).error).toMatchObject({ code: 'bad-request', message: expect.stringContaining('"channel"') });
    expect(open({ channel: b64(rand(16)), member: b64(rand(32)), extra: 1 }).status).toBe(400);
    expect(open({ channel: b64(rand(16)), member: b64(rand(32)) }).status).toBe(201);
  });
});

describe.runIf(built)('the bundle folder has no stray files', () => {
  it('copies no source maps or build leftovers', () => {
    const dir = out();
    writeRelayBundle({ root, out: dir, nodePath: process.execPath, owner });
    const all: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = path.join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else all.push(path.relative(dir, p));
      }
    };
    mkdirSync(path.join(dir, 'data'), { recursive: true });
    walk(dir);
    expect(all.filter((f) => /\.map$|\.ts$|obj\.target|\.a$|test_extension/.test(f))).toEqual([]);
  });
});
