// Locations on real standalone relays (loopback, real crypto, real SQLite relay stores, in-memory
// client stores): a location added later when the joiner sets up its first relay, a move off a dead
// relay onto a third one (history and session kept), refusals, and a message queued only for a
// retired location that is re-posted to the remaining ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttp } from '../../client-cli/node-http.ts';
import { createClient, type Client } from '../../protocol/client/client.ts';
import { createMemoryStore } from '../../protocol/client/memory-store.ts';
import { startStandaloneRelay } from '../../server/main-standalone.ts';

type Relay = Awaited<ReturnType<typeof startStandaloneRelay>>;
const quiet = { info() {}, warn() {}, error() {} };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'tincan-loc-'));
  dirs.push(d);
  return d;
};
const http = createNodeHttp({ connectTimeoutMs: 1000 });
const newClient = () => createClient({ store: createMemoryStore(), http, timeoutMs: 3000 });
const texts = async (c: Client, conv: string) => (await c.history(conv)).messages.map((m) => `${m.direction}:${m.text}`);
const urls = async (c: Client, conv: string) => (await c.conversation(conv)).locations.map((l) => l.relayUrl).sort();

let alice: Client;
let bob: Client;
const relays: Relay[] = [];
const start = async (c: Client) => {
  const r = await startStandaloneRelay({ dataDir: tmp(), owner: (await c.whoami())!.signPublic, log: quiet });
  relays.push(r);
  return r;
};

