#!/usr/bin/env bash
# `npm run test:broker`: runs the RabbitMQ end-to-end test (test/e2e/broker/vitest.broker.config.ts) and, whatever
# happens to it, stops every process it started (RabbitMQ, its epmd, workerd) by the PIDs it
# recorded. Arguments go to vitest (e.g. --reporter=json --outputFile.json=FILE).
set -uo pipefail
cd "$(dirname "$0")/../../.."

# One temp dir for the whole run (RabbitMQ's data and logs, the Worker build, D1/KV state), removed
# at the end even when Node could not clean up after itself.
. test/e2e/pids.sh
e2e_pids broker

npx vitest run --config test/e2e/broker/vitest.broker.config.ts "$@"
