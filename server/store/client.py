"""The remote store's HTTP/1.1 client: one keep-alive connection, one write per request, and each
response parsed by httptools (llhttp, the parser of Node.js and uvicorn).

Why not ``http.client``: measured on a point lookup against Oxigraph server over loopback, a request
and its answer cost 340-380 µs of CPU with it (headers sent one ``putheader`` at a time, then the body
in a second write, and each response's headers parsed by the ``email`` package) and 70-100 µs so, about
a third of everything ``cec-kg serve --backend`` spends per lookup. ``TCP_NODELAY``: a request goes out
in one write, not held back by Nagle's algorithm.

What it does not do, as the backend needs none of it: proxies, redirects, cookies, compression
(``Accept-Encoding: identity``), ``Expect: 100-continue``.

TLS (``https://``): Python's default context, so the system's CAs, or the PEM file ``SSL_CERT_FILE``
names (OpenSSL reads it when each connection's context is made): a backend whose certificate a
private CA signed is trusted by giving that CA's certificate there.
"""
from __future__ import annotations

import select
import socket
import time

import httptools


class Closed(ConnectionError):
    """The backend closed the connection before the first byte of an answer (a keep-alive connection it
    had let go idle: send the request again on a new one)."""


class Broken(Exception):
    """The answer is not HTTP, or ended before its end (the message says which)."""


class HandshakeFailed(Exception):
    """The TLS handshake failed: the backend's certificate is not trusted or not valid for its name, or
    it does not speak TLS on that port."""

    def __init__(self, host: str, port: int, error: Exception):
        super().__init__(handshake_failure(error, host, f"{host}:{port}"))


def handshake_failure(error: Exception, host: str, address: str) -> str:
    """What OpenSSL refused (without its source position) and how to mend it: trust the CA, or use the
    right scheme. Also ``cec-kg load --backend``'s words when urllib's handshake fails."""
    import ssl

    detail = getattr(error, "verify_message", None) or getattr(error, "reason", None) or str(error)
    if isinstance(error, ssl.SSLCertVerificationError):
        hint = (f"check that its certificate is valid for {host} and, if a private CA signed it, give that CA's "
                "certificate (PEM) to this program in the environment variable SSL_CERT_FILE")
    else:
        hint = f"is {address} an https server? (an http:// URL if it is not)"
    return f"TLS handshake failed ({detail}); {hint}"


class Stopped(Exception):
    """The caller's stop event was set while the backend had not begun to answer."""


class TooLarge(Exception):
    """The answer's body is larger than the caller accepts."""


class Response:
    """One response as httptools reports it (its parser calls these methods)."""

    __slots__ = ("parser", "status", "reason", "headers", "chunks", "size", "limit", "complete", "started",
                 "keep_alive")

    def __init__(self, limit: int):
        self.parser = httptools.HttpResponseParser(self)
        self.limit = limit
        self.started = False
        self.on_message_begin()

    def on_message_begin(self) -> None:
        self.status, self.reason, self.headers = 0, "", {}
        self.chunks, self.size, self.complete, self.keep_alive = [], 0, False, False

    def on_status(self, reason: bytes) -> None:
        self.reason += reason.decode("latin-1")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1").strip()

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size <= self.limit:
            self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.complete = self.status >= 200     # a 1xx is followed by the answer itself
        self.keep_alive = self.parser.should_keep_alive()       # llhttp: read it here, not after

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def feed(self, data: bytes) -> None:
        self.started = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as e:
            raise Broken(f"did not speak HTTP ({type(e).__name__}: {e})") from None
        if self.size > self.limit:
            raise TooLarge(self.limit)

    def end(self) -> None:
        """The connection ended: the answer is complete if it was to run until the end (no length, not
        chunked), else broken off."""
        if not self.started:
            raise Closed("the connection was closed before an answer")
        if not self.complete and self.status >= 200 and "content-length" not in self.headers \
                and "chunked" not in self.headers.get("transfer-encoding", "").lower():
            self.complete = True
            return
        if not self.complete:
            raise Broken("broke the connection before the end of its answer")


class Connection:
    """A connection to ``host:port`` (TLS for https), opened within ``timeout`` seconds."""

    def __init__(self, scheme: str, host: str, port: int | None, timeout: float):
        port = port or (443 if scheme == "https" else 80)
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == "https":
            import ssl      # only for https backends

            try:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            except ssl.SSLError as e:       # not a time-out (socket.timeout), nor a reset (ConnectionError)
                sock.close()
                raise HandshakeFailed(host, port, e) from None
        self.sock = sock
        self.used = False       # whether it carried a request before (a keep-alive connection)

    def close(self) -> None:
        self.sock.close()

    def send(self, message: bytes, deadline: float) -> None:
        self.sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            self.sock.sendall(message)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Closed(str(e)) from None

    def wait(self, deadline: float, stop=None, poll: float = 0.1) -> None:
        """Until the first byte of the answer is there: ``socket.timeout`` past ``deadline``; ``Stopped``
        once ``stop`` (an event, looked at every ``poll`` seconds) is set."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("no answer in time")
            ready, _, _ = select.select([self.sock], [], [], remaining if stop is None else min(poll, remaining))
            if ready:
                return
            if stop is not None and stop.is_set():
                raise Stopped()

    def receive(self, deadline: float, limit: int) -> Response:
        """The whole answer, read by ``deadline`` (else ``socket.timeout``) and at most ``limit`` bytes
        of body (else ``TooLarge``)."""
        response = Response(limit)
        sock = self.sock
        while not response.complete:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("the answer did not end in time")
            sock.settimeout(remaining)
            try:
                data = sock.recv(262144)
            except ConnectionResetError:
                data = b""
            if not data:
                response.end()
                break
            response.feed(data)
        self.used = True
        return response
