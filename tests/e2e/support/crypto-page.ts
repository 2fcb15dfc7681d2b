// Bundles protocol/crypto's vector verifier (and a round-trip timer) for the browser with esbuild,
// serves it with the vector JSON from a tiny HTTP server on 127.0.0.1, and opens it in headless
// Chromium. Used by tests/e2e/crypto-browser.test.ts and bench/crypto.bench.ts.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const ENTRY = `
import { verifyPrimitives, verifyTincan } from './protocol/vectors/verify-vectors.ts';
import { ready, encrypt, decrypt } from './protocol/crypto/index.ts';
import { joinedPair } from './protocol/crypto/test-helpers.ts';
async function benchRoundTrip(n, size) {
  await ready();
  let { a, b } = await joinedPair();
  const msg = new Uint8Array(size).fill(97);
  const run = async (count) => {
    for (let i = 0; i < count; i++) {
      const e = await encrypt(a, msg); a = e.session;
      const d = await decrypt(b, e.message); if (d.status !== 'ok') throw new Error('round trip failed'); b = d.session;
    }
  };
  await run(Math.min(200, n));
  const t0 = performance.now();
  await run(n);
  return (performance.now() - t0) / n;
}
globalThis.tincan = { verifyPrimitives, verifyTincan, benchRoundTrip };
`;

export interface CryptoPage {
  page: Page;
  browser: Browser;
  url: string;
  bundleBytes: number;
  close(): Promise<void>;
}

/** Whether /usr/bin/chromium exists (the e2e suites skip without it). */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export async function openCryptoPage(): Promise<CryptoPage> {
  const out = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts', sourcefile: 'crypto-browser-entry.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const js = out.outputFiles[0]!.contents;
  const files: Record<string, [string, Uint8Array | string]> = {
    '/': ['text/html', '<!doctype html><meta charset="utf-8"><title>tincan crypto</title><script type="module" src="/bundle.js"></script>'],
    '/bundle.js': ['text/javascript', js],
    '/primitives.json': ['application/json', readFileSync(path.join(root, 'protocol/vectors/primitives.json'))],
    '/tincan-v1.json': ['application/json', readFileSync(path.join(root, 'protocol/vectors/tincan-v1.json'))],
  };
  const server = http.createServer((req, res) => {
    const f = files[req.url ?? ''];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f[0], 'cache-control': 'no-store' }).end(f[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => 'tincan' in globalThis, undefined, { timeout: 30_000 });
  return {
    page,
    browser,
    url,
    bundleBytes: js.length,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
