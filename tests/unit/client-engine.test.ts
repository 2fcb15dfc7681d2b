// The client engine against real standalone relays on loopback (real crypto, real SQLite relay
// store, in-memory client stores): invite → join → both directions, a used invite refused, a
// conversation living on two relays (the joiner's own relay), one relay down, forged envelopes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttp } from '../../client-cli/node-http.ts';
import { createClient, type Client } from '../../protocol/client/client.ts';
import { createMemoryStore } from '../../protocol/client/memory-store.ts';
import * as crypto from '../../protocol/crypto/index.ts';
import { ownEnvelopeId } from '../../protocol/client/engine.ts';
import { fromBase64Url } from '../../protocol/encoding.ts';
import { TincanError } from '../../protocol/errors.ts';
import { startStandaloneRelay } from '../../server/main-standalone.ts';

const quiet = { info() {}, warn() {}, error() {} };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'tincan-engine-'));
  dirs.push(d);
  return d;
};
const http = createNodeHttp({ connectTimeoutMs: 1000 });
const newClient = () => createClient({ store: createMemoryStore(), http, timeoutMs: 3000 });
const texts = async (c: Client, conv: string) => (await c.history(conv)).messages.map((m) => `${m.direction}:${m.text}`);

let alice: Client;
let bob: Client;
let relayA: Awaited<ReturnType<typeof startStandaloneRelay>>;
let relayB: Awaited<ReturnType<typeof startStandaloneRelay>>;
const dataA = tmp();
const dataB = tmp();

