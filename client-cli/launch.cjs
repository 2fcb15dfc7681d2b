// The CLI's launcher, copied by scripts/build.mjs to dist/cli/main.js (what bin/tincan.js loads).
// CommonJS, like bin/tincan.js (the build marks dist/cli as such): an ES module anywhere on the way
// starts Node's ES module loader, ~8 ms of CPU a fresh process (a third of `node -e 0`).
// It runs dist/cli/tincan.cjs (the whole CLI, one esbuild bundle) through a V8 code cache, so that a
// fresh `tincan send` skips most parsing and compiling (~25 ms of CPU): the first run of a build
// compiles and, at exit, writes the cache (temp file + rename, so concurrent processes may race);
// later runs reuse it. The cache is named after the Node version, the bundle's size and mtime and the command,
// and V8 itself rejects one that does not fit, which is then rewritten. It lives beside the bundle,
// or under $XDG_CACHE_HOME/tincan (~/.cache/tincan) when the install folder is read-only. Without
// any writable place the CLI works the same, only slower.
const { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

const dir = __dirname;
const bundleFile = path.join(dir, 'tincan.cjs');
const source = readFileSync(bundleFile, 'utf8');
const st = statSync(bundleFile);
// One cache per hot command: a cache holds the functions its first run compiled, so `send` reuses
// the crypto and HTTP code a `send` compiled, not what `init` did.
const command = ['send', 'read', 'sync', 'list', 'chat', 'watch'].includes(process.argv[2] ?? '') ? process.argv[2] : 'other';
const name = `${process.version}-${process.arch}-${st.size}-${Math.floor(st.mtimeMs)}-${command}.v8cache`;
const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
const places = [path.join(dir, '.cache'), path.join(xdg, 'tincan')];

let cachedData;
for (const p of places) {
  try {
    cachedData = readFileSync(path.join(p, name));
    break;
  } catch {
    /* not there */
  }
}
// libsodium's WebAssembly, written by the build as a file, instead of the base64 copy it would
// decode in JavaScript on every start (see scripts/build.mjs).
const wasmFile = path.join(dir, 'libsodium.wasm');
if (existsSync(wasmFile)) globalThis.__tincanSodiumInstantiate = (imports, done) => {
  WebAssembly.instantiate(readFileSync(wasmFile), imports).then(
    (r) => done(r.instance, r.module),
    (err) => process.stderr.write(`tincan: cannot load ${wasmFile} (${err.message}); reinstall or run \`npm run build\`\n`),
  );
  return {};
};

// The bundle has no import() of its own (code from a V8 cache loses its dynamic-import hook in
// Node 20): it require()s CommonJS packages and imports ES modules (the built relay) through this.
globalThis.__tincanImport = (specifier) => import(specifier);
const script = new vm.Script(Module.wrap(source), { filename: bundleFile, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  // Written at exit, so that it also holds the functions this run compiled lazily.
  process.once('exit', () => {
    const data = script.createCachedData();
    for (const p of places) {
      const tmp = path.join(p, `${name}.${process.pid}.tmp`);
      try {
        mkdirSync(p, { recursive: true });
        writeFileSync(tmp, data);
        renameSync(tmp, path.join(p, name));
        return;
      } catch {
        try {
          unlinkSync(tmp);
        } catch {
          /* nothing written */
        }
      }
    }
  });
}
const mod = new Module(bundleFile);
mod.filename = bundleFile;
mod.paths = Module._nodeModulePaths(dir);
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundleFile), mod, bundleFile, dir);
