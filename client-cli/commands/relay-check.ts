/**
 * `tincan relay check URL [--json]`: tells a relay's owner what works on its host and what to fix.
 * Everything is learned over HTTP, as a visitor would: the relay's own diagnostics (GET /v1/check:
 * Node, SQLite driver and journal mode, data folder writable, X-Tincan-Auth received), which base URL
 * answers (rewritten `<folder>/v1/...` or the fallback `<folder>/index.cgi/v1/...`), that private
 * files (config, database, WAL, code) are NOT served, and that the web client is.
 * Trust boundary: the relay's answers are only displayed and compared, never executed or stored.
 */
import type { Command } from 'commander';
import { TincanError } from '../../protocol/errors.ts';
import type { RelayCommandContext } from './relay-bundle.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the report. */
export interface CheckItem {
  status: CheckStatus;
  what: string;
  /** What to do, for warn and fail. */
  fix?: string;
}

export interface CheckReport {
  /** The URL to give clients (`tincan relay use`, invites), or null when no relay answered. */
  baseUrl: string | null;
  items: CheckItem[];
  /** True when nothing failed (warnings allowed). */
  ok: boolean;
}

type Fetch = typeof fetch;

interface Got {
  status: number;
  type: string;
  text: string;
}

async function get(f: Fetch, url: string, headers: Record<string, string> = {}): Promise<Got | null> {
  try {
    const res = await f(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(15_000) });
    const buf = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: new TextDecoder().decode(buf.subarray(0, 64 * 1024)) };
  } catch {
    return null;
  }
}

