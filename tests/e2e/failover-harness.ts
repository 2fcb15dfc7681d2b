// Shared by the failover suites: the real `tincan` binary (bin/tincan.js, built by `npm run
// test:e2e`) with its own TINCAN_HOME per person, and standalone relays run by `tincan relay serve`
// as separate processes that can be stopped, SIGKILLed and restarted on the same port and data.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

import { baseEnv, bin, okJson, type ReadItem } from './cli-harness.ts';

// The CLI runner and temp folders are the CLI suites' own (cli-harness.ts).
export { bin, ok, okJson, root, tempDirs, tincan, type ReadItem, type Run } from './cli-harness.ts';

/** A relay run by `tincan relay serve` in someone's home (owned by that identity). */
export interface RelayProcess {
  url: string;
  port: number;
  /** Sends `signal` and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same data (after stop). */
  restart(): Promise<void>;
  alive(): boolean;
}

function spawnServe(home: string, port: number, data: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'relay', 'serve', '--port', String(port), '--data', data], {
      env: { ...baseEnv(), TINCAN_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`relay serve did not start: ${out}`));
    }, 20000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Relay running at (http:\/\/\S+)/.exec(out);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`relay serve exited ${code}: ${out}`));
    });
  });
}

const running = new Set<ChildProcess>();

/** Starts `tincan relay serve --port 0 --data DATA` in `home`. */
export async function startRelay(home: string, data: string): Promise<RelayProcess> {
  let { child, url } = await spawnServe(home, 0, data);
  running.add(child);
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }).then(() => void running.delete(child)),
    async restart() {
      // The port was ours a moment ago; retry briefly in case the kernel still holds it.
      for (let i = 0; ; i++) {
        try {
          ({ child, url } = await spawnServe(home, port, data));
          running.add(child);
          return;
        } catch (err) {
          if (i >= 10) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
  };
}

/** SIGKILLs every relay still running (afterAll). */
export function killAllRelays(): void {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
}


/** `tincan read CONV --json`: the whole history after a sync, in display order. */
export const history = (home: string, conv: string) => okJson<ReadItem[]>(home, ['read', conv]);

export interface ListItem {
  name: string;
  state: string;
  locations: { relay: string; ok: boolean }[];
  queued: number;
}
export const list = (home: string) => okJson<ListItem[]>(home, ['list']);

/** `tincan send CONV TEXT --json`. */
export const send = (home: string, conv: string, text: string) =>
  okJson<{ id: string; status: string; posted: number; queued: number }>(home, ['send', conv, text]);
