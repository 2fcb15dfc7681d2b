// Ten `tincan send` processes at once on one home: the home lock makes them wait for each other
// (none fails), every message arrives exactly once, and the ratchet state did not fork (the peer
// decrypts all of them, reports nothing missing or forged).
import { afterAll, describe, expect, it } from 'vitest';
import { type ReadItem, ok, okJson, pair, tempDirs, tincan } from './cli-harness.ts';

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
});
