// Offline: with the relay stopped, `tincan send` queues the message and says so; once the relay
// is back, the next sync sends it and the peer receives it exactly once.
import { afterAll, describe, expect, it } from 'vitest';
import { type ReadItem, ok, okJson, pair, serveRelay, tempDirs, tincan } from './cli-harness.ts';

const tmp = tempDirs();
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  tmp.cleanup();
});

describe('tincan offline', () => {
  it('queues while the relay is down and delivers exactly once when it returns', async () => {
    const { alice, bob, relay } = await pair(tmp);
    await ok(alice, ['send', 'bob', 'before the outage']);
    expect(await relay.stop()).toBe(0);

    const queued = await tincan(alice, ['send', 'bob', 'written while offline']);
    expect(queued.code).toBe(0);
    expect(queued.stdout).toContain('Queued');
    const list = await okJson<{ name: string; queued: number }[]>(alice, ['list']);
    expect(list[0]!.queued).toBe(1);
    const offlineRead = await okJson<ReadItem[]>(alice, ['read', 'bob']);
    expect(offlineRead.at(-1)).toMatchObject({ text: 'written while offline', status: 'queued' });

    // bob cannot reach the relay either: read still shows what is here, with a warning.
    const bobOffline = await tincan(bob, ['read', 'alice', '--json']);
    expect(bobOffline.code).toBe(0);
    expect(bobOffline.stderr).toContain('warning');

    const back = await serveRelay(alice, { port: relay.port });
    stops.push(back.stop);
    const sync = await ok(alice, ['sync', '--json']);
    expect(JSON.parse(sync).conversations[0].sent).toBe(1);
    expect((await okJson<{ queued: number }[]>(alice, ['list']))[0]!.queued).toBe(0);

    const got = await okJson<ReadItem[]>(bob, ['read', 'alice']);
    expect(got.map((m) => m.text)).toEqual(['before the outage', 'written while offline']);
    await ok(alice, ['sync']);
    await ok(bob, ['sync']);
    expect((await okJson<ReadItem[]>(bob, ['read', 'alice'])).map((m) => m.text)).toEqual(['before the outage', 'written while offline']);
    expect((await okJson<ReadItem[]>(alice, ['read', 'bob'])).map((m) => m.status)).toEqual(['sent', 'sent']);
  });
});
