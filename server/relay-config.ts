/**
 * Relay configuration shared by both entries: limits merged over the protocol defaults, and the
 * owner / setup-code seeding of a freshly opened store.
 */
import { fromBase64Url, toBase64Url } from '../protocol/encoding.ts';
import { DEFAULT_LIMITS, type Limits } from '../protocol/wire.ts';
import type { Log, Store } from './core/ports.ts';

export const SOFTWARE = 'tincan-relay/0.1.0';

/** Limits from configuration over the protocol defaults; each must be a non-negative integer. */
export function mergeLimits(partial: Partial<Record<keyof Limits, unknown>> | undefined): Limits {
  const out: { -readonly [K in keyof Limits]: number } = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const v = partial?.[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`limits.${k} must be a non-negative integer`);
    out[k] = v;
  }
  return out;
}

/** Applies a configured owner (it wins over the stored one) or the setup-code hash while unclaimed. */
export function seedOwnership(store: Store, owner: Uint8Array | null | undefined, setupCodeHash: Uint8Array | null | undefined, log: Log): void {
  const current = store.getOwner();
  if (owner) {
    if (!current || toBase64Url(current) !== toBase64Url(owner)) {
      if (current) log.warn('replacing the stored relay owner with the configured one', { owner: toBase64Url(owner) });
      store.setOwner(owner);
    }
    return;
  }
  if (current || !setupCodeHash) return;
  const stored = store.getSetupCodeHash();
  if (!stored || toBase64Url(stored) !== toBase64Url(setupCodeHash)) store.setSetupCodeHash(setupCodeHash);
}

export function decodeKey(text: unknown, what: string): Uint8Array | null {
  if (text === undefined || text === null) return null;
  const b = typeof text === 'string' ? fromBase64Url(text) : null;
  if (!b || b.length !== 32) throw new Error(`${what} must be 32 bytes of base64url`);
  return b;
}
