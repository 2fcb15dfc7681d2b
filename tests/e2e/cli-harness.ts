// Shared by the CLI end-to-end suites: runs the real `tincan` binary (bin/tincan.js, built by
// `npm run test:e2e`) with its own TINCAN_HOME, and real standalone relays via `tincan relay serve`.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..', '..');
export const bin = path.join(root, 'bin', 'tincan.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** This process's environment for a child `tincan`: no NODE_EXTRA_CA_CERTS (+50 ms a start), no colour. */
export const baseEnv = () => {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env['NODE_EXTRA_CA_CERTS'];
  env['NO_COLOR'] = '1';
  return env;
};

/** Runs `tincan ARGS` with TINCAN_HOME=home; never rejects (look at code). */
export function tincan(home: string, args: string[], o: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...baseEnv(), TINCAN_HOME: home, ...o.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tincan ${args.join(' ')} took longer than ${o.timeoutMs ?? 60000} ms\n${stdout}\n${stderr}`));
    }, o.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

/** Like tincan() but fails the test on a non-zero exit. */
export async function ok(home: string, args: string[], o: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await tincan(home, args, o);
  if (r.code !== 0) throw new Error(`tincan ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

export async function okJson<T = unknown>(home: string, args: string[]): Promise<T> {
  return JSON.parse(await ok(home, [...args, '--json'])) as T;
}

export interface ServedRelay {
  url: string;
  port: number;
  output: () => string;
  stop(): Promise<number | null>;
}

/** `tincan relay serve` as its own process; resolves once it printed its URL. */
export function serveRelay(home: string, o: { port?: number; data?: string } = {}): Promise<ServedRelay> {
  return new Promise((resolve, reject) => {
    const args = ['relay', 'serve', '--port', String(o.port ?? 0), ...(o.data ? ['--data', o.data] : [])];
    const child: ChildProcess = spawn(process.execPath, [bin, ...args], { env: { ...baseEnv(), TINCAN_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Relay running at (http:\/\/\S+)/.exec(out);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        const url = m[1]!;
        resolve({
          url,
          port: Number(new URL(url).port),
          output: () => out,
          stop: () =>
            new Promise((res) => {
              if (child.exitCode !== null) return res(child.exitCode);
              child.once('exit', (code) => res(code));
              child.kill('SIGTERM');
            }),
        });
      }
    };
    let settled = false;
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      if (!settled) {
        settled = true;
        reject(new Error(`relay serve exited ${code}: ${out}`));
      }
    });
    const timer = setTimeout(() => {
      if (!settled) {
        settled = true;
        child.kill('SIGKILL');
        reject(new Error(`relay serve did not start: ${out}`));
      }
    }, 20000);
  });
}

/** Temp folders removed by cleanup(). */
export function tempDirs() {
  const dirs: string[] = [];
  return {
    make(prefix = 'tincan-e2e-') {
      const d = mkdtempSync(path.join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    cleanup() {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

export interface ReadItem {
  id: string;
  from: string;
  text: string;
  sentAt: number;
  receivedAt: number;
  status: string;
}

/** Sets up alice (owning a served relay) and bob, joined through an invite. */
export async function pair(tmp: ReturnType<typeof tempDirs>) {
  const alice = path.join(tmp.make(), 'alice');
  const bob = path.join(tmp.make(), 'bob');
  await ok(alice, ['init', '--name', 'alice']);
  await ok(bob, ['init', '--name', 'bob']);
  const relay = await serveRelay(alice);
  await ok(alice, ['relay', 'use', relay.url]);
  const inv = await okJson<{ invite: string; link: string; conversation: string }>(alice, ['invite', '--name', 'bob']);
  await ok(bob, ['join', inv.invite]);
  await ok(alice, ['sync']);
  return { alice, bob, relay, invite: inv.invite };
}
