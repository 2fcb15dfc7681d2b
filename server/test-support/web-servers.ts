/**
 * Test-only: real Apache (prefork + mod_cgi + mod_rewrite) and real lighttpd (mod_cgi) on
 * 127.0.0.1 with their own config in a temp folder, serving a given document root. Used to record
 * CGI environments and to run the CGI relay behind a real web server.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface WebServer {
  url: string;
  errorLog(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitForPort(url: string, child: ChildProcess | null, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (child && child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`web server did not start at ${url}: ${log()}`);
}

const isRoot = process.getuid?.() === 0;

/** Makes a tree readable (and .cgi executable) by the web server user when tests run as root. */
export function openUp(dir: string): void {
  if (isRoot) execFileSync('chmod', ['-R', 'a+rX', dir]);
}

export async function startApache(docRoot: string, extra = ''): Promise<WebServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tincan-apache-'));
  const port = await freePort();
  const m = (name: string) => `LoadModule ${name}_module /usr/lib/apache2/modules/mod_${name}.so`;
  const conf = [
    `ServerRoot "${dir}"`,
    `Listen 127.0.0.1:${port}`,
    `PidFile "${dir}/httpd.pid"`,
    `ErrorLog "${dir}/error.log"`,
    'LogLevel warn',
    `Mutex file:${dir} default`,
    m('mpm_prefork'), m('authz_core'), m('mime'), m('cgi'), m('rewrite'), m('dir'), m('env'), m('setenvif'), m('headers'), m('alias'),
    'ServerName 127.0.0.1',
    isRoot ? 'User www-data\nGroup www-data' : '',
    `DocumentRoot "${docRoot}"`,
    'TypesConfig /etc/mime.types',
    'StartServers 2\nMinSpareServers 2\nMaxSpareServers 8\nMaxRequestWorkers 40',
    'Timeout 60',
    `<Directory "${docRoot}">`,
    '  AllowOverride All',
    '  Options +ExecCGI +SymLinksIfOwnerMatch',
    '  Require all granted',
    '</Directory>',
    'AddHandler cgi-script .cgi',
    'DirectoryIndex index.html index.cgi',
    extra,
  ].join('\n');
  writeFileSync(path.join(dir, 'httpd.conf'), conf);
  openUp(dir);
  openUp(docRoot);
  const env = { ...process.env, APACHE_RUN_DIR: dir, APACHE_LOCK_DIR: dir, APACHE_LOG_DIR: dir };
  // detached: prefork signals its whole process group on shutdown (killpg), which would include us.
  const child = spawn('/usr/sbin/apache2', ['-f', path.join(dir, 'httpd.conf'), '-DFOREGROUND'], { env, stdio: 'ignore', detached: true });
  const errorLog = () => (existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : '');
  const url = `http://127.0.0.1:${port}`;
  await waitForPort(url, child, errorLog);
  return {
    url,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startLighttpd(docRoot: string, extra = ''): Promise<WebServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tincan-lighttpd-'));
  const port = await freePort();
  const conf = [
    'server.modules = ("mod_rewrite", "mod_cgi")',
    `server.document-root = "${docRoot}"`,
    `server.port = ${port}`,
    'server.bind = "127.0.0.1"',
    `server.errorlog = "${dir}/error.log"`,
    isRoot ? 'server.username = "www-data"\nserver.groupname = "www-data"' : '',
    'index-file.names = ("index.html", "index.cgi")',
    'cgi.assign = (".cgi" => "")',
    'server.stream-request-body = 0',
    extra,
  ].join('\n');
  writeFileSync(path.join(dir, 'lighttpd.conf'), conf);
  openUp(dir);
  openUp(docRoot);
  if (isRoot) chmodSync(dir, 0o777);
  const child = spawn('/usr/sbin/lighttpd', ['-D', '-f', path.join(dir, 'lighttpd.conf')], { stdio: 'ignore', detached: true });
  const errorLog = () => (existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : '');
  const url = `http://127.0.0.1:${port}`;
  await waitForPort(url, child, errorLog);
  return {
    url,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
