/**
 * Real web servers for end-to-end tests: Debian's Apache 2.4 (prefork + mod_cgi) and lighttpd 1.4,
 * each started in the foreground with its own temporary ServerRoot/config/pidfile/logs, listening on
 * 127.0.0.1 only, on a free ephemeral port. Nothing of the system configuration (/etc/apache2,
 * /etc/lighttpd) is read. The one harness for every test that needs a real web server: the e2e
 * journeys, deploy and failover tests, bench/cgi-apache.bench.ts, the relay HTTP suite behind a web
 * server (server/test-support/targets.ts webServerTarget) and the CGI environment recorder
 * (tests/fixtures/cgi-env/record.ts).
 *
 * Typical use:
 *
 *   const site = makeDocroot();                       // a temp document root, readable by www-data
 *   installAsUpload(bundleDir, path.join(site, 'chat'));  // copy a folder as an FTP upload would
 *   const web = await startApache({ docroot: site });  // AllowOverride All, mod_rewrite loaded
 *   await fetch(`${web.origin}/chat/v1/info`);
 *   web.serverTimesUs();                              // Apache %D per request, from the access log
 *   await web.stop();                                 // also removes the temp server root
 *
 *   // lighttpd ignores .htaccess: include the server rules users get (deploy/lighttpd.conf, /chat)
 *   const lt = await startLighttpd({ docroot: site, include: path.join(repoRoot, 'deploy/lighttpd.conf') });
 *
 * A bundle's shebang needs a Node the web user can execute: nodeForWebUser(). Both servers run in
 * their own process group (prefork Apache signals its whole group on shutdown). Each server's
 * environment is only PATH=/usr/local/bin:/usr/bin:/bin, as a CGI host's would be.
 *
 * Started as root (CI), both servers switch to `www-data` like a packaged install does, so CGI
 * scripts run as the web user (plain mod_cgi, no suEXEC): a bundle's data/ folder must be writable
 * by www-data, which installAsUpload() arranges (like `chmod`/`chown` done by a host's file manager).
 * Started by another user, they run as that user (like suEXEC running CGI as the account).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A running web server. */
export interface WebServer {
  kind: 'apache' | 'lighttpd';
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** The temp folder holding the config, pidfile and logs (removed by stop()). */
  serverRoot: string;
  docroot: string;
  /** The error log so far (CGI stderr ends up here under Apache). */
  errorLog(): string;
  /** Access log lines so far. */
  accessLog(): string[];
  /**
   * Time to serve each request so far, in microseconds, in log order: Apache's `%D`, lighttpd's
   * `%D`. The access log line is `<%D> <status> <method> <url>` (Apache adds the request's start in
   * ms since the epoch and the serving process id); pass a filter on the URL.
   */
  serverTimesUs(urlFilter?: (url: string, method: string, status: number) => boolean): number[];
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes serverRoot. */
  stop(): Promise<void>;
}

export interface ApacheOptions {
  docroot: string;
  /** Load mod_rewrite (default true). false = a host without mod_rewrite: fallback URLs only. */
  rewrite?: boolean;
  /** AllowOverride for the docroot (default "All"). */
  allowOverride?: string;
  /** Extra server-config lines (e.g. a ScriptAlias, `Timeout 30`). */
  extraConfig?: string;
  /** Extra Apache modules to load, by name without `mod_` (e.g. ['deflate', 'filter']). */
  extraModules?: string[];
}

const APACHE_MODULES = '/usr/lib/apache2/modules';
const WEB_USER = 'www-data';

/** Whether Debian's apache2 binary is installed. */
export function hasApache(): boolean {
  return existsSync('/usr/sbin/apache2') && existsSync(path.join(APACHE_MODULES, 'mod_cgi.so'));
}

/** Whether lighttpd is installed. */
export function hasLighttpd(): boolean {
  return existsSync('/usr/sbin/lighttpd');
}

