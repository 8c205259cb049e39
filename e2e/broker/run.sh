#!/usr/bin/env bash
# `npm run test:broker`: runs the RabbitMQ end-to-end test (vitest.broker.config.ts) and, whatever
# happens to it, stops every process it started (RabbitMQ, its epmd, workerd) by the PIDs it
# recorded. Arguments go to vitest (e.g. --reporter=json --outputFile.json=FILE).
set -uo pipefail
cd "$(dirname "$0")/../.."

pidfile="$(mktemp "${TMPDIR:-/tmp}/fluxgate-e2e-pids.XXXXXX")"
export FLUXGATE_E2E_PIDFILE="$pidfile"

# Each line is "<pid> <start time>"; a PID whose start time differs was reused: left alone.
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20)" = "$2" ]; }
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
  rm -f "$pidfile"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

npx vitest run --config vitest.broker.config.ts "$@"
