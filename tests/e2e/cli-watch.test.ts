// `tincan watch`: one line per incoming message across all conversations, as they arrive.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, ok, okJson, pair, tempDirs } from './cli-harness.ts';

const tmp = tempDirs();
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  tmp.cleanup();
});

describe('tincan watch', () => {
  it('prints each incoming message of every conversation once, live', async () => {
    const { alice, bob, relay } = await pair(tmp);
    stops.push(relay.stop);
    // A second conversation, with carol.
    const carol = `${tmp.make()}/carol`;
    await ok(carol, ['init', '--name', 'carol']);
    const inv = await okJson<{ invite: string }>(alice, ['invite', '--name', 'carol']);
    await ok(carol, ['join', inv.invite]);

    const env = { ...process.env, TINCAN_HOME: alice, NO_COLOR: '1' } as Record<string, string>;
    delete env['NODE_EXTRA_CA_CERTS'];
    const watch = spawn(process.execPath, [bin, 'watch', '--json', '--no-notify'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    stops.push(() => new Promise((r) => (watch.exitCode !== null ? r(null) : (watch.once('exit', r), watch.kill('SIGTERM')))));
    let out = '';
    watch.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { conversation: string; text: string });
    const until = async (n: number) => {
      for (let i = 0; i < 150 && lines().length < n; i++) await new Promise((r) => setTimeout(r, 100));
      return lines();
    };
    await new Promise((r) => setTimeout(r, 1500)); // let it subscribe
    await ok(bob, ['send', 'alice', 'from bob while watching']);
    await ok(carol, ['send', 'alice', 'from carol while watching']);
    const got = await until(2);
    expect(got.map((l) => `${l.conversation}: ${l.text}`).sort()).toEqual(['bob: from bob while watching', 'carol: from carol while watching']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(lines().length).toBe(2); // nothing twice
    const code = await new Promise((r) => (watch.once('exit', r), watch.kill('SIGINT')));
    expect(code).toBe(0);
  });

  it('shows a desktop notification per incoming message through notify-send, and none with --no-notify', async () => {
    const { alice, bob, relay } = await pair(tmp);
    stops.push(relay.stop);
    // A notify-send on PATH that records what it was asked to show (the desktop's is not here).
    const binDir = tmp.make();
    const log = `${binDir}/notifications.log`;
    writeFileSync(`${binDir}/notify-send`, `#!/bin/sh\nprintf '%s|' "$@" >> '${log}'\nprintf '\\n' >> '${log}'\n`);
    chmodSync(`${binDir}/notify-send`, 0o755);
    const env = { ...process.env, TINCAN_HOME: alice, NO_COLOR: '1', PATH: `${binDir}:${process.env['PATH']}` } as Record<string, string>;
    delete env['NODE_EXTRA_CA_CERTS'];
    const watchWith = async (args: string[], text: string) => {
      const watch = spawn(process.execPath, [bin, 'watch', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      watch.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((r) => setTimeout(r, 1500)); // let it subscribe
      await ok(bob, ['send', 'alice', text]);
      for (let i = 0; i < 150 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500)); // the notifier runs beside the printed line
      await new Promise((r) => (watch.once('exit', r), watch.kill('SIGINT')));
      return out;
    };
    expect(await watchWith([], 'please notify me')).toContain('please notify me');
    const shown = readFileSync(log, 'utf8').trim().split('\n');
    expect(shown).toEqual(['--app-name=tincan|Tincan: bob|please notify me|']);
    expect(await watchWith(['--no-notify'], 'quietly')).toContain('quietly');
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(shown);
    expect(existsSync(log)).toBe(true);
  });
});
