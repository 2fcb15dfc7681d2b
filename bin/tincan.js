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
require(main);
