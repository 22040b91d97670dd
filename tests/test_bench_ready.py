"""The bench's "ready s" (bench/peers.py ``Peer.wait_ready``) measures the server, not the poll interval."""
from __future__ import annotations

import subprocess
import sys
import time

from conftest import ROOT, free_port

sys.path.insert(0, str(ROOT))
from bench.peers import Peer  # noqa: E402  (bench/ is not part of the package)

# A server that listens LATE seconds after it starts, then answers every GET 200.
LATE = 0.32
SERVER = f"""
import http.server, sys, time
time.sleep({LATE})
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def test_ready_is_measured_within_a_fine_poll(tmp_path):
    port = free_port()
    peer = Peer("late", [sys.executable, "-c", SERVER, str(port)], "/sparql", port, tmp_path / "late.log")
    # The interpreter's own start, measured alike, is not the poll's doing.
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import http.server"], check=True)
    interpreter = time.monotonic() - started
    t0 = time.monotonic()
    peer.start()
    try:
        peer.wait_ready(30)
        ready = time.monotonic() - t0
    finally:
        peer.process.kill()
        peer.process.wait()
    assert LATE <= ready < LATE + interpreter + 0.1, \
        f"ready after {ready:.3f} s for a server listening {LATE} s (+ {interpreter:.3f} s to start Python) after start"
