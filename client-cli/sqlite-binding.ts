/**
 * Where better-sqlite3's native module is, so that opening a database skips the `bindings`
 * package's search of a dozen candidate paths (several ms of a fresh `tincan send`). Falls back to
 * that search when the module is not at its usual place (e.g. a custom build).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

let cached: string | null | undefined;

export function sqliteNativeBinding(): { nativeBinding?: string } {
  if (cached === undefined) {
    try {
      const main = createRequire(import.meta.url).resolve('better-sqlite3');
      const file = path.join(path.dirname(main), '..', 'build', 'Release', 'better_sqlite3.node');
      cached = existsSync(file) ? file : null;
    } catch {
      cached = null;
    }
  }
  return cached ? { nativeBinding: cached } : {};
}
