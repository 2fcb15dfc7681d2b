/**
 * Where better-sqlite3's native module is. The CLI bundle carries better-sqlite3's JavaScript
 * (scripts/build.mjs), so it must be told where the addon is; looking in the node_modules folders
 * above this file, as Node would, costs a few stat calls instead of the `bindings` package's search
 * of a dozen candidate paths (several ms of a fresh `tincan send`). Falls back to Node's own
 * resolution of better-sqlite3 when the module is not at its usual place (e.g. a custom build).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const addon = path.join('better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
let cached: string | null | undefined;

function find(): string | null {
  const here = fileURLToPath(import.meta.url);
  let dir = path.dirname(here);
  for (let i = 0; i < 8; i++) {
    if (path.basename(dir) !== 'node_modules') {
      const file = path.join(dir, 'node_modules', addon);
      if (existsSync(file)) return file;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  try {
    const main = createRequire(here).resolve('better-sqlite3');
    const file = path.join(path.dirname(main), '..', 'build', 'Release', 'better_sqlite3.node');
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

export function sqliteNativeBinding(): { nativeBinding?: string } {
  if (cached === undefined) cached = find();
  return cached ? { nativeBinding: cached } : {};
}