beforeAll(async () => {
  alice = newClient();
  bob = newClient();
  await alice.init('alice');
  await bob.init('bob');
});
afterAll(async () => {
  for (const r of relays) await r.close().catch(() => undefined);
  http.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('locations', () => {
  let relayA: Relay;
  let relayB: Relay;
  let relayC: Relay;

  it('adds a location later, when the joiner sets up its first relay; the inviter joins it', async () => {
    relayA = await start(alice);
    await alice.useRelay(relayA.url);
    const inv = await alice.createInvite({ name: 'bob' });
    await bob.join(inv.invite, {}); // bob has no relay yet
    await alice.sync();
    await alice.send('bob', 'one');
    await bob.sync();
    expect(await urls(bob, 'alice')).toEqual([relayA.url]);

    relayB = await start(bob);
    await bob.useRelay(relayB.url);
    const r = await bob.addLocation('alice');
    expect(r.added).toEqual([relayB.url]);
    expect(r.told).toBe(1);
    await alice.sync(); // reads the offer, redeems the token
    expect(await urls(alice, 'bob')).toEqual([relayA.url, relayB.url].sort());
    const view = await alice.locations('bob');
    expect(view.locations.every((l) => l.ok)).toBe(true);
    expect(view.pendingOffers).toEqual([]);

    // The new location carries messages both ways: with A gone, everything flows through B.
    const s = await bob.send('alice', 'two');
    expect(s.posted).toBe(2);
    await relayA.close(); // A dies for good
    expect((await alice.send('bob', 'three')).posted).toBe(1);
    expect((await alice.sync()).conversations[0]!.newMessages.map((m) => m.text)).toEqual(['two']);
    expect((await bob.sync()).conversations[0]!.newMessages.map((m) => m.text)).toEqual(['three']);
  });

  it('refuses to add a relay I do not own, or one the conversation already uses', async () => {
    await expect(alice.addLocation('bob', relayB.url)).rejects.toMatchObject({ code: 'bad-request' });
    const other = await start(bob);
    await expect(alice.addLocation('bob', other.url)).rejects.toMatchObject({ code: 'not-owner' });
    expect(await urls(alice, 'bob')).toEqual([relayA.url, relayB.url].sort());
  });

  it('moves off a dead relay onto a third one: history and session kept, the peer follows', async () => {
    relayC = await start(alice);
    const before = await texts(alice, 'bob');
    const r = await alice.move('bob', { to: relayC.url }); // default from: my relay (A)
    expect(r.added).toEqual([relayC.url]);
    expect(r.removed).toEqual([relayA.url]);
    expect(r.told).toBe(1); // through B
    expect(await urls(alice, 'bob')).toEqual([relayB.url, relayC.url].sort());

    await bob.sync(); // learns: A removed, C added (joins it)
    expect(await urls(bob, 'alice')).toEqual([relayB.url, relayC.url].sort());
    // Now B goes down too: the conversation lives on through C alone.
    await relayB.close();
    expect((await bob.send('alice', 'via C')).posted).toBe(1);
    expect((await alice.sync()).conversations[0]!.newMessages.map((m) => m.text)).toEqual(['via C']);
    expect((await alice.send('bob', 'back via C')).posted).toBe(1);
    expect((await bob.sync()).conversations[0]!.newMessages.map((m) => m.text)).toEqual(['back via C']);
    expect(await texts(alice, 'bob')).toEqual([...before, 'in:via C', 'out:back via C']);
    expect(await texts(bob, 'alice')).toEqual(['in:one', 'out:two', 'in:three', 'out:via C', 'in:back via C']);
    const a = await alice.verification('bob');
    expect(a.sas).toBe((await bob.verification('alice')).sas);
  });

  it('never leaves a conversation without a location', async () => {
    const conv = await alice.conversation('bob');
    await expect(alice.removeLocation('bob', relayC.url).then(() => alice.removeLocation('bob', relayB.url))).rejects.toMatchObject({ code: 'bad-request' });
    expect((await alice.conversation('bob')).locations.length).toBeGreaterThan(0);
    expect(conv.id).toBe((await alice.conversation('bob')).id);
  });
});

describe('moving a conversation that lives on one relay only', () => {
  it("keeps reading the old relay until the peer has followed: a message sent before the peer learned of the move is not lost", async () => {
    const carol = newClient();
    const dave = newClient();
    await carol.init('carol');
    await dave.init('dave'); // dave has no relay: the conversation lives on carol's alone
    const old = await start(carol);
    await carol.useRelay(old.url);
    await dave.join((await carol.createInvite({ name: 'dave' })).invite, {});
    await carol.sync();
    await carol.send('dave', 'hi');
    await dave.sync();

    const fresh = await start(carol);
    const moved = await carol.move('dave', { to: fresh.url });
    expect(moved).toMatchObject({ added: [fresh.url], removed: [old.url], retiring: [old.url], told: 1 });
    const view = await carol.locations('dave');
    expect(view.locations.map((l) => [l.relayUrl, l.retiring])).toEqual([[old.url, true], [fresh.url, false]]);
    expect((await carol.send('dave', 'after the move')).posted).toBe(1); // the new relay only

    // dave writes before he has synced: his message goes to the old relay only.
    expect((await dave.send('carol', 'in the window')).posted).toBe(1);
    await dave.sync(); // learns of the move: joins the new relay, retires the old one (he has all of carol's payloads)
    expect(await urls(dave, 'carol')).toEqual([fresh.url]);
    await carol.sync(); // still reads the old relay
    expect((await carol.history('dave')).messages.map((m) => m.text)).toEqual(['hi', 'after the move', 'in the window']);
    expect(await urls(carol, 'dave')).toEqual([old.url, fresh.url].sort());

    await dave.send('carol', 'from the new relay');
    const r = await carol.sync(); // dave posts on the new relay: the old one is dropped and left
    expect(r.conversations[0]!.newMessages.map((m) => m.text)).toEqual(['from the new relay']);
    expect(await urls(carol, 'dave')).toEqual([fresh.url]);
    expect(r.conversations[0]!.missing).toBe(0);
    expect((await dave.history('carol')).messages.map((m) => m.text)).toEqual(['hi', 'in the window', 'after the move', 'from the new relay']);
    await old.close();
    expect((await carol.send('dave', 'old relay gone')).posted).toBe(1);
    expect((await dave.sync()).conversations[0]!.newMessages.map((m) => m.text)).toEqual(['old relay gone']);
  });
});
