/**
 * Writes the folder a person uploads to shared hosting (`tincan relay bundle --out DIR`):
 *
 *   index.cgi     the CGI entry: `#!<absolute node> --v8-pool-size=1` + deploy/cgi-loader.cjs (755)
 *   relay/        relay.js (the esbuild bundle of server/main-cgi.ts, better-sqlite3's JS included)
 *                 and better_sqlite3.node, the SQLite addon built for one Node ABI; sodium-native.node,
 *                 libsodium's addon (N-API: any Node version) that verifies signatures; denied to the
 *                 web by its own .htaccess
 *   data/         the database and the V8 code cache; denied to the web; must be writable by the CGI
 *   config.json   owner key (or a one-time setup code's hash) and limits; denied to the web
 *   .htaccess     routes <folder>/v1/... to index.cgi, denies the private parts, caches static files
 *   index.html …  the web client (served by Apache directly, not through CGI)
 *   check.html    the host check page (deploy/check.html): what works here, what to fix
 *   UPLOAD.md     what to do with all this, for the person uploading
 *
 * Files 644, index.cgi and folders 755 (suEXEC refuses group- or world-writable scripts and folders).
 * Runs in the CLI on the uploader's machine; it reads the built pieces from the Tincan package
 * (dist/cgi from deploy/build-cgi.mjs, dist/web, node_modules/better-sqlite3).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { toBase64Url } from '../protocol/encoding.ts';
import { TincanError } from '../protocol/errors.ts';
import { DEFAULT_LIMITS, type Limits } from '../protocol/wire.ts';
import { htaccess, privateHtaccess, uploadGuide } from './bundle-texts.ts';

export interface RelayBundleOptions {
  /** The Tincan package folder (holds dist/ and node_modules/). */
  root: string;
  /** Folder to write; created, must be empty unless `force`. */
  out: string;
  /** Absolute path of Node on the host, written into the shebang (suEXEC resets PATH); default: this Node. */
  nodePath?: string;
  /** URL path the folder will be served at, e.g. `/chat` (adds a RewriteBase; default: none). */
  basePath?: string;
  /** The owner's Ed25519 public key; null = write a one-time setup code instead. */
  owner: Uint8Array | null;
  /** Limits to write into config.json (default: the protocol defaults). */
  limits?: Partial<Limits>;
  /** Replace the files of an existing bundle in `out` (data/ is kept). */
  force?: boolean;
}

export interface RelayBundleResult {
  out: string;
  /** The one-time setup code (printed once, also in UPLOAD.md) when there is no owner. */
  setupCode: string | null;
  /** Node ABI (NODE_MODULE_VERSION) the shipped better-sqlite3 was built for, e.g. "115". */
  abi: string;
  /** e.g. "linux-x64". */
  platform: string;
  /** Newest glibc symbol version the SQLite module needs, e.g. "2.34" (null if not found). */
  glibc: string | null;
  /** Node versions that can run this bundle, for people, e.g. "Node 20.x (ABI 115) with the bundled better-sqlite3, or any Node 22.13 or newer …". */
  supportedNode: string;
  /** Bytes of relay/relay.js + index.cgi (without the SQLite module and the web client). */
  relayBytes: number;
  sqliteBytes: number;
  /** Bytes of relay/sodium-native.node; 0 when there is no build for this platform (node:crypto then). */
  sodiumBytes: number;
  webBytes: number;
  /** True when dist/web was missing and a placeholder index.html was written. */
  webPlaceholder: boolean;
  /** Things the uploader should know (e.g. the --node path could not be checked here). */
  warnings: string[];
}

/** Node ABI numbers (process.versions.modules) → Node major versions. */
const ABI_TO_NODE: Record<string, string> = { '108': '18', '115': '20', '127': '22', '131': '23', '137': '24', '141': '25' };

const FILE = 0o644;
const DIR = 0o755;

/** A human-typable one-time setup code: 4 groups of 5 Crockford base32 characters (100 bits). */
export function makeSetupCode(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bytes = randomBytes(20);
  let s = '';
  for (let i = 0; i < 20; i++) s += alphabet[bytes[i]! & 31];
  return s.match(/.{5}/g)!.join('-');
}

