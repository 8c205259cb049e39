#!/usr/bin/env bash
# `npm run test:console`: the console's browser tests (test/e2e/console/vitest.console.config.ts) in headless Debian
# Chromium (/usr/bin/chromium, driven by playwright-core; no browser is ever downloaded) against the
# Worker as `npm start` serves it (wrangler dev, static assets included). Installs the apt package
# chromium when it is missing and this runs as root; otherwise says what is missing and fails.
# Whatever happens, every process it started (wrangler, workerd, chromium) is stopped by the PIDs
# it recorded. Arguments go to vitest (e.g. --reporter=json --outputFile.json=FILE).
set -uo pipefail
cd "$(dirname "$0")/../../.."

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "console-e2e: installing chromium with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null ||
      { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; } ||
      { echo "console-e2e: apt-get could not install chromium"; exit 1; }
  else
    echo "console-e2e: /usr/bin/chromium is missing. Install the Debian package chromium (apt-get install chromium, as root) and re-run; the tests never download a browser."
    exit 1
  fi
fi

. test/e2e/pids.sh
e2e_pids console

node scripts/build-console.mjs || exit 1
npx vitest run --config test/e2e/console/vitest.console.config.ts "$@"
