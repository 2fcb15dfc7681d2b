// Test-only CGI entry: bundled by tests into dist/test-cgi/ and spawned per request with the
// config path in TINCAN_CGI_CONFIG (the deploy bundle's index.cgi passes it explicitly instead).
import { runCgi } from '../main-cgi.ts';

await runCgi({ configPath: process.env['TINCAN_CGI_CONFIG'] ?? 'config.json' });
