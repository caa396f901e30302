#!/usr/bin/env bash
# Build optguard, install it and register it with every browser found.
#
#   scripts/install.sh [--system] [--launch] [--no-deps] [--prefix DIR]
#
#   1. installs the missing Debian build packages (apt-get; through sudo when not root)
#   2. builds the release binary (cmake --preset release, in build/install)
#   3. installs it as ~/.local/bin/optguard (--system: /usr/local/bin/optguard)
#   4. runs `optguard install` (--system: for all users) for every browser found
#   5. builds the extension's rulesets (optguard compile-dnr --out extension/rulesets)
#   6. says where the unpacked extension is and how to load it in each browser
#   --launch then opens Chromium with the extension in a fresh profile on a local demo page
#   (scripts/demo/launch.sh; headless with a printed summary when there is no display).
# Undo: scripts/uninstall.sh (same --system).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SYSTEM=0
LAUNCH=0
DEPS=1
PREFIX=""
JOBS="${JOBS:-2}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --system) SYSTEM=1 ;;
    --launch) LAUNCH=1 ;;
    --no-deps) DEPS=0 ;;
    --prefix) PREFIX="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then echo "(asking sudo for: $*)"; sudo "$@"
  else echo "install.sh: '$*' needs root and sudo is not installed; run it as root" >&2; return 1
  fi
}

# 1. Build dependencies: the Debian packages CMakeLists.txt finds.
PACKAGES=(cmake ninja-build g++ pkg-config nlohmann-json3-dev libsimdjson-dev libcli11-dev libsqlite3-dev libsodium-dev
          libpsl-dev python3)
if [[ $DEPS -eq 1 ]]; then
  say "Checking build packages"
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "Installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "All present: ${PACKAGES[*]}"
  fi
fi

# 2. Release build of the one binary.
say "Building optguard (release)"
cd "$ROOT"
# The release preset in its own folder, without the test suites, and without
# warnings-as-errors: a newer or older compiler's new warning must not stop an install
# (the developer builds keep -Werror).
BUILD_DIR="$ROOT/build/install"
cmake --preset release -B "$BUILD_DIR" -DOPTGUARD_TESTS=OFF -DOPTGUARD_WERROR=OFF >/dev/null
cmake --build "$BUILD_DIR" --target optguard -j "$JOBS"
BUILT="$BUILD_DIR/host/app/optguard"

# 3. Install the binary.
if [[ -n "$PREFIX" ]]; then BIN_DIR="$PREFIX/bin"
elif [[ $SYSTEM -eq 1 ]]; then BIN_DIR=/usr/local/bin
else BIN_DIR="$HOME/.local/bin"
fi
say "Installing $BIN_DIR/optguard"
if [[ $SYSTEM -eq 1 && $(id -u) -ne 0 ]]; then
  as_root install -D -m 755 "$BUILT" "$BIN_DIR/optguard"
else
  install -D -m 755 "$BUILT" "$BIN_DIR/optguard"
fi
OPTGUARD="$BIN_DIR/optguard"
"$OPTGUARD" version
case ":$PATH:" in
  *":$BIN_DIR:"*) ;;
  *) echo "Note: $BIN_DIR is not on your PATH; add it (e.g. in ~/.profile: export PATH=\"$BIN_DIR:\$PATH\")." ;;
esac

# 4. Register with every browser found.
say "Registering the native-messaging host with your browsers"
if [[ $SYSTEM -eq 1 ]]; then
  as_root "$OPTGUARD" install --system || echo "(optguard install --system failed: see above)"
else
  "$OPTGUARD" install || echo "(no browser registered: install Chromium or Firefox, then run: $OPTGUARD install)"
fi

# 5. The extension's static rulesets from the filter lists.
say "Building the extension's rulesets"
if "$OPTGUARD" compile-dnr --help >/dev/null 2>&1; then
  "$OPTGUARD" compile-dnr --out "$ROOT/extension/rulesets"
else
  echo "This build has no compile-dnr yet: the extension's rulesets were not rebuilt."
fi

# 6. How to load the extension.
say "Load the extension"
cat <<EOF
The unpacked extension is: $ROOT/extension

  Chrome, Chromium, Edge, Brave, Vivaldi:
    open chrome://extensions (edge://extensions, brave://extensions, vivaldi:extensions),
    switch on "Developer mode", click "Load unpacked" and choose the folder above.
    Its id is ckibindkepepohdlpkclkigoglaakafn (fixed by the "key" in its manifest), the id
    the host manifests allow.
  Firefox (ESR or release):
    open about:debugging#/runtime/this-firefox, click "Load Temporary Add-on…" and choose
    $ROOT/extension/manifest.json. A temporary add-on is removed when Firefox closes;
    release Firefox only installs add-ons signed by Mozilla for good, while Firefox ESR,
    Developer Edition and Nightly can keep an unsigned one with xpinstall.signatures.required
    set to false in about:config.

Check everything: $OPTGUARD doctor
EOF
"$OPTGUARD" doctor || echo "(optguard doctor found something to fix: see above)"

if [[ $LAUNCH -eq 1 ]]; then
  say "Launching the demo"
  exec "$ROOT/scripts/demo/launch.sh" --optguard "$OPTGUARD"
else
  echo
  echo "See it work: scripts/install.sh --launch (or scripts/demo/launch.sh)"
fi
