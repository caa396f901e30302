#!/usr/bin/env bash
# Runs libFuzzer targets for a bounded time.
#   scripts/fuzz.sh                      every fuzz_* in build/fuzz/tests/fuzz (20 s each)
#   scripts/fuzz.sh BINARY [SECONDS]     one target
# Build them first: cmake --preset fuzz && cmake --build --preset fuzz -j2 --target optguard_fuzzers
# Seeds come from tests/fuzz/corpus/<NAME>/ (NAME = the binary's name without fuzz_);
# new inputs go to build/fuzz/corpus-work/<NAME>/ (the repository's corpus stays as is),
# crashes to build/fuzz/artifacts/<NAME>/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

run_one() {
  local bin="$1" seconds="$2" name
  name="$(basename "$bin")"
  name="${name#fuzz_}"
  local seeds="$ROOT/tests/fuzz/corpus/$name" work="$ROOT/build/fuzz/corpus-work/$name"
  local artifacts="$ROOT/build/fuzz/artifacts/$name/"
  mkdir -p "$work" "$artifacts"
  local dirs=("$work")
  [[ -d "$seeds" ]] && dirs+=("$seeds")
  echo "fuzzing $(basename "$bin") for ${seconds}s (seeds: $seeds)"
  # -max_total_time bounds the run; -timeout catches a hang on one input.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "${dirs[@]}"
}

if [[ $# -ge 1 ]]; then
  run_one "$1" "${2:-20}"
else
  shopt -s nullglob
  bins=("$ROOT"/build/fuzz/tests/fuzz/fuzz_*)
  [[ ${#bins[@]} -gt 0 ]] || { echo "no fuzz targets: build the fuzz preset first" >&2; exit 1; }
  for b in "${bins[@]}"; do run_one "$b" "${FUZZ_SECONDS:-20}"; done
fi