function json(g: Got | null): Record<string, unknown> | null {
  if (!g || g.status !== 200) return null;
  try {
    const v = JSON.parse(g.text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isInfo = (v: Record<string, unknown> | null) => v !== null && v['protocol'] === 'tincan';

/** Why a URL that should be the relay did not answer like one, in words. */
function diagnose(g: Got | null): string {
  if (!g) return 'no answer (wrong host name, or the server is down)';
  if (g.text.startsWith('#!')) return `the server sent index.cgi as a file instead of running it (HTTP ${g.status}): CGI is not enabled for this folder`;
  if (g.status === 500) return 'HTTP 500: the script failed to start (see the fixes below)';
  return `HTTP ${g.status}${g.type ? ` (${g.type.split(';')[0]})` : ''}`;
}

/** Runs every check against `url` (the folder's URL, or a base URL ending in /index.cgi). */
export async function checkRelay(url: string, f: Fetch = fetch): Promise<CheckReport> {
  const items: CheckItem[] = [];
  const given = url.trim().replace(/[?#].*$/, '').replace(/\/+$/, '');
  const folder = given.replace(/\/index\.cgi$/, '');
  const short = folder;
  const long = `${folder}/index.cgi`;

  // 1. Which base URL the relay answers at: /v1/info, or /v1/check (which answers even when the
  //    database cannot be opened, so a broken host still gets its diagnosis).
  const probe = async (base: string) => {
    const info = await get(f, `${base}/v1/info`);
    const check = await get(f, `${base}/v1/check`, { 'X-Tincan-Auth': 'probe' });
    const c = json(check);
    return { info, infoOk: isInfo(json(info)), check: c !== null && 'adapter' in c ? c : null };
  };
  const s = await probe(short);
  const found = s.infoOk || s.check ? s : null;
  const l = found ? null : await probe(long);
  let baseUrl: string;
  let at: { info: Got | null; infoOk: boolean; check: Record<string, unknown> | null };
  if (found) {
    baseUrl = short;
    at = found;
    items.push({ status: 'ok', what: `relay answers at ${short}/v1/ (rewriting works)` });
  } else if (l && (l.infoOk || l.check)) {
    baseUrl = long;
    at = l;
    items.push({
      status: 'warn',
      what: `rewriting is not active: ${short}/v1/info gives ${diagnose(s.info)}; the relay answers at ${long}/v1/`,
      fix: `use ${long} as the base URL. For the shorter ${short}, the host must allow mod_rewrite in .htaccess (AllowOverride FileInfo, Options +SymLinksIfOwnerMatch).`,
    });
  } else {
    const longInfo = l?.info ?? null;
    items.push({
      status: 'fail',
      what: `no relay answers at ${short}/v1/info (${diagnose(s.info)}) nor at ${long}/v1/info (${diagnose(longInfo)})`,
      fix: longInfo?.text.startsWith('#!')
        ? 'the .htaccess is not in effect or CGI is off: the host must allow .htaccess overrides (AllowOverride All, or FileInfo Options Indexes) and CGI (mod_cgi). Some hosts only run CGI inside cgi-bin/.'
        : longInfo?.status === 500
          ? 'check the web server error log. Usual causes: the Node path in the first line of index.cgi does not exist on the host (make the bundle with --node <path>), index.cgi is not executable (chmod 755) or has Windows line endings (upload in binary mode), or the folder is group-writable (chmod 755).'
          : 'check the URL: it must be the folder where index.cgi was uploaded.',
    });
    return { baseUrl: null, items, ok: false };
  }
  if (!at.infoOk) {
    items.push({ status: 'fail', what: `GET ${baseUrl}/v1/info fails (${diagnose(at.info)})`, fix: 'see the other problems listed here; details are in the web server error log.' });
  }

  // 2. The relay's own view of the host.
  const check = at.check;
  if (!check) {
    items.push({ status: 'fail', what: 'GET /v1/check did not answer', fix: 'this relay is too old for `tincan relay check` or failed; see the web server error log.' });
  } else {
    const sqlite = (check['sqlite'] ?? {}) as Record<string, unknown>;
    items.push({ status: 'ok', what: `Node ${String(check['node'])} (${String(check['adapter'] ?? 'unknown')} adapter)` });
    const loadError = String(sqlite['error'] ?? '');
    // A native module built for another Node, platform or glibc fails in dlopen/require.
    const moduleBroken = /\.node\b|NODE_MODULE_VERSION|ELF|GLIBC|dlopen|Cannot find module/i.test(loadError);
    if (sqlite['driver'] === 'unavailable' || !sqlite['driver']) {
      items.push({
        status: 'fail',
        what: moduleBroken
          ? `the SQLite module does not load on this host's Node: ${loadError}`
          : `the SQLite database cannot be opened${loadError ? `: ${loadError}` : ''}`,
        fix: moduleBroken
          ? `make the bundle with a Node of the same major version as the host's (${String(check['node'])}) on a machine with the same platform and a glibc no newer than the host's: \`tincan relay bundle --node <path of node on the host>\` (see UPLOAD.md).`
          : 'make data/ writable by the account CGI scripts run as (see below).',
      });
    } else {
      items.push({ status: 'ok', what: `SQLite module loaded (${String(sqlite['driver'])})` });
      const mode = String(sqlite['journalMode'] ?? '');
      if (mode === 'wal') items.push({ status: 'ok', what: 'WAL journal in use' });
      else items.push({ status: 'warn', what: `WAL is not usable on this filesystem; the ${mode || 'rollback'} journal is in use`, fix: 'nothing to do: it is slower with many writers but safe.' });
    }
    if (check['dataWritable'] === true) items.push({ status: 'ok', what: 'data/ is writable by the relay' });
    else if (moduleBroken) items.push({ status: 'warn', what: 'whether data/ is writable is unknown until the SQLite module loads' });
    else {
      items.push({
        status: 'fail',
        what: 'data/ is not writable by the relay',
        fix: 'make the data/ folder writable by the account CGI scripts run as: with suEXEC (most cPanel hosts) that is your own account (chmod 755 data); otherwise it is the web server user (www-data, apache or nobody): ask the host to `chown` it, or use the file manager. Never 777.',
      });
    }
    if (check['authHeaderReceived'] === true) items.push({ status: 'ok', what: 'the X-Tincan-Auth header reaches the relay' });
    else {
      items.push({
        status: 'fail',
        what: 'the X-Tincan-Auth header does not reach the relay, so no signed request can work',
        fix: 'something between the client and the script strips custom headers (a proxy, a CDN or a security filter such as mod_security). Ask the host to pass the X-Tincan-Auth request header through to CGI scripts.',
      });
    }
  }

  // 3. Private files must not be served.
  const exposed: string[] = [];
  for (const p of ['config.json', 'data/relay.db', 'data/relay.db-wal', 'data/', 'relay/relay.js', 'UPLOAD.md']) {
    const g = await get(f, `${folder}/${p}`);
    if (g && g.status >= 200 && g.status < 300) exposed.push(p);
  }
  if (exposed.length === 0) items.push({ status: 'ok', what: 'config.json, data/, relay/ and UPLOAD.md are not readable over HTTP' });
  else {
    items.push({
      status: 'fail',
      what: `readable over HTTP: ${exposed.join(', ')}`,
      fix: 'the .htaccess files are not in effect (upload them too: they are hidden files), or the server is not Apache: for lighttpd or nginx, deny <folder>/data/, <folder>/relay/, config.json and UPLOAD.md in the server configuration (samples in deploy/).',
    });
  }

  // 4. The web client.
  const page = await get(f, `${folder}/`);
  if (page && page.status === 200 && /text\/html/.test(page.type)) items.push({ status: 'ok', what: `the web client is served at ${folder}/` });
  else items.push({ status: 'warn', what: `${folder}/ does not show the web client (${diagnose(page)})`, fix: 'upload index.html and the web client files with the bundle; the host must allow DirectoryIndex in .htaccess.' });

  return { baseUrl, items, ok: !items.some((i) => i.status === 'fail') };
}

/** The report as text for people. */
export function formatCheckReport(r: CheckReport): string {
  const tag = { ok: '  ok   ', warn: '  warn ', fail: '  FAIL ' } as const;
  const lines: string[] = [];
  for (const i of r.items) {
    lines.push(`${tag[i.status]}${i.what}`);
    if (i.fix) lines.push(`         fix: ${i.fix}`);
  }
  lines.push('');
  const fails = r.items.filter((i) => i.status === 'fail').length;
  if (r.ok) lines.push(`Verdict: this host runs the relay. Base URL: ${r.baseUrl}`);
  else lines.push(`Verdict: ${fails} problem${fails === 1 ? '' : 's'} to fix before this relay works${r.baseUrl ? ` (base URL: ${r.baseUrl})` : ''}.`);
  return lines.join('\n') + '\n';
}

export function registerRelayCheck(relay: Command, ctx: RelayCommandContext): void {
  relay
    .command('check')
    .description('check what works on the host of a relay (Node, SQLite, data folder, auth header, private files, web client) and say what to fix')
    .argument('<url>', "the relay folder's URL, e.g. https://example.org/chat")
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExit status: 0 when the relay works (warnings allowed), non-zero with the problems listed otherwise.')
    .action(async (url: string, opts: { json?: boolean }) => {
      if (!/^https?:\/\//.test(url)) throw new TincanError('bad-request', `"${url}" is not a URL; give the relay folder's address, like https://example.org/chat`);
      const report = await checkRelay(url);
      ctx.out(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatCheckReport(report));
      if (!report.ok) {
        const fails = report.items.filter((i) => i.status === 'fail').length;
        throw new TincanError(report.baseUrl ? 'relay-protocol' : 'relay-unreachable', `the relay at ${url} has ${fails} problem${fails === 1 ? '' : 's'} (listed above)`);
      }
    });
}
