#!/bin/bash
# trace-runtime.sh: a runc-compatible runtime that records each call, runs the real one, and
# records how it ended. Registered in place of bin/stasis when STASIS_INTEGRATION_TRACE=1 (see
# daemons.sh): the daemons hand their environment to the shims, so STASIS_TRACE_LOG and
# STASIS_TRACE_RUNTIME reach every call. Per call: time, pid, parent, working directory, argv,
# stdio; then the exit code and, on failure, the tail of the runtime's --log file.
log=${STASIS_TRACE_LOG:?}
stdio=""
for fd in 0 1 2; do stdio="$stdio fd$fd=$(readlink "/proc/$$/fd/$fd")"; done
runtime_log=""
previous=""
for argument in "$@"; do
  [ "$previous" = "--log" ] && runtime_log=$argument
  previous=$argument
done
{
  printf '%s pid=%s ppid=%s cwd=%s\n  argv:' "$(date -u +%H:%M:%S.%N)" "$$" "$PPID" "$PWD"
  printf ' [%s]' "$@"
  printf '\n  stdio:%s\n' "$stdio"
} >> "$log"
"${STASIS_TRACE_RUNTIME:?}" "$@"
code=$?
{
  printf '%s pid=%s exit=%s\n' "$(date -u +%H:%M:%S.%N)" "$$" "$code"
  if [ "$code" -ne 0 ] && [ -n "$runtime_log" ] && [ -f "$runtime_log" ]; then
    tail -n 3 "$runtime_log" | sed 's/^/  log: /'
  fi
} >> "$log"
exit "$code"
