// Journey 4+5 with the real `tincan` binary and a real standalone relay (`tincan relay serve`):
// two homes, invite, join, both directions, read --json exactly; the invite works once; a third
// home cannot read; the relay's files never contain a plaintext.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as crypto from '../../protocol/crypto/index.ts';
import { RelayClient } from '../../protocol/client/relay-client.ts';
import { toBase64Url } from '../../protocol/encoding.ts';
import { createNodeHttp } from '../../client-cli/node-http.ts';
import { type ReadItem, ok, okJson, serveRelay, tempDirs, tincan } from './cli-harness.ts';

const tmp = tempDirs();
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  tmp.cleanup();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('tincan CLI journey on a real relay', () => {
  it('invite, join, chat both ways, one-time invite, third home locked out, no plaintext at the relay', async () => {
    const alice = path.join(tmp.make(), 'alice');
    const bob = path.join(tmp.make(), 'bob');
    const carol = path.join(tmp.make(), 'carol');
    const relayData = tmp.make();
    expect((await ok(alice, ['init', '--name', 'alice'])).toLowerCase()).toContain('fingerprint');
    await ok(bob, ['init', '--name', 'bob']);
    await ok(carol, ['init', '--name', 'carol']);
    const who = await okJson<{ name: string; fingerprint: string }>(alice, ['whoami']);
    expect(who.name).toBe('alice');
    expect(who.fingerprint).toMatch(/^[0-9A-F]{4}( [0-9A-F]{4})+$/);

    const relay = await serveRelay(alice, { data: relayData });
    stops.push(relay.stop);
    expect(relay.output()).toContain('Owner: this identity');
    await ok(alice, ['relay', 'use', relay.url]);

    const inv = await okJson<{ invite: string; link: string; conversation: string }>(alice, ['invite', '--name', 'bob']);
    expect(inv.invite).toMatch(/^tincan:/);
    expect(inv.link).toBe(`${relay.url}/#join=${inv.invite.slice('tincan:'.length)}`);
    expect(inv.conversation).toBe('bob');
    const human = await ok(alice, ['invite', '--name', 'dave']);
    expect(human).toContain('tincan:');
    expect(human).toContain('#join=');
    expect(human).toMatch(/[▀▄█]/); // the QR code

    const joined = await okJson<{ conversation: string }>(bob, ['join', inv.invite]);
    expect(joined.conversation).toBe('alice');

    // The same invite a second time: a clear refusal, exit code 4 (invite errors).
    const again = await tincan(carol, ['join', inv.invite]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('this invite was already used');
    expect(again.stderr).toContain('ask alice for a new one');

    expect(await ok(alice, ['sync'])).toContain('your invite was used');

    const secrets = ['Hello from alice, p1aintext-one', 'Bob answers: p1aintext-two ✓', 'third p1aintext, from alice'];
    expect(await ok(alice, ['send', 'bob', secrets[0]!])).toMatch(/^Sent/);
    await ok(bob, ['send', 'alice', secrets[1]!]);
    await ok(alice, ['send', 'bob'], { input: `${secrets[2]}\n` }); // text from stdin

    const bobView = await okJson<ReadItem[]>(bob, ['read', 'alice']);
    expect(bobView.map(({ from, text, status }) => ({ from, text, status }))).toEqual([
      { from: 'me', text: secrets[1], status: 'sent' },
      { from: 'alice', text: secrets[0], status: 'unread' },
      { from: 'alice', text: secrets[2], status: 'unread' },
    ]);
    for (const m of bobView) {
      expect(m.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(typeof m.sentAt).toBe('number');
      expect(m.receivedAt).toBeGreaterThanOrEqual(m.sentAt - 60_000);
    }
    // Read marks them read, and nothing is shown twice on the next read.
    const bobAgain = await okJson<ReadItem[]>(bob, ['read', 'alice']);
    expect(bobAgain.map((m) => [m.text, m.status])).toEqual([
      [secrets[1], 'sent'],
      [secrets[0], 'read'],
      [secrets[2], 'read'],
    ]);
    const aliceView = await okJson<ReadItem[]>(alice, ['read', 'bob']);
    expect(aliceView.map(({ from, text }) => ({ from, text }))).toEqual([
      { from: 'me', text: secrets[0] },
      { from: 'me', text: secrets[2] },
      { from: 'bob', text: secrets[1] },
    ]);

    const list = await okJson<{ name: string; unread: number; state: string; locations: { relay: string }[] }[]>(alice, ['list']);
    expect(list.find((c) => c.name === 'bob')).toMatchObject({ state: 'active', unread: 0, locations: [{ relay: relay.url }] });

    // A third home has no conversation, and even with the invite text it is not a member.
    const carolRead = await tincan(carol, ['read', 'alice']);
    expect(carolRead.code).toBe(6);
    expect(carolRead.stderr).toContain('no conversation called');
    await crypto.ready();
    const invite = crypto.decodeInvite(inv.invite);
    const loc = await crypto.deriveInviteLocation(invite.secret, 0);
    const http = createNodeHttp();
    const rc = new RelayClient(relay.url, { http, clock: { now: () => Date.now() }, crypto });
    await expect(rc.fetch(crypto.generateSigningKeyPair(), toBase64Url(loc.channelId), { after: 0 })).rejects.toMatchObject({ code: 'not-member' });
    http.close();

    // The relay's database and files contain none of the plaintexts.
    expect(await relay.stop()).toBe(0);
    const files = filesUnder(relayData);
    expect(files.some((f) => f.endsWith('relay.db'))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const s of secrets) {
        expect(bytes.includes(Buffer.from(s, 'utf8')), `${s} found in ${f}`).toBe(false);
        expect(bytes.includes(Buffer.from('p1aintext', 'utf8')), `plaintext found in ${f}`).toBe(false);
      }
    }
  });

  it('serves a relay with no identity: prints a setup code, which a CLI then uses to claim it', async () => {
    const home = path.join(tmp.make(), 'fresh');
    const relay = await serveRelay(home);
    stops.push(relay.stop);
    const code = /setup code: (\S+)/.exec(relay.output())?.[1];
    expect(code, relay.output()).toBeTruthy();
    expect(relay.output()).toContain(`tincan relay use ${relay.url} --setup-code`);
    await ok(home, ['init', '--name', 'owner']);
    const wrong = await tincan(home, ['relay', 'use', relay.url, '--setup-code', 'not-the-code']);
    expect(wrong.code).toBe(5);
    const unclaimed = await tincan(home, ['relay', 'use', relay.url]);
    expect(unclaimed.code).toBe(5);
    expect(unclaimed.stderr).toContain('--setup-code');
    expect(await ok(home, ['relay', 'use', relay.url, '--setup-code', code!])).toContain('My relay is now');
    const other = path.join(tmp.make(), 'other');
    await ok(other, ['init', '--name', 'other']);
    const notMine = await tincan(other, ['relay', 'use', relay.url]);
    expect(notMine.code).toBe(5);
    expect(notMine.stderr).toContain('owned by another identity');
    expect(await relay.stop()).toBe(0);
    expect(relay.output()).toContain('Relay stopped');
  });

  it('refuses an expired invite with a clear message', async () => {
    const a = path.join(tmp.make(), 'a');
    const b = path.join(tmp.make(), 'b');
    await ok(a, ['init', '--name', 'ann']);
    await ok(b, ['init', '--name', 'ben']);
    const relay = await serveRelay(a);
    stops.push(relay.stop);
    await ok(a, ['relay', 'use', relay.url]);
    const inv = await okJson<{ invite: string }>(a, ['invite', '--expires', '1s']);
    await new Promise((r) => setTimeout(r, 2100));
    const late = await tincan(b, ['join', inv.invite]);
    expect(late.code).toBe(4);
    expect(late.stderr).toContain('expired');
    expect(late.stderr).toContain('ask ann for a new one');
    const garbage = await tincan(b, ['join', 'tincan:not-an-invite']);
    expect(garbage.code).toBe(4);
  });
});