beforeAll(async () => {
  alice = newClient();
  bob = newClient();
  await alice.init('alice');
  await bob.init('bob');
  const a = (await alice.whoami())!;
  const b = (await bob.whoami())!;
  relayA = await startStandaloneRelay({ dataDir: dataA, owner: a.signPublic, log: quiet });
  relayB = await startStandaloneRelay({ dataDir: dataB, owner: b.signPublic, log: quiet });
  await alice.useRelay(relayA.url);
  await bob.useRelay(relayB.url);
});
afterAll(async () => {
  await relayA?.close();
  await relayB?.close();
  http.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('client engine on real relays', () => {
  let invite = '';
  it('refuses a relay I do not own', async () => {
    await expect(alice.useRelay(relayB.url)).rejects.toMatchObject({ code: 'not-owner' });
  });

  it('invites, joins, and the conversation lives on both relays', async () => {
    const created = await alice.createInvite({ name: 'bob' });
    invite = created.invite;
    expect(invite.startsWith('tincan:')).toBe(true);
    expect(created.link).toContain('#join=');
    const joined = await bob.join(invite, {});
    expect(joined.conversation.name).toBe('alice');
    expect(joined.conversation.locations.map((l) => l.relayUrl)).toEqual([relayA.url, relayB.url]);
    const r = await alice.sync();
    expect(r.conversations[0]!.joined).toBe(true);
    const conv = await alice.conversation('bob');
    expect(conv.state).toBe('active');
    expect(conv.peer!.name).toBe('bob');
    expect(conv.locations.map((l) => l.relayUrl)).toEqual([relayA.url, relayB.url]);
    expect(await alice.engine.store.listPendingInvites()).toEqual([]);
  });

  it('the inviter can send right after the join, without syncing first', async () => {
    const carol = newClient();
    await carol.init('carol');
    const { invite: toCarol } = await alice.createInvite({ name: 'carol' });
    // Before anyone joins: a clear error, nothing queued.
    await expect(alice.send('carol', 'too early')).rejects.toMatchObject({ code: 'conversation-not-found', message: expect.stringContaining('has not been used') });
    await carol.join(toCarol, {});
    const sent = await alice.send('carol', 'welcome, carol');
    expect(sent.posted).toBe(1);
    expect((await carol.sync()).conversations[0]!.newMessages.map((m) => m.text)).toEqual(['welcome, carol']);
    await alice.forget('carol');
  });

  it('a second use of the invite fails with invite-used', async () => {
    const carol = newClient();
    await carol.init('carol');
    const err = await carol.join(invite, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TincanError);
    expect((err as TincanError).code).toBe('invite-used');
    expect((err as TincanError).message).toContain('already used');
  });

  it('messages flow both ways, each shown once although posted to two relays', async () => {
    const s1 = await alice.send('bob', 'hi bob');
    expect(s1.posted).toBe(2);
    await bob.send('alice', 'hi alice');
    await bob.send('alice', 'second');
    const rb = await bob.sync();
    expect(rb.conversations[0]!.newMessages.map((m) => m.text)).toEqual(['hi bob']);
    const ra = await alice.sync();
    expect(ra.conversations[0]!.newMessages.map((m) => m.text)).toEqual(['hi alice', 'second']);
    expect(ra.conversations[0]!.forged).toBe(0);
    expect(await texts(alice, 'bob')).toEqual(['out:hi bob', 'in:hi alice', 'in:second']);
    // bob sent before he read: his history shows it in the order he saw it.
    expect(await texts(bob, 'alice')).toEqual(['out:hi alice', 'out:second', 'in:hi bob']);
    expect((await alice.sync()).conversations[0]!.newMessages).toEqual([]);
    const list = await alice.list();
    expect(list[0]!.unread).toBe(2);
    await alice.markRead('bob');
    expect((await alice.list())[0]!.unread).toBe(0);
  });

  it('keeps working when one relay is down, and catches up when it returns', async () => {
    const port = Number(new URL(relayB.url).port);
    await relayB.close();
    const s = await alice.send('bob', 'via A only');
    expect(s.posted).toBe(1);
    expect(s.queued).toBe(1);
    const rb = await bob.sync();
    expect(rb.conversations[0]!.newMessages.map((m) => m.text)).toEqual(['via A only']);
    expect(rb.conversations[0]!.errors.length).toBeGreaterThan(0);
    relayB = await startStandaloneRelay({ dataDir: dataB, port, owner: (await bob.whoami())!.signPublic, log: quiet });
    await alice.sync();
    expect((await alice.engine.store.listOutbox()).length).toBe(0);
    const again = await bob.sync();
    expect(again.conversations[0]!.newMessages).toEqual([]);
    expect(await texts(bob, 'alice')).toEqual(['out:hi alice', 'out:second', 'in:hi bob', 'in:via A only']);
  });

  it('queues when no relay is reachable and sends on the next sync', async () => {
    const portA = Number(new URL(relayA.url).port);
    const portB = Number(new URL(relayB.url).port);
    await relayA.close();
    await relayB.close();
    const s = await alice.send('bob', 'queued one');
    expect(s.posted).toBe(0);
    expect(s.message.status).toBe('queued');
    relayA = await startStandaloneRelay({ dataDir: dataA, port: portA, owner: (await alice.whoami())!.signPublic, log: quiet });
    relayB = await startStandaloneRelay({ dataDir: dataB, port: portB, owner: (await bob.whoami())!.signPublic, log: quiet });
    await alice.sync();
    const m = (await alice.history('bob')).messages.at(-1)!;
    expect(m.status).toBe('sent');
    const rb = await bob.sync();
    expect(rb.conversations[0]!.newMessages.map((x) => x.text)).toEqual(['queued one']);
  });

  it('reports a forged envelope and still reads the genuine ones', async () => {
    const conv = await bob.conversation('alice');
    const loc = conv.locations[0]!;
    const relay = bob.engine.relay(loc.relayUrl);
    // A member (here bob's own key, as a compromised relay could) posts garbage.
    await relay.post({ publicKey: loc.memberPublic, secretKey: loc.memberSecret }, loc.channelId, 'AAAAAAAAAAAAAAAAAAAAAA', new Uint8Array(300).fill(1));
    await bob.send('alice', 'after forgery');
    const r = await alice.sync();
    expect(r.conversations[0]!.forged).toBe(1);
    expect(r.conversations[0]!.newMessages.map((m) => m.text)).toEqual(['after forgery']);
  });

  it('reports a message whose prevHash does not chain to the one before', async () => {
    // alice's client misbehaves: its next payload claims a wrong predecessor.
    await bob.sync();
    const conv = await alice.conversation('bob');
    const payload = { msgId: crypto.randomBytes(16), seq: conv.sendSeq + 1, prevHash: new Uint8Array(32).fill(9), sentAt: Date.now(), kind: 'text', body: new TextEncoder().encode('odd one') };
    const enc = await crypto.encrypt(crypto.decodeSession(conv.session!), crypto.encodePayload(payload));
    const loc = conv.locations[0]!;
    await alice.engine.relay(loc.relayUrl).post({ publicKey: loc.memberPublic, secretKey: loc.memberSecret }, loc.channelId, await ownEnvelopeId(alice.engine), crypto.wrapForLocation(enc.session, fromBase64Url(loc.channelId)!, enc.message));
    await alice.engine.store.apply([{ type: 'put-conversation', conversation: { ...conv, session: crypto.encodeSession(enc.session), sendSeq: payload.seq, sendPrevHash: await crypto.payloadHash(payload.msgId) } }]);
    await alice.send('bob', 'back to normal');
    const r = await bob.sync();
    expect(r.conversations[0]!.chainBroken).toBe(1);
    expect(r.conversations[0]!.forged).toBe(0);
    expect(r.conversations[0]!.newMessages.map((m) => m.text)).toEqual(['odd one', 'back to normal']);
  });

  it('gives both sides the same safety number and SAS', async () => {
    const a = await alice.verification('bob');
    const b = await bob.verification('alice');
    expect(a.safetyNumber).toBe(b.safetyNumber);
    expect(a.sas).toBe(b.sas);
  });
});

