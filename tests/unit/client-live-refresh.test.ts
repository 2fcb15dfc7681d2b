// Live mode picks up what changed while it runs as soon as it is told (refresh), not at its next
// round: an invite made while following (the web client's "New invite") is followed at once, so
// the guest's join and first message show up while the round is still far off. Real standalone
// relay on loopback, real crypto, long polls (as against a CGI relay).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttp } from '../../client-cli/node-http.ts';
import { createClient, type Client } from '../../protocol/client/client.ts';
import { createMemoryStore } from '../../protocol/client/memory-store.ts';
import { startStandaloneRelay } from '../../server/main-standalone.ts';

const quiet = { info() {}, warn() {}, error() {} };
const http = createNodeHttp({ connectTimeoutMs: 1000 });
const newClient = () => createClient({ store: createMemoryStore(), http, timeoutMs: 5000 });
const dir = mkdtempSync(path.join(tmpdir(), 'tincan-live-refresh-'));
let relay: Awaited<ReturnType<typeof startStandaloneRelay>>;
let alice: Client;

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  alice = newClient();
  await alice.init('alice');
  relay = await startStandaloneRelay({ dataDir: dir, owner: (await alice.whoami())!.signPublic, log: quiet });
  await alice.useRelay(relay.url);
});
afterAll(async () => {
  await relay?.close();
  http.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('live mode refresh', () => {
  it('follows an invite made while live mode runs at once: the join and first message arrive long before the next round', async () => {
    const seen: string[] = [];
    let joined = false;
    // The next round is 10 minutes away: only refresh() can make live mode look at the new channel.
    const live = alice.live({
      onReport: (r) => {
        joined ||= r.joined;
        seen.push(...r.newMessages.map((m) => m.text));
      },
      waitSeconds: 5,
      rescanSeconds: 600,
    });
    try {
      await new Promise((r) => setTimeout(r, 300)); // live mode is past its first round
      const invite = await alice.createInvite({ name: 'bob' });
      live.refresh();
      const bob = newClient();
      await bob.init('bob');
      await bob.join(invite.invite, {});
      await bob.send('alice', 'hello from the guest');
      await until(() => joined && seen.includes('hello from the guest'), "the guest's join and message through live mode");
      expect(seen).toEqual(['hello from the guest']);
    } finally {
      live.stop();
      await live.done;
    }
  });

  it('stop() ends a live mode that is pausing between rounds (not at the end of its 10-minute pause)', async () => {
    const live = alice.live({ onReport: () => {}, waitSeconds: 1, rescanSeconds: 600 });
    await new Promise((r) => setTimeout(r, 300));
    live.stop();
    await live.done; // bounded by the test's timeout
  });
});
