/**
 * Service worker: keeps the app shell (the files build.mjs lists) so the page opens offline and
 * can be installed. It never touches relay traffic: API calls (…/v1/…, …/index.cgi…) and anything
 * not in the shell go straight to the network. The page itself is fetched network-first (a relay
 * upgrade shows at once), the hashed assets cache-first.
 */
declare const __SHELL__: string[];
declare const __VERSION__: string;

// The few service-worker types used here (the project type-checks against the DOM library, whose
// declarations clash with the webworker library's).
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface SwScope {
  registration: { scope: string };
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvent) => void): void;
}
const sw = globalThis as unknown as SwScope;

const CACHE = `tincan-shell-${__VERSION__}`;
const scope = new URL(sw.registration.scope);
const shellUrls = new Set(__SHELL__.map((p) => new URL(p, scope).href));
const pageUrl = new URL('./', scope).href;

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll([...shellUrls]))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('tincan-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  url.hash = '';
  const isPage = req.mode === 'navigate' && (url.href === pageUrl || url.href === `${pageUrl}index.html`) && !url.search;
  if (!isPage && !shellUrls.has(url.href)) return;
  if (isPage) {
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) void caches.open(CACHE).then((c) => c.put(pageUrl, res.clone()));
          return res;
        })
        .catch(async () => (await caches.match(pageUrl)) ?? Response.error()),
    );
    return;
  }
  event.respondWith(caches.match(url.href).then((hit) => hit ?? fetch(req)));
});
