// Issue 7 with one location on the CGI bundle under a real Apache 2.4 (mod_cgi, .htaccess, CGI as
// www-data) and one on a standalone relay process, with the real CLI (two TINCAN_HOMEs). Alice's
// relay is the uploaded bundle (written by her `tincan relay bundle`, so she owns it); Bob joins
// without a relay, sets his first one up later and adds it with `tincan locate --add`. Then each
// relay stops in turn while both keep chatting, Apache is stopped in the middle of a burst, and
// Alice moves off her dead CGI relay onto a third one. Every message exactly once, in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort, hasApache, installAsUpload, makeDocroot, startApache, type WebServer } from './support/web-servers.ts';
import { bin, history, killAllRelays, list, ok, okJson, type RelayProcess, root, send, startRelay, tempDirs } from './failover-harness.ts';

const run = hasApache() && existsSync(bin) && existsSync(path.join(root, 'dist', 'cgi', 'relay.js')) && existsSync(path.join(root, 'dist', 'relay'));
const tmp = tempDirs();
const alice = path.join(tmp.make(), 'alice');
const bob = path.join(tmp.make(), 'bob');
let docroot = '';
let port = 0;
let apache: WebServer | null = null;
let cgiUrl = '';
let relayB: RelayProcess;
const expected: string[] = [];

/** Apache on a fixed port (an extra Listen), so the relay keeps its URL across restarts. */
async function startCgiRelay() {
  apache = await startApache({ docroot, extraConfig: `Listen 127.0.0.1:${port}` });
}
async function stopCgiRelay() {
  await apache?.stop();
  apache = null;
}

async function say(from: 'alice' | 'bob', text: string) {
  const [me, peer, conv] = from === 'alice' ? [alice, bob, 'bob'] : [bob, alice, 'alice'];
  const r = await send(me, conv, text);
  expect(r.status).toBe('sent');
  expected.push(`${from}:${text}`);
  expect((await history(peer, from)).at(-1)!.text).toBe(text);
  return r;
}

async function checkHistories() {
  const a = await history(alice, 'bob');
  const b = await history(bob, 'alice');
  expect(a.map((m) => `${m.from === 'me' ? 'alice' : 'bob'}:${m.text}`)).toEqual(expected);
  expect(b.map((m) => `${m.from === 'me' ? 'bob' : 'alice'}:${m.text}`)).toEqual(expected);
}

const health = async (home: string) => Object.fromEntries((await list(home))[0]!.locations.map((l) => [l.relay, l.ok]));

beforeAll(async () => {
  if (!run) return;
  await ok(alice, ['init', '--name', 'alice']);
  await ok(bob, ['init', '--name', 'bob']);
  const out = path.join(tmp.make(), 'site');
  await ok(alice, ['relay', 'bundle', '--out', out]);
  docroot = makeDocroot();
  installAsUpload(out, path.join(docroot, 'chat'));
  port = await freePort();
  await startCgiRelay();
  cgiUrl = `http://127.0.0.1:${port}/chat`;
  await ok(alice, ['relay', 'use', cgiUrl]);
});
afterAll(async () => {
  await stopCgiRelay();
  killAllRelays();
  if (docroot) rmSync(docroot, { recursive: true, force: true });
  tmp.cleanup();
});

