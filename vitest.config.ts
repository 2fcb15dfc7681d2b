import { defineConfig } from 'vitest/config';

// The fast default suite (`npm test`). End-to-end suites (real Apache, Chromium, many processes)
// live under tests/e2e/ and run with `npm run test:e2e`, which CI runs too.
export default defineConfig({
  test: {
    include: ['protocol/**/*.test.ts', 'server/**/*.test.ts', 'client-cli/**/*.test.ts', 'client-web/**/*.test.ts', 'deploy/**/*.test.ts', 'tests/*.test.ts', 'tests/unit/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'tests/e2e/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
