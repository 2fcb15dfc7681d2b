// Shared by the crypto tests: a joined pair of sessions, and a small seeded PRNG for property tests.
import { utf8 } from '../encoding.ts';
import { acceptJoin, createInvite, generateIdentity, startJoin, type DeviceIdentity, type PendingInvite, type Session } from './index.ts';

export interface Pair {
  alice: DeviceIdentity;
  bob: DeviceIdentity;
  pending: PendingInvite;
  joinMessages: Uint8Array[];
  a: Session;
  b: Session;
}

/** Alice invites, Bob joins through every relay in `relays`, Alice accepts the copy at index 0. */
export async function joinedPair(relays = ['https://relay.example/chat']): Promise<Pair> {
  const alice = await generateIdentity();
  const bob = await generateIdentity();
  const pending = await createInvite({ identity: alice, relays, expiresAt: Date.now() + 3600_000, label: 'alice' });
  const joined = await startJoin(pending.invite, bob, utf8('hello'));
  const acc = await acceptJoin(pending, alice, joined.joinMessages[0]!, 0);
  return { alice, bob, pending, joinMessages: joined.joinMessages, a: acc.session, b: joined.session };
}

/** mulberry32: a tiny deterministic PRNG for reproducible property tests (not for keys). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(xs: T[], rnd: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
