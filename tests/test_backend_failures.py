"""Failing parts: a remote backend that dies, comes back, is down at start-up, is slow or answers garbage.

Our service answers 502/503 with Retry-After and a problem body saying what happened, never a bare 500;
its own pages and documents, and /health ("degraded"), keep answering what they can; it recovers on its
own when the backend returns. A real ``oxigraph serve`` is killed and restarted; the misbehaving
backends are a small loopback HTTP server of this module's own (bounded: every wait ends).
"""
from __future__ import annotations

import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
import requests

from conftest import LiveServer, free_port, live_pids, process_group, wait_until
from test_remote import OXIGRAPH, Oxigraph, data_dir  # noqa: F401 (data_dir: a fixture)

pytestmark = [pytest.mark.live, pytest.mark.remote]

ASK = {"query": "ASK { ?s ?p ?o }"}
# Routes that never need the backend, and routes that do (each must answer, never 500).
OWN = ["/ontology", "/shapes", "/robots.txt", "/static/style.css", "/ontology/context.jsonld"]
ANY = ["/", "/sparql", "/sparql?query=ASK%7B%7D", "/dataset", "/sitemap.xml", "/dumps/", "/metrics",
       "/id/party/mexico", "/page/party/mexico", "/data/party/mexico.ttl"]


def problem(r: requests.Response, statuses=(502, 503)) -> dict:
    assert r.status_code in statuses, f"{r.url}: {r.status_code} {r.text[:300]}"
    assert r.headers.get("Retry-After", "").isdigit(), f"{r.url}: no Retry-After: {dict(r.headers)}"
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers["Content-Type"]
    body = r.json()
    assert body["status"] == r.status_code and body["request_id"] == r.headers["X-Request-Id"], body
    return body


# -- a real oxigraph serve, killed and restarted -------------------------------------------------------------
class RestartableOxigraph(Oxigraph):
    def __init__(self, location):
        self.location = location
        super().__init__(location)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def restart(self):
        """The same store on the same port, as an operator restarts it."""
        self.proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(self.location), "--bind",
                                      f"127.0.0.1:{self.port}", "--union-default-graph"],
                                     stdout=self.log, stderr=subprocess.STDOUT)


