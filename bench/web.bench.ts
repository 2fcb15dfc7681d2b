// The web client as a person feels it, in real headless Chromium (/usr/bin/chromium) on loopback,
// against a real standalone relay (`tincan relay serve`, a CLI process) serving dist/web:
//   - initial download: gzip size of everything the page fetched from dist/web until the phonebook
//     is interactive (HTML, JS, CSS, WASM, icons, manifest, service worker) — target < 400 KB
//   - navigation → interactive phonebook ("Conversations" navigation and an enabled "New invite"
//     button), identity already in that profile, fresh page each time: median of 10 — target < 1 s
//   - a message sent by the CLI (`tincan send`, a fresh process) shown in the page: from the send
//     process's exit (the relay stored it by then) to a MutationObserver seeing it in the message
//     log, both on the same clock (Date.now); median of 8 — target < 300 ms
// Needs `npm run build` first. Bounded: about 30 s.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { createIdentity, hasChromium, launchBrowser, newPerson, seeMessage, webRoot } from '../tests/e2e/support/browser.ts';
import { bin, ok, okJson, serveRelay, tempDirs, tincan } from '../tests/e2e/cli-harness.ts';
import { median, report, type Figure } from './report.ts';

if (!hasChromium() || !existsSync(path.join(webRoot, 'index.html')) || !existsSync(bin)) {
  console.log('web bench skipped: needs /usr/bin/chromium and `npm run build` (dist/web, bin/tincan.js)');
  process.exit(0);
}

const tmp = tempDirs();
const carol = path.join(tmp.make('tincan-webbench-'), 'carol');
await ok(carol, ['init', '--name', 'Carol']);
const relay = await serveRelay(carol);
await ok(carol, ['relay', 'use', relay.url]);
const browser = await launchBrowser();
const figures: Figure[] = [];

try {
  // ---- (i) initial download, in a fresh profile, then (ii) on the same profile ----
  const ctx = await newPerson(browser);
  const fetched = new Set<string>();
  ctx.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === relay.url && !u.pathname.startsWith('/api') && r.resourceType() !== 'websocket') fetched.add(u.pathname === '/' ? '/index.html' : u.pathname);
  });
  const page = await ctx.newPage();
  await page.goto(`${relay.url}/`);
  await page.getByRole('textbox', { name: 'Your name' }).waitFor();
  await page.waitForLoadState('networkidle');
  let bytes = 0;
  const parts: string[] = [];
  for (const p of [...fetched].sort()) {
    const f = path.join(webRoot, decodeURIComponent(p));
    if (!f.startsWith(webRoot) || !existsSync(f)) continue; // API routes and the like
    const gz = gzipSync(readFileSync(f), { level: 9 }).length;
    bytes += gz;
    parts.push(`${p} ${(gz / 1024).toFixed(1)} KB`);
  }
  console.log(`fetched on first visit (gzip): ${parts.join(', ')}`);
  figures.push({ name: 'web initial download (gzip, all files fetched on first visit)', value: Math.round(bytes / 1024), unit: 'KB', target: '< 400 KB', met: bytes < 400 * 1024 });

  await createIdentity(page, 'Dave');
  await page.close();
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    const p = await ctx.newPage();
    const t = performance.now();
    await p.goto(`${relay.url}/`);
    await p.getByRole('navigation', { name: 'Conversations' }).waitFor();
    const btn = p.getByRole('button', { name: 'New invite' });
    await btn.waitFor();
    while (!(await btn.isEnabled())) await p.waitForTimeout(5);
    const ms = performance.now() - t;
    if (i > 0) times.push(ms); // the first one warms the service worker
    await p.close();
  }
  figures.push({ name: 'web navigation → interactive phonebook (median of 10)', value: median(times), unit: 'ms', target: '< 1000 ms', met: median(times) < 1000 });

  // ---- (iii) CLI send → shown in the page ----
  const inv = await okJson<{ link: string; conversation: string }>(carol, ['invite', '--name', 'Dave']);
  const dave = await ctx.newPage();
  await dave.goto(inv.link);
  await dave.getByRole('log', { name: 'Messages' }).waitFor({ timeout: 15_000 });
  // The CLI notices the join on its next sync (bounded wait).
  for (let i = 0; ; i++) {
    const r = await tincan(carol, ['send', inv.conversation, 'warm-up']);
    if (r.code === 0) break;
    if (i >= 40) throw new Error(`the CLI never saw the page join: ${r.stderr}`);
    await ok(carol, ['sync']);
    await new Promise((res) => setTimeout(res, 250));
  }
  await seeMessage(dave, 'warm-up');
  const lags: number[] = [];
  for (let i = 0; i < 8; i++) {
    const text = `bench message ${i} ${Math.random().toString(36).slice(2)}`;
    await dave.evaluate((t) => {
      const w = window as unknown as { __shownAt?: number };
      w.__shownAt = undefined;
      const log = document.querySelector('[role="log"]')!;
      const mo = new MutationObserver(() => {
        if (log.textContent?.includes(t)) {
          w.__shownAt = Date.now();
          mo.disconnect();
        }
      });
      mo.observe(log, { childList: true, subtree: true, characterData: true });
    }, text);
    await ok(carol, ['send', inv.conversation, text]);
    const storedAt = Date.now();
    await seeMessage(dave, text);
    const shownAt = await dave.evaluate(() => (window as unknown as { __shownAt?: number }).__shownAt);
    if (shownAt === undefined) throw new Error('the observer missed the message');
    lags.push(shownAt - storedAt); // may be < 0: shown before the send process had exited
  }
  console.log(`CLI send → page lags (ms; negative = shown before the send process exited): ${lags.join(', ')}`);
  figures.push({ name: 'web CLI `tincan send` exit → shown in page (median of 8)', value: median(lags), unit: 'ms', target: '< 300 ms', met: median(lags) < 300 });
  await ctx.close();
} finally {
  await browser.close();
  await relay.stop();
  tmp.cleanup();
}
report('web', figures);
