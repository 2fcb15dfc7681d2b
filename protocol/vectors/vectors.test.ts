// Runs every vector in this folder against protocol/crypto in Node. The same verifier runs in
// headless Chromium in tests/e2e/crypto-browser.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyPrimitives, verifyTincan } from './verify-vectors.ts';

const load = (name: string) => JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8'));

describe('test vectors in Node', () => {
  it('every primitive matches its published known answers', async () => {
    const results = await verifyPrimitives(load('./primitives.json'));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(12);
  });
  it('every Tincan vector from the independent Python implementation matches', async () => {
    const results = await verifyTincan(load('./tincan-v1.json'));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(12);
  });
});
