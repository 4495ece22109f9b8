#!/bin/sh
# tests/diag/check_cli.sh RC MUST MUSTNOT CMD [ARGS...] - run CMD, then pass
# only when it exits with status RC, its output (stdout and stderr) matches
# the extended regex MUST, and does not match MUSTNOT (empty: no check).
# For the command-line tool's error paths: ctest's PASS_REGULAR_EXPRESSION
# alone would ignore the exit status, and with it a sanitizer's report
# (LeakSanitizer exits 23 after the program's own output).
set -u
want_rc=$1 must=$2 mustnot=$3
shift 3
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
status=0
if [ "$rc" -ne "$want_rc" ]; then
  echo "check_cli: exit status $rc, want $want_rc"; status=1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$must"; then
  echo "check_cli: output does not match: $must"; status=1
fi
if [ -n "$mustnot" ] && printf '%s\n' "$out" | grep -Eq -- "$mustnot"; then
  echo "check_cli: output matches what it must not: $mustnot"; status=1
fi
exit $status
