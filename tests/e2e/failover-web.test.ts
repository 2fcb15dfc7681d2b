// Issue 7 in the web client: Alice in real headless Chromium (her relay serves the web client),
// Bob with the real CLI and a relay of his own (`tincan relay serve`). Bob's join offers his relay;
// Alice's browser joins it by itself; her relay dies and the conversation goes on through Bob's;
// she claims a third relay in the browser and uses "Move here" in the conversation's Locations
// card; Bob's CLI follows; with Bob's relay stopped too, both still talk through the third one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { claimRelay, createIdentity, hasChromium, launchBrowser, newPerson, startWebRelay, watchErrors, webRoot } from './support/browser.ts';
import { printTracesOnFailure, tracePage, type PageTrace } from './support/trace.ts';
import { bin, history, killAllRelays, ok, okJson, type RelayProcess, startRelay, tempDirs } from './failover-harness.ts';

const run = hasChromium() && existsSync(path.join(webRoot, 'index.html')) && existsSync(bin);
const tmp = tempDirs();
const bob = path.join(tmp.make(), 'bob');
let browser: Browser;
let alice: Page;
let errors: string[] = [];
let relayA: Awaited<ReturnType<typeof startWebRelay>>;
let relayC: Awaited<ReturnType<typeof startWebRelay>>;
let relayB: RelayProcess;
const traces: PageTrace[] = [];
printTracesOnFailure(() => traces);

// Steps through the page by the names people (and screen readers) see.
async function send(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}
async function seeMessage(page: Page, text: string, timeout = 15_000) {
  await page.getByRole('log', { name: 'Messages' }).getByText(text, { exact: true }).waitFor({ timeout });
}
async function openConversation(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: new RegExp(`^${name}`) }).click();
  await page.getByRole('log', { name: 'Messages' }).waitFor();
}

const locationsCard = () => alice.getByRole('list', { name: 'Locations' });
async function openLocations() {
  await alice.getByRole('link', { name: 'Rename or forget' }).click();
  await locationsCard().waitFor();
}
const cardText = async () => (await locationsCard().textContent()) ?? '';

beforeAll(async () => {
  if (!run) return;
  relayA = await startWebRelay();
  relayC = await startWebRelay();
  browser = await launchBrowser();
  await ok(bob, ['init', '--name', 'bob']);
  relayB = await startRelay(bob, path.join(tmp.make(), 'relay-b'));
  await ok(bob, ['relay', 'use', relayB.url]);
});
afterAll(async () => {
  await browser?.close();
  await relayA?.close().catch(() => undefined);
  await relayC?.close();
  killAllRelays();
  tmp.cleanup();
});

describe.runIf(run)('failover and moving in the web client', () => {
  it("Bob's join offers his relay and Alice's browser joins it: the Locations card shows both, working", async () => {
    const ctx = await newPerson(browser);
    alice = await ctx.newPage();
    traces.push(tracePage(alice, 'alice'));
    errors = watchErrors(alice);
    await alice.goto(`${relayA.url}/`);
    await createIdentity(alice, 'Alice');
    await claimRelay(alice, relayA.setupCode!);
    const text = await alice.getByRole('textbox', { name: 'Invite', exact: true });
    await text.waitFor();
    const joined = await okJson<{ locations: string[] }>(bob, ['join', await text.inputValue()]);
    expect(joined.locations).toEqual([relayA.url, relayB.url]);
    await alice.getByRole('log', { name: 'Messages' }).waitFor({ timeout: 15_000 });
    await ok(bob, ['send', 'alice', 'hi from the terminal']);
    await seeMessage(alice, 'hi from the terminal');
    await openLocations();
    await expect.poll(cardText, { timeout: 15_000 }).toContain(relayB.url);
    expect(await cardText()).toContain(relayA.url);
    expect(await locationsCard().locator('li[data-ok="true"]').count()).toBe(2);
  });

  it("Alice's relay dies: the conversation goes on through Bob's", async () => {
    await relayA.close();
    await ok(bob, ['send', 'alice', 'your relay is gone']);
    await openConversation(alice, 'bob');
    // Live: pushed through Bob's relay, which her browser follows since it joined it.
    await seeMessage(alice, 'your relay is gone', 5000);
    await send(alice, 'still here');
    expect((await history(bob, 'alice')).at(-1)!.text).toBe('still here');
  });

  it('"Move here" onto a third relay she claims: Bob follows, history intact, both talk through it', async () => {
    await claimRelay(alice, relayC.setupCode!, relayC.url);
    await alice.getByRole('textbox', { name: 'Invite', exact: true }).waitFor(); // claiming leads to a new invite
    await openConversation(alice, 'bob');
    await openLocations();
    const address = alice.getByRole('textbox', { name: 'Relay address' });
    await expect.poll(() => address.inputValue(), { timeout: 10_000 }).toBe(relayC.url); // my relay, prefilled
    await alice.getByRole('button', { name: 'Move here' }).click();
    await expect.poll(() => alice.getByRole('status').last().textContent(), { timeout: 15_000 }).toMatch(/Moved/);
    await expect.poll(cardText, { timeout: 10_000 }).toContain(relayC.url);
    // The dead relay leaves the card. (It stayed in about half the runs while a live-mode sync,
    // started by a push during the move, ran inline beside it and saved its older copy over the
    // move's result; live mode's calls now wait their turn: Engine.run `queue`.)
    await expect.poll(cardText, { timeout: 10_000 }).not.toContain(relayA.url);

    await ok(bob, ['sync']);
    const where = await okJson<{ locations: { relay: string }[] }>(bob, ['locate', 'alice']);
    expect(where.locations.map((l) => l.relay).sort()).toEqual([relayB.url, relayC.url].sort());
    await relayB.stop();
    await ok(bob, ['send', 'alice', 'through the third relay']);
    await openConversation(alice, 'bob');
    await seeMessage(alice, 'through the third relay');
    for (const t of ['hi from the terminal', 'your relay is gone', 'still here']) await seeMessage(alice, t);
    await send(alice, 'got it');
    // Each try runs `tincan read` (a process and a sync): vitest's default 1 s allows one or two.
    await expect.poll(async () => (await history(bob, 'alice')).map((m) => m.text), { timeout: 20_000, interval: 300 }).toEqual([
      'hi from the terminal',
      'your relay is gone',
      'still here',
      'through the third relay',
      'got it',
    ]);
    expect(errors.filter((e) => !/Failed to load resource|net::ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
  });
});
