'use strict';
// Tincan relay: CGI entry (this file becomes index.cgi, behind a `#!/abs/path/to/node` shebang that
// `tincan relay bundle` writes, because suEXEC resets PATH). The web server starts one process per
// request; all configuration is in config.json beside this file (suEXEC strips env variables).
//
// It loads relay/relay.js (one esbuild bundle, CommonJS) through a V8 code cache kept in data/:
// the first request after an upload or a Node upgrade compiles the bundle and, at exit, writes the
// cache atomically (temp file + rename; many CGI processes may race); later requests skip most of
// the parse/compile work. A cache from another Node/V8 is rejected by V8 and rewritten.
//
// If the relay cannot even load (wrong Node version, SQLite module built for another ABI, missing
// file), this loader answers 500 with a JSON error that says what to do, instead of Apache's bare
// "Premature end of script headers".
const fs = require('fs');
const path = require('path');
const vm = require('vm');
// The CommonJS Module class, without `require('module')`: that public module loads the ES module
// and source map machinery too (~0.25 ms per request).
const Module = module.constructor;

const dir = __dirname;
const bundleFile = path.join(dir, 'relay', 'relay.js');
// One cache per Node build. V8 itself checks version and flags and rejects a cache that does not
// fit (cachedDataRejected), which is then rewritten. (Not v8.cachedDataVersionTag(): loading the
// v8 module costs 1-2 ms per request.)
const cacheFile = path.join(dir, 'data', `.v8-cache-${process.version}-${process.arch}.bin`);

function fail(message) {
  const body = JSON.stringify({ error: { code: 'internal', message } });
  const head = 'Status: 500 Internal Server Error\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nAccess-Control-Allow-Origin: *\r\n\r\n';
  try {
    fs.writeSync(1, head + body);
  } catch {
    /* the client is gone */
  }
  process.stderr.write(`tincan relay: ${message}\n`);
  process.exit(0);
}

// A browser opening the fallback base URL itself (`…/index.cgi` or `…/index.cgi/`, e.g. an invite
// link `…/index.cgi/#join=…` made from it) is sent to the folder, where the web client is; browsers
// keep the #fragment across the redirect. Answered here, before any relay code loads.
const pathInfo = process.env.PATH_INFO || '';
const method = process.env.REQUEST_METHOD || 'GET';
if ((method === 'GET' || method === 'HEAD') && (pathInfo === '' || pathInfo === '/')) {
  const folder = (process.env.SCRIPT_NAME || '/index.cgi').replace(/[^/]*$/, '');
  fs.writeSync(1, `Status: 302 Found\r\nLocation: ${folder}\r\nCache-Control: no-store\r\nContent-Type: text/plain\r\n\r\nThe web client is at ${folder}\n`);
  process.exit(0);
}

// The cache holds what the request that wrote it compiled. Each kind of API request (a fixed set:
// method and route) adds what it compiles, once, so the cache ends up covering every route whatever
// request came first after an upload; a marker file per kind records that it has.
const ROUTE = /^\/v1\/(info|check|claim|channels(\/[A-Za-z0-9_-]{22}(\/(envelopes|join|tokens|ack|members\/self))?)?)$/;
const kindMarker = /^(GET|POST|DELETE)$/.test(method) && ROUTE.test(pathInfo)
  ? `${cacheFile}.${method}${pathInfo.slice(3).replace(/\/channels\/[^/]+/, '/channels/c').replace(/\//g, '.')}`
  : null;

let relay;
try {
  const source = fs.readFileSync(bundleFile, 'utf8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundleFile, cachedData });
  if (cachedData === undefined || script.cachedDataRejected || (kindMarker !== null && !fs.existsSync(kindMarker))) {
    // Written after the request ran, so the cache also holds the functions it compiled lazily.
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        fs.renameSync(tmp, cacheFile);
        if (kindMarker !== null) fs.writeFileSync(kindMarker, '', { mode: 0o600 });
      } catch {
        try {
          fs.unlinkSync(tmp);
        } catch {
          /* data/ is not writable: /v1/check says so; the relay works without the cache */
        }
      }
    });
  }
  const mod = new Module(bundleFile, module);
  mod.filename = bundleFile;
  mod.paths = Module._nodeModulePaths(path.dirname(bundleFile));
  const wrapper = script.runInThisContext();
  wrapper.call(mod.exports, mod.exports, Module.createRequire(bundleFile), mod, bundleFile, path.dirname(bundleFile));
  relay = mod.exports;
} catch (e) {
  const abi = `Node ${process.version} (ABI ${process.versions.modules}, ${process.platform}-${process.arch})`;
  fail(`The relay could not start on ${abi}: ${e && e.message ? e.message : String(e)}. ` +
    'Make a bundle for this Node with `tincan relay bundle --node <path of node on the host>` (see UPLOAD.md).');
}

if (!relay || typeof relay.runCgi !== 'function') fail('relay/relay.js does not export runCgi; upload the whole bundle again.');
Promise.resolve()
  .then(() => relay.runCgi({ configPath: path.join(dir, 'config.json'), sodiumAddon: path.join(dir, 'relay', 'sodium-native.node') }))
  .catch((e) => fail(`Unexpected failure: ${e && e.message ? e.message : String(e)}`));
