// Live mode across a relay outage, on real standalone relays (loopback, real crypto and SQLite):
// Bob follows by long polling (as against CGI relays); Bob's relay stops, messages keep flowing
// through Alice's, Bob's own message is queued for his relay and goes out once it returns (live
// mode notices by itself), and every message is shown once. A peer's 'remove' never leaves a
// conversation without a location.
import { getEventListeners } from 'node:events';
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
  const d = mkdtempSync(path.join(tmpdir(), 'tincan-loclive-'));
  dirs.push(d);
  return d;
};
const http = createNodeHttp({ connectTimeoutMs: 1000 });
const newClient = () => createClient({ store: createMemoryStore(), http, timeoutMs: 3000 });

/** Waits (bounded) until `check` holds. */
async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let alice: Client;
let bob: Client;
let relayA: Relay;
let relayB: Relay;
const dataB = tmp();

beforeAll(async () => {
  alice = newClient();
  bob = newClient();
  await alice.init('alice');
  await bob.init('bob');
  relayA = await startStandaloneRelay({ dataDir: tmp(), owner: (await alice.whoami())!.signPublic, log: quiet });
  relayB = await startStandaloneRelay({ dataDir: dataB, owner: (await bob.whoami())!.signPublic, log: quiet });
  await alice.useRelay(relayA.url);
  await bob.useRelay(relayB.url);
  await bob.join((await alice.createInvite({ name: 'bob' })).invite, {});
  await alice.sync();
});
afterAll(async () => {
  await relayA?.close();
  await relayB?.close();
  http.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('live mode across a relay outage', () => {
  it('keeps delivering through the other relay and catches the returning one up by itself', async () => {
    const seen: string[] = [];
    const live = bob.live({ onReport: (r) => seen.push(...r.newMessages.map((m) => m.text)), waitSeconds: 2 });
    try {
      await alice.send('bob', 'before');
      await until(async () => seen.includes('before'), 'the first message');
      const portB = Number(new URL(relayB.url).port);
      await relayB.close();
      expect((await alice.send('bob', 'during')).posted).toBe(1);
      await until(async () => seen.includes('during'), 'a message during the outage');
      const mine = await bob.send('alice', 'from bob during');
      expect(mine.message.status).toBe('sent');
      await until(async () => (await bob.engine.store.listOutbox()).length > 0, "bob's copy queued for his relay");

      relayB = await startStandaloneRelay({ dataDir: dataB, port: portB, owner: (await bob.whoami())!.signPublic, log: quiet });
      // Nobody runs a command: live mode notices the relay is back and posts the queued copy.
      await until(async () => (await bob.engine.store.listOutbox()).length === 0, 'the queued copy to go out');
      await until(async () => (await bob.locations('alice')).locations.every((l) => l.ok), 'both locations healthy again');
      await alice.send('bob', 'after');
      await until(async () => seen.includes('after'), 'a message after the outage');
      expect(seen).toEqual(['before', 'during', 'after']);
    } finally {
      live.stop();
      await live.done;
    }
    const got = (await alice.sync()).conversations[0]!.newMessages.map((m) => m.text);
    expect(got).toEqual(['from bob during']);
    expect((await alice.history('bob')).messages.map((m) => m.text)).toEqual(['before', 'during', 'after', 'from bob during']);
  });

  it("a peer's remove of every location is not applied until another exists", async () => {
    const conv = await alice.conversation('bob');
    // Bob retires his relay's location: fine, one remains.
    await bob.removeLocation('alice', relayB.url);
    await alice.sync();
    expect((await alice.conversation('bob')).locations.map((l) => l.relayUrl)).toEqual([relayA.url]);
    expect(conv.id).toBe((await alice.conversation('bob')).id);
    // Bob cannot retire the last one.
    await expect(bob.removeLocation('alice', relayA.url)).rejects.toMatchObject({ code: 'bad-request' });
    await bob.send('alice', 'still here');
    expect((await alice.sync()).conversations[0]!.newMessages.map((m) => m.text)).toEqual(['still here']);
  });

  it('long polls with one long-lived signal do not pile up listeners on it', async () => {
    const ctrl = new AbortController();
    for (let i = 0; i < 20; i++) {
      const res = await http.request({ method: 'GET', url: `${relayA.url}/v1/info`, headers: {}, timeoutMs: 3000, signal: ctrl.signal });
      expect(res.status).toBe(200);
    }
    expect(getEventListeners(ctrl.signal, 'abort')).toHaveLength(0);
  });
});
