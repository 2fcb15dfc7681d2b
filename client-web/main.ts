/**
 * The web client's entry: takes the one-writer lock, opens this browser's IndexedDB store (unlocking
 * it with the passphrase when there is one), creates the identity on a first visit, then starts the
 * shared client engine (protocol/client) behind the screens. An invite in the URL fragment
 * (#join=…) is read here and removed from the address bar at once; it never reaches a server.
 */
import { acquireWriterLock, type WriterLock } from './writer-lock.ts';
import { openKv } from './idb.ts';
import { createIdbStore, type IdbClientStore, type RecordSealer } from './idb-store.ts';
import { createVault, openVault, type VaultRecord } from './vault.ts';
import { discoverRelay, pageFolder } from './relay-base.ts';
import { createEngineModel, createIdentity, inviteLabel } from './model-engine.ts';
import { setupScreen, unlockScreen } from './ui/forms.ts';
import { startShell } from './ui/shell.ts';
import { errorBox, h, mount } from './ui/dom.ts';
import { ready as cryptoReady } from '../protocol/crypto/index.ts';

const DB_NAME = 'tincan';
const JOIN_KEY = 'tincan-pending-join';

const root = document.getElementById('app')!;

function screen(...children: Node[]): void {
  root.className = 'single';
  const main = h('main', { id: 'main', tabindex: '-1' }, ...children);
  mount(root, h('header', { class: 'topbar' }, h('p', { class: 'brand' }, h('img', { src: './icon-192.png', alt: '' }), 'Tincan')), main);
  const first = main.querySelector<HTMLElement>('input, textarea, button');
  (first ?? main).focus();
}

/** Takes an invite out of the fragment (#join=…) and keeps it for this tab until it is used. */
function takeInviteFromUrl(): string | null {
  const m = /^#join=(.+)$/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(JOIN_KEY, decodeURIComponent(m[1]!));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(JOIN_KEY);
}

function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || new URLSearchParams(location.search).has('nosw')) return;
  navigator.serviceWorker.register('./sw.js', { scope: './' }).catch(() => {
    // Without a service worker the app still works; it just does not open offline.
  });
}

async function acquireLock(): Promise<WriterLock> {
  const lock = await acquireWriterLock();
  if (lock) return lock;
  return new Promise((resolve) => {
    const useHere = h('button', { type: 'button', class: 'primary' }, 'Use here');
    useHere.addEventListener('click', async () => resolve((await acquireWriterLock({ steal: true }))!));
    screen(
      h(
        'div',
        { class: 'welcome card' },
        h('h1', null, 'Tincan is open in another tab'),
        h('p', null, 'Only one tab at a time can send and receive, so that your encryption keys never get out of step. Use Tincan in the other tab, or move it here.'),
        useHere,
      ),
    );
  });
}

async function unlock(store: IdbClientStore, vault: VaultRecord): Promise<RecordSealer> {
  return new Promise((resolve) => {
    screen(unlockScreen(async (passphrase) => resolve(await openVault(vault, passphrase))));
  });
}

async function boot(): Promise<void> {
  registerServiceWorker();
  // Compiling libsodium's WebAssembly overlaps with opening the lock and the database.
  const sodium = cryptoReady();
  const pendingJoin = takeInviteFromUrl();
  const lock = await acquireLock();
  const kv = await openKv(DB_NAME);
  let store = createIdbStore(kv.db);
  const vault = await store.getAppSetting<VaultRecord>('vault');
  if (vault) store = createIdbStore(kv.db, await unlock(store, vault));

  const pageRelay = pageFolder(location.href);
  // Where this page's relay answers (folder, or folder/index.cgi on hosts without rewriting).
  const relayProbe = discoverRelay(pageRelay);

  if (!(await store.getIdentity())) {
    await new Promise<void>((resolve) => {
      screen(
        setupScreen({
          invitedBy: pendingJoin ? inviteLabel(pendingJoin) : null,
          onCreate: async (name, passphrase) => {
            if (passphrase) {
              const v = await createVault(passphrase);
              await store.setAppSetting('vault', v.record);
              store = createIdbStore(kv.db, v.sealer);
            }
            await createIdentity(store, name);
            resolve();
          },
        }),
      );
    });
  }

  await sodium;
  const model = await createEngineModel({ store, pageRelay, relayProbe, webBase: pageRelay });
  const shell = startShell(root, model, {
    pendingJoin,
    onJoinHandled: () => sessionStorage.removeItem(JOIN_KEY),
    pageRelay: (await relayProbe)?.base.replace(/\/index\.cgi$/, '') ?? pageRelay,
  });
  document.documentElement.dataset.ready = 'true';

  void lock.lost.then(async () => {
    shell.stop();
    await model.stop();
    const reopen = h('button', { type: 'button', class: 'primary', on: { click: () => location.reload() } }, 'Use here');
    screen(h('div', { class: 'welcome card' }, h('h1', null, 'Tincan moved to another tab'), h('p', null, 'Another tab took over sending and receiving. This tab stopped so that your encryption keys never get out of step.'), reopen));
  });
}

boot().catch((err) => {
  console.error(err);
  screen(h('div', { class: 'welcome card' }, h('h1', null, 'Tincan could not start'), errorBox(err), h('p', null, 'Reload the page to try again. If this browser blocks storage (private mode), Tincan cannot keep your keys.')));
});
