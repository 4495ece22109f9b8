#!/usr/bin/env bash
# Builds gomap in Release mode with the benchmark and its peers, then runs
# `gomap bench` with the given arguments (none: the seed article's
# experiment). Run tools/setup-deps.sh first on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DGOMAP_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
exec build-bench/tools/gomap bench "$@"
