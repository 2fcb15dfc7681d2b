// CLI speed, as a person or a script feels it: fresh `tincan` processes (bin/tincan.js, the built
// bundle) against a real standalone relay on loopback.
//   - `tincan send` (fresh process, one relay): median within 3x of `node -e 0`
//   - `tincan list` with 1,000 conversations: median under 300 ms
// Needs `npm run build` first (the bench builds the CLI itself if dist/cli is missing).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSqliteStore } from '../client-cli/sqlite-store.ts';
import { sampleConversation } from '../protocol/client/test-support/samples.ts';
import type { StoreChange } from '../protocol/client/store.ts';
import { median, report } from './report.ts';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin', 'tincan.js');
if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), 'cli'], { stdio: 'inherit' });

const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_EXTRA_CA_CERTS') env[k] = v;
env['NO_COLOR'] = '1';

// CPU time (user + system) of the child, as it reports it: unlike wall-clock time it is not
// inflated when other work loads the machine, so the ratio stays meaningful on a busy CI host.
function cpuOf(stderr: string): number {
  const m = /tincan-cpu-us (\{.*\})/.exec(stderr);
  if (!m) throw new Error(`no CPU report in: ${stderr}`);
  const u = JSON.parse(m[1]!) as { user: number; system: number };
  return (u.user + u.system) / 1000;
}
function run(home: string, args: string[]): { ms: number; cpu: number; out: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...env, TINCAN_HOME: home, TINCAN_BENCH_CPU: '1' }, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`tincan ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, cpu: cpuOf(r.stderr), out: r.stdout };
}
function nodeE0(): { ms: number; cpu: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, ['-e', 'process.stderr.write(`tincan-cpu-us ${JSON.stringify(process.cpuUsage())}\\n`)'], { env, encoding: 'utf8' });
  return { ms: performance.now() - t, cpu: cpuOf(r.stderr) };
}

const dir = mkdtempSync(path.join(tmpdir(), 'tincan-bench-cli-'));
const alice = path.join(dir, 'alice');
const bob = path.join(dir, 'bob');
const many = path.join(dir, 'many');
const relayRef: { child: ChildProcess | null } = { child: null };

/** `tincan relay serve` in its own process (the timed commands block this one). */
function serve(home: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const relay = (relayRef.child = spawn(process.execPath, [bin, 'relay', 'serve', '--port', '0'], { env: { ...env, TINCAN_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] }));
    let out = '';
    relay.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Relay running at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    relay.on('exit', (code) => reject(new Error(`relay exited ${code}: ${out}`)));
  });
}
try {
  run(alice, ['init', '--name', 'alice']);
  run(bob, ['init', '--name', 'bob']);
  const relayUrl = await serve(alice);
  run(alice, ['relay', 'use', relayUrl]);
  const invite = JSON.parse(run(alice, ['invite', '--name', 'bob', '--json']).out).invite as string;
  run(bob, ['join', invite]);
  run(alice, ['sync']);

  // Warm the file cache, then alternate the two so that machine noise hits both alike.
  for (let i = 0; i < 3; i++) (nodeE0(), run(alice, ['send', 'bob', `warm-up ${i}`]));
  const base: { ms: number; cpu: number }[] = [];
  const send: { ms: number; cpu: number }[] = [];
  for (let i = 0; i < 25; i++) {
    base.push(nodeE0());
    send.push(run(alice, ['send', 'bob', `bench message ${i}`]));
  }
  const nodeMs = median(base.map((b) => b.ms));
  const sendMs = median(send.map((s) => s.ms));
  const nodeCpu = median(base.map((b) => b.cpu));
  const sendCpu = median(send.map((s) => s.cpu));

  // 1,000 conversations with some history each, written straight into a home's SQLite file.
  run(many, ['init', '--name', 'many']);
  const store = createSqliteStore({ file: path.join(many, 'state.db') });
  const changes: StoreChange[] = [];
  for (let i = 0; i < 1000; i++) {
    const id = `conv-${String(i).padStart(4, '0')}`;
    const c = sampleConversation(id, `friend-${i}`);
    changes.push({ type: 'put-conversation', conversation: { ...c, session: new Uint8Array(2600).fill(i % 251), unread: i % 7, lastActivity: Date.now() - i * 60_000 } });
    for (let m = 0; m < 5; m++) {
      changes.push({ type: 'put-message', message: { conversationId: id, id: `${id}-m${m}`, ord: m + 1, direction: 'in', seq: m + 1, kind: 'text', text: `hello ${m}`, sentAt: Date.now(), receivedAt: Date.now(), status: 'read' } });
    }
  }
  await store.apply(changes);
  await store.close();
  const listRuns: number[] = [];
  const listCpu: number[] = [];
  const listJsonRuns: number[] = [];
  for (let i = 0; i < 10; i++) {
    const r = run(many, ['list']);
    if (r.out.split('\n').filter(Boolean).length !== 1000) throw new Error('list did not print 1,000 conversations');
    listRuns.push(r.ms);
    listCpu.push(r.cpu);
    listJsonRuns.push(run(many, ['list', '--json']).ms);
  }
  const listMs = median(listRuns);

  report('cli', [
    { name: 'node -e 0 (fresh process, reference)', value: nodeMs, unit: 'ms' },
    { name: 'tincan send, fresh process, loopback relay (median of 25)', value: sendMs, unit: 'ms', target: `<= 3x node -e 0 (${(3 * nodeMs).toFixed(0)} ms)`, met: sendMs <= 3 * nodeMs },
    { name: 'tincan send / node -e 0 (wall clock)', value: sendMs / nodeMs, unit: 'x' },
    { name: 'node -e 0 CPU time (user+system, reference)', value: nodeCpu, unit: 'ms' },
    { name: 'tincan send CPU time (user+system)', value: sendCpu, unit: 'ms' },
    { name: 'tincan send / node -e 0 (CPU time; not inflated by machine load)', value: sendCpu / nodeCpu, unit: 'x', target: '<= 3x (the same target, on CPU time)', met: sendCpu <= 3 * nodeCpu },
    { name: 'tincan list, 1,000 conversations (median of 10)', value: listMs, unit: 'ms', target: '< 300 ms', met: listMs < 300 },
    { name: 'tincan list --json, 1,000 conversations (median of 10)', value: median(listJsonRuns), unit: 'ms' },
    { name: 'tincan list, 1,000 conversations, CPU time (user+system)', value: median(listCpu), unit: 'ms' },
  ]);
} finally {
  relayRef.child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
