#!/usr/bin/env bash
# `npm run test:broker`: runs the RabbitMQ end-to-end test (test/e2e/broker/vitest.broker.config.ts) and, whatever
# happens to it, stops every process it started (RabbitMQ, its epmd, workerd) by the PIDs it
# recorded. Arguments go to vitest (e.g. --reporter=json --outputFile.json=FILE).
set -uo pipefail
cd "$(dirname "$0")/../../.."

# One temp dir for the whole run (RabbitMQ's data and logs, the Worker build, D1/KV state), removed
# at the end even when Node could not clean up after itself.
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/fluxgate-broker-e2e.XXXXXX")"
pidfile="$run_tmp/pids"
: > "$pidfile"
export FLUXGATE_E2E_PIDFILE="$pidfile" TMPDIR="$run_tmp"

# Each line is "<pid> <start time>"; a PID whose start time differs was reused: left alone.
alive() { [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20)" = "$2" ]; }
cleanup() {
  local sig pid start
  for sig in TERM KILL; do
    while read -r pid start; do
      if alive "$pid" "$start"; then kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null; fi
    done < "$pidfile"
    [ "$sig" = TERM ] && for _ in $(seq 1 50); do
      left=0
      while read -r pid start; do alive "$pid" "$start" && left=1; done < "$pidfile"
      [ "$left" = 0 ] && break
      sleep 0.2
    done
  done
  rm -rf "$run_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

npx vitest run --config test/e2e/broker/vitest.broker.config.ts "$@"
