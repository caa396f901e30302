#!/usr/bin/env bash
# Benchmarks: each prints its figures side by side with its peers (never a timed test).
#   scripts/bench.sh              lists the benchmarks (the README's list)
#   scripts/bench.sh NAME [args]  runs one; `all` runs every one in turn
# Builds the release preset first (figures from an optimised build only).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

build() {
  cmake --preset release >/dev/null
  cmake --build --preset release -j"${JOBS:-2}" --target "$@"
}

list() {
  cat <<'LIST'
usage: scripts/bench.sh NAME [args]     (use a quiet machine; figures from the release build)
  protocol   messages/s and p50/p99 latency through 'optguard serve' vs a bare frame echo
             over the same pipes, 100 B and 100 KiB requests   (tests/bench/bench_pipes; --quick)
  engines    filter matching: optguard vs uBlock Origin vs Ghostery on ../shared/data/requests.jsonl
             (node tests/bench/engines.mjs; --corpus FILE, --json)
  ledger     durable appends/s vs plain SQLite inserts, start, list/export/verify
             (optguard bench ledger; default --records 100000)
  pageload   a page with 200 tracker pixels with and without optguard in Chromium and Firefox,
             and the native round trip (node tests/e2e/bench-pageload.mjs)
  all        every one of the above in turn
LIST
}

run() {
  local name="$1"
  shift
  case "$name" in
    protocol)
      build bench_pipes
      build/release/tests/bench/bench_pipes "$@"
      ;;
    engines)
      build optguard
      node tests/bench/engines.mjs "$@"
      ;;
    ledger)
      build optguard
      if [[ $# -eq 0 ]]; then set -- --records 100000; fi
      build/release/host/app/optguard bench ledger "$@"
      ;;
    pageload)
      build optguard
      node tests/e2e/bench-pageload.mjs "$@"
      ;;
    *)
      echo "scripts/bench.sh: no benchmark named '$name'" >&2
      list >&2
      exit 2
      ;;
  esac
}

case "${1:-}" in
  "" | list | -h | --help)
    list
    ;;
  all)
    shift
    for b in protocol engines ledger pageload; do
      echo "== $b"
      run "$b"
    done
    ;;
  *)
    run "$@"
    ;;
esac
