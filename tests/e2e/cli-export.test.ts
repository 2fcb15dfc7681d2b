// Own your data: export → import into a fresh home → the conversation continues both ways; the
// exported home refuses to send (importing is a move); a wrong passphrase is refused.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReadItem, ok, okJson, pair, tempDirs, tincan } from './cli-harness.ts';

const tmp = tempDirs();
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  tmp.cleanup();
});

describe('tincan export / import', () => {
  it('moves a home to another machine and the conversation continues', async () => {
    const { alice, bob, relay } = await pair(tmp);
    stops.push(relay.stop);
    await ok(alice, ['send', 'bob', 'before the move']);
    await ok(bob, ['send', 'alice', 'reply before the move']);
    await ok(alice, ['sync']);

    const dir = tmp.make();
    const file = path.join(dir, 'alice.tincan');
    const passFile = path.join(dir, 'pass');
    writeFileSync(passFile, 'correct horse battery staple\n');
    const exp = await ok(alice, ['export', file, '--passphrase-file', passFile]);
    expect(exp).toContain('retired');

    const old = await tincan(alice, ['send', 'bob', 'from the old home']);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain('exported');

    const moved = path.join(tmp.make(), 'alice-new');
    const wrong = await tincan(moved, ['import', file], { env: { TINCAN_PASSPHRASE: 'wrong passphrase' } });
    expect(wrong.code).toBe(5);
    expect(await ok(moved, ['import', file], { env: { TINCAN_PASSPHRASE: 'correct horse battery staple' } })).toContain('Imported alice');
    expect((await okJson<{ name: string }>(moved, ['whoami'])).name).toBe('alice');
    expect((await okJson<ReadItem[]>(moved, ['read', 'bob'])).map((m) => m.text)).toEqual(['before the move', 'reply before the move']);

    await ok(moved, ['send', 'bob', 'from the new home']);
    await ok(bob, ['send', 'alice', 'welcome to the new machine']);
    // bob only sent so far, never read: his two messages come first, then alice's in her order.
    expect((await okJson<ReadItem[]>(bob, ['read', 'alice'])).map((m) => m.text)).toEqual([
      'reply before the move',
      'welcome to the new machine',
      'before the move',
      'from the new home',
    ]);
    const sync = JSON.parse(await ok(moved, ['sync', '--json'])) as { conversations: { forged: number; missing: number }[] };
    expect(sync.conversations[0]).toMatchObject({ forged: 0, missing: 0 });
    expect((await okJson<ReadItem[]>(moved, ['read', 'bob'])).map((m) => m.text)).toEqual([
      'before the move',
      'reply before the move',
      'from the new home',
      'welcome to the new machine',
    ]);
  });
});

