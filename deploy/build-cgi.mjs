// Builds dist/cgi/, the pieces `tincan relay bundle` assembles into a folder to upload:
//   relay.js        the CGI relay (server/main-cgi.ts) as ONE esbuild bundle: CommonJS (loaded by the
//                   loader through vm.Script + a V8 code cache), minified (the code cache favours
//                   minified code), better-sqlite3 external (a native module shipped beside it).
//   cgi-loader.cjs  the body of index.cgi (deploy/cgi-loader.cjs; the bundle command adds the shebang).
//   meta.json       sizes and the modules that went in, for `tincan relay bundle` and the benchmark.
// Called by scripts/build.mjs (target `cgi`). Fails when express or ws reach the bundle: the CGI
// entry starts once per request, so its import graph is its latency.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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
    // Native (or built into newer Node): resolved at run time from relay/node_modules.
    external: ['better-sqlite3', 'node:sqlite'],
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
