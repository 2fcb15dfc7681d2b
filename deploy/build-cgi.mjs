// Builds dist/cgi/, the pieces `tincan relay bundle` assembles into a folder to upload:
//   relay.js        the CGI relay (server/main-cgi.ts) as ONE esbuild bundle: CommonJS (loaded by the
//                   loader through vm.Script + a V8 code cache), minified (the code cache favours
//                   minified code), better-sqlite3's JS included; its native addon
//                   (better_sqlite3.node) is copied beside relay.js by the bundle writer. Measured:
//                   loading better-sqlite3 from node_modules cost ~4 ms per request more than this.
//   cgi-loader.cjs  the body of index.cgi (deploy/cgi-loader.cjs; the bundle command adds the shebang).
//   meta.json       sizes and the modules that went in, for `tincan relay bundle` and the benchmark.
// Called by scripts/build.mjs (target `cgi`). Fails when express or ws reach the bundle: the CGI
// entry starts once per request, so its import graph is its latency.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * better-sqlite3 finds its addon through the `bindings` package, which searches a dozen folders and
 * reads a stack trace. In the bundle the addon has one place: beside relay.js.
 * @type {import('esbuild').Plugin}
 */
const bindingsStandIn = {
  name: 'tincan-bindings',
  setup(b) {
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'tincan-bindings' }));
    b.onLoad({ filter: /.*/, namespace: 'tincan-bindings' }, () => ({
      contents: "module.exports = function bindings() { return require(require('path').join(__dirname, 'better_sqlite3.node')); };",
      loader: 'js',
    }));
  },
};

/**
 * The relay imports `better-sqlite3`; in the CGI bundle that is deploy/sqlite-driver.cjs, which is
 * the real better-sqlite3 whenever its addon loads and falls back to Node's built-in node:sqlite
 * when it does not (a host on another Node major version).
 * @param {string} root
 * @returns {import('esbuild').Plugin}
 */
const sqliteDriver = (root) => ({
  name: 'tincan-sqlite-driver',
  setup(b) {
    const driver = path.join(root, 'deploy', 'sqlite-driver.cjs');
    b.onResolve({ filter: /^better-sqlite3$/ }, (args) => (args.importer === driver ? undefined : { path: driver }));
  },
});

/**
 * zod, set up on first use. A CGI process answers one request, and the common ones (a post whose
 * body is plainly valid, a fetch, a poll, /v1/info) never touch zod, whose module set-up alone
 * costs ~0.5 ms. So our `import * as z from 'zod/mini'` gets a stand-in whose properties load the
 * real zod — bundled, but initialized only when first required (esbuild defers the set-up of a
 * module that is reached through require()).
 * @param {string} root
 * @returns {import('esbuild').Plugin}
 */
const lazyZod = (root) => ({
  name: 'tincan-lazy-zod',
  setup(b) {
    b.onResolve({ filter: /^zod\/mini$/ }, (args) => (args.namespace === 'tincan-lazy-zod' ? undefined : { path: 'zod/mini', namespace: 'tincan-lazy-zod' }));
    // Only what our code calls (`z.name` in the relay's sources) is re-exported, so that the bundle
    // keeps just those parts of zod.
    b.onResolve({ filter: /^tincan-zod-used$/ }, () => ({ path: 'tincan-zod-used', namespace: 'tincan-lazy-zod' }));
    b.onLoad({ filter: /.*/, namespace: 'tincan-lazy-zod' }, async (args) => {
      const all = new Set(Object.keys(await import('zod/mini')));
      const used = new Set();
      // Every source file under protocol/ and server/, not only those the bundle takes today: a
      // name missed here would be undefined at run time.
      for (const dir of ['protocol', 'server']) {
        for (const f of readdirSync(path.join(root, dir), { recursive: true })) {
          if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
          for (const m of readFileSync(path.join(root, dir, f), 'utf8').matchAll(/\bz\.([A-Za-z]+)\b/g)) if (all.has(m[1])) used.add(m[1]);
        }
      }
      const names = [...used].sort();
      if (args.path === 'tincan-zod-used') return { contents: `export { ${names.join(', ')} } from 'zod/mini';`, loader: 'js', resolveDir: root };
      return {
        contents: `let real;
const load = () => real || (real = require('tincan-zod-used'));
for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
        loader: 'js',
        resolveDir: root,
      };
    });
  },
});

/**
 * @param {{ root: string, outdir: string }} opts root = the Tincan package folder.
 * @returns {Promise<{ relayBytes: number, inputs: string[] }>}
 */
export async function buildCgi({ root, outdir }) {
  mkdirSync(outdir, { recursive: true });
  const outfile = path.join(outdir, 'relay.js');
  const result = await build({
    entryPoints: [path.join(root, 'server/main-cgi.ts')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    // better-sqlite3's JavaScript goes into the bundle (and so into the V8 code cache); only its
    // native addon stays a file, relay/better_sqlite3.node, loaded by the `bindings` stand-in below.
    external: ['node:sqlite'],
    plugins: [bindingsStandIn, sqliteDriver(root), lazyZod(root)],
    metafile: true,
    logLevel: 'warning',
    banner: { js: '/* Tincan relay, CGI bundle (built by deploy/build-cgi.mjs) */' },
  });
  const inputs = Object.keys(result.metafile.inputs);
  const heavy = inputs.filter((f) => /node_modules\/(express|ws|body-parser|libsodium-wrappers)\//.test(f));
  const forbidden = heavy.filter((f) => /node_modules\/(express|ws|body-parser)\//.test(f));
  if (forbidden.length) throw new Error(`build-cgi: the CGI bundle must not contain express or ws, but it has:\n  ${forbidden.join('\n  ')}`);
  copyFileSync(path.join(root, 'deploy/cgi-loader.cjs'), path.join(outdir, 'cgi-loader.cjs'));
  const relayBytes = statSync(outfile).size;
  const packages = [...new Set(inputs.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter(Boolean))].sort();
  writeFileSync(
    path.join(outdir, 'meta.json'),
    JSON.stringify({ builtAt: new Date().toISOString(), relayBytes, packages, libsodium: heavy.length > 0 }, null, 2) + '\n',
  );
  return { relayBytes, inputs };
}
