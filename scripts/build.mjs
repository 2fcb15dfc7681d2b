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
    await build({
      entryPoints: [at('client-cli/main.ts')],
      outdir: at('dist/cli'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Pure-JS packages a fresh `tincan send` needs (zod, commander, libsodium) are bundled into our
      // chunks: resolving and loading them from node_modules one file at a time costs it tens of ms.
      // The native module and what only some commands load (QR codes, ws, Argon2id) stay external.
      external: ['better-sqlite3', 'libsodium-wrappers-sumo', 'qrcode', 'ws', 'express'],
      // Bundled CommonJS (commander) calls require() for Node built-ins.
      banner: { js: "import { createRequire as __tincanCreateRequire } from 'node:module'; const require = __tincanCreateRequire(import.meta.url);" },
      sourcemap: 'linked',
      logLevel: 'warning',
    });
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
