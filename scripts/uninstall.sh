#!/usr/bin/env bash
# Undo scripts/install.sh: remove the browser registrations optguard install wrote, then the
# installed binary. The ledger and its key stay unless --purge (which asks, or needs --yes).
#
#   scripts/uninstall.sh [--system] [--purge [--yes]] [--prefix DIR]
set -euo pipefail
SYSTEM=0
PREFIX=""
PASS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --system) SYSTEM=1 ;;
    --purge|--yes) PASS+=("$1") ;;
    --prefix) PREFIX="$2"; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then echo "(asking sudo for: $*)"; sudo "$@"
  else echo "uninstall.sh: '$*' needs root and sudo is not installed; run it as root" >&2; return 1
  fi
}
if [[ -n "$PREFIX" ]]; then BIN_DIR="$PREFIX/bin"
elif [[ $SYSTEM -eq 1 ]]; then BIN_DIR=/usr/local/bin
else BIN_DIR="$HOME/.local/bin"
fi
OPTGUARD="$BIN_DIR/optguard"
if [[ ! -x "$OPTGUARD" ]]; then
  echo "uninstall.sh: $OPTGUARD is not there: nothing to undo (or pass the same --system/--prefix as install.sh)" >&2
  exit 1
fi
# Registrations first (the binary knows what it wrote), the binary last.
if [[ $SYSTEM -eq 1 ]]; then
  as_root "$OPTGUARD" uninstall ${PASS[@]+"${PASS[@]}"}
  as_root rm -f "$OPTGUARD"
else
  "$OPTGUARD" uninstall ${PASS[@]+"${PASS[@]}"}
  rm -f "$OPTGUARD"
fi
echo "removed $OPTGUARD"
