#!/usr/bin/env bash
# Benchmarks: each prints its figures side by side with its peers (never a timed test).
#   scripts/bench.sh protocol   the host vs a bare frame echo over pipes (tests/bench/bench_pipes)
#   scripts/bench.sh            lists the benchmarks
# Builds the release preset first (figures from an optimised build only).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

build() {
  cmake --preset release >/dev/null
  cmake --build --preset release -j"${JOBS:-2}" --target "$@"
}

case "${1:-}" in
  protocol)
    shift
    build bench_pipes
    exec build/release/tests/bench/bench_pipes "$@"
    ;;
  *)
    echo "usage: scripts/bench.sh NAME [args]"
    echo "  protocol   messages/s and p50/p99 latency through 'optguard serve' vs a frame echo (--quick for a short run)"
    exit 2
    ;;
esac
