/**
 * The relay HTTP suite: every endpoint and error path of SPEC 2, written once and run against
 * every adapter (in process, spawned CGI process, standalone express) — so the API really is
 * identical under each. Each test asserts what a client would see: status, error code, body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { AckResponseSchema, ChannelResponseSchema, CheckSchema, ErrorBodySchema, FetchResponseSchema, InfoSchema, LeaveResponseSchema, PostEnvelopeResponseSchema } from '../../protocol/wire.ts';
import { authHeader, b64, json, newKey, rand, sha256, type TestKey } from './signer.ts';
import type { Reply, SendOptions, Target, TargetFactory } from './targets.ts';

export interface Client {
  t: Target;
  signed(key: TestKey, method: string, path: string, body?: unknown, o?: { query?: string; ts?: number; nonce?: Uint8Array }): Promise<Reply>;
  openChannel(opts?: { token?: Uint8Array; expiresAt?: number }): Promise<{ channel: string; member: TestKey; reply: Reply }>;
}

export function client(t: Target): Client {
  const c: Client = {
    t,
    signed(key, method, path, body, o = {}) {
      const bytes = body === undefined ? new Uint8Array(0) : body instanceof Uint8Array ? body : json(body);
      const pq = o.query ? `${path}?${o.query}` : path;
      const so: SendOptions = { headers: { 'x-tincan-auth': authHeader(key, method, pq, bytes, o.ts, o.nonce), 'content-type': 'application/json' }, body: bytes };
      if (o.query) so.query = o.query;
      return t.send(method, path, so);
    },
    async openChannel(opts = {}) {
      const channel = b64(rand(16));
      const member = newKey();
      const token = opts.token ? { hash: b64(sha256(opts.token)), expiresAt: opts.expiresAt ?? Date.now() + 3_600_000 } : undefined;
      const reply = await c.signed(t.owner, 'POST', '/v1/channels', { channel, member: member.b64, ...(token ? { token } : {}) });
      return { channel, member, reply };
    },
  };
  return c;
}

/** The answer's body, checked against its wire schema (errors against ErrorBodySchema). */
const code = (r: Reply) => {
  if (r.status >= 400) expect(z.safeParse(ErrorBodySchema, r.json).success, r.text).toBe(true);
  return r.json?.error?.code as string | undefined;
};
const conforms = (schema: z.ZodMiniType, r: Reply) => expect(z.safeParse(schema, JSON.parse(r.text)).success, r.text).toBe(true);
const env = (id = rand(16), data = rand(40)) => ({ id: b64(id), data: b64(data) });

