// Relay speed as CGI under a real Apache (prefork + mod_cgi, loopback), in one run, interleaved:
//   - the relay bundle (written by the real bundle writer, with and without its V8 code cache):
//     signed envelope post, signed envelope fetch, GET /v1/info;
//   - a Node hello-world CGI (same Node, same shebang flag): the floor for any Node CGI;
//   - php-cgi doing a PDO SQLite WAL INSERT: what a PHP app on the same host pays.
// Figure: Apache's %D (time to serve, fork + exec + answer), median per kind. Targets: relay post
// within 1.3x the Node hello-world and within 2x the PHP insert. Also: bundle sizes.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { median, percentile, report, type Figure } from './report.ts';
import { hasApache, installAsUpload, makeDocroot, startApache, webUser } from '../tests/e2e/support/web-servers.ts';
import { makeBundle, newChannelId, newEnvelopeId, newKeys, relayClient, repoRoot } from '../tests/e2e/support/relay-journey.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 60);
const WARMUP = 5;

if (!hasApache()) {
  console.log('cgi-apache: apache2 is not installed; skipped');
  process.exit(0);
}
// Always bench the current sources.
const { buildCgi } = (await import(path.join(repoRoot, 'deploy/build-cgi.mjs'))) as { buildCgi: (o: { root: string; outdir: string }) => Promise<unknown> };
await buildCgi({ root: repoRoot, outdir: path.join(repoRoot, 'dist/cgi') });

const owner = newKeys();
const bundle = makeBundle({ owner: owner.publicKey });
const docroot = makeDocroot();
installAsUpload(bundle.out, path.join(docroot, 'chat'));
// The same bundle with the code cache switched off in its loader, to measure what the cache buys.
installAsUpload(bundle.out, path.join(docroot, 'nocache'));
const nocacheCgi = path.join(docroot, 'nocache', 'index.cgi');
const loader = readFileSync(nocacheCgi, 'utf8');
const patched = loader.replace('cachedData = fs.readFileSync(cacheFile);', 'cachedData = undefined;').replace("process.once('exit', () => {", "if (false) process.once('exit', () => {");
if (patched === loader) throw new Error('could not switch the code cache off in the loader (did cgi-loader.cjs change?)');
writeFileSync(nocacheCgi, patched);

