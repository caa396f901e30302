#!/usr/bin/env bash
# The one test entry point (CI runs it through .ci/run). Builds and runs every suite:
#
#   format      clang-format check of host/ and tests/ (when clang-format is installed)
#   asan        ASan+UBSan build, every ctest suite (unit, integration, ...)
#   release     Release build (the binary the browser suites drive)
#   compile-dnr `optguard compile-dnr --out extension/rulesets` (when the subcommand exists)
#   node        node:test unit tests (tests/**/*.test.mjs, outside tests/e2e and tests/install)
#   e2e:*       real-browser suites (tests/e2e/*.e2e.mjs, tests/install/*.e2e.mjs), OPTGUARD_BIN set
#   fuzz:*      every fuzz_* target of the fuzz preset for a bounded time (when clang is installed)
#
# Ends with a per-suite summary and the line "N passed, N failed"; exits non-zero on any failure.
# Environment: JOBS (build parallelism, default 2), FUZZ_SECONDS (per target, default 20),
# SKIP (space-separated suite names to leave out, e.g. SKIP="fuzz e2e").
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JOBS="${JOBS:-2}"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
SKIP="${SKIP:-}"
LOG_DIR="$ROOT/build/test-logs"
mkdir -p "$LOG_DIR"

declare -a NAMES=() RESULTS=() TIMES=()
passed=0
failed=0
start_all=$SECONDS

skipped() {
  local name="$1" word
  for word in $SKIP; do
    [[ "$name" == "$word" || "$name" == "$word":* ]] && return 0
  done
  return 1
}

# suite NAME COMMAND...: runs one suite, logs to build/test-logs/NAME.log, records the result.
suite() {
  local name="$1"
  shift
  if skipped "$name"; then
    echo "=== $name: skipped (SKIP)"
    return 0
  fi
  local log="$LOG_DIR/${name//[:\/]/_}.log" t0=$SECONDS rc
  echo "=== $name: $*"
  "$@" >"$log" 2>&1
  rc=$?
  local dt=$((SECONDS - t0))
  NAMES+=("$name")
  TIMES+=("$dt")
  if [[ $rc -eq 0 ]]; then
    RESULTS+=("pass")
    passed=$((passed + 1))
    echo "--- $name: passed (${dt}s)"
  else
    RESULTS+=("FAIL (exit $rc)")
    failed=$((failed + 1))
    echo "--- $name: FAILED (exit $rc, ${dt}s); last lines of $log:"
    tail -n 40 "$log" | sed 's/^/    /'
  fi
  return $rc
}

build_preset() {
  cmake --preset "$1" && cmake --build --preset "$1" -j"$JOBS" "${@:2}"
}

format_check() {
  local files
  mapfile -t files < <(git ls-files -co --exclude-standard -- 'host/*.cpp' 'host/*.hpp' 'tests/*.cpp' 'tests/*.hpp')
  [[ ${#files[@]} -eq 0 ]] && return 0
  clang-format --dry-run -Werror "${files[@]}"
}

asan_tests() {
  build_preset asan || return 1
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    ctest --preset asan -j"$JOBS" --timeout 300
}

node_unit_tests() {
  local files
  mapfile -t files < <(find tests -name '*.test.mjs' -not -path 'tests/e2e/*' -not -path 'tests/install/*' \
    -not -path '*/node_modules/*' | sort)
  if [[ ${#files[@]} -eq 0 ]]; then
    echo "no node unit tests yet"
    return 0
  fi
  node --test --test-reporter=spec "${files[@]}"
}

OPTGUARD_BIN="$ROOT/build/release/host/app/optguard"
export OPTGUARD_BIN

if command -v clang-format >/dev/null; then
  suite format format_check
else
  echo "=== format: skipped (no clang-format)"
fi

suite asan asan_tests
release_ok=0
# The browser suites and the differential test drive only the binary; the unit tests were
# built and run under ASan above, so the release build skips them (saves minutes on 2 cores).
suite release build_preset release --target optguard && release_ok=1

# Before the node suite: its index-vs-scan test reads the generated rulesets.
if [[ $release_ok -eq 1 ]] && "$OPTGUARD_BIN" --help 2>/dev/null | grep -qE '^  compile-dnr\b'; then
  suite compile-dnr "$OPTGUARD_BIN" compile-dnr --out extension/rulesets
fi
suite node node_unit_tests

shopt -s nullglob
e2e_files=(tests/e2e/*.e2e.mjs tests/install/*.e2e.mjs)
shopt -u nullglob
for f in "${e2e_files[@]}"; do
  name="e2e:$(basename "$f" .e2e.mjs)"
  if [[ $release_ok -ne 1 ]]; then
    NAMES+=("$name"); RESULTS+=("FAIL (no release binary)"); TIMES+=(0); failed=$((failed + 1))
    continue
  fi
  suite "$name" node --test --test-reporter=spec --test-concurrency=1 "$f"
done

if command -v clang++ >/dev/null && ! skipped fuzz; then
  if suite fuzz-build build_preset fuzz --target optguard_fuzzers; then
    for bin in "$ROOT"/build/fuzz/tests/fuzz/fuzz_*; do
      [[ -x "$bin" && -f "$bin" ]] || continue
      suite "fuzz:$(basename "$bin")" scripts/fuzz.sh "$bin" "$FUZZ_SECONDS"
    done
  fi
else
  echo "=== fuzz: skipped (no clang++ or SKIP)"
fi

echo
echo "=== summary ($((SECONDS - start_all))s total; logs in $LOG_DIR)"
for i in "${!NAMES[@]}"; do
  printf '  %-28s %-20s %5ss\n' "${NAMES[$i]}" "${RESULTS[$i]}" "${TIMES[$i]}"
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
