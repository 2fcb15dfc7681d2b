// The bundle's host check page (check.html) in a real Chromium, served by a real Apache: WordPress-
// style first visit, the page says what works on this host and what to fix — on a good host, on one
// without mod_rewrite, and on one whose data/ folder the CGI cannot write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { hasApache, installAsUpload, makeDocroot, startApache, type WebServer } from './support/web-servers.ts';
import { makeBundle, newKeys, repoRoot } from './support/relay-journey.ts';
import { hasChromium, launchBrowser } from './support/browser.ts';

const run = hasApache() && hasChromium() && existsSync(path.join(repoRoot, 'dist/cgi/relay.js'));
const cleanup: Array<() => Promise<void>> = [];
let browser: Browser;
beforeAll(async () => {
  if (run) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  for (const c of cleanup) await c();
});

async function site(o: { rewrite?: boolean; dataWritable?: boolean }): Promise<{ web: WebServer; folder: string }> {
  const bundle = makeBundle({ owner: newKeys().publicKey });
  const docroot = makeDocroot();
  installAsUpload(bundle.out, path.join(docroot, 'chat'), { writableByWebUser: o.dataWritable === false ? [] : ['data'] });
  const web = await startApache({ docroot, rewrite: o.rewrite });
  cleanup.push(async () => {
    await web.stop();
    rmSync(docroot, { recursive: true, force: true });
    rmSync(path.dirname(bundle.out), { recursive: true, force: true });
  });
  return { web, folder: `${web.origin}/chat` };
}

async function visit(url: string) {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // 404s of the private files are expected console noise; a CSP violation is not.
  page.on('console', (m) => m.type() === 'error' && !/Failed to load resource/.test(m.text()) && problems.push(m.text()));
  await page.goto(url);
  await page.waitForSelector('body[data-verdict]', { timeout: 30_000 });
  const verdict = (await page.locator('#verdict').textContent()) ?? '';
  const items = await page.locator('#items li').allTextContents();
  await page.close();
  return { verdict, items, problems, kind: verdict.startsWith('This host runs') ? 'ok' : 'fail' };
}

describe.runIf(run)('check.html in Chromium under Apache', () => {
  it('on a good host: everything ok, and the relay address is the folder', async () => {
    const { folder } = await site({});
    const r = await visit(`${folder}/check.html`);
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe(`This host runs the relay. Its address: ${folder}`);
    expect(r.items.every((t) => t.startsWith('ok'))).toBe(true);
    expect(r.items.join('\n')).toMatch(/WAL journal in use/);
    expect(r.items.join('\n')).toMatch(/not readable from the web/);
  });

  it('without mod_rewrite: ok, with the index.cgi address and a note', async () => {
    const { folder } = await site({ rewrite: false });
    const r = await visit(`${folder}/check.html`);
    expect(r.verdict).toBe(`This host runs the relay. Its address: ${folder}/index.cgi`);
    expect(r.items.some((t) => t.startsWith('note') && /Rewriting is not active/.test(t))).toBe(true);
  });

  it('with data/ not writable: says so and how to fix it', async () => {
    const { folder } = await site({ dataWritable: false });
    const r = await visit(`${folder}/check.html`);
    expect(r.kind).toBe('fail');
    expect(r.verdict).toMatch(/problems? to fix/);
    expect(r.items.some((t) => t.startsWith('FIX') && /data\/ is not writable/.test(t) && /chmod 755 data/.test(t))).toBe(true);
  });
});
