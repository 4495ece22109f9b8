#!/usr/bin/env bash
# Fuzzing: builds the libFuzzer targets of tests/fuzz with clang (ASan and
# UBSan, internal checks at level 2), fuzzes each one for a bounded time
# starting from its seed corpus, then replays the seed corpus once more.
#
# Usage: tools/fuzz.sh [SECONDS]   seconds per target (default 60, or
#                                  $GOMAP_FUZZ_SECONDS)
#   GOMAP_FUZZ_TARGETS="fuzz_map fuzz_cmap"   the targets to run
#   GOMAP_FUZZ_JOBS=N     targets fuzzed at once (default: CPUs, at most 2)
#   GOMAP_FUZZ_FLAGS=...  more libFuzzer flags (e.g. -seed=1)
#   GOMAP_FUZZ_CFLAGS=... more compiler flags (e.g. -O1)
#
# New inputs go to build-fuzz/corpus/<target>/, never into the tree. A
# failure leaves its input in build-fuzz/artifacts/<target>/; to keep it:
#   build-fuzz/tests/fuzz/<target>_fuzzer -minimize_crash=1 \
#       -exact_artifact_path=min.bin -max_total_time=60 <crash file>
#   FZ_TRACE=1 build-fuzz/tests/fuzz/<target>_replay min.bin   (its steps)
# then fix the library (or report it) and add min.bin to
# tests/fuzz/corpus/<target>/ so every test configuration replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-${GOMAP_FUZZ_SECONDS:-60}}
targets=(${GOMAP_FUZZ_TARGETS:-fuzz_map fuzz_cmap})
jobs=${GOMAP_FUZZ_JOBS:-$(nproc)}
[ "$jobs" -le 2 ] || jobs=2
dir=build-fuzz
command -v clang >/dev/null || { echo "fuzz: clang not found"; exit 2; }

echo "=== fuzz: configure and build ($dir)"
cmake -S . -B "$dir" -DGOMAP_BUILD_BENCH=OFF -DGOMAP_BUILD_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOMAP_DEBUG_LEVEL=2 \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DGOMAP_SANITIZE=address,undefined \
  -DCMAKE_C_FLAGS="${GOMAP_FUZZ_CFLAGS:-}" >/dev/null
build=()
for t in "${targets[@]}"; do build+=("${t}_fuzzer" "${t}_replay"); done
cmake --build "$dir" -j"$(nproc)" --target "${build[@]}" >/dev/null

# A GOMAP_DEBUG from the caller's environment must not change the results.
export GOMAP_DEBUG=
status=0
fuzz_one() {
  local t=$1 log=$dir/logs/$1.log
  mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t" "$dir/logs"
  if "$dir/tests/fuzz/${t}_fuzzer" -max_total_time="$secs" -max_len=2048 \
      -len_control=0 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$dir/artifacts/$t/" ${GOMAP_FUZZ_FLAGS:-} \
      "$dir/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    echo "--- $t: $(grep -E '^stat::(number_of_executed_units|new_units_added)' "$log" | tr '\n' ' ')"
  else
    echo "--- $t: FAILED (log: $log, input: $dir/artifacts/$t/)"
    grep -E 'CHECK FAILED|ERROR: |SUMMARY: |fatal error' "$log" | head -20 || true
    return 1
  fi
}

echo "=== fuzz: ${secs} s per target: ${targets[*]}"
pids=()
for t in "${targets[@]}"; do
  fuzz_one "$t" & pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done

echo "=== fuzz: replay the seed corpus"
regex=$(printf '|fuzz\\.%s\\.replay' "${targets[@]#fuzz_}")  # fuzz_map: fuzz.map.replay
ctest --test-dir "$dir" -R "^(${regex:1})\$" --output-on-failure || status=1
exit $status
