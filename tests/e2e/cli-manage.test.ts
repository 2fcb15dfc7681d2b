// Verify, rename and forget with the real binary: both sides see the same safety number and SAS,
// verification is recorded, renames keep the history, forgetting leaves the relay channel and
// asks for confirmation first.
import { afterAll, describe, expect, it } from 'vitest';
import { type ReadItem, ok, okJson, pair, tempDirs, tincan } from './cli-harness.ts';

const tmp = tempDirs();
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  tmp.cleanup();
});

interface Verification {
  conversation: string;
  safetyNumber: string;
  sas: string;
  verified: boolean;
}

describe('tincan verify, rename, forget', () => {
  it('works end to end', async () => {
    const { alice, bob, relay } = await pair(tmp);
    stops.push(relay.stop);
    const a = await okJson<Verification>(alice, ['verify', 'bob']);
    const b = await okJson<Verification>(bob, ['verify', 'alice']);
    expect(a.safetyNumber).toMatch(/^\d{60}$/);
    expect(a.sas).toMatch(/^\d{6}$/);
    expect(b.safetyNumber).toBe(a.safetyNumber);
    expect(b.sas).toBe(a.sas);
    expect(a.verified).toBe(false);
    const human = await ok(alice, ['verify', 'bob']);
    expect(human).toContain(a.safetyNumber.slice(0, 5) + ' ' + a.safetyNumber.slice(5, 10));
    expect(human).toContain('Not marked as verified'); // no terminal to confirm on
    expect(await ok(alice, ['verify', 'bob', '--yes'])).toContain('Marked as verified');
    expect((await okJson<{ verified: boolean }[]>(alice, ['list']))[0]!.verified).toBe(true);

    await ok(alice, ['send', 'bob', 'before the rename']);
    expect(await ok(alice, ['rename', 'bob', 'robert'])).toContain('Renamed "bob" to "robert"');
    expect((await okJson<ReadItem[]>(alice, ['read', 'robert'])).map((m) => m.text)).toEqual(['before the rename']);
    expect((await tincan(alice, ['read', 'bob', '--no-sync'])).code).toBe(6);

    const noConfirm = await tincan(alice, ['forget', 'robert']);
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.stderr).toContain('--yes');
    expect(await ok(alice, ['forget', 'robert', '--yes'])).toContain('Forgot "robert"');
    expect(await okJson<unknown[]>(alice, ['list'])).toEqual([]);
    // bob's messages now go nowhere alice reads; the relay no longer counts alice as a member.
    await ok(bob, ['send', 'alice', 'anyone there?']);
    const bobSync = JSON.parse(await ok(bob, ['sync', '--json'])) as { conversations: { errors: string[] }[] };
    expect(bobSync.conversations[0]!.errors).toEqual([]);
  });
});
