#!/usr/bin/env bash
# End-to-end suites. Needs Debian's apache2, lighttpd, php-cgi and chromium (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
unset NODE_EXTRA_CA_CERTS
npm run build --silent
exec npx vitest run --config tests/e2e/vitest.config.ts "$@"
