// Local ids (conversations, invites) travel on command lines: `tincan send <id> …`.
import { describe, expect, it } from 'vitest';
import * as crypto from '../crypto/index.ts';
import { randomId } from './engine.ts';

describe('randomId', () => {
  it('is 16 random bytes of base64url that never starts with "-" (an id read as an option)', async () => {
    await crypto.ready();
    const ids = Array.from({ length: 3000 }, () => randomId());
    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // 1 in 64 would start with "-" by chance: over 3000 draws about 47 would.
    expect(ids.filter((id) => id.startsWith('_')).length).toBeGreaterThan(10);
  });
});
