#!/usr/bin/env bash
# The whole test suite: a plain build with internal checks, then the same
# tests under AddressSanitizer+UBSan and under ThreadSanitizer (clang), then
# a bounded libFuzzer run of tests/fuzz (tools/fuzz.sh; GOMAP_FUZZ_SECONDS
# per target, default 60).
# The three builds are CMakePresets.json's plain, asan and tsan presets.
# Usage: tools/run-tests.sh [plain|asan|tsan|fuzz ...]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
configs=("$@"); [ ${#configs[@]} -gt 0 ] || configs=(plain asan tsan fuzz)
status=0
for cfg in "${configs[@]}"; do
  if [ "$cfg" = fuzz ]; then
    bash tools/fuzz.sh || status=1
    continue
  fi
  case "$cfg" in
    plain|asan|tsan) ;;  # CMakePresets.json defines each
    *) echo "unknown config $cfg"; exit 2 ;;
  esac
  echo "=== $cfg: configure and build (cmake --preset $cfg)"
  cmake --preset "$cfg" >/dev/null
  cmake --build --preset "$cfg" -j"$jobs" >/dev/null
  echo "=== $cfg: ctest"
  export GOMAP_TEST_CONFIG=$cfg
  if ! ctest --preset "$cfg" -j"$jobs"; then status=1; fi
done
exit $status
