#!/usr/bin/env python3
"""optguard demo server: one local server that plays a shop (demo-shop.test) and every
tracker its page calls. Chromium is started with --host-resolver-rules mapping every host
name here, so a tracking pixel that reaches this server was NOT blocked, and each request
shows whether the browser sent Sec-GPC: 1 and DNT: 1. The page asks /api/status to show
that live.

    python3 scripts/demo/server.py --port 8000   (then http://demo-shop.test:8000 through the mapping)
"""
import argparse
import json
import pathlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = pathlib.Path(__file__).resolve().parent
DEMO_HOST = "demo-shop.test"
# 1x1 transparent GIF, the classic tracking pixel.
GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")

LOCK = threading.Lock()
REQUESTS = []  # {time, host, path, gpc, dnt, kind}


def record(handler, kind):
    host = (handler.headers.get("Host") or "").split(":")[0]
    entry = {
        "time": time.time(),
        "host": host,
        "path": handler.path[:200],
        "gpc": handler.headers.get("Sec-GPC") == "1",
        "dnt": handler.headers.get("DNT") == "1",
        "kind": kind,
    }
    with LOCK:
        REQUESTS.append(entry)
        del REQUESTS[:-500]


class Handler(BaseHTTPRequestHandler):
    server_version = "optguard-demo/1"

    def log_message(self, fmt, *args):  # quiet: the page shows what matters
        pass

    def send(self, code, body, ctype, extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        self.do_GET()

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        path = self.path.split("?")[0]
        if host == DEMO_HOST or host in ("127.0.0.1", "localhost"):
            if path == "/api/status":
                with LOCK:
                    body = json.dumps({"requests": REQUESTS}).encode()
                return self.send(200, body, "application/json")
            if path == "/api/reset":
                with LOCK:
                    REQUESTS.clear()
                return self.send(200, b"{}", "application/json")
            if path == "/.well-known/gpc.json":
                record(self, "gpc.json")
                body = json.dumps({"gpc": True, "lastUpdate": "2026-01-01"}).encode()
                return self.send(200, body, "application/json")
            if path in ("/", "/index.html"):
                record(self, "page")
                return self.send(200, (HERE / "index.html").read_bytes(), "text/html; charset=utf-8")
            if path == "/pixels.json":
                return self.send(200, (HERE / "pixels.json").read_bytes(), "application/json")
            if path == "/demo.js":
                return self.send(200, (HERE / "demo.js").read_bytes(), "text/javascript")
            if path == "/logo.gif":
                record(self, "first-party image")
                return self.send(200, GIF, "image/gif")
            return self.send(404, b"not found", "text/plain")
        # Anything else is a tracker (or a CDN) the page called.
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 65536))
        record(self, "third party")
        if self.command == "POST":
            return self.send(204, b"", "text/plain", {"Access-Control-Allow-Origin": "*"})
        return self.send(200, GIF, "image/gif", {"Access-Control-Allow-Origin": "*"})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--bind", default="127.0.0.1")
    args = ap.parse_args()
    server = ThreadingHTTPServer((args.bind, args.port), Handler)
    print(f"optguard demo server on http://{args.bind}:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