/** How the relay stores a setup code: b64u(SHA-256(UTF-8 of the trimmed code)). */
export function setupCodeHash(code: string): string {
  return toBase64Url(createHash('sha256').update(code.trim(), 'utf8').digest());
}

/** Finds the Tincan package folder from a module URL inside it (source or dist/). */
export function findPackageRoot(fromUrl: string): string {
  let dir = path.dirname(new URL(fromUrl).pathname);
  for (let i = 0; i < 8; i++) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'tincan') return dir;
      } catch {
        /* keep looking */
      }
    }
    dir = path.dirname(dir);
  }
  throw new TincanError('internal', 'cannot find the Tincan package folder (package.json named "tincan")');
}

/** Newest GLIBC_x.y symbol version a shared object refers to. */
export function requiredGlibc(file: string): string | null {
  const text = readFileSync(file).toString('latin1');
  let best: [number, number] | null = null;
  for (const m of text.matchAll(/GLIBC_(\d+)\.(\d+)/g)) {
    const v: [number, number] = [Number(m[1]), Number(m[2])];
    if (!best || v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
  }
  return best ? `${best[0]}.${best[1]}` : null;
}

export function writeRelayBundle(options: RelayBundleOptions): RelayBundleResult {
  const o = { ...options, nodePath: options.nodePath ?? process.execPath };
  if (!path.isAbsolute(o.nodePath)) {
    throw new TincanError('bad-request', `--node must be an absolute path (got "${o.nodePath}"): suEXEC resets PATH, so the shebang cannot search for node. Ask your host for it, e.g. /usr/bin/node or /opt/alt/alt-nodejs20/root/usr/bin/node.`);
  }
  if (/\s/.test(o.nodePath)) throw new TincanError('bad-request', `--node "${o.nodePath}" contains a space, which a shebang line cannot hold; use a path without spaces (a symlink works).`);
  const basePath = normalizeBasePath(o.basePath);
  const cgiDir = path.join(o.root, 'dist', 'cgi');
  for (const f of ['relay.js', 'cgi-loader.cjs']) {
    if (!existsSync(path.join(cgiDir, f))) throw new TincanError('internal', `the CGI relay is not built (${path.join(cgiDir, f)} is missing). Run \`npm run build\` in ${o.root}.`);
  }
  const sqliteSrc = path.join(o.root, 'node_modules', 'better-sqlite3');
  const nativeSrc = path.join(sqliteSrc, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(nativeSrc)) throw new TincanError('internal', `better-sqlite3 is not built in ${sqliteSrc}. Run \`npm install\` in ${o.root}.`);

  const warnings = checkNodeMatch(nativeSrc, o.nodePath);

  prepareOut(o.out, o.force === true);

  // The relay and its SQLite module.
  mkdirSync(path.join(o.out, 'relay'), { recursive: true });
  copyFileSync(path.join(cgiDir, 'relay.js'), path.join(o.out, 'relay', 'relay.js'));
  writeFileSync(path.join(o.out, 'relay', '.htaccess'), privateHtaccess('the relay code and its SQLite module'));
  const sqliteBytes = copySqliteAddon(nativeSrc, path.join(o.out, 'relay'), o.root);
  const sodiumBytes = copySodiumAddon(path.join(o.out, 'relay'), o.root);
  if (sodiumBytes === 0) warnings.push(`sodium-native has no build for ${process.platform}-${process.arch}: the relay will verify signatures with node:crypto, which works but adds ~2 ms to each request.`);

  // index.cgi: shebang + loader. One flag only: Linux passes everything after the interpreter as a
  // single argument. --v8-pool-size=1 keeps Node at 4 threads (shared hosts count threads as processes).
  const loader = readFileSync(path.join(cgiDir, 'cgi-loader.cjs'), 'utf8');
  writeFileSync(path.join(o.out, 'index.cgi'), `#!${o.nodePath} --v8-pool-size=1\n${loader}`);
  writeFileSync(path.join(o.out, 'package.json'), '{ "private": true, "type": "commonjs" }\n');

  // Data folder (denied to the web; the CGI writes here).
  mkdirSync(path.join(o.out, 'data'), { recursive: true });
  writeFileSync(path.join(o.out, 'data', '.htaccess'), privateHtaccess('the relay database'));

  // Configuration.
  const setupCode = o.owner ? null : makeSetupCode();
  const config = {
    owner: o.owner ? toBase64Url(o.owner) : null,
    ...(setupCode ? { setupCodeHash: setupCodeHash(setupCode) } : {}),
    dataDir: 'data',
    limits: { ...DEFAULT_LIMITS, ...(o.limits ?? {}) },
  };
  writeFileSync(path.join(o.out, 'config.json'), JSON.stringify(config, null, 2) + '\n');

  // The web client.
  const webSrc = path.join(o.root, 'dist', 'web');
  const webPlaceholder = !existsSync(path.join(webSrc, 'index.html'));
  let webBytes = 0;
  if (webPlaceholder) {
    const html = placeholderIndex();
    writeFileSync(path.join(o.out, 'index.html'), html);
    webBytes = html.length;
  } else {
    webBytes = copyTree(webSrc, o.out, (rel) => !/\.map$/.test(rel) && !['config.json', 'package.json', 'index.cgi', '.htaccess', 'check.html', 'UPLOAD.md'].includes(rel));
  }

  const abi = process.versions.modules;
  const platform = `${process.platform}-${process.arch}`;
  const glibc = requiredGlibc(nativeSrc);
  const major = ABI_TO_NODE[abi];
  const supportedNode = `${major ? `Node ${major}.x (ABI ${abi})` : `Node with ABI ${abi} (like ${process.version})`} with the bundled better-sqlite3, or any Node 22.13 or newer through its built-in node:sqlite`;

  writeFileSync(path.join(o.out, 'check.html'), checkPage(path.join(o.root, 'deploy', 'check.html')));
  writeFileSync(path.join(o.out, '.htaccess'), htaccess({ basePath }));
  writeFileSync(
    path.join(o.out, 'UPLOAD.md'),
    uploadGuide({ nodePath: o.nodePath, basePath, setupCode, supportedNode, platform, glibc, abi, webPlaceholder, ownerKey: config.owner }),
  );

  fixModes(o.out);
  chmodSync(path.join(o.out, 'index.cgi'), 0o755);
  const relayBytes = statSync(path.join(o.out, 'relay', 'relay.js')).size + statSync(path.join(o.out, 'index.cgi')).size;
  return { out: o.out, setupCode, abi, platform, glibc, supportedNode, relayBytes, sqliteBytes, sodiumBytes, webBytes, webPlaceholder, warnings };
}

/**
 * The shipped better-sqlite3 must load in this Node (it is what `npm install` built), and, when the
 * --node path exists on this machine, that Node must have the same ABI. Returns warnings for what
 * cannot be checked here.
 */
function checkNodeMatch(nativeFile: string, nodePath: string): string[] {
  try {
    createRequire(import.meta.url)(nativeFile);
  } catch (e) {
    throw new TincanError('internal', `better-sqlite3 in node_modules does not load in ${process.version} (${(e as Error).message.split('\n')[0]}). Run \`npm rebuild better-sqlite3\` in the Tincan folder with the Node you bundle for.`);
  }
  if (!existsSync(nodePath)) {
    return [`${nodePath} does not exist on this machine, so it was not checked: on the host it must be Node ${process.version.split('.')[0]}.x (ABI ${process.versions.modules}), or Node 22.13 or newer (built-in node:sqlite).`];
  }
  const probe = 'let s=0;try{require("node:sqlite");s=1}catch{}process.stdout.write(process.versions.modules+" "+process.version+" "+s)';
  const r = spawnSync(nodePath, ['-e', probe], { encoding: 'utf8', timeout: 10_000, env: { PATH: '/usr/bin:/bin' } });
  const [abi, version, builtinSqlite] = (r.stdout ?? '').trim().split(' ');
  if (r.status !== 0 || !abi) return [`could not run ${nodePath} to check its version.`];
  if (abi !== process.versions.modules) {
    if (builtinSqlite === '1') return [`${nodePath} is Node ${version}: the bundled SQLite addon (ABI ${process.versions.modules}) does not fit it, so the relay will use Node's built-in node:sqlite there.`];
    throw new TincanError('bad-request', `${nodePath} is Node ${version} (ABI ${abi}) without a usable node:sqlite, and this bundle's SQLite module is built for ${process.version} (ABI ${process.versions.modules}). Run \`tincan relay bundle\` with that Node (after \`npm rebuild better-sqlite3\` with it), pick a --node of the same major version, or use Node 22.13 or newer on the host.`);
  }
  return [];
}

function normalizeBasePath(p: string | undefined): string | null {
  if (p === undefined || p === '' || p === '/') return null;
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(p)) throw new TincanError('bad-request', `--base-path must be a URL path like /chat (got "${p}")`);
  return p.replace(/\/+$/, '');
}

