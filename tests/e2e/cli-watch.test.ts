// `tincan watch`: one line per incoming message across all conversations, as they arrive.
import { spawn } from 'node:child_process';
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
});
