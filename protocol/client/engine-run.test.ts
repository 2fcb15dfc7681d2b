// Engine.run: one operation at a time. A call made while an operation runs is taken as nested and
// runs inline, unless it says `queue` (live mode's syncs): then it waits for the operation to end,
// so it cannot save a stale copy over what the operation writes.
import { describe, expect, it } from 'vitest';
import { createClient } from './client.ts';
import { createMemoryStore } from './memory-store.ts';
import type { Http } from './ports.ts';

const http: Http = { request: () => Promise.reject(new Error('no network in this test')) } as unknown as Http;

describe('Engine.run', () => {
  it('runs a queued call after the running operation, and a nested one inline', async () => {
    const { engine } = createClient({ store: createMemoryStore(), http });
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = engine.run(async () => {
      order.push('first: start');
      await engine.run(async () => order.push('nested, inline'));
      await gate;
      order.push('first: end');
    }, { crypto: false });
    const queued = engine.run(async () => order.push('queued'), { crypto: false, queue: true });
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 1));
    expect(order).toEqual(['first: start', 'nested, inline']);
    release();
    await Promise.all([first, queued]);
    expect(order).toEqual(['first: start', 'nested, inline', 'first: end', 'queued']);
  });
});