@pytest.fixture()
def restartable(tmp_path, data_dir):  # noqa: F811
    backend = RestartableOxigraph(tmp_path / "db")
    run = subprocess.run([sys.executable, "-m", "cec_kg", "load", "--backend", backend.endpoint, str(data_dir)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    yield backend
    backend.stop()


def test_backend_killed_then_restarted(start_server, restartable):
    server = start_server("--backend", restartable.endpoint, "--workers", "1", "--threads", "4", "--cache-mb", "0",
                          "--timeout", "3")
    for path in ["/", "/dataset", "/sparql"]:       # answered once while the backend is up (memoised)
        assert requests.get(server.url(path), timeout=30).status_code == 200, path
    assert requests.get(server.url("/sparql"), params=ASK, timeout=10).json()["boolean"] is True
    restartable.kill()
    try:
        r = requests.get(server.url("/sparql"), params=ASK, timeout=15)
        body = problem(r, (503,))
        assert restartable.endpoint in body["detail"] and "unreachable" in body["detail"], body
        h = requests.get(server.url("/health"), timeout=10)
        assert h.status_code == 200 and h.json()["status"] == "degraded" and h.json()["error"], h.text
        for path in OWN + ["/", "/dataset", "/sparql"]:     # what the service has, it still serves
            assert requests.get(server.url(path), timeout=15).status_code == 200, path
        for path in ANY:
            for accept in ("text/html", "application/json"):
                r = requests.get(server.url(path), headers={"Accept": accept}, timeout=15, allow_redirects=False)
                assert r.status_code < 500 or r.status_code in (502, 503), f"{path} ({accept}): {r.status_code}"
                if r.status_code >= 500:
                    assert r.headers.get("Retry-After"), f"{path}: {r.status_code} without Retry-After"
    finally:
        restartable.restart()
    # Recovery on its own: no restart of our service.
    assert wait_until(lambda: requests.get(server.url("/sparql"), params=ASK, timeout=10).status_code == 200, 30)
    assert wait_until(lambda: requests.get(server.url("/health"), timeout=10).json()["status"] == "ok", 10)
    assert requests.get(server.url("/sparql"), params=ASK, timeout=10).json()["boolean"] is True


def test_backend_down_at_start_up(start_server):
    """Nothing listens at the backend's address when we start: no bare 500 (the store's content hash
    needs the backend), then the backend appears and everything answers without a restart."""
    port = free_port()
    server = start_server("--backend", f"http://127.0.0.1:{port}/query", "--workers", "1", "--threads", "4",
                          "--cache-mb", "0")
    h = requests.get(server.url("/health"), timeout=10)
    assert h.status_code == 200 and h.json()["status"] == "degraded", h.text
    for params in (ASK, {}):
        problem(requests.get(server.url("/sparql"), params=params, timeout=15), (503,))
    page = requests.get(server.url("/sparql"), headers={"Accept": "text/html"}, timeout=15)    # the query form
    assert page.status_code == 503 and page.headers["Content-Type"].startswith("text/html"), page.status_code
    assert page.headers.get("Retry-After") and "unreachable" in page.text
    for path in OWN:
        assert requests.get(server.url(path), timeout=15).status_code == 200, path
    backend = FakeBackend(port=port)
    try:
        backend.mode = "ok"
        assert wait_until(lambda: requests.get(server.url("/sparql"), params=ASK, timeout=10).status_code == 200, 20)
        assert requests.get(server.url("/health"), timeout=10).json()["status"] == "ok"
    finally:
        backend.close()


# -- misbehaving backends -----------------------------------------------------------------------------------
OK_JSON = b'{"head":{},"boolean":true}'
COUNT_JSON = (b'{"head":{"vars":["n","g"]},"results":{"bindings":[{"n":{"type":"literal","value":"0",'
              b'"datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}')


class FakeBackend:
    """A loopback 'SPARQL server' that misbehaves as ``mode`` says (every sleep is bounded)."""

    def __init__(self, port: int = 0):
        self.mode = "ok"
        self.held = 0           # requests the "slow" mode has begun to hold, ever (earlier tests' may linger)
        self.stop = threading.Event()
        fake = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = self.request.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    body += self.request.recv(65536)
                target = head.split(b" ")[1]        # a GET's form is its query string, a POST's its body
                form = body if head.startswith(b"POST") else target.partition(b"?")[2]
                fake.answer(self.request, urllib.parse.unquote_plus(form.decode("latin-1")))

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, sock: socket.socket, form: str) -> None:
        def send(status: str, ctype: str, body: bytes):
            sock.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                         f"Connection: close\r\n\r\n".encode() + body)

        mode = self.mode
        if mode == "ok":
            send("200 OK", "application/sparql-results+json", OK_JSON if "ASK" in form else COUNT_JSON)
        elif mode == "slow":
            self.held += 1
            self.stop.wait(20)
            send("200 OK", "application/sparql-results+json", OK_JSON)
        elif mode == "drip":       # headers at once, then one byte every 0.3 s
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                         b"Content-Length: 400\r\nConnection: close\r\n\r\n")
            for _ in range(60):
                if self.stop.wait(0.3):
                    return
                try:
                    sock.sendall(b" ")
                except OSError:
                    return
        elif mode == "html":
            send("200 OK", "text/html", b"<html><body><h1>Proxy error: upstream said no</h1></body></html>")
        elif mode == "cut-json":
            send("200 OK", "application/sparql-results+json", b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":')
        elif mode == "500":
            send("500 Internal Server Error", "text/plain", b"internal kaboom in the store")
        elif mode == "503":
            send("503 Service Unavailable", "text/plain", b"overloaded, come back later")
        elif mode == "not-http":
            sock.sendall(b"HELLO, I AM NOT HTTP\r\n")

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def fake():
    backend = FakeBackend()
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def fronted(start_server, fake):
    return start_server("--backend", fake.endpoint, "--workers", "1", "--threads", "4", "--cache-mb", "0",
                        "--timeout", "2", "--max-timeout", "3")


@pytest.mark.parametrize("mode,status,words", [
    ("html", 502, ["text/html", "Proxy error: upstream said no"]),
    ("cut-json", 502, ["application/sparql-results+json", '{\\"head\\"', "bindings"]),
    ("500", 502, ["500", "internal kaboom in the store"]),
    ("503", 503, ["503", "overloaded"]),
    ("not-http", 502, ["HTTP"]),
])
def test_garbage_from_the_backend_is_a_502_naming_it(fronted, fake, mode, status, words):
    fake.mode = mode
    try:
        r = requests.get(fronted.url("/sparql"), params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} # {mode}"},
                         timeout=15)
        body = problem(r, (status,))
        for word in words:
            assert word in body["detail"] or word in r.text, f"{mode}: {word!r} not in {body['detail']!r}"
        assert fake.endpoint in body["detail"], body
    finally:
        fake.mode = "ok"
    assert requests.get(fronted.url("/sparql"), params=ASK, timeout=10).status_code == 200, "no recovery"


