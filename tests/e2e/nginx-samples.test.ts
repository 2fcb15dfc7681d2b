// The two nginx samples in deploy/, run as written (only the listen address, the paths and the
// upstream changed for loopback; TLS dropped), on a real nginx:
//   - nginx-fcgiwrap.conf: the upload bundle as CGI through fcgiwrap — the relay journey, the web
//     client served, the private files 404;
//   - nginx-relay-serve.conf: nginx in front of a standalone relay — the journey over HTTP and
//     WebSocket push through the proxy.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStandaloneRelay } from '../../server/main-standalone.ts';
import { makeBundle, newKeys, relayJourney, repoRoot } from './support/relay-journey.ts';
import { freePort, installAsUpload, makeDocroot } from './support/web-servers.ts';

const NGINX = '/usr/sbin/nginx';
const FCGIWRAP = '/usr/sbin/fcgiwrap';
const run = existsSync(NGINX) && existsSync(FCGIWRAP);
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Starts nginx (foreground) with `server` inside a minimal http block; resolves once it answers. */
async function startNginx(server: string, port: number): Promise<{ origin: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tincan-nginx-'));
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
${process.getuid?.() === 0 ? 'user www-data;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${server}
}
`,
  );
  const proc = spawn(NGINX, ['-c', conf, '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${stderr}${existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, 'utf8') : ''}`);
    try {
      await fetch(origin);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const stop = async () => {
    if (proc.exitCode === null) await new Promise((r) => (proc.once('exit', r), proc.kill('SIGQUIT')));
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  return { origin, stop };
}

/** The sample's server block(s), adapted to loopback with the given replacements. */
function sample(file: string, replace: [string | RegExp, string][]): string {
  let text = readFileSync(path.join(repoRoot, 'deploy', file), 'utf8');
  for (const [from, to] of replace) {
    const before = text;
    text = text.replace(from, to);
    if (text === before) throw new Error(`deploy/${file} no longer contains ${String(from)}: update this test with the sample`);
  }
  return text;
}

describe.runIf(run)('deploy/nginx-fcgiwrap.conf: the upload bundle behind nginx + fcgiwrap', () => {
  it('carries the relay journey, serves the web client and never the private files', async () => {
    const owner = newKeys();
    const bundle = makeBundle({ owner: owner.publicKey });
    const docroot = makeDocroot();
    cleanups.push(() => rmSync(docroot, { recursive: true, force: true }));
    installAsUpload(bundle.out, path.join(docroot, 'chat'));
    // fcgiwrap as on Debian, on its own socket; it runs the CGI as the web user, like the package.
    const sock = path.join(mkdtempSync(path.join(os.tmpdir(), 'tincan-fcgiwrap-')), 'fcgiwrap.socket');
    const asWebUser = process.getuid?.() === 0 ? ['runuser', '-u', 'www-data', '--'] : [];
    spawnSync('chmod', ['777', path.dirname(sock)]);
    const wrap: ChildProcess = spawn(asWebUser[0] ?? FCGIWRAP, [...asWebUser.slice(1), ...(asWebUser.length ? [FCGIWRAP] : []), '-s', `unix:${sock}`], { stdio: 'ignore' });
    cleanups.push(() => new Promise((r) => (wrap.exitCode !== null ? r(null) : (wrap.once('exit', r), wrap.kill('SIGTERM')))));
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(sock)).toBe(true);

    const port = await freePort();
    const web = await startNginx(
      sample('nginx-fcgiwrap.conf', [
        ['listen 80;', `listen 127.0.0.1:${port};`],
        ['server_name example.org;', 'server_name localhost;'],
        ['root /var/www/html;', `root ${docroot};`],
        ['include fastcgi_params;', 'include /etc/nginx/fastcgi_params;'],
        ['unix:/run/fcgiwrap.socket', `unix:${sock}`],
      ]),
      port,
    );
    const base = `${web.origin}/chat`;
    const j = await relayJourney(base, owner);
    expect(j.secondUse).toBe('invite-used');
    expect(j.bobSaw).toEqual(['hi bob (opaque bytes to the relay)', 'hi alice']);
    expect(j.aliceSaw).toEqual(j.bobSaw);
    // The fallback base URL works too.
    expect((await fetch(`${base}/index.cgi/v1/info`)).status).toBe(200);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    for (const p of ['data/relay.db', 'data/relay.db-wal', 'data/', 'data', 'config.json', 'relay/relay.js', 'relay/sodium-native.node', 'UPLOAD.md', 'package.json', '.htaccess']) {
      const r = await fetch(`${base}/${p}`, { redirect: 'manual' });
      expect([403, 404], p).toContain(r.status);
    }
  });
});

