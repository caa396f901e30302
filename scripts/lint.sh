#!/usr/bin/env bash
# clang-format and clang-tidy (.clang-format, .clang-tidy at the root) on C++ files.
#   scripts/lint.sh              files changed against origin/main or HEAD (staged, unstaged, new)
#   scripts/lint.sh FILE...      those files
#   scripts/lint.sh --all        every C++ file under host/ and tests/
# clang-tidy needs compile_commands.json: BUILD_DIR (default build/debug, configured if
# missing). FIX=1 rewrites with clang-format -i instead of only checking.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build/debug}"

if [[ "${1:-}" == "--all" ]]; then
  mapfile -t files < <(git ls-files -co --exclude-standard -- 'host/*.cpp' 'host/*.hpp' 'tests/*.cpp' 'tests/*.hpp')
elif [[ $# -gt 0 ]]; then
  files=("$@")
else
  base=HEAD
  git rev-parse --verify -q origin/main >/dev/null && base="$(git merge-base HEAD origin/main)"
  mapfile -t files < <({ git diff --name-only "$base" -- 'host/*.cpp' 'host/*.hpp' 'tests/*.cpp' 'tests/*.hpp'
                         git ls-files -o --exclude-standard -- 'host/*.cpp' 'host/*.hpp' 'tests/*.cpp' 'tests/*.hpp'; } |
                       sort -u | while read -r f; do [[ -f "$f" ]] && echo "$f"; done)
fi
if [[ ${#files[@]} -eq 0 ]]; then
  echo "lint: no C++ files to check"
  exit 0
fi

status=0
if [[ "${FIX:-0}" == 1 ]]; then
  clang-format -i "${files[@]}"
else
  clang-format --dry-run -Werror "${files[@]}" || status=1
fi

if [[ ! -f "$BUILD_DIR/compile_commands.json" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
# clang-tidy checks translation units; headers are checked through them (HeaderFilterRegex).
sources=()
for f in "${files[@]}"; do [[ "$f" == *.cpp ]] && sources+=("$f"); done
if [[ ${#sources[@]} -gt 0 ]]; then
  # The GCC build's compile commands carry GCC-only options (-Wno-error=restrict, ...): clang-tidy
  # would report each as an unknown warning option, an error in every file.
  clang-tidy -p "$BUILD_DIR" --quiet --extra-arg=-Wno-unknown-warning-option "${sources[@]}" || status=1
fi
[[ $status -eq 0 ]] && echo "lint: ${#files[@]} files clean"
exit $status