/** A fresh temp document root that the web user can traverse (mkdtemp makes 0700 folders). */
export function makeDocroot(prefix = 'tincan-docroot-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * Copies `src` to `dest` the way an upload by FTP/SFTP would: same tree and permission bits, files
 * owned by the uploader (root here). Then, like a user following UPLOAD.md on a host whose CGI runs
 * as the web user, makes the folders named in `writableByWebUser` (default ['data']) owned by www-data.
 */
export function installAsUpload(src: string, dest: string, opts: { writableByWebUser?: string[] } = {}): void {
  mkdirSync(path.dirname(dest), { recursive: true });
  cpSync(src, dest, { recursive: true, preserveTimestamps: true });
  // cpSync keeps modes; make sure the destination folder itself is traversable like on a host.
  chmodSync(dest, statSync(src).mode & 0o7777);
  const writable = opts.writableByWebUser ?? ['data'];
  if (!runningAsRoot()) {
    // Not root: the servers run CGI as this user (like suEXEC as the account), who owns the upload;
    // a folder meant to be unwritable for the CGI is made read-only instead.
    if (existsSync(path.join(dest, 'data')) && !writable.includes('data')) chmodSync(path.join(dest, 'data'), 0o555);
    return;
  }
  const { uid, gid } = webUser();
  for (const rel of writable) {
    const target = path.join(dest, rel);
    if (!existsSync(target)) continue;
    chownRecursive(target, uid, gid);
  }
}

/** Root starts the servers with `User www-data` (as packaged); anyone else runs them as themselves. */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * An absolute path of the running Node that the web user can execute — for a bundle's shebang
 * (`--node`). process.execPath when every folder above it is world-traversable (e.g. /usr/bin/node);
 * otherwise (Node under /root/.nvm, say) a copy in a world-readable temp folder.
 */
export function nodeForWebUser(): string {
  const exec = process.execPath;
  let ok = (statSync(exec).mode & 0o005) === 0o005;
  for (let d = path.dirname(exec); ok && d !== path.dirname(d); d = path.dirname(d)) ok = (statSync(d).mode & 0o001) !== 0;
  if (ok) return exec;
  const dir = path.join(os.tmpdir(), `tincan-node-${process.version}`);
  const copy = path.join(dir, 'node');
  if (!existsSync(copy)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    cpSync(exec, `${copy}.${process.pid}`);
    chmodSync(`${copy}.${process.pid}`, 0o755);
    renameSync(`${copy}.${process.pid}`, copy);
  }
  return copy;
}

/** uid/gid of www-data. */
export function webUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${WEB_USER}:`));
  if (!line) throw new Error(`no ${WEB_USER} user on this machine`);
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

function chownRecursive(p: string, uid: number, gid: number): void {
  chownSync(p, uid, gid);
  if (statSync(p).isDirectory()) for (const n of readdirSync(p)) chownRecursive(path.join(p, n), uid, gid);
}

/** A free TCP port on 127.0.0.1 (small race with the server binding it; start*() retries). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts Apache with mod_cgi + (optionally) mod_rewrite, `AllowOverride All` on the docroot and an
 * access log with `%D`. The docroot has `Options +ExecCGI`-capable overrides but no handler of its
 * own: the uploaded .htaccess must declare `AddHandler cgi-script .cgi`, as on shared hosting.
 */
export async function startApache(opts: ApacheOptions): Promise<WebServer> {
  const modules = [
    'mpm_prefork', 'authz_core', 'authz_host', 'mime', 'dir', 'alias', 'cgi', 'setenvif', 'headers', 'env',
    ...(opts.rewrite === false ? [] : ['rewrite']),
    ...(opts.extraModules ?? []),
  ];
  return startWithRetries(async (port) => {
    const serverRoot = mkdtempSync(path.join(os.tmpdir(), 'tincan-apache-'));
    chmodSync(serverRoot, 0o755);
    const conf = [
      `ServerRoot "${serverRoot}"`,
      `ServerName 127.0.0.1`,
      `Listen 127.0.0.1:${port}`,
      ...modules.map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`),
      ...(runningAsRoot() ? [`User ${WEB_USER}`, `Group ${WEB_USER}`] : []),
      `PidFile "${serverRoot}/httpd.pid"`,
      `ErrorLog "${serverRoot}/error.log"`,
      `LogLevel warn`,
      `LogFormat "%D %>s %m %U%q %{begin:msec}t %P" timed`,
      `CustomLog "${serverRoot}/access.log" timed`,
      `TypesConfig /etc/mime.types`,
      `StartServers 4`,
      `MinSpareServers 4`,
      `MaxSpareServers 16`,
      `MaxRequestWorkers 64`,
      `ServerLimit 64`,
      `Timeout 60`,
      `KeepAlive On`,
      `DocumentRoot "${opts.docroot}"`,
      `<Directory />`,
      `  AllowOverride None`,
      `  Require all denied`,
      `</Directory>`,
      `<Directory "${opts.docroot}">`,
      `  Options FollowSymLinks`,
      `  AllowOverride ${opts.allowOverride ?? 'All'}`,
      `  Require all granted`,
      `</Directory>`,
      `AccessFileName .htaccess`,
      `<Files ".ht*">`,
      `  Require all denied`,
      `</Files>`,
      opts.extraConfig ?? '',
    ].join('\n');
    writeFileSync(path.join(serverRoot, 'httpd.conf'), conf + '\n');
    const child = spawn('/usr/sbin/apache2', ['-f', path.join(serverRoot, 'httpd.conf'), '-DFOREGROUND'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' },
      // Its own process group: on SIGTERM, prefork Apache signals its whole group (killpg), which
      // would otherwise take the test runner down with it.
      detached: true,
    });
    return finishStart('apache', child, port, serverRoot, opts.docroot);
  });
}

