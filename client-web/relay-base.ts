/**
 * Which relay served this page, and at which API base. A standalone relay serves the page at "/"
 * and its API at "/v1/…"; a CGI relay with rewriting serves both under its folder ("/chat/" and
 * "/chat/v1/…"); a CGI relay on a host without rewriting answers only at "/chat/index.cgi/v1/…".
 * The page therefore asks "<folder>/v1/info" first and "<folder>/index.cgi/v1/info" second, and
 * uses the first that answers like a Tincan relay.
 */
import { InfoSchema, type Info } from '../protocol/wire.ts';

/** The folder URL this page was served from, without a trailing slash (no query, no fragment). */
export function pageFolder(href: string): string {
  const u = new URL(href);
  u.hash = '';
  u.search = '';
  u.pathname = u.pathname.replace(/[^/]*$/, '');
  return u.href.replace(/\/$/, '');
}

/** Normalises what a person typed as a relay address: adds https:// when no scheme, drops a trailing slash. */
export function normalizeRelayUrl(text: string): string {
  let t = text.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) t = `${/^(localhost|127\.|\[::1\])/.test(t) ? 'http' : 'https'}://${t}`;
  const u = new URL(t);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('A relay address starts with https:// (or http:// on your own machine).');
  u.hash = '';
  u.search = '';
  return u.href.replace(/\/+$/, '');
}

/** Fetches and validates `<base>/v1/info`; null when it is not a Tincan relay or does not answer. */
export async function fetchInfo(base: string, fetchFn: typeof fetch = fetch, timeoutMs = 5000): Promise<Info | null> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    const res = await fetchFn(`${base}/v1/info`, { signal: ctl.signal, cache: 'no-store' });
    if (!res.ok) return null;
    const parsed = InfoSchema.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Finds the API base of the relay at `address` (a folder URL): `address` itself or
 * `address/index.cgi`. Returns null when neither answers like a Tincan relay.
 */
export async function discoverRelay(address: string, fetchFn: typeof fetch = fetch): Promise<{ base: string; info: Info } | null> {
  const folder = address.replace(/\/index\.cgi$/, '').replace(/\/+$/, '');
  for (const base of address.endsWith('/index.cgi') ? [address] : [folder, `${folder}/index.cgi`]) {
    const info = await fetchInfo(base, fetchFn);
    if (info) return { base, info };
  }
  return null;
}
