#!/usr/bin/env bash
# Installs what gomap needs on Debian 12 (as root, or through sudo).
# Why each: cmocka (test framework), xxhash (seeded hash, header-inlined),
# liburcu (grace periods for the sync map), systemtap-sdt-dev (USDT probes),
# gnuplot (benchmark plots); the rest are the benchmark's peers: Go 1.19,
# Concurrency Kit, oneTBB, libcuckoo, Abseil, GLib.
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
pkgs=(build-essential cmake pkg-config clang
      libcmocka-dev libxxhash-dev liburcu-dev systemtap-sdt-dev
      gnuplot-nox golang-1.19-go libck-dev libtbb-dev libcuckoo-dev
      libabsl-dev libglib2.0-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup-deps: all dependencies present"
