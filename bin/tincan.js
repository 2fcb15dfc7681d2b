#!/usr/bin/env node
// The `tincan` command: loads the CLI bundle that `npm install` built (scripts/build.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('tincan: the CLI is not built yet. Run `npm install` (or `npm run build`) in the Tincan folder.\n');
  process.exit(70);
}
await import(main.href);