export function relayHttpSuite(name: string, factory: TargetFactory): void {
  describe(`relay HTTP API via ${name}`, () => {
    let t: Target;
    let c: Client;
    beforeAll(async () => {
      t = await factory({ limits: { maxMembers: 3, maxEnvelopeBytes: 2048, maxBodyBytes: 4096 }, heartbeatSeconds: 1 });
      c = client(t);
    });
    afterAll(async () => t?.close());

    it('GET /v1/info describes the relay, with CORS and no-store', async () => {
      const r = await t.send('GET', '/v1/info');
      expect(r.status).toBe(200);
      conforms(InfoSchema, r);
      expect(r.json).toMatchObject({ protocol: 'tincan', versions: [1], owner: t.owner.b64 });
      expect(r.json.limits.maxMembers).toBe(3);
      expect(Math.abs(r.json.time - Date.now())).toBeLessThan(10_000);
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(r.headers['cache-control']).toContain('no-store');
      expect(r.headers['content-type']).toContain('application/json');
    });

    it('answers CORS preflights', async () => {
      const r = await t.send('OPTIONS', '/v1/channels/abc/envelopes', { headers: { origin: 'https://x.example', 'access-control-request-method': 'POST' } });
      expect(r.status).toBe(204);
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(r.headers['access-control-allow-headers']).toContain('X-Tincan-Auth');
      expect(r.headers['access-control-allow-methods']).toContain('DELETE');
    });

    it('GET /v1/check reports the host and whether the auth header arrived', async () => {
      const without = await t.send('GET', '/v1/check');
      expect(without.status).toBe(200);
      conforms(CheckSchema, without);
      expect(without.json).toMatchObject({ authHeaderReceived: false, dataWritable: true, node: process.version });
      expect(['wal', 'delete']).toContain(without.json.sqlite.journalMode);
      const withHeader = await t.send('GET', '/v1/check', { headers: { 'X-Tincan-Auth': 'dummy' } });
      expect(withHeader.json.authHeaderReceived).toBe(true);
    });

    it('unknown paths, versions and methods fail with their codes', async () => {
      expect(code(await t.send('GET', '/v1/nope'))).toBe('not-found');
      expect((await t.send('GET', '/v1/nope')).status).toBe(404);
      expect(code(await t.send('GET', '/v2/info'))).toBe('unsupported-version');
      const m = await t.send('PUT', '/v1/info');
      expect(m.status).toBe(405);
      expect(code(m)).toBe('method-not-allowed');
    });

    it('a claimed relay refuses POST /v1/claim', async () => {
      const r = await t.send('POST', '/v1/claim', { body: JSON.stringify({ setupCode: 'x', owner: newKey().b64 }) });
      expect(r.status).toBe(409);
      expect(code(r)).toBe('already-claimed');
    });

    it('opening a channel needs the owner signature, fresh and unreplayed', async () => {
      const body = { channel: b64(rand(16)), member: newKey().b64 };
      expect(code(await t.send('POST', '/v1/channels', { body: JSON.stringify(body) }))).toBe('auth-required');
      expect(code(await t.send('POST', '/v1/channels', { body: JSON.stringify(body), headers: { 'x-tincan-auth': 'v1 key=nope' } }))).toBe('auth-invalid');
      const stranger = newKey();
      const notOwner = await c.signed(stranger, 'POST', '/v1/channels', body);
      expect([notOwner.status, code(notOwner)]).toEqual([403, 'not-owner']);
      const old = await c.signed(t.owner, 'POST', '/v1/channels', body, { ts: Date.now() - 3_600_000 });
      expect([old.status, code(old)]).toEqual([401, 'auth-expired']);
      // A signature over other bytes than those sent.
      const forged = await t.send('POST', '/v1/channels', { body: JSON.stringify(body), headers: { 'x-tincan-auth': authHeader(t.owner, 'POST', '/v1/channels', json({ ...body, member: newKey().b64 })) } });
      expect([forged.status, code(forged)]).toEqual([401, 'auth-invalid']);
      const nonce = rand(16);
      const ts = Date.now();
      const ok = await c.signed(t.owner, 'POST', '/v1/channels', body, { ts, nonce });
      expect(ok.status).toBe(201);
      expect(ok.json).toEqual({ channel: body.channel, members: 1, lastSeq: 0 });
      conforms(ChannelResponseSchema, ok);
      const replay = await c.signed(t.owner, 'POST', '/v1/channels', body, { ts, nonce });
      expect([replay.status, code(replay)]).toEqual([401, 'replayed-request']);
      const again = await c.signed(t.owner, 'POST', '/v1/channels', body);
      expect([again.status, code(again)]).toEqual([409, 'channel-exists']);
    });

    it('rejects malformed, unknown-field and oversize bodies', async () => {
      expect(code(await c.signed(t.owner, 'POST', '/v1/channels', new TextEncoder().encode('{"channel":')))).toBe('bad-request');
      expect(code(await c.signed(t.owner, 'POST', '/v1/channels', { channel: b64(rand(16)), member: newKey().b64, extra: 1 }))).toBe('bad-request');
      expect(code(await c.signed(t.owner, 'POST', '/v1/channels', { channel: 'short', member: newKey().b64 }))).toBe('bad-request');
      const big = await c.signed(t.owner, 'POST', '/v1/channels', new Uint8Array(5000).fill(32));
      expect([big.status, code(big)]).toEqual([413, 'body-too-large']);
    });

    it('invite tokens: one redemption wins, reuse, expiry, strangers and full channels fail', async () => {
      const token = rand(32);
      const { channel, member } = await c.openChannel({ token });
      const bob = newKey();
      const wrong = await c.signed(bob, 'POST', `/v1/channels/${channel}/join`, { token: b64(rand(32)) });
      expect([wrong.status, code(wrong)]).toEqual([403, 'invite-invalid']);
      const joined = await c.signed(bob, 'POST', `/v1/channels/${channel}/join`, { token: b64(token) });
      expect(joined.status).toBe(200);
      expect(joined.json).toMatchObject({ channel, members: 2 });
      expect((await c.signed(bob, 'POST', `/v1/channels/${channel}/join`, { token: b64(token) })).status).toBe(200);
      const late = await c.signed(newKey(), 'POST', `/v1/channels/${channel}/join`, { token: b64(token) });
      expect([late.status, code(late)]).toEqual([410, 'invite-used']);
      // Expired token, registered by a member.
      const old = rand(32);
      const added = await c.signed(member, 'POST', `/v1/channels/${channel}/tokens`, { hash: b64(sha256(old)), expiresAt: Date.now() - 1000 });
      expect(added.status).toBe(201);
      const expired = await c.signed(newKey(), 'POST', `/v1/channels/${channel}/join`, { token: b64(old) });
      expect([expired.status, code(expired)]).toEqual([410, 'invite-expired']);
      const stranger = await c.signed(newKey(), 'POST', `/v1/channels/${channel}/tokens`, { hash: b64(sha256(rand(32))), expiresAt: Date.now() + 60_000 });
      expect([stranger.status, code(stranger)]).toEqual([403, 'not-member']);
      const missing = await c.signed(t.owner, 'POST', `/v1/channels/${b64(rand(16))}/tokens`, { hash: b64(sha256(rand(32))), expiresAt: Date.now() + 60_000 });
      expect([missing.status, code(missing)]).toEqual([404, 'channel-not-found']);
      const noChannel = await c.signed(newKey(), 'POST', `/v1/channels/${b64(rand(16))}/join`, { token: b64(token) });
      expect(code(noChannel)).toBe('channel-not-found');
      // Fill the channel (maxMembers 3), then one more.
      const t3 = rand(32);
      const t4 = rand(32);
      await c.signed(t.owner, 'POST', `/v1/channels/${channel}/tokens`, { hash: b64(sha256(t3)), expiresAt: Date.now() + 60_000 });
      await c.signed(t.owner, 'POST', `/v1/channels/${channel}/tokens`, { hash: b64(sha256(t4)), expiresAt: Date.now() + 60_000 });
      expect((await c.signed(newKey(), 'POST', `/v1/channels/${channel}/join`, { token: b64(t3) })).json.members).toBe(3);
      const full = await c.signed(newKey(), 'POST', `/v1/channels/${channel}/join`, { token: b64(t4) });
      expect([full.status, code(full)]).toEqual([409, 'channel-full']);
    });

    it('envelopes: post, retry once, conflict, size, fetch with cursor, ack deletes, leave', async () => {
      const token = rand(32);
      const { channel, member: alice } = await c.openChannel({ token });
      const bob = newKey();
      await c.signed(bob, 'POST', `/v1/channels/${channel}/join`, { token: b64(token) });
      const p = `/v1/channels/${channel}/envelopes`;
      const e1 = env();
      const first = await c.signed(alice, 'POST', p, e1);
      expect([first.status, first.json]).toEqual([201, { seq: 1, duplicate: false }]);
      conforms(PostEnvelopeResponseSchema, first);
      const retry = await c.signed(alice, 'POST', p, e1);
      expect([retry.status, retry.json]).toEqual([200, { seq: 1, duplicate: true }]);
      const conflict = await c.signed(alice, 'POST', p, { id: e1.id, data: b64(rand(10)) });
      expect([conflict.status, code(conflict)]).toEqual([409, 'envelope-conflict']);
      const large = await c.signed(alice, 'POST', p, env(rand(16), rand(3000)));
      expect([large.status, code(large)]).toEqual([413, 'envelope-too-large']);
      for (let i = 0; i < 3; i++) expect((await c.signed(bob, 'POST', p, env())).json.seq).toBe(i + 2);
      const stranger = await c.signed(newKey(), 'GET', p, undefined, { query: 'after=0' });
      expect([stranger.status, code(stranger)]).toEqual([403, 'not-member']);
      const page = await c.signed(bob, 'GET', p, undefined, { query: 'after=0&limit=2' });
      expect(page.status).toBe(200);
      expect(page.json.envelopes.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
      expect(page.json.envelopes[0]).toMatchObject({ id: e1.id, data: e1.data });
      expect(page.json).toMatchObject({ cursor: 2, more: true });
      conforms(FetchResponseSchema, page);
      const rest = await c.signed(bob, 'GET', p, undefined, { query: 'after=2' });
      expect(rest.json).toMatchObject({ cursor: 4, more: false });
      expect(code(await c.signed(bob, 'GET', p, undefined, { query: 'after=-1' }))).toBe('bad-request');
      expect(code(await c.signed(bob, 'GET', p, undefined, { query: 'after=0&limit=9999' }))).toBe('bad-request');
      expect(code(await c.signed(bob, 'GET', p, undefined, { query: 'after=0&x=1' }))).toBe('bad-request');
      for (const query of ['after=01', 'after=1&after=2', 'limit=0', 'limit=501', 'wait=', 'after']) {
        const r = await c.signed(bob, 'GET', p, undefined, { query });
        expect(r.status, query).toBe(400);
        expect(code(r), query).toBe('bad-request');
      }
      const state = await c.signed(alice, 'GET', `/v1/channels/${channel}`);
      expect(state.json).toEqual({ channel, members: 2, lastSeq: 4 });
      // Everything up to the lowest acknowledgement is deleted. Alice's post moved her mark to 1.
      expect((await c.signed(bob, 'POST', `/v1/channels/${channel}/ack`, { upTo: 4 })).json).toEqual({ upTo: 4, deleted: 1 });
      const ack = await c.signed(alice, 'POST', `/v1/channels/${channel}/ack`, { upTo: 3 });
      expect(ack.json).toEqual({ upTo: 3, deleted: 2 });
      conforms(AckResponseSchema, ack);
      const left = await c.signed(bob, 'GET', p, undefined, { query: 'after=0' });
      expect(left.json.envelopes.map((e: { seq: number }) => e.seq)).toEqual([4]);
      expect(code(await c.signed(alice, 'POST', `/v1/channels/${channel}/ack`, { upTo: 'x' }))).toBe('bad-request');
      const bye = await c.signed(bob, 'DELETE', `/v1/channels/${channel}/members/self`);
      expect(bye.json).toEqual({ left: true, channelDeleted: false });
      conforms(LeaveResponseSchema, bye);
      expect(code(await c.signed(bob, 'GET', p, undefined, { query: 'after=0' }))).toBe('not-member');
      const last = await c.signed(alice, 'DELETE', `/v1/channels/${channel}/members/self`);
      expect(last.json).toEqual({ left: true, channelDeleted: true });
    });

    it('envelopes stay until an invited member joined and read them', async () => {
      const token = rand(32);
      const { channel, member: alice } = await c.openChannel({ token });
      const p = `/v1/channels/${channel}/envelopes`;
      await c.signed(alice, 'POST', p, env());
      expect((await c.signed(alice, 'POST', `/v1/channels/${channel}/ack`, { upTo: 1 })).json.deleted).toBe(0);
      const bob = newKey();
      await c.signed(bob, 'POST', `/v1/channels/${channel}/join`, { token: b64(token) });
      expect((await c.signed(bob, 'GET', p, undefined, { query: 'after=0' })).json.envelopes).toHaveLength(1);
    });

    it('long poll: answers when an envelope arrives, or empty after the wait', async () => {
      const { channel, member } = await c.openChannel();
      const p = `/v1/channels/${channel}/envelopes`;
      const started = Date.now();
      const empty = await c.signed(member, 'GET', p, undefined, { query: 'after=0&wait=2' });
      expect(empty.status).toBe(200);
      expect(JSON.parse(empty.text)).toEqual({ envelopes: [], cursor: 0, more: false });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      const waiting = c.signed(member, 'GET', p, undefined, { query: 'after=0&wait=20' });
      await new Promise((r) => setTimeout(r, 600));
      const e = env();
      await c.signed(member, 'POST', p, e);
      const got = await waiting;
      expect(JSON.parse(got.text).envelopes[0].id).toBe(e.id);
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });

  describe(`relay limits via ${name}`, () => {
    it('rate limit per member key answers 429 with Retry-After', async () => {
      const t = await factory({ limits: { ratePerMinute: 5 } });
      try {
        const c = client(t);
        const { channel, member } = await c.openChannel();
        const codes: number[] = [];
        for (let i = 0; i < 6; i++) codes.push((await c.signed(member, 'GET', `/v1/channels/${channel}`)).status);
        expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
        const r = await c.signed(member, 'GET', `/v1/channels/${channel}`);
        expect([r.status, code(r)]).toEqual([429, 'rate-limited']);
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        await t.close();
      }
    });

    it('channel, relay byte and channel count quotas fail with their codes and write nothing', async () => {
      const t = await factory({ limits: { maxChannelEnvelopes: 2, maxRelayBytes: 3000, maxChannels: 2, maxEnvelopeBytes: 2048 } });
      try {
        const c = client(t);
        const a = await c.openChannel();
        const p = `/v1/channels/${a.channel}/envelopes`;
        expect((await c.signed(a.member, 'POST', p, env(rand(16), rand(1000)))).status).toBe(201);
        expect((await c.signed(a.member, 'POST', p, env(rand(16), rand(1000)))).status).toBe(201);
        const full = await c.signed(a.member, 'POST', p, env(rand(16), rand(10)));
        expect([full.status, code(full)]).toEqual([409, 'channel-full']);
        const b = await c.openChannel();
        const quota = await c.signed(b.member, 'POST', `/v1/channels/${b.channel}/envelopes`, env(rand(16), rand(1500)));
        expect([quota.status, code(quota)]).toEqual([409, 'quota-exceeded']);
        expect((await c.signed(b.member, 'GET', `/v1/channels/${b.channel}`)).json.lastSeq).toBe(0);
        const third = await c.openChannel();
        expect([third.reply.status, code(third.reply)]).toEqual([409, 'quota-exceeded']);
      } finally {
        await t.close();
      }
    });

    it('an unclaimed relay is claimed once with its setup code', async () => {
      const t = await factory({ claimed: false });
      try {
        expect(t.setupCode).toBeTruthy();
        expect((await t.send('GET', '/v1/info')).json.owner).toBeNull();
        const me = newKey();
        const bad = await t.send('POST', '/v1/claim', { body: JSON.stringify({ setupCode: 'wrong-code', owner: me.b64 }) });
        expect([bad.status, code(bad)]).toEqual([403, 'setup-code-invalid']);
        const early = await client({ ...t, owner: me }).openChannel();
        expect(code(early.reply)).toBe('not-owner');
        const ok = await t.send('POST', '/v1/claim', { body: JSON.stringify({ setupCode: t.setupCode, owner: me.b64 }) });
        expect([ok.status, ok.json]).toEqual([200, { owner: me.b64 }]);
        expect((await t.send('GET', '/v1/info')).json.owner).toBe(me.b64);
        const twice = await t.send('POST', '/v1/claim', { body: JSON.stringify({ setupCode: t.setupCode, owner: newKey().b64 }) });
        expect(code(twice)).toBe('already-claimed');
        expect((await client({ ...t, owner: me }).openChannel()).reply.status).toBe(201);
      } finally {
        await t.close();
      }
    });
  });
}
