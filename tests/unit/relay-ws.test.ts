// WebSocket push on the standalone relay (SPEC 3): subscribe with a signed auth value, receive
// the backlog, then every new envelope as it is stored; bad frames and bad auth get error frames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { client, type Client } from '../../server/test-support/http-suite.ts';
import { authHeader, b64, newKey, rand } from '../../server/test-support/signer.ts';
import { standaloneTarget, type Target } from '../../server/test-support/targets.ts';

let t: Target;
let c: Client;
beforeAll(async () => {
  t = await standaloneTarget();
  c = client(t);
});
afterAll(async () => t?.close());

function connect(): Promise<{ ws: WebSocket; next(): Promise<any> }> {
  const ws = new WebSocket(`${t.url!.replace('http', 'ws')}/v1/ws`);
  const queue: any[] = [];
  const waiting: ((v: any) => void)[] = [];
  ws.on('message', (d) => {
    const f = JSON.parse(String(d));
    const w = waiting.shift();
    if (w) w(f);
    else queue.push(f);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiting.push(r))) }));
    ws.once('error', reject);
  });
}

const subscribeAuth = (key: ReturnType<typeof newKey>, channel: string, after: number) => authHeader(key, 'SUBSCRIBE', `/v1/channels/${channel}/envelopes?after=${after}`);

describe('WebSocket push', () => {
  it('sends the backlog, then each new envelope as it is stored', async () => {
    const { channel, member } = await c.openChannel();
    const p = `/v1/channels/${channel}/envelopes`;
    const first = { id: b64(rand(16)), data: b64(rand(20)) };
    await c.signed(member, 'POST', p, first);
    const { ws, next } = await connect();
    ws.send(JSON.stringify({ type: 'subscribe', channel, after: 0, auth: subscribeAuth(member, channel, 0) }));
    expect(await next()).toEqual({ type: 'subscribed', channel, cursor: 0 });
    const backlog = await next();
    expect(backlog).toMatchObject({ type: 'envelopes', channel, cursor: 1 });
    expect(backlog.envelopes[0]).toMatchObject(first);
    const second = { id: b64(rand(16)), data: b64(rand(20)) };
    await c.signed(member, 'POST', p, second);
    const pushed = await next();
    expect(pushed).toMatchObject({ type: 'envelopes', channel, cursor: 2 });
    expect(pushed.envelopes[0]).toMatchObject({ seq: 2, ...second });
    ws.send(JSON.stringify({ type: 'ping' }));
    expect(await next()).toEqual({ type: 'pong' });
    ws.close();
  });

  it('answers bad frames, bad auth and strangers with error frames and stays open', async () => {
    const { channel, member } = await c.openChannel();
    const { ws, next } = await connect();
    ws.send('not json');
    expect((await next()).error.code).toBe('bad-request');
    ws.send(JSON.stringify({ type: 'subscribe', channel, after: 0, auth: 'v1 nonsense' }));
    expect(await next()).toMatchObject({ type: 'error', channel, error: { code: 'auth-invalid' } });
    ws.send(JSON.stringify({ type: 'subscribe', channel, after: 0, auth: subscribeAuth(member, channel, 5) }));
    expect((await next()).error.code).toBe('auth-invalid');
    ws.send(JSON.stringify({ type: 'subscribe', channel, after: 0, auth: subscribeAuth(newKey(), channel, 0) }));
    expect((await next()).error.code).toBe('not-member');
    const auth = subscribeAuth(member, channel, 0);
    ws.send(JSON.stringify({ type: 'subscribe', channel, after: 0, auth }));
    expect((await next()).type).toBe('subscribed');
    ws.send(JSON.stringify({ type: 'subscribe', channel, after: 0, auth }));
    expect((await next()).error.code).toBe('replayed-request');
    ws.close();
  });

  it('stops pushing to a member as soon as it leaves the channel', async () => {
    const token = rand(32);
    const { channel, member } = await c.openChannel({ token });
    const bob = newKey();
    expect((await c.signed(bob, 'POST', `/v1/channels/${channel}/join`, { token: b64(token) })).status).toBe(200);
    const { ws, next } = await connect();
    ws.send(JSON.stringify({ type: 'subscribe', channel, after: 0, auth: subscribeAuth(bob, channel, 0) }));
    expect((await next()).type).toBe('subscribed');
    expect((await c.signed(bob, 'DELETE', `/v1/channels/${channel}/members/self`)).status).toBe(200);
    const secret = { id: b64(rand(16)), data: b64(rand(20)) };
    expect((await c.signed(member, 'POST', `/v1/channels/${channel}/envelopes`, secret)).status).toBe(201);
    const frame = await next();
    expect(frame).toMatchObject({ type: 'error', channel, error: { code: 'not-member' } });
    expect(JSON.stringify(frame)).not.toContain(secret.data);
    // Nothing further arrives on the ended subscription.
    await c.signed(member, 'POST', `/v1/channels/${channel}/envelopes`, { id: b64(rand(16)), data: b64(rand(20)) });
    ws.send(JSON.stringify({ type: 'ping' }));
    expect(await next()).toEqual({ type: 'pong' });
    ws.close();
  });
});
