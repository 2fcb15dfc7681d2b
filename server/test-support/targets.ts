/**
 * Test targets: the same relay reached three ways — in process (core + SQLite), as a spawned CGI
 * process per request (the real entry, bundled), and as a standalone express server on an
 * ephemeral loopback port. The HTTP suite runs unchanged against each.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { Limits } from '../../protocol/wire.ts';
import { createNodeCrypto } from '../adapters/node-crypto.ts';
import { systemClock } from '../adapters/node-host.ts';
import { createMemoryNotifier } from '../core/memory-notifier.ts';
import { createRelay } from '../core/relay.ts';
import { startStandaloneRelay } from '../main-standalone.ts';
import { mergeLimits, seedOwnership, SOFTWARE } from '../relay-config.ts';
import { createSqliteStore } from '../store/sqlite-store.ts';
import { b64, newKey, rand, sha256, type TestKey } from './signer.ts';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}
export interface SendOptions {
  query?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}
export interface TargetOptions {
  limits?: Partial<Limits>;
  /** false: start unclaimed, with `setupCode`. */
  claimed?: boolean;
  heartbeatSeconds?: number;
}
export interface Target {
  kind: 'in-process' | 'cgi' | 'standalone';
  owner: TestKey;
  setupCode: string | null;
  dir: string;
  dbFile: string;
  url?: string;
  send(method: string, pathname: string, o?: SendOptions): Promise<Reply>;
  close(): Promise<void>;
}
export type TargetFactory = (o?: TargetOptions) => Promise<Target>;

const root = path.resolve(import.meta.dirname, '../..');
const silentLog = { info() {}, warn() {}, error() {} };

function reply(status: number, headers: Record<string, string>, text: string): Reply {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
}
const toBytes = (b: Uint8Array | string | undefined) => (b === undefined ? new Uint8Array(0) : typeof b === 'string' ? new TextEncoder().encode(b) : b);

export const inProcessTarget: TargetFactory = async (o = {}) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tincan-relay-'));
  const owner = newKey();
  const store = createSqliteStore({ file: path.join(dir, 'relay.db') });
  const crypto = createNodeCrypto();
  let setupCode: string | null = null;
  if (o.claimed === false) {
    setupCode = b64(rand(15));
    seedOwnership(store, null, sha256(new TextEncoder().encode(setupCode)), silentLog);
  } else seedOwnership(store, owner.publicKey, null, silentLog);
  const relay = createRelay({
    store,
    clock: systemClock,
    log: silentLog,
    crypto,
    notifier: createMemoryNotifier(),
    config: { limits: mergeLimits(o.limits), software: SOFTWARE, transports: ['http'], host: { node: process.version, adapter: 'standalone' }, heartbeatMs: (o.heartbeatSeconds ?? 5) * 1000, expiryChance: 1 },
  });
  return {
    kind: 'in-process',
    owner,
    setupCode,
    dir,
    dbFile: path.join(dir, 'relay.db'),
    async send(method, pathname, so = {}) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(so.headers ?? {})) headers[k.toLowerCase()] = v;
      const r = await relay.handle({ method, path: pathname, query: so.query ?? '', headers, body: toBytes(so.body) });
      return reply(r.status, r.headers, new TextDecoder().decode(r.body));
    },
    async close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

let cgiBundle: Promise<string> | null = null;
/** Bundles the test CGI entry once per test process (dist/ is git-ignored; packages stay external). */
export function buildTestCgi(): Promise<string> {
  return (cgiBundle ??= (async () => {
    const outfile = path.join(root, 'dist', 'test-cgi', `cgi-main-${process.pid}.mjs`);
    await build({ entryPoints: [path.join(root, 'server/test-support/cgi-main.ts')], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
    return outfile;
  })());
}

/** Parses a CGI answer (`Status:` + headers + blank line + body). */
export function parseCgiOutput(out: Buffer): { status: number; headers: Record<string, string>; body: string } {
  const text = out.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`no CGI header block in: ${JSON.stringify(text.slice(0, 200))}`);
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, split).split('\r\n')) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number((headers['status'] ?? '200').split(' ')[0]), headers, body: text.slice(split + 4) };
}

/** Runs the CGI entry once with `env` and `stdin`; resolves with its raw stdout. */
export function runCgiProcess(bundle: string, env: Record<string, string>, stdin: Uint8Array): Promise<{ out: Buffer; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle], { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: root });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ out: Buffer.concat(out), err, code }));
    child.stdin.on('error', () => {});
    child.stdin.end(Buffer.from(stdin));
  });
}

