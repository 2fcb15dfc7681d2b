/**
 * The Store contract: what every Store implementation must do, as one suite (run against SQLite
 * in WAL and in rollback-journal mode on temp files). Core behaviour depends only on this.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TincanError } from '../../protocol/errors.ts';
import { DEFAULT_LIMITS, type Limits } from '../../protocol/wire.ts';
import type { ChannelId, MemberKey, Store } from '../core/ports.ts';
import { rand } from './signer.ts';

const ch = () => rand(16) as ChannelId;
const mk = () => rand(32) as MemberKey;
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof TincanError) return e.code;
    throw e;
  }
  return 'no error';
};

export function storeContract(name: string, make: () => { store: Store; cleanup(): void }): void {
  describe(`Store contract: ${name}`, () => {
    let s: Store;
    let cleanup: () => void;
    const limits: Limits = { ...DEFAULT_LIMITS };
    const now = 1_800_000_000_000;
    beforeEach(() => {
      ({ store: s, cleanup } = make());
    });
    afterEach(() => cleanup());

    it('claims the owner once', () => {
      expect(s.getOwner()).toBeNull();
      const a = rand(32);
      expect(s.claimOwner(a)).toBe(true);
      expect(s.claimOwner(rand(32))).toBe(false);
      expect(s.getOwner()).toEqual(a);
      s.setSetupCodeHash(rand(32));
      expect(s.getSetupCodeHash()).toHaveLength(32);
      s.setSetupCodeHash(null);
      expect(s.getSetupCodeHash()).toBeNull();
    });

    it('opens channels once and redeems tokens once', () => {
      const c = ch();
      const alice = mk();
      const hash = rand(32);
      expect(s.openChannel({ channel: c, member: alice, token: { hash, expiresAt: now + 1000 }, now, limits })).toEqual({ members: 1, lastSeq: 0 });
      expect(codeOf(() => s.openChannel({ channel: c, member: mk(), now, limits }))).toBe('channel-exists');
      const bob = mk();
      expect(s.redeemToken({ channel: c, member: bob, tokenHash: hash, now, maxMembers: 8 })).toEqual({ members: 2, lastSeq: 0 });
      expect(s.redeemToken({ channel: c, member: bob, tokenHash: hash, now, maxMembers: 8 }).members).toBe(2);
      expect(codeOf(() => s.redeemToken({ channel: c, member: mk(), tokenHash: hash, now, maxMembers: 8 }))).toBe('invite-used');
      expect(codeOf(() => s.redeemToken({ channel: c, member: mk(), tokenHash: rand(32), now, maxMembers: 8 }))).toBe('invite-invalid');
      const late = rand(32);
      s.addToken({ channel: c, hash: late, expiresAt: now - 1, now });
      expect(codeOf(() => s.redeemToken({ channel: c, member: mk(), tokenHash: late, now, maxMembers: 8 }))).toBe('invite-expired');
      const other = ch();
      s.openChannel({ channel: other, member: mk(), now, limits });
      const t2 = rand(32);
      s.addToken({ channel: c, hash: t2, expiresAt: now + 1000, now });
      expect(codeOf(() => s.redeemToken({ channel: other, member: mk(), tokenHash: t2, now, maxMembers: 8 }))).toBe('invite-invalid');
      expect(codeOf(() => s.redeemToken({ channel: c, member: mk(), tokenHash: t2, now, maxMembers: 2 }))).toBe('channel-full');
      expect(codeOf(() => s.addToken({ channel: ch(), hash: rand(32), expiresAt: now, now }))).toBe('channel-not-found');
      expect(s.isMember(c, bob)).toBe(true);
      expect(s.isMember(other, bob)).toBe(false);
    });

    it('appends with gap-free seq, stores retries once, rejects conflicts', () => {
      const c = ch();
      const a = mk();
      s.openChannel({ channel: c, member: a, now, limits });
      const id = rand(16);
      const data = rand(100);
      expect(s.postEnvelope({ channel: c, member: a, id, data, now, limits })).toEqual({ seq: 1, duplicate: false });
      expect(s.postEnvelope({ channel: c, member: a, id, data, now, limits })).toEqual({ seq: 1, duplicate: true });
      expect(codeOf(() => s.postEnvelope({ channel: c, member: a, id, data: rand(100), now, limits }))).toBe('envelope-conflict');
      for (let i = 2; i <= 10; i++) expect(s.postEnvelope({ channel: c, member: a, id: rand(16), data: rand(10), now, limits }).seq).toBe(i);
      const page = s.fetchEnvelopes({ channel: c, after: 3, limit: 4, now });
      expect(page.envelopes.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
      expect(page.more).toBe(true);
      const e = s.fetchEnvelopes({ channel: c, after: 0, limit: 1, now }).envelopes[0]!;
      expect({ ...e, id: new Uint8Array(e.id), data: new Uint8Array(e.data) }).toEqual({ seq: 1, id, data, postedAt: now });
      expect(s.lastSeq(c)).toBe(10);
      expect(s.channelState(c)).toEqual({ members: 1, lastSeq: 10 });
    });

    it('enforces channel and relay limits without partial writes', () => {
      const c = ch();
      const a = mk();
      const tight = { ...limits, maxChannelEnvelopes: 2, maxRelayBytes: 250, maxChannels: 2 };
      s.openChannel({ channel: c, member: a, now, limits: tight });
      s.postEnvelope({ channel: c, member: a, id: rand(16), data: rand(100), now, limits: tight });
      s.postEnvelope({ channel: c, member: a, id: rand(16), data: rand(100), now, limits: tight });
      expect(codeOf(() => s.postEnvelope({ channel: c, member: a, id: rand(16), data: rand(1), now, limits: tight }))).toBe('channel-full');
      const d = ch();
      s.openChannel({ channel: d, member: a, now, limits: tight });
      expect(codeOf(() => s.postEnvelope({ channel: d, member: a, id: rand(16), data: rand(100), now, limits: tight }))).toBe('quota-exceeded');
      expect(s.lastSeq(d)).toBe(0);
      expect(codeOf(() => s.openChannel({ channel: ch(), member: a, now, limits: tight }))).toBe('quota-exceeded');
      // Acknowledged envelopes free their space.
      s.ack({ channel: c, member: a, upTo: 2, now });
      expect(s.postEnvelope({ channel: d, member: a, id: rand(16), data: rand(100), now, limits: tight }).seq).toBe(1);
    });

    it('deletes what every member acknowledged, keeps it while an invite is pending', () => {
      const c = ch();
      const a = mk();
      const b = mk();
      const tok = rand(32);
      s.openChannel({ channel: c, member: a, token: { hash: tok, expiresAt: now + 1000 }, now, limits });
      for (let i = 0; i < 3; i++) s.postEnvelope({ channel: c, member: a, id: rand(16), data: rand(10), now, limits });
      expect(s.ack({ channel: c, member: a, upTo: 3, now })).toEqual({ upTo: 3, deleted: 0 });
      s.redeemToken({ channel: c, member: b, tokenHash: tok, now, maxMembers: 8 });
      expect(s.ack({ channel: c, member: b, upTo: 99, now })).toEqual({ upTo: 3, deleted: 3 });
      expect(s.fetchEnvelopes({ channel: c, after: 0, limit: 10, now }).envelopes).toEqual([]);
      s.postEnvelope({ channel: c, member: b, id: rand(16), data: rand(10), now, limits });
      // Joining, posting and acknowledging end no membership; leaving does (subscriptions re-check).
      const epoch = s.membershipEpoch();
      expect(s.leave({ channel: c, member: a })).toEqual({ channelDeleted: false });
      const afterLeave = s.membershipEpoch();
      expect(afterLeave).not.toBe(epoch);
      expect(s.leave({ channel: c, member: b })).toEqual({ channelDeleted: true });
      expect(s.membershipEpoch()).not.toBe(afterLeave);
      expect(s.channelState(c)).toBeNull();
    });

    it('atomically: one transaction whose failing steps undo only themselves', () => {
      const c = ch();
      const a = mk();
      s.openChannel({ channel: c, member: a, now, limits });
      const id = rand(16);
      expect(() =>
        s.atomically(() => {
          expect(s.admit({ key: a, nonce: rand(16), nonceExpiresAt: now + 1000, bucket: 'x', now, windowMs: 60_000, limit: 1 })).toBe(0);
          s.postEnvelope({ channel: c, member: a, id, data: rand(5), now, limits });
          s.postEnvelope({ channel: c, member: a, id, data: rand(6), now, limits }); // conflict: undone alone
        }),
      ).toThrow(/different content/);
      expect(s.lastSeq(c)).toBe(1);
      expect(s.rate('x', now, 60_000, 1)).toBeGreaterThan(0); // the admitted request was counted
      expect(s.atomically(() => s.postEnvelope({ channel: c, member: a, id: rand(16), data: rand(5), now, limits }).seq)).toBe(2);
    });

    it('remembers nonces and counts rates per window', () => {
      const k = rand(32);
      const n = rand(16);
      expect(s.checkAndRecordNonce(k, n, now + 1000)).toBe(true);
      expect(s.checkAndRecordNonce(k, n, now + 1000)).toBe(false);
      expect(s.checkAndRecordNonce(rand(32), n, now + 1000)).toBe(true);
      expect([s.rate('b', now, 60_000, 2), s.rate('b', now + 1, 60_000, 2)]).toEqual([0, 0]);
      expect(s.rate('b', now + 10_000, 60_000, 2)).toBe(50_000);
      expect(s.rate('b', now + 60_000, 60_000, 2)).toBe(0);
    });

    it('admits a signed request once, within its rate, in one step', () => {
      const key = rand(32);
      const n1 = rand(16);
      const base = { key, nonceExpiresAt: now + 1000, bucket: 'k', now, windowMs: 60_000, limit: 2 };
      expect(s.admit({ ...base, nonce: n1 })).toBe(0);
      expect(s.admit({ ...base, nonce: n1 })).toBe('replayed');
      expect(s.admit({ ...base, nonce: rand(16) })).toBe(0);
      const n3 = rand(16);
      expect(s.admit({ ...base, nonce: n3 })).toBe(60_000);
      // A rate-limited request left no nonce behind: the same signed request may come back later.
      expect(s.admit({ ...base, nonce: n3, now: now + 60_000 })).toBe(0);
    });

    it('expires envelopes, nonces and idle channels lazily, in bounded batches', () => {
      const c = ch();
      const a = mk();
      const short = { ...limits, envelopeTtlSeconds: 10 };
      s.openChannel({ channel: c, member: a, now, limits: short });
      for (let i = 0; i < 5; i++) s.postEnvelope({ channel: c, member: a, id: rand(16), data: rand(10), now, limits: short });
      expect(s.fetchEnvelopes({ channel: c, after: 0, limit: 10, now: now + 11_000 }).envelopes).toEqual([]);
      s.checkAndRecordNonce(rand(32), rand(16), now + 5000);
      expect(s.expireSome(now + 11_000, 3, 86_400_000)).toBe(4);
      expect(s.expireSome(now + 11_000, 100, 86_400_000)).toBe(2);
      expect(s.channelState(c)).toEqual({ members: 1, lastSeq: 5 });
      expect(s.expireSome(now + 2 * 86_400_000, 100, 86_400_000)).toBe(1);
      expect(s.channelState(c)).toBeNull();
    });
  });
}