export interface LighttpdOptions {
  docroot: string;
  /**
   * A config file to include after the base config, e.g. the repository's deploy/lighttpd.conf
   * (which serves a bundle uploaded to <docroot>/chat: denies data/, relay/, the config and
   * UPLOAD.md, routes /chat/v1/... to index.cgi). Without it .cgi files run nowhere.
   */
  include?: string;
  extraConfig?: string;
}

/**
 * Starts lighttpd with mod_access, mod_rewrite, mod_cgi and an access log with `%D` (lighttpd
 * writes it lazily: complete after stop). CGI is assigned by the included config.
 */
export async function startLighttpd(opts: LighttpdOptions): Promise<WebServer> {
  return startWithRetries(async (port) => {
    const serverRoot = mkdtempSync(path.join(os.tmpdir(), 'tincan-lighttpd-'));
    chmodSync(serverRoot, 0o777); // lighttpd drops to www-data before opening its logs
    const conf = [
      `server.modules = ("mod_access", "mod_rewrite", "mod_cgi", "mod_accesslog")`,
      `server.document-root = "${opts.docroot}"`,
      `server.bind = "127.0.0.1"`,
      `server.port = ${port}`,
      ...(runningAsRoot() ? [`server.username = "${WEB_USER}"`, `server.groupname = "${WEB_USER}"`] : []),
      `server.pid-file = "${serverRoot}/lighttpd.pid"`,
      `server.errorlog = "${serverRoot}/error.log"`,
      `accesslog.filename = "${serverRoot}/access.log"`,
      `accesslog.format = "%D %>s %m %U%q"`,
      `index-file.names = ("index.html")`,
      `mimetype.assign = (".html" => "text/html; charset=utf-8", ".js" => "text/javascript", ".css" => "text/css", ".json" => "application/json", ".svg" => "image/svg+xml", ".png" => "image/png", ".md" => "text/plain; charset=utf-8", ".webmanifest" => "application/manifest+json")`,
      `url.access-deny = ("~", ".inc")`, // Debian's default; the included config adds its own rules
      ...(opts.include ? [`include "${opts.include}"`] : []),
      opts.extraConfig ?? '',
    ].join('\n');
    writeFileSync(path.join(serverRoot, 'lighttpd.conf'), conf + '\n');
    const child = spawn('/usr/sbin/lighttpd', ['-D', '-f', path.join(serverRoot, 'lighttpd.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' },
      // Its own process group: on SIGTERM, prefork Apache signals its whole group (killpg), which
      // would otherwise take the test runner down with it.
      detached: true,
    });
    return finishStart('lighttpd', child, port, serverRoot, opts.docroot);
  });
}

async function startWithRetries(start: (port: number) => Promise<WebServer>): Promise<WebServer> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await start(await freePort());
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

async function finishStart(kind: 'apache' | 'lighttpd', child: ChildProcess, port: number, serverRoot: string, docroot: string): Promise<WebServer> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exitedP = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const read = (f: string) => (existsSync(path.join(serverRoot, f)) ? readFileSync(path.join(serverRoot, f), 'utf8') : '');
  const server: WebServer = {
    kind,
    origin: `http://127.0.0.1:${port}`,
    port,
    serverRoot,
    docroot,
    errorLog: () => read('error.log') + stderr,
    accessLog: () => read('access.log').split('\n').filter(Boolean),
    serverTimesUs(filter) {
      const out: number[] = [];
      for (const line of server.accessLog()) {
        const [us, status, method, url] = line.split(' ');
        if (filter && !filter(url ?? '', method ?? '', Number(status))) continue;
        out.push(Number(us));
      }
      return out;
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exitedP;
        clearTimeout(timer);
      }
      rmSync(serverRoot, { recursive: true, force: true });
    },
  };
  // Ready when it answers HTTP (bounded: 10 s).
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      await fetch(`${server.origin}/`, { signal: AbortSignal.timeout(1000) });
      return server;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const log = server.errorLog();
  await server.stop();
  throw new Error(`${kind} did not start on 127.0.0.1:${port}:\n${log}`);
}
