"""An app server's log is deleted when it stops after a clean run, kept when the app died
by itself or a test asked to keep it (a failed run)."""

from __future__ import annotations

import sys

import pytest

from harness import AppServer

pytestmark = pytest.mark.integration

APP = [
    sys.executable,
    "-c",
    "import http.server, sys\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        self.send_response(200); self.end_headers(); self.wfile.write(b'ok')\n"
    "print('serving', flush=True)\n"
    "http.server.HTTPServer(('127.0.0.1', {port}), H).serve_forever()\n",
]


def app() -> AppServer:
    argv = [*APP[:2], APP[2].replace("{port}", "int(sys.argv[1])"), "{port}"]
    return AppServer("log-test", argv, {})


def test_a_clean_stop_deletes_the_log() -> None:
    with app() as server:
        path = server.log_path
        assert path.exists()
    assert not path.exists()


def test_a_kept_log_stays_for_people_to_read() -> None:
    with app() as server:
        server.keep_log = True
        path = server.log_path
    try:
        assert "serving" in path.read_text()
    finally:
        path.unlink()