function prepareOut(out: string, force: boolean): void {
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new TincanError('bad-request', `${out} exists and is not a folder; choose another --out.`);
    const names = readdirSync(out);
    if (names.length && !force) {
      throw new TincanError('bad-request', `${out} is not empty. Choose an empty folder, or pass --force to replace the bundle files in it (its data/ folder is kept).`);
    }
    for (const n of names) if (n !== 'data') rmSync(path.join(out, n), { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
}

/**
 * The SQLite module: better-sqlite3's JavaScript is inside relay.js (deploy/build-cgi.mjs); its
 * native addon goes beside it. Returns bytes.
 */
function copySqliteAddon(nativeFile: string, relayDir: string, root: string): number {
  copyFileSync(nativeFile, path.join(relayDir, 'better_sqlite3.node'));
  const license = path.join(root, 'node_modules', 'better-sqlite3', 'LICENSE');
  if (existsSync(license)) copyFileSync(license, path.join(relayDir, 'better-sqlite3.LICENSE'));
  return statSync(nativeFile).size;
}

/**
 * libsodium's addon from sodium-native's prebuilds for this platform (N-API: one file for every
 * Node version), opened by the CGI relay with process.dlopen. Returns bytes, 0 when there is none.
 */
function copySodiumAddon(relayDir: string, root: string): number {
  const pkg = path.join(root, 'node_modules', 'sodium-native');
  const file = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'sodium-native.node');
  if (!existsSync(file)) return 0;
  copyFileSync(file, path.join(relayDir, 'sodium-native.node'));
  if (existsSync(path.join(pkg, 'LICENSE'))) copyFileSync(path.join(pkg, 'LICENSE'), path.join(relayDir, 'sodium-native.LICENSE'));
  return statSync(file).size;
}

/** Copies files for which keep(relativePath) holds; returns the bytes copied. */
function copyTree(src: string, dest: string, keep: (rel: string) => boolean, rel = ''): number {
  let bytes = 0;
  for (const name of readdirSync(path.join(src, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    const full = path.join(src, r);
    const st = statSync(full);
    if (st.isDirectory()) {
      bytes += copyTree(src, dest, keep, r);
    } else if (keep(r)) {
      mkdirSync(path.dirname(path.join(dest, r)), { recursive: true });
      copyFileSync(full, path.join(dest, r));
      bytes += st.size;
    }
  }
  return bytes;
}

/** 755 for folders, 644 for files (index.cgi is set to 755 afterwards). */
function fixModes(dir: string): void {
  chmodSync(dir, DIR);
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) fixModes(full);
    else chmodSync(full, FILE);
  }
}

/** deploy/check.html with its Content-Security-Policy pinned to the hash of its one script. */
function checkPage(file: string): string {
  const html = readFileSync(file, 'utf8');
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (script === undefined) throw new TincanError('internal', `${file} has no inline script`);
  return html.replace('sha256-PLACEHOLDER', `sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}`);
}

function placeholderIndex(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Tincan relay</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;line-height:1.5">
<h1>Tincan relay</h1>
<p>This relay is running, but the web client was not built into this bundle.
Use the command line (<code>tincan</code>) with this relay, or make the bundle again after
<code>npm run build</code> so that the web client is included.</p>
<p><a href="check.html">Check this host</a> · <a href="v1/info">Relay information</a>
(if that link answers 404, the host does not allow rewriting: use
<a href="index.cgi/v1/info">index.cgi/v1/info</a>).</p>
</body></html>
`;
}
