// `npm run bench`: runs every bench/*.bench.ts (or one: `npm run bench -- relay`) in its own
// process. Each prints its figures beside their targets and writes bench-results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const filter = process.argv[2];
const files = readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
mkdirSync(path.join(root, 'bench-results'), { recursive: true });
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // adds ~50 ms to every Node start; hosts do not set it
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('bench', f)], { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
console.log(`\nbench: ${files.length - failed} of ${files.length} benchmark files ran; results in bench-results/`);
process.exit(failed ? 1 : 0);
