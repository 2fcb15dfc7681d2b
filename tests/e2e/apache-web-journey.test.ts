// Journeys 1 + 6 through the upload bundle under a real Apache, in a real Chromium: the bundle is
// made without an identity (setup code in UPLOAD.md), copied into the document root as uploaded;
// alice opens the folder's URL (the web client, served by Apache), creates an identity, claims the
// relay with the setup code, makes an invite; bob opens the link, joins, and they chat both ways —
// every relay request through index.cgi (long polls, no WebSocket). Once with mod_rewrite and once
// without (fallback base URL …/index.cgi, whose invite links index.cgi sends back to the folder).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { hasApache, installAsUpload, makeDocroot, startApache, type WebServer } from './support/web-servers.ts';
import { makeBundle, repoRoot } from './support/relay-journey.ts';
import { claimRelay, createIdentity, hasChromium, launchBrowser, newInvite, newPerson, seeMessage, send, watchErrors } from './support/browser.ts';
import { printTracesOnFailure, tracePage, type PageTrace } from './support/trace.ts';

const run = hasApache() && hasChromium() && existsSync(path.join(repoRoot, 'dist/cgi/relay.js')) && existsSync(path.join(repoRoot, 'dist/web/index.html'));
let browser: Browser;
const cleanup: Array<() => Promise<void>> = [];
// A failed journey prints both pages' timelines and Apache's access log (`%D status method URL
// start-ms pid`): where a message waited, and whether CGI long polls were still being served.
const t0 = Date.now();
let traces: PageTrace[] = [];
let current: WebServer | null = null;
printTracesOnFailure(() => traces, () => current?.accessLog().join('\n') ?? '');
beforeAll(async () => {
  if (run) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  for (const c of cleanup) await c();
});

async function uploadUnowned(rewrite: boolean): Promise<{ web: WebServer; folder: string; setupCode: string }> {
  const bundle = makeBundle({ owner: null });
  const setupCode = /^ {4}([0-9A-Z]{5}(?:-[0-9A-Z]{5}){3})$/m.exec(readFileSync(path.join(bundle.out, 'UPLOAD.md'), 'utf8'))?.[1];
  if (!setupCode) throw new Error('UPLOAD.md holds no setup code');
  const docroot = makeDocroot();
  installAsUpload(bundle.out, path.join(docroot, 'chat'));
  const web = await startApache({ docroot, rewrite });
  current = web;
  traces = [];
  cleanup.push(async () => {
    await web.stop();
    rmSync(docroot, { recursive: true, force: true });
    rmSync(path.dirname(bundle.out), { recursive: true, force: true });
  });
  return { web, folder: `${web.origin}/chat`, setupCode };
}

async function person(): Promise<{ page: Page; errors: string[] }> {
  const ctx = await newPerson(browser);
  const page = await ctx.newPage();
  traces.push(tracePage(page, traces.length ? 'bob' : 'alice', t0));
  return { page, errors: watchErrors(page) };
}

// 404s of probes (…/v1/info when rewriting is off) are logged by the browser itself.
const realErrors = (errors: string[]) => errors.filter((e) => !/Failed to load resource/.test(e));

for (const rewrite of [true, false]) {
  describe.runIf(run)(`the web client from the bundle under Apache ${rewrite ? 'with' : 'without'} mod_rewrite`, () => {
    it('first visit, claim with the setup code, invite, join from the link, chat both ways', async () => {
      const { web, folder, setupCode } = await uploadUnowned(rewrite);
      const base = rewrite ? folder : `${folder}/index.cgi`;
      const a = await person();
      await a.page.goto(`${folder}/`);
      await createIdentity(a.page, 'Alice');
      await claimRelay(a.page, setupCode, base);
      await a.page.getByRole('textbox', { name: 'Invite', exact: true }).waitFor({ timeout: 20_000 });
      const info = await (await fetch(`${base}/v1/info`)).json();
      expect(info.owner).not.toBeNull();
      const { link } = await newInvite(a.page);
      // The link opens the web client in the folder (never …/index.cgi/), whatever the base URL.
      expect(link.startsWith(`${folder}/#join=`)).toBe(true);

      const b = await person();
      await b.page.goto(link);
      await createIdentity(b.page, 'Bob');
      await b.page.getByRole('log', { name: 'Messages' }).waitFor({ timeout: 20_000 });
      expect(b.page.url().startsWith(`${folder}/`)).toBe(true);

      await send(b.page, 'hi alice, through CGI');
      await seeMessage(a.page, 'hi alice, through CGI', 30_000);
      await send(a.page, 'hello bob, CGI both ways');
      await seeMessage(b.page, 'hello bob, CGI both ways', 30_000);

      expect(realErrors(a.errors)).toEqual([]);
      expect(realErrors(b.errors)).toEqual([]);
      expect(web.accessLog().filter((l) => / 5\d\d /.test(l))).toEqual([]);
    });
  });
}
