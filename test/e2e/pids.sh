# Sourced by the service suites' run.sh: `e2e_pids NAME` makes a private temp dir and a PID file
# (exported as FLUXGATE_E2E_PIDFILE, where the harness records "<pid> <start time>" of every
# process it starts), and on exit stops each of those processes (TERM, then KILL) and removes the
# temp dir. A PID whose start time differs was reused by another process: left alone.
e2e_pids() {
  run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/fluxgate-$1-e2e.XXXXXX")"
  pidfile="$run_tmp/pids"
  : > "$pidfile"
  export FLUXGATE_E2E_PIDFILE="$pidfile" TMPDIR="$run_tmp"
  trap e2e_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

e2e_alive() { [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20)" = "$2" ]; }

e2e_cleanup() {
  local sig pid start left
  for sig in TERM KILL; do
    while read -r pid start; do
      if e2e_alive "$pid" "$start"; then kill "-$sig" -- "-$pid" 2>/dev/null || kill "-$sig" "$pid" 2>/dev/null; fi
    done < "$pidfile"
    [ "$sig" = TERM ] && for _ in $(seq 1 50); do
      left=0
      while read -r pid start; do e2e_alive "$pid" "$start" && left=1; done < "$pidfile"
      [ "$left" = 0 ] && break
      sleep 0.2
    done
  done
  rm -rf "$run_tmp"
}
