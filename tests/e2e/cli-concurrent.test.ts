// Ten `tincan send` processes at once on one home: the home lock makes them wait for each other
// (none fails), every message arrives exactly once, and the ratchet state did not fork (the peer
// decrypts all of them, reports nothing missing or forged).
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReadItem, bin, ok, okJson, pair, tempDirs, tincan } from './cli-harness.ts';

const tmp = tempDirs();
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  tmp.cleanup();
});

describe('tincan concurrent sends', () => {
  it('10 concurrent sends on one home all arrive exactly once', async () => {
    const { alice, bob, relay } = await pair(tmp);
    stops.push(relay.stop);
    const texts = Array.from({ length: 10 }, (_, i) => `concurrent message ${i}`);
    const runs = await Promise.all(texts.map((t) => tincan(alice, ['send', 'bob', t])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);

    const sync = JSON.parse(await ok(bob, ['sync', '--json'])) as { conversations: { new: unknown[]; missing: number; forged: number }[] };
    expect(sync.conversations[0]!.missing).toBe(0);
    expect(sync.conversations[0]!.forged).toBe(0);
    const got = await okJson<ReadItem[]>(bob, ['read', 'alice']);
    expect(got.map((m) => m.text).sort()).toEqual([...texts].sort());
    expect(new Set(got.map((m) => m.id)).size).toBe(10);
    const mine = await okJson<ReadItem[]>(alice, ['read', 'bob']);
    expect(mine.length).toBe(10);
    expect(mine.every((m) => m.status === 'sent')).toBe(true);
    // And the conversation goes on in both directions afterwards.
    await ok(bob, ['send', 'alice', 'all ten here']);
    expect((await okJson<ReadItem[]>(alice, ['read', 'bob'])).at(-1)!.text).toBe('all ten here');
  });

  it('survives sends killed at random moments: nothing forked, nothing shown twice, queued ones go out later', async () => {
    const { alice, bob, relay } = await pair(tmp);
    stops.push(relay.stop);
    const env = { ...process.env, TINCAN_HOME: alice, NO_COLOR: '1' } as Record<string, string>;
    delete env['NODE_EXTRA_CA_CERTS'];
    for (let i = 0; i < 12; i++) {
      const child = spawn(process.execPath, [bin, 'send', 'bob', `maybe ${i}`], { env, stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      // Kill it somewhere between start-up and done (it takes ~100-300 ms).
      await new Promise((r) => setTimeout(r, 30 + ((i * 37) % 160)));
      child.kill('SIGKILL');
      await exited;
    }
    await ok(alice, ['send', 'bob', 'the last one']);
    await ok(alice, ['sync']); // posts whatever a killed process left queued
    const mine = await okJson<ReadItem[]>(alice, ['read', 'bob']);
    expect(mine.every((m) => m.status === 'sent')).toBe(true);
    expect(mine.length).toBeLessThan(13); // some sends really were killed before they finished
    const sync = JSON.parse(await ok(bob, ['sync', '--json'])) as { conversations: { missing: number; forged: number }[] };
    expect(sync.conversations[0]).toMatchObject({ missing: 0, forged: 0 });
    const got = await okJson<ReadItem[]>(bob, ['read', 'alice']);
    // Exactly the messages alice's home recorded, each once, in her order.
    expect(got.map((m) => m.text)).toEqual(mine.map((m) => m.text));
    expect(got.at(-1)!.text).toBe('the last one');
    await ok(bob, ['send', 'alice', 'still in sync']);
    expect((await okJson<ReadItem[]>(alice, ['read', 'bob'])).at(-1)!.text).toBe('still in sync');
  });
});
