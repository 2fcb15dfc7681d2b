// Issue 7 end to end with the real CLI (two TINCAN_HOMEs) and real standalone relays, each its own
// `tincan relay serve` process owned by one person: the joiner's relay joins the conversation;
// each relay in turn stops while both keep chatting; a relay SIGKILLed mid-conversation loses
// nothing a client reported as sent; `tincan move` off a dead relay onto a third one.
// Every message must be seen exactly once on each side, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bin, history, killAllRelays, list, ok, okJson, type RelayProcess, root, send, startRelay, tempDirs } from './failover-harness.ts';

const built = existsSync(bin) && existsSync(path.join(root, 'dist', 'cli', 'main.js')) && existsSync(path.join(root, 'dist', 'relay'));
const tmp = tempDirs();
const alice = path.join(tmp.make(), 'alice');
const bob = path.join(tmp.make(), 'bob');
let relayA: RelayProcess;
let relayB: RelayProcess;
/** Every text in the order both should show it, with who sent it. */
const expected: { from: 'alice' | 'bob'; text: string }[] = [];

/** One person says something; the other reads it before anyone says more (so the order is fixed). */
async function say(from: 'alice' | 'bob', text: string, o: { minPosted?: number } = {}) {
  const [me, peer, conv] = from === 'alice' ? [alice, bob, 'bob'] : [bob, alice, 'alice'];
  const r = await send(me, conv, text);
  expect(r.status).toBe('sent');
  expect(r.posted).toBeGreaterThanOrEqual(o.minPosted ?? 1);
  expected.push({ from, text });
  const seen = await history(peer, from);
  expect(seen.at(-1)!.text).toBe(text);
  return r;
}

/** Both histories are exactly `expected`: every message once, in order. */
async function checkHistories() {
  const a = await history(alice, 'bob');
  const b = await history(bob, 'alice');
  expect(a.map((m) => `${m.from === 'me' ? 'alice' : 'bob'}:${m.text}`)).toEqual(expected.map((m) => `${m.from}:${m.text}`));
  expect(b.map((m) => `${m.from === 'me' ? 'bob' : 'alice'}:${m.text}`)).toEqual(expected.map((m) => `${m.from}:${m.text}`));
}

const health = async (home: string) => Object.fromEntries((await list(home))[0]!.locations.map((l) => [l.relay, l.ok]));

beforeAll(async () => {
  if (!built) return;
  await ok(alice, ['init', '--name', 'alice']);
  await ok(bob, ['init', '--name', 'bob']);
  relayA = await startRelay(alice, path.join(tmp.make(), 'relay-a'));
  relayB = await startRelay(bob, path.join(tmp.make(), 'relay-b'));
  await ok(alice, ['relay', 'use', relayA.url]);
  await ok(bob, ['relay', 'use', relayB.url]);
});
afterAll(() => {
  killAllRelays();
  tmp.cleanup();
});

