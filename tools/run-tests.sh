#!/usr/bin/env bash
# The whole test suite: a plain build with internal checks, then the same
# tests under AddressSanitizer+UBSan and under ThreadSanitizer (clang), then
# a bounded libFuzzer run of tests/fuzz (tools/fuzz.sh; GOMAP_FUZZ_SECONDS
# per target, default 60).
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
    plain) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOMAP_DEBUG_LEVEL=2) ;;
    asan)  args=(-DCMAKE_BUILD_TYPE=Debug -DGOMAP_DEBUG_LEVEL=1 -DGOMAP_SANITIZE=address,undefined) ;;
    tsan)  args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DGOMAP_SANITIZE=thread) ;;
    *) echo "unknown config $cfg"; exit 2 ;;
  esac
  dir=build-test-$cfg
  echo "=== $cfg: configure and build ($dir)"
  cmake -S . -B "$dir" -DGOMAP_BUILD_BENCH=OFF "${args[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  echo "=== $cfg: ctest"
  export GOMAP_TEST_CONFIG=$cfg
  if ! ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 900; then status=1; fi
done
exit $status
