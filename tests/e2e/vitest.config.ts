import { defineConfig } from 'vitest/config';

// Slow end-to-end suites: real Apache/lighttpd running the CGI bundle, real Chromium, real CLI
// processes against real relays. Run with `npm run test:e2e` (CI runs it after `npm test`).
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['tests/e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    // No retries: a failing journey is a finding. One that fails prints each page's timeline
    // (tests/e2e/support/trace.ts) to say where the time went.
    retry: 0,
  },
});