describe.runIf(run)('failover between a CGI relay under Apache and a standalone relay (real CLI)', () => {
  it('a location added later: bob sets up his first relay and adds it; alice joins it', async () => {
    const inv = await okJson<{ invite: string }>(alice, ['invite', '--name', 'bob']);
    await ok(bob, ['join', inv.invite]);
    await ok(alice, ['sync']);
    await say('alice', 'hi, only on my CGI relay');
    await say('bob', 'hi');
    relayB = await startRelay(bob, path.join(tmp.make(), 'relay-b'));
    await ok(bob, ['relay', 'use', relayB.url]);
    const added = await okJson<{ added: string[]; told: number }>(bob, ['locate', 'alice', '--add']);
    expect(added).toMatchObject({ added: [relayB.url], told: 1 });
    await ok(alice, ['sync']);
    expect(await health(alice)).toEqual({ [cgiUrl]: true, [relayB.url]: true });
    expect(await health(bob)).toEqual({ [cgiUrl]: true, [relayB.url]: true });
    expect((await say('alice', 'now on both')).posted).toBe(2);
    expect((await say('bob', 'yes, both')).posted).toBe(2);
    await checkHistories();
  });

  it('Apache stops: both keep chatting through the standalone relay', async () => {
    await stopCgiRelay();
    expect((await say('alice', 'apache down (1)')).queued).toBe(1);
    await say('bob', 'still here (2)');
    await say('alice', 'good (3)');
    expect(await health(bob)).toEqual({ [cgiUrl]: false, [relayB.url]: true });
    await checkHistories();
  });

  it('Apache returns and catches up; the standalone relay stops: both keep chatting through the CGI relay', async () => {
    await startCgiRelay();
    await ok(alice, ['sync']);
    await ok(bob, ['sync']);
    expect((await list(alice))[0]!.queued).toBe(0);
    expect((await list(bob))[0]!.queued).toBe(0);
    await relayB.stop();
    await say('bob', 'B down (4)');
    await say('alice', 'fine (5)');
    await checkHistories();
    await relayB.restart();
    for (const home of [alice, bob]) {
      const s = await okJson<{ conversations: { missing: number; forged: number }[] }>(home, ['sync']);
      expect(s.conversations[0]).toMatchObject({ missing: 0, forged: 0 });
      expect((await list(home))[0]!.queued).toBe(0);
    }
    await checkHistories();
  });

  it('relays killed mid-burst (standalone SIGKILL, Apache stopped): nothing reported as sent is lost', async () => {
    const results: { from: string; text: string; status: string }[] = [];
    const talk = async (from: 'alice' | 'bob') => {
      for (let i = 1; i <= 8; i++) {
        const text = `${from} burst ${i}`;
        const r = await send(from === 'alice' ? alice : bob, from === 'alice' ? 'bob' : 'alice', text);
        results.push({ from, text, status: r.status });
        if (from === 'alice' && i === 2) void relayB.stop('SIGKILL'); // the CGI relay alone carries on...
        if (from === 'alice' && i === 5) void stopCgiRelay(); // ...until Apache stops too, requests in flight
      }
    };
    await Promise.all([talk('alice'), talk('bob')]);
    expect(results.filter((r) => r.status === 'sent').length).toBeGreaterThanOrEqual(4);
    expect(results.some((r) => r.status === 'queued')).toBe(true);
    await relayB.restart();
    await startCgiRelay();
    for (const home of [alice, bob, alice, bob]) await ok(home, ['sync']);
    const a = await history(alice, 'bob');
    const b = await history(bob, 'alice');
    for (const r of results) {
      expect(a.filter((m) => m.text === r.text)).toHaveLength(1);
      expect(b.filter((m) => m.text === r.text)).toHaveLength(1);
    }
    for (const from of ['alice', 'bob']) {
      const sent = results.filter((r) => r.from === from).map((r) => r.text);
      expect(a.map((m) => m.text).filter((t) => sent.includes(t))).toEqual(sent);
      expect(b.map((m) => m.text).filter((t) => sent.includes(t))).toEqual(sent);
    }
    expect(a.slice(0, expected.length).map((m) => `${m.from === 'me' ? 'alice' : 'bob'}:${m.text}`)).toEqual(expected);
  });

  it('move off the dead CGI relay onto a third relay: the conversation continues, history intact', async () => {
    const before = (await history(alice, 'bob')).map((m) => m.text);
    await stopCgiRelay(); // the host took the site down for good
    const relayC = await startRelay(alice, path.join(tmp.make(), 'relay-c'));
    const moved = await okJson<{ added: string[]; removed: string[]; told: number }>(alice, ['move', 'bob', '--to', relayC.url]);
    expect(moved).toMatchObject({ added: [relayC.url], removed: [cgiUrl], told: 1 });
    await ok(bob, ['sync']);
    expect(Object.keys(await health(bob)).sort()).toEqual([relayB.url, relayC.url].sort());
    await relayB.stop();
    expect(await send(alice, 'bob', 'on the third relay')).toMatchObject({ status: 'sent', posted: 1 });
    expect((await history(bob, 'alice')).at(-1)!.text).toBe('on the third relay');
    expect(await send(bob, 'alice', 'got it')).toMatchObject({ status: 'sent', posted: 1 });
    expect((await history(alice, 'bob')).map((m) => m.text)).toEqual([...before, 'on the third relay', 'got it']);
    await relayC.stop();
  });
});
