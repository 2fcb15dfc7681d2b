// Separate processes racing on one SQLite database through the real CGI entry: 20 processes
// posting to one channel at once store each envelope exactly once with gap-free seq numbers; two
// processes redeeming one invite token at once produce exactly one member, 50 times over.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Client } from '../../server/test-support/http-suite.ts';
import { b64, newKey, rand } from '../../server/test-support/signer.ts';
import { cgiTarget, type Target } from '../../server/test-support/targets.ts';

let t: Target;
let c: Client;
beforeAll(async () => {
  t = await cgiTarget();
  c = client(t);
});
afterAll(async () => t?.close());

describe('concurrent CGI processes', () => {
  it('20 processes posting to one channel at once: each stored exactly once, no error', async () => {
    const { channel, member } = await c.openChannel();
    const p = `/v1/channels/${channel}/envelopes`;
    for (let round = 0; round < 3; round++) {
      const envs = Array.from({ length: 20 }, () => ({ id: b64(rand(16)), data: b64(rand(200)) }));
      const replies = await Promise.all(envs.map((e) => c.signed(member, 'POST', p, e)));
      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
      const seqs = replies.map((r) => r.json.seq as number).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => round * 20 + i + 1));
      // Retrying every post at once stores nothing new.
      const retries = await Promise.all(envs.map((e) => c.signed(member, 'POST', p, e)));
      expect(retries.map((r) => r.json.duplicate)).toEqual(Array(20).fill(true));
    }
    const all = await c.signed(member, 'GET', p, undefined, { query: 'after=0&limit=500' });
    expect(all.json.envelopes).toHaveLength(60);
    expect(new Set(all.json.envelopes.map((e: { id: string }) => e.id)).size).toBe(60);
    const db = new Database(t.dbFile, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('two processes redeeming one token at once: exactly one wins, the other gets invite-used (x50)', async () => {
    let winners = 0;
    for (let i = 0; i < 50; i++) {
      const token = rand(32);
      const { channel } = await c.openChannel({ token });
      const [a, b] = await Promise.all([newKey(), newKey()].map((k) => c.signed(k, 'POST', `/v1/channels/${channel}/join`, { token: b64(token) })));
      const statuses = [a!.status, b!.status].sort();
      expect(statuses).toEqual([200, 410]);
      expect([a!, b!].find((r) => r.status === 410)!.json.error.code).toBe('invite-used');
      expect([a!, b!].find((r) => r.status === 200)!.json.members).toBe(2);
      winners++;
    }
    expect(winners).toBe(50);
  });
});