// Optionally the same bundle on Node 22 (node:sqlite instead of the addon), and a hello-world on it.
const node22 = process.env['TINCAN_TEST_NODE22'];
if (node22) {
  installAsUpload(bundle.out, path.join(docroot, 'n22'));
  const cgi = path.join(docroot, 'n22', 'index.cgi');
  writeFileSync(cgi, readFileSync(cgi, 'utf8').replace(/^#!\S+/, `#!${node22}`));
}

// Node hello-world CGI, same interpreter line as the relay's index.cgi.
const shebang = readFileSync(path.join(bundle.out, 'index.cgi'), 'utf8').split('\n')[0]!;
mkdirSync(path.join(docroot, 'hello'), { mode: 0o755 });
chmodSync(path.join(docroot, 'hello'), 0o755);
writeFileSync(path.join(docroot, 'hello', 'index.cgi'), `${shebang}\nrequire('fs').writeSync(1, 'Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nhello');\n`, { mode: 0o755 });
writeFileSync(path.join(docroot, 'hello', '.htaccess'), 'Options +ExecCGI\nAddHandler cgi-script .cgi\n');

// php-cgi: PDO SQLite INSERT in WAL mode with a busy timeout (as a PHP app on a shared host would).
let php = existsSync('/usr/bin/php-cgi');
if (php) {
  const dir = path.join(docroot, 'php');
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  chmodSync(dir, 0o755);
  const { uid, gid } = webUser();
  chownSync(path.join(dir, 'data'), uid, gid);
  writeFileSync(
    path.join(dir, 'insert.cgi'),
    `#!/usr/bin/php-cgi -dcgi.force_redirect=0
<?php
$db = new PDO('sqlite:' . __DIR__ . '/data/bench.db');
$db->setAttribute(PDO::ATTR_TIMEOUT, 5);
$db->exec('PRAGMA journal_mode=WAL');
$db->exec('PRAGMA synchronous=NORMAL');
$db->exec('CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, data BLOB, at INTEGER)');
$body = file_get_contents('php://input');
$st = $db->prepare('INSERT OR IGNORE INTO t (id, data, at) VALUES (?, ?, ?)');
$st->execute([bin2hex(random_bytes(16)), $body, time()]);
header('Content-Type: application/json');
echo json_encode(['ok' => true]);
`,
    { mode: 0o755 },
  );
  writeFileSync(path.join(dir, '.htaccess'), 'Options +ExecCGI\nAddHandler cgi-script .cgi\n');
}

const web = await startApache({ docroot });
try {
  const base = `${web.origin}/chat`;
  const relay = relayClient(base);
  const relayNc = relayClient(`${web.origin}/nocache`);
  const alice = newKeys();
  const channel = newChannelId();
  await relay.openChannel(owner, { channel, member: alice.publicKey });
  const channelNc = newChannelId();
  await relayNc.openChannel(owner, { channel: channelNc, member: alice.publicKey });
  const payload = new Uint8Array(600).fill(7); // a short text message, padded and encrypted
  const relay22 = node22 ? relayClient(`${web.origin}/n22`) : null;
  const channel22 = newChannelId();
  if (relay22) await relay22.openChannel(owner, { channel: channel22, member: alice.publicKey });
  if (php) {
    const r = await fetch(`${web.origin}/php/insert.cgi`, { method: 'POST', body: 'x'.repeat(800) });
    const t = await r.text();
    if (r.status !== 200 || !t.includes('"ok":true')) {
      console.log(`cgi-apache: php-cgi insert does not work here (${r.status} ${t.slice(0, 200)}); PHP figures skipped`);
      php = false;
    }
  }

  const kinds: Array<[string, () => Promise<unknown>]> = [
    ['hello', async () => (await fetch(`${web.origin}/hello/index.cgi`)).text()],
    ...(php ? ([['php', async () => (await fetch(`${web.origin}/php/insert.cgi`, { method: 'POST', body: 'x'.repeat(800) })).text()]] as Array<[string, () => Promise<unknown>]>) : []),
    ['post', () => relay.post(alice, channel, newEnvelopeId(), payload)],
    ['fetch', () => relay.fetch(alice, channel, { after: 0, limit: 20 })],
    ['info', async () => (await fetch(`${base}/v1/info`)).text()],
    ['post-nocache', () => relayNc.post(alice, channelNc, newEnvelopeId(), payload)],
    ...(relay22 ? ([['post-node22', () => relay22.post(alice, channel22, newEnvelopeId(), payload)]] as Array<[string, () => Promise<unknown>]>) : []),
  ];
  for (let i = 0; i < WARMUP; i++) for (const [, f] of kinds) await f();
  const skip = web.accessLog().length;
  for (let i = 0; i < ROUNDS; i++) for (const [, f] of kinds) await f();

  const times: Record<string, number[]> = {};
  for (const line of web.accessLog().slice(skip)) {
    const [us, status, method, url] = line.split(' ') as [string, string, string, string];
    if (Number(status) >= 500) throw new Error(`server error during the benchmark: ${line}`);
    const prefixes: Array<[string, string]> = [['/hello/', 'hello'], ['/php/', 'php'], ['/nocache/', 'post-nocache'], ['/n22/', 'post-node22']];
    const kind = prefixes.find(([p]) => url.startsWith(p))?.[1] ?? (url.endsWith('/v1/info') ? 'info' : method === 'POST' ? 'post' : 'fetch');
    (times[kind] ??= []).push(Number(us) / 1000);
  }
  const med = (k: string) => (times[k]?.length ? median(times[k]!) : NaN);
  const hello = med('hello');
  const post = med('post');
  const figures: Figure[] = [
    { name: 'node hello-world CGI, server time p50', value: hello, unit: 'ms' },
    ...(php ? [{ name: 'php-cgi PDO SQLite insert, server time p50', value: med('php'), unit: 'ms' }] : []),
    { name: 'relay signed post, server time p50', value: post, unit: 'ms' },
    { name: 'relay signed post, server time p90', value: percentile(times['post'] ?? [], 90), unit: 'ms' },
    { name: 'relay signed fetch, server time p50', value: med('fetch'), unit: 'ms' },
    { name: 'relay GET /v1/info, server time p50', value: med('info'), unit: 'ms' },
    { name: 'relay signed post without the V8 code cache, p50', value: med('post-nocache'), unit: 'ms' },
    ...(node22 ? [{ name: 'relay signed post on Node 22 (node:sqlite), p50', value: med('post-node22'), unit: 'ms' }] : []),
    { name: 'relay post / node hello-world', value: post / hello, unit: 'x', target: '<= 1.3', met: post / hello <= 1.3 },
    ...(php ? [{ name: 'relay post / php-cgi insert', value: post / med('php'), unit: 'x', target: '<= 2', met: post / med('php') <= 2 }] : []),
    { name: 'relay fetch / node hello-world', value: med('fetch') / hello, unit: 'x' },
    { name: 'bundle: relay/relay.js', value: statSync(path.join(bundle.out, 'relay', 'relay.js')).size, unit: 'bytes' },
    { name: 'bundle: index.cgi (loader)', value: statSync(path.join(bundle.out, 'index.cgi')).size, unit: 'bytes' },
    { name: 'bundle: SQLite module (better-sqlite3, not counted above)', value: bundle.sqliteBytes, unit: 'bytes' },
    { name: 'rounds (requests per kind)', value: ROUNDS, unit: 'n' },
  ];
  console.log(`node ${process.version}, ${execFileSync('/usr/sbin/apache2', ['-v'], { encoding: 'utf8' }).split('\n')[0]}, loopback, sequential requests, %D medians`);
  report('cgi-apache', figures);
} finally {
  await web.stop();
  rmSync(docroot, { recursive: true, force: true });
  rmSync(path.dirname(bundle.out), { recursive: true, force: true });
}
