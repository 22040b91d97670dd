"""The remote store's HTTP/1.1 client (``store.client``) against a loopback server that writes each
answer byte for byte: every way HTTP/1.1 frames a body, and every way an answer can go wrong.

The service's own behaviour over such backends (502, 503, timeouts, keep-alive) is in
``test_backend_failures.py``; these cases are the framings no real backend used there sends."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from cec_kg.store.client import Broken, Closed, Connection, TooLarge

BODY = b'{"head":{},"boolean":true}'


class Scripted:
    """Accepts connections on loopback; answers each request with the next script's parts, sent one
    write at a time (a short pause between them, so the client reads them apart), then keeps the
    connection open (until ``close``) unless the script ends with ``None``."""

    def __init__(self, *scripts, tls=None, close_notify: bool = False):
        """``tls``: an ``ssl.SSLContext`` (server side) to speak TLS with; ``close_notify``: a TLS
        connection is ended with TLS's own close message, not only the TCP close."""
        self.scripts = list(scripts)
        self.tls, self.close_notify = tls, close_notify
        self.requests: list[bytes] = []
        self.connections = 0
        self.closed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while self.scripts:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                except OSError:     # the client refused the handshake (ssl.SSLError is an OSError)
                    sock.close()
                    continue
            with sock:
                while self.scripts:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = sock.recv(65536)
                        if not chunk:       # the client went away
                            return
                        data += chunk
                    self.requests.append(data)
                    parts = self.scripts.pop(0)
                    for part in parts:
                        if part is None:
                            break
                        sock.sendall(part)
                        time.sleep(0.02)
                    if parts and parts[-1] is None:
                        if self.close_notify:
                            sock.settimeout(2)
                            try:
                                sock.unwrap()       # sends close_notify, then waits for the client's
                            except OSError:
                                pass
                        break
                else:
                    self.closed.wait(10)

    def close(self):
        self.closed.set()
        self.listener.close()


def ask(conn: Connection, limit: int = 1 << 20):
    conn.send(b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", time.monotonic() + 5)
    return conn.receive(time.monotonic() + 5, limit)


@pytest.mark.parametrize("parts,keep_alive", [
    ([b"HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n" + BODY], True),
    ([b"HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n" + BODY[:10], BODY[10:]], True),
    ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"a\r\n" + BODY[:10] + b"\r\n",
      b"10\r\n" + BODY[10:] + b"\r\n", b"0\r\n\r\n"], True),
    ([b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n" + BODY], True),
    ([b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 26\r\n\r\n" + BODY, None], False),
    ([b"HTTP/1.0 200 OK\r\n\r\n", BODY[:5], BODY[5:], None], False),       # the body runs to the close
])
def test_every_framing_of_a_body_is_read_whole(parts, keep_alive):
    server = Scripted(parts, [b"HTTP/1.1 204 No Content\r\n\r\n"])
    conn = Connection("http", "127.0.0.1", server.port, 5)
    try:
        response = ask(conn)
        assert (response.status, response.body, response.keep_alive) == (200, BODY, keep_alive)
        if keep_alive:      # the same connection carries the next request
            assert ask(conn).status == 204 and len(server.requests) == 2
    finally:
        conn.close()
        server.close()


@pytest.mark.parametrize("parts,error,words", [
    ([b"HELLO, I AM NOT HTTP\r\n", None], Broken, "did not speak HTTP"),
    ([b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n" + BODY, None], Broken, "before the end"),
    ([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\n" + BODY + b"\r\n", None], Broken, "before the end"),
    ([None], Closed, "closed before an answer"),
    ([b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + b" " * 2000], TooLarge, "1000"),
])
def test_a_broken_answer_is_an_error_saying_so(parts, error, words):
    server = Scripted(parts)
    conn = Connection("http", "127.0.0.1", server.port, 5)
    try:
        with pytest.raises(error) as raised:
            ask(conn, limit=1000)
        assert words in str(raised.value), raised.value
    finally:
        conn.close()
        server.close()


def test_an_answer_that_does_not_end_meets_the_deadline():
    server = Scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n" + BODY])     # 374 bytes never come
    conn = Connection("http", "127.0.0.1", server.port, 5)
    try:
        conn.send(b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", time.monotonic() + 5)
        started = time.monotonic()
        with pytest.raises(socket.timeout):
            conn.receive(started + 0.5, 1 << 20)
        assert time.monotonic() - started < 2
    finally:
        conn.close()
        server.close()
