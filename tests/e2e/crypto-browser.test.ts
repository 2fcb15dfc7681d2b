// The same vectors as protocol/vectors/vectors.test.ts, verified inside headless Chromium: the
// verifier and protocol/crypto are bundled with esbuild for the browser, served from 127.0.0.1,
// and run in the page (libsodium's browser build, the browser's own WebCrypto).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, openCryptoPage, type CryptoPage } from './support/crypto-page.ts';
import { verifyPrimitives, verifyTincan, type VectorResult } from '../../protocol/vectors/verify-vectors.ts';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../protocol/vectors/${name}`, import.meta.url), 'utf8'));

describe.runIf(existsSync(chromiumPath()))('crypto vectors in headless Chromium', () => {
  let cp: CryptoPage;
  beforeAll(async () => {
    cp = await openCryptoPage();
  });
  afterAll(async () => {
    await cp?.close();
  });

  it('every primitive KAT passes in the page, the same ones as in Node', async () => {
    const results: VectorResult[] = await cp.page.evaluate(async () => {
      const p = await (await fetch('/primitives.json')).json();
      return (globalThis as any).tincan.verifyPrimitives(p);
    });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const inNode = await verifyPrimitives(load('primitives.json'));
    expect(results.map((r) => r.name)).toEqual(inNode.map((r) => r.name));
  });

  it('every Tincan vector passes in the page, the same ones as in Node', async () => {
    const results: VectorResult[] = await cp.page.evaluate(async () => {
      const t = await (await fetch('/tincan-v1.json')).json();
      return (globalThis as any).tincan.verifyTincan(t);
    });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const inNode = await verifyTincan(load('tincan-v1.json'));
    expect(results.map((r) => r.name)).toEqual(inNode.map((r) => r.name));
    expect(results.length).toBeGreaterThanOrEqual(14);
  });

  it('a corrupted vector fails in the page (the check can fail)', async () => {
    const results: VectorResult[] = await cp.page.evaluate(async () => {
      const t = await (await fetch('/tincan-v1.json')).json();
      t.handshake.accept.sas = '000000';
      return (globalThis as any).tincan.verifyTincan(t);
    });
    expect(results.find((r) => r.name.startsWith('handshake'))?.ok).toBe(false);
  });
});

const python = '/usr/bin/python3';
describe.runIf(existsSync(python))('the checked-in vectors', () => {
  it('are exactly what the independent Python implementation generates today', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tincan-vectors-'));
    try {
      const out = path.join(dir, 'tincan-v1.json');
      const script = new URL('../../protocol/vectors/generate.py', import.meta.url).pathname;
      const r = spawnSync(python, [script, '--out', out], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(new URL('../../protocol/vectors/tincan-v1.json', import.meta.url), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
