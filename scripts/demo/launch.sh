#!/usr/bin/env bash
# Starts Chromium with the optguard extension in a fresh profile on the local demo page,
# which shows live which tracking pixels were blocked and whether GPC was sent.
#
#   scripts/demo/launch.sh [--headless] [--seconds N] [--optguard PATH] [--without-extension]
#
# --without-extension shows the same page with no protection, for comparison.
#
# The profile gets its own NativeMessagingHosts/ (Chromium started with --user-data-dir reads
# only that one), written by `optguard install --chromium-user-data-dir`. Every host name
# resolves to the demo server (--host-resolver-rules), so nothing leaves the machine.
# Without a display (no $DISPLAY / $WAYLAND_DISPLAY) it runs headless for N seconds and
# prints what the page would show.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HEADLESS=0
NO_EXTENSION=0
SECONDS_HEADLESS=10
OPTGUARD="${OPTGUARD:-$(command -v optguard || true)}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --headless) HEADLESS=1 ;;
    --without-extension) NO_EXTENSION=1 ;;
    --seconds) SECONDS_HEADLESS="$2"; shift ;;
    --optguard) OPTGUARD="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "launch.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -x "$OPTGUARD" ]] || { echo "launch.sh: optguard not found: run scripts/install.sh first (or pass --optguard PATH)" >&2; exit 1; }
CHROMIUM=""
for c in /usr/lib/chromium/chromium chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then CHROMIUM="$(command -v "$c")"; break; fi
done
[[ -n "$CHROMIUM" ]] || { echo "launch.sh: no Chromium found: sudo apt-get install chromium" >&2; exit 1; }
[[ -f "$ROOT/extension/rulesets/tracking.json" ]] || \
  echo "launch.sh: note: extension/rulesets/ is missing; run: $OPTGUARD compile-dnr --out $ROOT/extension/rulesets" >&2
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && $HEADLESS -eq 0 ]]; then
  echo "No display found (\$DISPLAY and \$WAYLAND_DISPLAY are empty): running headless for ${SECONDS_HEADLESS} s."
  echo "To watch the page, run scripts/install.sh --launch from a desktop session."
  HEADLESS=1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/optguard-demo-XXXXXX")"
PROFILE="$WORK/profile"
mkdir -p "$PROFILE"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
python3 "$ROOT/scripts/demo/server.py" --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
CHROME_PID=""
cleanup() {
  if [[ -n "$CHROME_PID" ]]; then kill "$CHROME_PID" 2>/dev/null || true; fi
  kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
  # Chromium's helpers may still be writing the profile for a moment.
  for _ in 1 2 3 4 5; do rm -rf "$WORK" 2>/dev/null && break; sleep 0.5; done
}
trap cleanup EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/api/status')" 2>/dev/null && break
  sleep 0.1
done

"$OPTGUARD" install --chromium-user-data-dir "$PROFILE" >/dev/null

URL="http://demo-shop.test/"
ARGS=(--user-data-dir="$PROFILE" --no-first-run --no-default-browser-check
      --disable-component-update --disable-background-networking
      --host-resolver-rules="MAP * 127.0.0.1:$PORT")
[[ $NO_EXTENSION -eq 0 ]] && ARGS+=(--load-extension="$ROOT/extension")
[[ $(id -u) -eq 0 ]] && ARGS+=(--no-sandbox)
echo "Demo page: $URL (served by scripts/demo/server.py on 127.0.0.1:$PORT)"
echo "Profile:   $PROFILE (deleted when this script ends)"

if [[ $HEADLESS -eq 1 ]]; then
  "$CHROMIUM" --headless=new --disable-gpu "${ARGS[@]}" "$URL" >"$WORK/chromium.log" 2>&1 &
  CHROME_PID=$!
  sleep "$SECONDS_HEADLESS"
  python3 - "$PORT" "$ROOT/scripts/demo/pixels.json" <<'PY'
import json, sys, urllib.request
port = sys.argv[1]
reqs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status"))["requests"]
pages = [i for i, r in enumerate(reqs) if r["kind"] == "page"]
reqs = reqs[pages[-1]:] if pages else reqs
pixels = json.load(open(sys.argv[2]))
page = next((r for r in reqs if r["kind"] == "page"), None)
if page is None:
    print("The page was never requested: Chromium did not start (see the log above).")
    sys.exit(1)
def reached(p):
    return any(r["host"] == p["host"] and r["path"].startswith(p["url"].split("?")[0]) for r in reqs)
blocked = [p for p in pixels if not reached(p)]
print(f"{len(blocked)} of {len(pixels)} tracking pixels blocked · GPC {'sent' if page['gpc'] else 'NOT sent'} "
      f"(Sec-GPC: {'1' if page['gpc'] else 'absent'}, DNT: {'1' if page['dnt'] else 'absent'} on the page request)")
for p in pixels:
    print(f"  {'blocked' if p in blocked else 'REACHED'}  {p['what']} ({p['host']})")
PY
else
  echo "Close the browser window to end the demo."
  "$CHROMIUM" "${ARGS[@]}" "$URL" >"$WORK/chromium.log" 2>&1 &
  CHROME_PID=$!
  wait "$CHROME_PID" || true
  CHROME_PID=""
fi
