/**
 * Real Chromium for end-to-end tests of the web client: Debian's /usr/bin/chromium driven by
 * playwright-core (no bundled browser download), headless, on loopback. Also: a standalone relay
 * serving dist/web, the axe-core accessibility audit, and screenshots under artifacts/screenshots/.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
export const webRoot = path.join(repoRoot, 'dist', 'web');
export const screenshotDir = path.join(repoRoot, 'artifacts', 'screenshots');

export const CHROMIUM = process.env.TINCAN_CHROMIUM ?? '/usr/bin/chromium';

/** Whether Chromium is installed (the suites skip with a note when it is not). */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

/** Launches headless Chromium. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/**
 * A fresh browser profile (own IndexedDB) — one "person". `bypassCSP` lets the test inject
 * axe-core into a page whose Content-Security-Policy allows only its own scripts.
 */
export async function newPerson(browser: Browser, o: { colorScheme?: 'light' | 'dark'; reducedMotion?: 'reduce' | 'no-preference' } = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    bypassCSP: true,
    viewport: { width: 1100, height: 760 },
    colorScheme: o.colorScheme ?? 'light',
    reducedMotion: o.reducedMotion ?? 'reduce',
    serviceWorkers: 'allow',
  });
  return ctx;
}

/** Collects page errors and console errors (a test asserts none happened). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Creates an identity on the first-visit screen. */
export async function createIdentity(page: Page, name: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Your name' }).fill(name);
  await page.getByRole('button', { name: 'Create identity' }).click();
  await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
}

/** Runs axe-core in the page; returns violations of impact serious or critical. */
export async function auditAccessibility(page: Page): Promise<Array<{ id: string; impact: string; help: string; nodes: string[] }>> {
  const axe = readFileSync(path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  await page.addScriptTag({ content: axe });
  const result = (await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  })) as Array<{ id: string; impact: string; help: string; nodes: string[] }>;
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Saves a full-page screenshot as artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the bundled standalone relay (dist/relay/standalone.js) serving dist/web, in this process. */
export async function startWebRelay(o: { owner?: Uint8Array | null } = {}): Promise<{ url: string; setupCode: string | null; close(): Promise<void> }> {
  const data = tempDir('tincan-web-relay-');
  const mod = (await import(relayBundle())) as typeof import('../../../server/main-standalone.ts');
  const relay = await mod.startStandaloneRelay({ host: '127.0.0.1', port: 0, dataDir: data.dir, owner: o.owner ?? null, webRoot, log: { info() {}, warn() {}, error() {} } as never });
  return {
    url: relay.url,
    setupCode: relay.setupCode,
    close: async () => {
      await relay.close();
      data.remove();
    },
  };
}

/** The bundled standalone relay (scripts/build.mjs writes dist/relay/main-standalone.js). */
function relayBundle(): string {
  for (const name of ['main-standalone.js', 'standalone.js']) {
    const f = path.join(repoRoot, 'dist', 'relay', name);
    if (existsSync(f)) return f;
  }
  throw new Error('dist/relay/ is missing: run `npm run build` first');
}

// ---- journeys through the page, by the names people (and screen readers) see ----

/** Opens the relay screen (via "New invite" when no relay is chosen yet) and claims the relay. */
export async function claimRelay(page: Page, setupCode: string, address?: string): Promise<void> {
  await page.getByRole('link', { name: 'Relay', exact: true }).click();
  const addr = page.getByRole('textbox', { name: 'Relay address' });
  await addr.waitFor();
  if (address) await addr.fill(address);
  await page.getByRole('textbox', { name: 'Setup code' }).fill(setupCode);
  await page.getByRole('button', { name: 'Claim relay' }).click();
}

/** Clicks "New invite" and returns the invite text and link shown. */
export async function newInvite(page: Page): Promise<{ text: string; link: string }> {
  const linkBox = page.getByRole('textbox', { name: 'Invite link' });
  // An invite may be on screen already (claiming a relay shows one): wait for the new one, not
  // that (a slow CGI relay answered the second invite after the old link had been read).
  const before = (await linkBox.count()) > 0 ? await linkBox.inputValue() : null;
  await page.getByRole('button', { name: 'New invite' }).click();
  const text = page.getByRole('textbox', { name: 'Invite', exact: true });
  await text.waitFor();
  await page.getByRole('img', { name: 'Invite QR code' }).waitFor();
  for (let i = 0; i < 200 && before !== null && (await linkBox.inputValue()) === before; i++) await page.waitForTimeout(100);
  const link = await linkBox.inputValue();
  if (link === before) throw new Error('"New invite" did not show a new invite within 20 s');
  return { text: await text.inputValue(), link };
}

/** Types and sends a message in the open conversation. */
export async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** Waits until the message log shows `text`. */
export async function seeMessage(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.getByRole('log', { name: 'Messages' }).getByText(text, { exact: true }).waitFor({ timeout });
}

/** Opens a conversation from the phonebook by (part of) its name. */
export async function openConversation(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: new RegExp(`^${name}`) }).click();
  await page.getByRole('log', { name: 'Messages' }).waitFor();
}