describe.runIf(built)('failover between two standalone relays (real CLI)', () => {
  it("the joiner's relay joins the conversation: both sides list both locations, healthy", async () => {
    const inv = await okJson<{ invite: string }>(alice, ['invite', '--name', 'bob']);
    const joined = await okJson<{ locations: string[] }>(bob, ['join', inv.invite]);
    expect(joined.locations).toEqual([relayA.url, relayB.url]);
    await ok(alice, ['sync']); // accepts the join and redeems the token for bob's relay
    expect(await health(alice)).toEqual({ [relayA.url]: true, [relayB.url]: true });
    expect(await health(bob)).toEqual({ [relayA.url]: true, [relayB.url]: true });
    const located = await okJson<{ locations: { relay: string; ok: boolean; onMyRelay: boolean }[] }>(alice, ['locate', 'bob']);
    expect(located.locations.map((l) => [l.relay, l.onMyRelay])).toEqual([[relayA.url, true], [relayB.url, false]]);
    await say('alice', 'hello bob', { minPosted: 2 });
    await say('bob', 'hello alice', { minPosted: 2 });
    await checkHistories();
  });

  it("Alice's relay stops: both keep chatting through Bob's", async () => {
    await relayA.stop();
    const r = await say('alice', 'A is down (1)');
    expect(r.queued).toBe(1);
    await say('bob', 'still here (2)');
    await say('alice', 'good (3)');
    expect(await health(alice)).toEqual({ [relayA.url]: false, [relayB.url]: true });
    expect(await health(bob)).toEqual({ [relayA.url]: false, [relayB.url]: true });
    await checkHistories();
  });

  it("Alice's relay returns and catches up; then Bob's stops: both keep chatting through Alice's", async () => {
    await relayA.restart();
    await ok(alice, ['sync']);
    await ok(bob, ['sync']);
    // The copies queued while A was down went out: nothing waits any more.
    expect((await list(alice))[0]!.queued).toBe(0);
    expect((await list(bob))[0]!.queued).toBe(0);
    expect(await health(alice)).toEqual({ [relayA.url]: true, [relayB.url]: true });
    await relayB.stop();
    await say('bob', 'B is down (4)');
    await say('alice', 'fine by me (5)');
    await say('bob', 'and back (6)');
    await checkHistories();
    await relayB.restart();
    for (const home of [alice, bob]) {
      const s = await okJson<{ conversations: { missing: number; forged: number; new: unknown[] }[] }>(home, ['sync']);
      expect(s.conversations[0]).toMatchObject({ missing: 0, forged: 0, new: [] });
      expect((await list(home))[0]!.queued).toBe(0);
    }
    await checkHistories();
  });

  it('a relay SIGKILLed mid-conversation loses no message a client reported as sent', async () => {
    await relayA.stop(); // B alone carries the conversation...
    const results: { from: 'alice' | 'bob'; text: string; status: string }[] = [];
    const talk = async (from: 'alice' | 'bob') => {
      for (let i = 1; i <= 8; i++) {
        const text = `${from} burst ${i}`;
        const r = await send(from === 'alice' ? alice : bob, from === 'alice' ? 'bob' : 'alice', text);
        results.push({ from, text, status: r.status });
        if (from === 'alice' && i === 4) void relayB.stop('SIGKILL'); // ...and dies mid-burst
      }
    };
    await Promise.all([talk('alice'), talk('bob')]);
    expect(relayB.alive()).toBe(false);
    const reportedSent = results.filter((r) => r.status === 'sent');
    expect(reportedSent.length).toBeGreaterThanOrEqual(4);
    expect(results.some((r) => r.status === 'queued')).toBe(true); // some were sent after the kill
    await relayB.restart();
    await relayA.restart();
    for (const home of [alice, bob, alice, bob]) await ok(home, ['sync']);
    const a = await history(alice, 'bob');
    const b = await history(bob, 'alice');
    for (const r of results) {
      // Exactly once on both sides, and the sender's copy is no longer queued.
      expect(a.filter((m) => m.text === r.text)).toHaveLength(1);
      expect(b.filter((m) => m.text === r.text)).toHaveLength(1);
      expect((r.from === 'alice' ? a : b).find((m) => m.text === r.text)!.status).toBe('sent');
    }
    // Each sender's messages appear in the order they were sent, on both sides.
    for (const from of ['alice', 'bob'] as const) {
      const sent = results.filter((r) => r.from === from).map((r) => r.text);
      expect(a.map((m) => m.text).filter((t) => sent.includes(t))).toEqual(sent);
      expect(b.map((m) => m.text).filter((t) => sent.includes(t))).toEqual(sent);
    }
    // From here on the histories are what they are; continue the transcript from alice's view.
    expected.length = 0;
    for (const m of a) expected.push({ from: m.from === 'me' ? 'alice' : 'bob', text: m.text });
    const bobView = b.map((m) => `${m.from === 'me' ? 'bob' : 'alice'}:${m.text}`);
    expect(new Set(bobView)).toEqual(new Set(expected.map((m) => `${m.from}:${m.text}`)));
  });

  it('move off a dead relay onto a third relay: the conversation continues, history intact', async () => {
    const before = (await history(alice, 'bob')).map((m) => m.text);
    const bobBefore = (await history(bob, 'alice')).map((m) => m.text);
    await relayA.stop('SIGKILL'); // Alice's relay is gone for good
    const relayC = await startRelay(alice, path.join(tmp.make(), 'relay-c'));
    const moved = await okJson<{ added: string[]; removed: string[]; told: number; locations: { relay: string }[] }>(alice, ['move', 'bob', '--to', relayC.url]);
    expect(moved).toMatchObject({ added: [relayC.url], removed: [relayA.url], told: 1 });
    expect(moved.locations.map((l) => l.relay).sort()).toEqual([relayB.url, relayC.url].sort());
    await ok(bob, ['sync']); // bob learns: A retired, C added
    expect(Object.keys(await health(bob)).sort()).toEqual([relayB.url, relayC.url].sort());
    // Only C is left up: the conversation lives on there.
    await relayB.stop();
    const s1 = await send(alice, 'bob', 'on the new relay');
    expect(s1).toMatchObject({ status: 'sent', posted: 1 });
    const s2 = await send(bob, 'alice', 'received on C');
    expect(s2).toMatchObject({ status: 'sent', posted: 1 });
    expect((await history(alice, 'bob')).map((m) => m.text)).toEqual([...before, 'on the new relay', 'received on C']);
    const bobAfter = (await history(bob, 'alice')).map((m) => m.text);
    expect(bobAfter.slice(0, bobBefore.length)).toEqual(bobBefore);
    expect(new Set(bobAfter.slice(bobBefore.length))).toEqual(new Set(['on the new relay', 'received on C']));
    // The same session: safety numbers still match.
    const va = await ok(alice, ['verify', 'bob']);
    const vb = await ok(bob, ['verify', 'alice']);
    const sn = (t: string) => /(\d{5}(?: \d{5}){11})/.exec(t)?.[1];
    expect(sn(va)).toBeTruthy();
    expect(sn(va)).toBe(sn(vb));
    await relayC.stop();
  });
});