describe.runIf(run)('deploy/nginx-relay-serve.conf: nginx in front of tincan relay serve', () => {
  it('carries the journey over HTTP and pushes over a WebSocket through the proxy', async () => {
    const owner = newKeys();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tincan-proxied-'));
    const relay = await startStandaloneRelay({ dataDir, owner: owner.publicKey, log: { info() {}, warn() {}, error() {} } });
    cleanups.push(async () => {
      await relay.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const upstream = new URL(relay.url).host;
    const port = await freePort();
    const conf = sample('nginx-relay-serve.conf', [
      ['server 127.0.0.1:8080;', `server ${upstream};`],
      [/listen 443 ssl http2;\n\s*listen \[::\]:443 ssl http2;/, `listen 127.0.0.1:${port};`],
      [/\n\s*ssl_certificate .*\n\s*ssl_certificate_key .*\n/, '\n'],
      // The plain-HTTP redirect server is for the public internet; not needed on loopback.
      [/\nserver \{\n\s*listen 80;[\s\S]*?\n\}\n?$/, '\n'],
    ]);
    const web = await startNginx(conf, port);
    const info = await (await fetch(`${web.origin}/v1/info`)).json();
    expect(info.transports).toEqual(['http', 'ws']);

    const j = await relayJourney(web.origin, owner);
    expect(j.secondUse).toBe('invite-used');
    expect(j.bobSaw).toEqual(['hi bob (opaque bytes to the relay)', 'hi alice']);

    // Push through the proxy: bob subscribes over ws://…/v1/ws, alice posts over HTTP.
    const { formatAuthHeader, authMessage } = await import('../../protocol/auth.ts');
    const ws = new WebSocket(`${web.origin.replace('http', 'ws')}/v1/ws`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    cleanups.push(() => ws.terminate());
    const frames: { type: string; envelopes?: { data: string }[] }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    const after = j.seqs[1]!;
    const subscribePath = `/v1/channels/${j.channel}/envelopes?after=${after}`;
    const auth = await signedHeader(j.bob, 'SUBSCRIBE', subscribePath, formatAuthHeader, authMessage);
    ws.send(JSON.stringify({ type: 'subscribe', channel: j.channel, after, auth }));
    for (let i = 0; i < 100 && !frames.some((f) => f.type === 'subscribed'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(frames.map((f) => f.type)).toContain('subscribed');
    await j.relay.post(j.alice, j.channel, Buffer.from(randomBytes(16)).toString('base64url'), new TextEncoder().encode('pushed through nginx'));
    for (let i = 0; i < 100 && !frames.some((f) => f.type === 'envelopes'); i++) await new Promise((r) => setTimeout(r, 50));
    const pushed = frames.filter((f) => f.type === 'envelopes').flatMap((f) => f.envelopes ?? []);
    expect(pushed.map((e) => Buffer.from(e.data, 'base64url').toString('utf8'))).toEqual(['pushed through nginx']);
  });
});

/** An X-Tincan-Auth value for `keys` (libsodium layout: seed ‖ public key), as a client makes it. */
async function signedHeader(
  keys: { publicKey: Uint8Array; secretKey: Uint8Array },
  method: string,
  pathAndQuery: string,
  formatAuthHeader: typeof import('../../protocol/auth.ts').formatAuthHeader,
  authMessage: typeof import('../../protocol/auth.ts').authMessage,
): Promise<string> {
  const { createPrivateKey, sign } = await import('node:crypto');
  const ts = Date.now();
  const nonce = new Uint8Array(randomBytes(16));
  const msg = authMessage(method, pathAndQuery, new Uint8Array(createHash('sha256').update(new Uint8Array(0)).digest()), ts, nonce);
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), keys.secretKey.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  return formatAuthHeader({ key: keys.publicKey, ts, nonce, sig: new Uint8Array(sign(null, msg, key)) });
}