export const cgiTarget: TargetFactory = async (o = {}) => {
  const bundle = await buildTestCgi();
  const dir = mkdtempSync(path.join(tmpdir(), 'tincan-cgi-'));
  const owner = newKey();
  const setupCode = o.claimed === false ? b64(rand(15)) : null;
  const config = {
    owner: setupCode ? null : owner.b64,
    ...(setupCode ? { setupCodeHash: b64(sha256(new TextEncoder().encode(setupCode))) } : {}),
    dataDir: 'data',
    limits: o.limits ?? {},
    heartbeatSeconds: o.heartbeatSeconds ?? 5,
  };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return {
    kind: 'cgi',
    owner,
    setupCode,
    dir,
    dbFile: path.join(dir, 'data', 'relay.db'),
    async send(method, pathname, so = {}) {
      const body = toBytes(so.body);
      const env: Record<string, string> = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        GATEWAY_INTERFACE: 'CGI/1.1',
        SERVER_PROTOCOL: 'HTTP/1.1',
        REQUEST_METHOD: method,
        SCRIPT_NAME: '/relay/index.cgi',
        PATH_INFO: pathname,
        REQUEST_URI: `/relay${pathname}${so.query ? `?${so.query}` : ''}`,
        QUERY_STRING: so.query ?? '',
        REMOTE_ADDR: '127.0.0.1',
        TINCAN_CGI_CONFIG: path.join(dir, 'config.json'),
      };
      if (body.length || method === 'POST') env['CONTENT_LENGTH'] = String(body.length);
      for (const [k, v] of Object.entries(so.headers ?? {})) {
        if (k.toLowerCase() === 'content-type') env['CONTENT_TYPE'] = v;
        else env[`HTTP_${k.toUpperCase().replace(/-/g, '_')}`] = v;
      }
      const r = await runCgiProcess(bundle, env, body);
      if (r.code !== 0) throw new Error(`CGI exited ${r.code}: ${r.err}`);
      const p = parseCgiOutput(r.out);
      return reply(p.status, p.headers, p.body);
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export const standaloneTarget: TargetFactory = async (o = {}) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tincan-standalone-'));
  const owner = newKey();
  const relay = await startStandaloneRelay({ dataDir: path.join(dir, 'data'), owner: o.claimed === false ? null : owner.publicKey, log: silentLog, ...(o.limits ? { limits: o.limits } : {}) });
  return {
    kind: 'standalone',
    owner,
    setupCode: relay.setupCode,
    dir,
    dbFile: path.join(dir, 'data', 'relay.db'),
    url: relay.url,
    async send(method, pathname, so = {}) {
      const body = toBytes(so.body);
      const r = await fetch(`${relay.url}${pathname}${so.query ? `?${so.query}` : ''}`, { method, headers: so.headers ?? {}, ...(body.length ? { body: Buffer.from(body) } : {}) });
      const headers: Record<string, string> = {};
      r.headers.forEach((v, k) => (headers[k] = v));
      return reply(r.status, headers, await r.text());
    },
    async close() {
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/**
 * The CGI entry behind a real web server (tests/e2e/support/web-servers.ts): `index.cgi` (a shell
 * wrapper exec'ing node on the test bundle) in a folder reached through rewriting, as on shared
 * hosting — under Apache the folder's own .htaccess declares the CGI handler, as an upload's does.
 */
export function webServerTarget(kind: 'apache' | 'lighttpd'): TargetFactory {
  return async (o = {}) => {
    const { makeDocroot, nodeForWebUser, startApache, startLighttpd } = await import('../../tests/e2e/support/web-servers.ts');
    const { chmodSync, mkdirSync } = await import('node:fs');
    const bundle = await buildTestCgi();
    const docRoot = makeDocroot(`tincan-${kind}-root-`);
    const site = path.join(docRoot, 'relay');
    mkdirSync(path.join(site, 'data'), { recursive: true, mode: 0o755 });
    const owner = newKey();
    const setupCode = o.claimed === false ? b64(rand(15)) : null;
    writeFileSync(path.join(site, 'config.json'), JSON.stringify({
      owner: setupCode ? null : owner.b64,
      ...(setupCode ? { setupCodeHash: b64(sha256(new TextEncoder().encode(setupCode))) } : {}),
      dataDir: 'data',
      limits: o.limits ?? {},
      heartbeatSeconds: o.heartbeatSeconds ?? 5,
    }), { mode: 0o644 });
    writeFileSync(path.join(site, 'index.cgi'), `#!/bin/sh\nTINCAN_CGI_CONFIG='${path.join(site, 'config.json')}' exec '${nodeForWebUser()}' '${bundle}'\n`);
    chmodSync(path.join(site, 'index.cgi'), 0o755);
    writeFileSync(path.join(site, '.htaccess'), 'Options +ExecCGI\nAddHandler cgi-script .cgi\nRewriteEngine On\nRewriteRule ^data(/|$) - [F,L]\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteRule ^(.*)$ index.cgi/$1 [L,QSA]\n', { mode: 0o644 });
    chmodSync(path.join(site, 'data'), 0o777);
    const web = kind === 'apache'
      ? await startApache({ docroot: docRoot })
      : await startLighttpd({ docroot: docRoot, extraConfig: 'cgi.assign = (".cgi" => "")\nurl.rewrite-if-not-file = ("^/relay/(.*)$" => "/relay/index.cgi/$1")\n$HTTP["url"] =~ "^/relay/data" { url.access-deny = ("") }' });
    const base = `${web.origin}/relay`;
    return {
      kind: 'cgi',
      owner,
      setupCode,
      dir: site,
      dbFile: path.join(site, 'data', 'relay.db'),
      url: base,
      async send(method, pathname, so = {}) {
        const body = toBytes(so.body);
        const r = await fetch(`${base}${pathname}${so.query ? `?${so.query}` : ''}`, { method, headers: so.headers ?? {}, ...(body.length ? { body: Buffer.from(body) } : {}) });
        const headers: Record<string, string> = {};
        r.headers.forEach((v, k) => (headers[k] = v));
        const reply0 = reply(r.status, headers, await r.text());
        if (r.status >= 500) reply0.text += `\n${web.errorLog()}`;
        return reply0;
      },
      async close() {
        await web.stop();
        rmSync(docRoot, { recursive: true, force: true });
      },
    };
  };
}
