// The relay's direct check of a post body (server/core/parse.ts plainPostBody) never accepts what
// the wire schema refuses, gives the same fields, and takes every plainly valid body — compared on
// generated bodies, valid and invalid, against PostEnvelopeRequestSchema itself.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { PostEnvelopeRequestSchema, DEFAULT_LIMITS } from '../../protocol/wire.ts';
import { plainPostBody } from '../../server/core/parse.ts';

// A small deterministic generator (xorshift), so a failure can be replayed.
let seed = 0x2545f491;
const rnd = (n: number) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64 = (len: number, bad = false) => Array.from({ length: len }, (_, i) => (bad && i === rnd(len) ? '+/=. é\n'[rnd(7)] : B64[rnd(64)])).join('');
const maxChars = Math.ceil((DEFAULT_LIMITS.maxEnvelopeBytes * 4) / 3);

function someValue(): unknown {
  switch (rnd(12)) {
    case 0: return b64(22);
    case 1: return b64([0, 1, 21, 23, 44][rnd(5)]!);
    case 2: return b64(22, true);
    case 3: return b64(rnd(2000));
    case 4: return b64(rnd(50), true);
    case 5: return rnd(1000);
    case 6: return null;
    case 7: return [b64(22)];
    case 8: return { id: b64(22) };
    case 9: return true;
    case 10: return b64([maxChars, maxChars + 1][rnd(2)]!);
    default: return '';
  }
}
function someBody(): unknown {
  switch (rnd(10)) {
    case 0: return null;
    case 1: return [b64(22), b64(10)];
    case 2: return 'id';
    case 3: return JSON.parse(`{"id":"${b64(22)}","data":"${b64(8)}","__proto__":{"x":1}}`);
    default: {
      const body: Record<string, unknown> = {};
      if (rnd(8) !== 0) body['id'] = rnd(3) ? b64(22) : someValue();
      if (rnd(8) !== 0) body['data'] = rnd(3) ? b64(rnd(1500)) : someValue();
      if (rnd(6) === 0) body[['extra', 'ID', 'seq', 'constructor'][rnd(4)]!] = someValue();
      return body;
    }
  }
}

describe('plainPostBody against PostEnvelopeRequestSchema', () => {
  it('accepts nothing the schema refuses, and the same fields; takes every plainly valid body', () => {
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 6000; i++) {
      const raw = someBody();
      const fast = plainPostBody(raw);
      const schema = z.safeParse(PostEnvelopeRequestSchema, raw);
      if (fast) {
        accepted++;
        expect(schema.success, JSON.stringify(raw)).toBe(true);
        expect(fast).toEqual(schema.data);
      } else {
        refused++;
        // Whatever the schema accepts from these generated bodies, the direct check does too: they
        // are all plain JSON objects (what JSON.parse gives), so it must not fall back needlessly.
        expect(schema.success, JSON.stringify(raw)).toBe(false);
      }
    }
    expect(accepted).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });
});
