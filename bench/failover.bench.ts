// Failover speed (issue 7): time for a message to reach the peer — Alice's `send` until Bob's live
// mode (WebSocket push, as in `tincan chat`) shows it — over a conversation on two standalone
// relays, each a separate process (the built dist/relay), so that one can really die.
//   - both relays up: the reference
//   - one relay killed (SIGKILL: connections refused), after the first failure was detected
//   - one relay hung (SIGSTOP: connections accepted, never answered), after the first failure
// Target: with one of two locations down, median within 2x of both up. While a relay is down, a
// message goes out every 200 ms for 16 s, so the failing location's backoff expires (and it is
// probed, with a 2 s timeout) several times; p90 and max show what those probes cost.
// Needs `npm run build` (the bench builds the relay if dist/relay is missing).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { createNodeHttp } from '../client-cli/node-http.ts';
import { createClient, type Client } from '../protocol/client/client.ts';
import { createMemoryStore } from '../protocol/client/memory-store.ts';
import type { WebSocketLike } from '../protocol/client/ports.ts';
import { median, percentile, report } from './report.ts';

const root = path.resolve(import.meta.dirname, '..');
const entry = path.join(root, 'dist', 'relay', 'main-standalone.js');
if (!existsSync(entry)) spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), 'relay'], { stdio: 'inherit' });
const N = Number(process.env['FAILOVER_N'] ?? 20);
/** How long to keep sending while a relay is down (its backoff expires at 2, 6, 14 s...). */
const SPAN_MS = Number(process.env['FAILOVER_SPAN_MS'] ?? 16_000);

const RELAY_SCRIPT = `
const [entry, dataDir, port, owner] = process.argv.slice(1);
const { startStandaloneRelay } = await import(entry);
const quiet = { info() {}, warn() {}, error() {} };
const r = await startStandaloneRelay({ dataDir, port: Number(port), owner: Buffer.from(owner, 'base64url'), log: quiet });
console.log(r.url);
`;

interface RelayProc {
  url: string;
  child: ChildProcess;
}
const children: ChildProcess[] = [];
function startRelay(dataDir: string, owner: Uint8Array, port = 0): Promise<RelayProc> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env['NODE_EXTRA_CA_CERTS'];
    const child = spawn(process.execPath, ['--input-type=module', '-e', RELAY_SCRIPT, pathToFileURL(entry).href, dataDir, String(port), Buffer.from(owner).toString('base64url')], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`relay exited ${code}`)));
  });
}

const wsFactory = (url: string): WebSocketLike => {
  const ws = new WebSocket(url, { handshakeTimeout: 5000 });
  const like: WebSocketLike = { send: (t) => ws.send(t), close: () => ws.close(), onopen: null, onmessage: null, onclose: null, onerror: null };
  ws.on('open', () => like.onopen?.());
  ws.on('message', (d) => like.onmessage?.(d.toString()));
  ws.on('close', () => like.onclose?.());
  ws.on('error', (e) => like.onerror?.(e));
  return like;
};

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'tincan-failover-bench-'));
  dirs.push(d);
  return d;
};
const http = createNodeHttp({ connectTimeoutMs: 2000 });
const alice: Client = createClient({ store: createMemoryStore(), http });
const bob: Client = createClient({ store: createMemoryStore(), http, webSocket: wsFactory });
await alice.init('alice');
await bob.init('bob');
const relayA = await startRelay(tmp(), (await alice.whoami())!.signPublic);
const relayB = await startRelay(tmp(), (await bob.whoami())!.signPublic);
await alice.useRelay(relayA.url);
await bob.useRelay(relayB.url);
await bob.join((await alice.createInvite({ name: 'bob' })).invite, {});
await alice.sync();
if ((await alice.conversation('bob')).locations.length !== 2) throw new Error('the conversation did not get both locations');

// Bob follows live; each message resolves its waiter when Bob's client shows it.
const waiters = new Map<string, () => void>();
const live = bob.live({
  onReport: (r) => {
    for (const m of r.newMessages) waiters.get(m.text)?.();
  },
});
let counter = 0;
async function deliver(): Promise<number> {
  const text = `m${++counter}`;
  const t0 = performance.now();
  const arrived = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${text} did not arrive within 60 s`)), 60_000);
    waiters.set(text, () => (clearTimeout(timer), resolve()));
  });
  const s = await alice.send('bob', text);
  if (s.posted === 0) throw new Error(`${text}: no location took it`);
  await arrived;
  waiters.delete(text);
  return performance.now() - t0;
}
async function series(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await deliver());
  return out;
}
/** A message every `gapMs` for `ms`: long enough that the failing location's backoff expires several times. */
async function paced(ms: number, gapMs: number): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    out.push(await deliver());
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return out;
}

try {
  await series(3); // warm-up: sockets, subscriptions, JIT
  const both = await series(N);

  // Bob's relay is killed: the first message detects it (refused), then failover is immediate.
  relayB.child.kill('SIGKILL');
  const firstKilled = await deliver();
  const killed = [...(await series(N)), ...(await paced(SPAN_MS, 200))];

  // Bob's relay returns on its port and catches up; then it hangs.
  const portB = Number(new URL(relayB.url).port);
  const relayB2 = await startRelay(dirs[1]!, (await bob.whoami())!.signPublic, portB);
  await alice.sync();
  await bob.sync();
  await series(3);
  relayB2.child.kill('SIGSTOP'); // accepts connections, answers nothing: only timeouts tell
  const firstHung = await deliver();
  const hung = [...(await series(N)), ...(await paced(SPAN_MS, 200))];
  relayB2.child.kill('SIGCONT');

  const mb = median(both);
  report('failover', [
    { name: 'delivery, both locations up (median)', value: Math.round(mb * 10) / 10, unit: 'ms' },
    { name: 'delivery, both locations up (p90)', value: Math.round(percentile(both, 90) * 10) / 10, unit: 'ms' },
    { name: 'delivery, first message after a relay was killed', value: Math.round(firstKilled), unit: 'ms' },
    { name: 'delivery, one relay killed (median, after detection)', value: Math.round(median(killed) * 10) / 10, unit: 'ms', target: `<= 2x both up (${(2 * mb).toFixed(1)} ms)`, met: median(killed) <= 2 * mb },
    { name: 'delivery, one relay killed (p90)', value: Math.round(percentile(killed, 90) * 10) / 10, unit: 'ms' },
    { name: 'delivery, one relay killed (max)', value: Math.round(Math.max(...killed)), unit: 'ms' },
    { name: 'delivery, first message after a relay hung', value: Math.round(firstHung), unit: 'ms' },
    { name: 'delivery, one relay hung (median, after detection)', value: Math.round(median(hung) * 10) / 10, unit: 'ms', target: `<= 2x both up (${(2 * mb).toFixed(1)} ms)`, met: median(hung) <= 2 * mb },
    { name: 'delivery, one relay hung (p90)', value: Math.round(percentile(hung, 90) * 10) / 10, unit: 'ms' },
    { name: 'delivery, one relay hung (max)', value: Math.round(Math.max(...hung)), unit: 'ms' },
  ]);
} finally {
  live.stop();
  await Promise.race([live.done, new Promise((r) => setTimeout(r, 3000))]);
  for (const c of children) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  http.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.exit(0);
