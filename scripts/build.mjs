// Builds what users run: the CLI (dist/cli/), the web client (dist/web/) and the CGI relay bundle
// (dist/cgi/). Runs on `npm install` (the `prepare` script) so `npx tincan` works right after install.
// Each target is skipped with a note while its entry file does not exist yet.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const at = (p) => path.join(root, p);
const only = process.argv[2];

const targets = {
  cli: async () => {
    // The whole CLI as one CommonJS bundle, run by a launcher (client-cli/launch.cjs → main.js)
    // through a V8 code cache: a fresh `tincan send` then skips most parse/compile work. Pure-JS
    // packages it needs (zod, commander, libsodium, better-sqlite3's JavaScript) are bundled too
    // (resolving them from node_modules file by file costs more); native modules and what only
    // some commands load (QR codes, ws, Argon2id) stay external.
    const { copyFileSync, readFileSync, rmSync, writeFileSync, mkdirSync } = await import('node:fs');
    rmSync(at('dist/cli'), { recursive: true, force: true });
    mkdirSync(at('dist/cli'), { recursive: true });
    // libsodium carries its WebAssembly as base64 inside its JavaScript and decodes it in JS on every
    // start (~9 ms of a fresh `tincan send`). The build writes the binary beside the bundle and lets
    // the launcher hand it to libsodium through Emscripten's `instantiateWasm` hook (set from
    // globalThis.__tincanSodiumInstantiate); if libsodium's code ever stops matching, nothing is
    // patched and libsodium decodes it itself as before.
    const sodiumPatch = {
      name: 'libsodium-wasm-file',
      setup(b) {
        // commander requires child_process (and with it dgram, net sockets...) at load, only to spawn
        // executable subcommands, which tincan has none of: load it on first use instead.
        b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
          const code = readFileSync(args.path, 'utf8');
          const line = "const childProcess = require('node:child_process');";
          if (!code.includes(line)) return undefined;
          return { contents: code.replace(line, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: 'js' };
        });
        b.onLoad({ filter: /[\\/]libsodium[\\/]dist[\\/]modules-esm[\\/]libsodium\.mjs$/ }, (args) => {
          const code = readFileSync(args.path, 'utf8');
          const m = /\("(AGFzbQ[A-Za-z0-9+/]+=*)"\)/.exec(code);
          const hook = 'return g.instantiateWasm?';
          if (!m || code.split(hook).length !== 2) return undefined;
          writeFileSync(at('dist/cli/libsodium.wasm'), Buffer.from(m[1], 'base64'));
          // The base64 copy (296 KB) is then never used, but would be read with the bundle and, as a
          // constant of a compiled function, copied into every V8 code cache and read back each start.
          const missing = "(()=>{throw new Error('libsodium.wasm is missing beside the tincan bundle: run `npm run build`')})()";
          return {
            contents: code.replace(`"${m[1]}"`, missing).replace(hook, 'return (g.instantiateWasm??=globalThis.__tincanSodiumInstantiate)?'),
            loader: 'js',
          };
        });
      },
    };
    await build({
      entryPoints: [at('client-cli/main.ts')],
      outfile: at('dist/cli/tincan.cjs'),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      // better-sqlite3's JavaScript is bundled (client-cli/sqlite-binding.ts names its native module);
      // `bindings`, which it needs only without that name, is not.
      external: ['bindings', 'libsodium-wrappers-sumo', 'qrcode', 'ws', 'express'],
      define: { 'import.meta.url': '__tincanModuleUrl' },
      // import() becomes require() (see launch.mjs: an ES module is imported via __tincanImport).
      supported: { 'dynamic-import': false },
      plugins: [sodiumPatch],
      banner: { js: "const __tincanModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
      sourcemap: 'linked',
      logLevel: 'warning',
    });
    copyFileSync(at('client-cli/launch.cjs'), at('dist/cli/main.js'));
    // CommonJS like bin/tincan.js (see there): the package itself is "type": "module".
    writeFileSync(at('dist/cli/package.json'), '{ "type": "commonjs" }\n');
  },
  relay: async () => {
    await build({
      entryPoints: [at('server/main-standalone.ts')],
      outdir: at('dist/relay'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      logLevel: 'warning',
    });
  },
  web: async () => {
    const { buildWeb } = await import(at('client-web/build.mjs'));
    await buildWeb({ root, outdir: at('dist/web') });
  },
  cgi: async () => {
    const { buildCgi } = await import(at('deploy/build-cgi.mjs'));
    await buildCgi({ root, outdir: at('dist/cgi') });
  },
};
const entries = { cli: 'client-cli/main.ts', relay: 'server/main-standalone.ts', web: 'client-web/build.mjs', cgi: 'deploy/build-cgi.mjs' };

for (const [name, run] of Object.entries(targets)) {
  if (only && only !== name) continue;
  if (!existsSync(at(entries[name]))) {
    console.error(`build: skipping ${name} (${entries[name]} not present)`);
    continue;
  }
  const started = Date.now();
  await run();
  console.error(`build: ${name} ready in ${Date.now() - started} ms`);
}
