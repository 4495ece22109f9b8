#!/bin/sh
# tests/diag/check_probes.sh LIB SRCDIR - every probe that the library
# sources place (GOMAP_PROBE_<NAME>(...) in SRCDIR/*.c) must be listed as a
# USDT probe "gomap:<name>" in LIB's ELF notes. Exit 77 (skip) without readelf.
set -eu
lib=$1 src=$2
command -v readelf >/dev/null 2>&1 || { echo "readelf not found: skipped"; exit 77; }
notes=$(readelf -n "$lib")
echo "$notes" | grep -q 'Provider: gomap' || { echo "no gomap USDT probes in $lib"; exit 1; }
status=0 checked=0
for macro in GROW_START GROW_END EVACUATE OP LOCK_WAIT CHAN_BATCH GRACE_PERIOD MISUSE; do
  name=$(echo "$macro" | tr 'A-Z' 'a-z')
  if grep -q "GOMAP_PROBE_${macro}(" "$src"/*.c; then
    checked=$((checked + 1))
    if echo "$notes" | grep -q "Name: ${name}\$"; then
      echo "ok: gomap:${name}"
    else
      echo "MISSING: gomap:${name} is placed in the sources but not in $lib"; status=1
    fi
  else
    echo "not placed in the sources yet: gomap:${name}"
  fi
done
[ "$checked" -ge 5 ] || { echo "expected at least 5 placed probes, found $checked"; status=1; }
exit $status
