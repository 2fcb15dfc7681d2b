#!/usr/bin/env node
// The `tincan` command: loads the CLI that `npm install` built (scripts/build.mjs). CommonJS
// (bin/package.json), as is dist/cli: an ES module entry would start Node's ES module loader, about
// a third of a bare `node -e 0` more for every command.
const { existsSync } = require('node:fs');
const path = require('node:path');
const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('tincan: the CLI is not built yet. Run `npm install` (or `npm run build`) in the Tincan folder.\n');
  process.exit(70);
}
try {
  require(main);
} catch (err) {
  // A build from before dist/cli was CommonJS (no dist/cli/package.json): its main.js is an ES
  // module, which Node before 20.19 cannot require.
  if (!err || err.code !== 'ERR_REQUIRE_ESM' || existsSync(path.join(path.dirname(main), 'package.json'))) throw err;
  process.stderr.write('tincan: the CLI build is out of date. Run `npm run build` in the Tincan folder.\n');
  process.exit(70);
}