@pytest.mark.parametrize("mode", ["slow", "drip"])
def test_a_slow_backend_meets_our_timeout(fronted, fake, mode):
    fake.mode = mode
    try:
        started = time.monotonic()
        r = requests.get(fronted.url("/sparql"), params={"query": f"ASK {{ ?s ?p '{mode}' }}", "timeout": "2"},
                         timeout=30)
        seconds = time.monotonic() - started
        problem(r, (503, 504))
        assert seconds < 4.5, f"{mode}: answered after {seconds:.1f} s for a 2 s timeout"
        started = time.monotonic()
        h = requests.get(fronted.url("/health"), timeout=30)
        assert h.json()["status"] == "degraded" and time.monotonic() - started < 4, (h.text, time.monotonic() - started)
    finally:
        fake.mode = "ok"
    assert wait_until(lambda: requests.get(fronted.url("/health"), timeout=10).json()["status"] == "ok", 10)


def test_a_stop_answers_a_remote_query_still_running(fake):
    """SIGTERM while a remote query runs past the grace: its request is answered 503 (a problem with
    Retry-After), not cut off, and every process is gone within 10 s (issue 12, item 2)."""
    fake.mode = "ok"        # the start-up fingerprint asks the backend
    server = LiveServer("--backend", fake.endpoint, "--workers", "1", "--threads", "4", "--cache-mb", "0",
                        "--max-timeout", "30", new_session=True)
    try:
        pids = process_group(server.proc.pid)
        held = fake.held
        fake.mode = "slow"      # holds every answer for 20 s
        answer = {}

        def ask():
            try:
                r = requests.get(server.url("/sparql"), params={"query": "ASK { ?s ?p 'stop' }", "timeout": "25"},
                                 timeout=30)
                answer.update(status=r.status_code, retry=r.headers.get("Retry-After"),
                              ctype=r.headers.get("Content-Type"), text=r.text)
            except requests.RequestException as e:
                answer.update(error=repr(e))

        thread = threading.Thread(target=ask)
        thread.start()
        assert wait_until(lambda: fake.held > held, 10), "the query never reached the backend"
        started = time.monotonic()
        os.killpg(server.proc.pid, signal.SIGTERM)
        assert wait_until(lambda: not live_pids(pids), 12), f"processes left: {sorted(live_pids(pids))}"
        seconds = time.monotonic() - started
        thread.join(15)
        assert seconds < 10, f"the stop took {seconds:.1f} s"
        assert answer.get("status") == 503 and answer.get("retry"), answer
        assert answer["ctype"].startswith("application/problem+json") and "stopping" in answer["text"], answer
    finally:
        fake.mode = "ok"
        for pid in live_pids(process_group(server.proc.pid)):
            os.kill(pid, signal.SIGKILL)
        server.stop()


# -- keep-alive connections to the backend ------------------------------------------------------------------
class KeepAliveBackend:
    """A loopback HTTP/1.1 'SPARQL server' that keeps connections open (or, with ``close_after``, closes
    each one silently after its answer, as a backend's idle timeout does) and counts the connections."""

    def __init__(self):
        import http.server

        self.connections = 0
        self.close_after = False
        self.methods: list[str] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                fake.connections += 1

            def do_GET(self):
                self.do_POST()

            def do_POST(self):
                fake.methods.append(self.command)
                form = (self.rfile.read(int(self.headers.get("Content-Length", 0))) if self.command == "POST"
                        else self.path.partition("?")[2].encode())
                form = urllib.parse.unquote_plus(form.decode())
                body = OK_JSON if "ASK" in form else COUNT_JSON
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                if fake.close_after:        # no "Connection: close": the client learns it on its next request
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_backend_connections_are_kept_alive():
    """Queries reuse a few keep-alive connections to the backend (no TCP handshake per query), and a
    backend that closed an idle connection costs nothing but a new one: every answer still 200. Short
    queries are sent as GET, long ones as POST."""
    backend = KeepAliveBackend()
    server = LiveServer("--backend", backend.endpoint, "--workers", "1", "--threads", "4", "--cache-mb", "0")
    try:
        session = requests.Session()
        ask = lambda i: session.get(server.url("/sparql"), params={"query": f"ASK {{ ?s ?p {i} }}"}, timeout=10)
        before = backend.connections
        answers = [ask(i) for i in range(40)]
        assert [r.status_code for r in answers] == [200] * 40, [r.text for r in answers if r.status_code != 200][:2]
        assert backend.connections - before <= 4, f"{backend.connections - before} connections for 40 queries"
        backend.close_after = True
        before = backend.connections
        answers = [ask(i) for i in range(40, 60)]
        assert [r.status_code for r in answers] == [200] * 20, [r.text for r in answers if r.status_code != 200][:2]
        assert backend.connections - before >= 15, "the closed connections were not replaced"
        assert set(backend.methods) == {"GET"}, set(backend.methods)
        # A query whose URL would be long (over remote.GET_MAX_TARGET) goes as a form-encoded POST.
        long = session.get(server.url("/sparql"), params={"query": "ASK { ?s ?p ?o }" + " " * 5000}, timeout=10)
        assert long.status_code == 200 and long.json()["boolean"] is True and backend.methods[-1] == "POST"
    finally:
        server.stop()
        backend.close()
