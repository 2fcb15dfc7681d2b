// Test-only: runs a standalone relay in its own process (so a test can SIGKILL it).
// Args: dataDir port ownerB64 [limitsJson] [crypto: sodium-native | node:crypto]. Prints the URL as one line when listening.
import { fromBase64Url } from '../../protocol/encoding.ts';
import { startStandaloneRelay } from '../main-standalone.ts';

const [dataDir, port, owner, limits, crypto] = process.argv.slice(2);
const relay = await startStandaloneRelay({ dataDir: dataDir!, port: Number(port), owner: fromBase64Url(owner!), ...(limits ? { limits: JSON.parse(limits) } : {}), ...(crypto === 'node:crypto' ? { crypto } : {}), log: { info() {}, warn() {}, error: (m, f) => console.error(m, f) } });
console.log(relay.url);
process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
