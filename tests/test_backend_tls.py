"""A backend over ``https://``: the remote store's TLS, with certificates made here by a test CA.

``openssl`` makes a CA, a certificate it signs for 127.0.0.1, one it signs for another name, and a
second CA nobody trusts. The client (``store.client``) is checked against a scripted TLS server; the
service (``cec-kg load --backend``, ``cec-kg serve --backend``) against a real Oxigraph server behind
a TLS-terminating loopback proxy. The service trusts a private CA the way OpenSSL programs do, through
``SSL_CERT_FILE``; each test sets it, so the machine's own CAs never decide an outcome.
"""
from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from cec_kg.store.client import Connection, HandshakeFailed
from cec_kg.store.executor import BackendError
from cec_kg.store.remote import RemoteStore
from test_backend_client import BODY, Scripted, ask
from test_protocol import FIXTURES, TOTAL_QUADS
from test_remote import OXIGRAPH, Oxigraph

OPENSSL = shutil.which("openssl")
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: %d\r\n\r\n"
          % len(BODY) + BODY)
CHUNKED = (b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY))


def openssl(*args: str, cwd: Path) -> None:
    run = subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def make_ca(d: Path, name: str) -> None:
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", f"/CN=cec-kg test {name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=d)


def issue(d: Path, name: str, ca: str, names: str) -> None:
    """A server certificate ``name.pem`` (key ``name.key``) for ``names`` (subjectAltName), signed by ``ca``."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
    (d / f"{name}.ext").write_text(f"subjectAltName={names}\nbasicConstraints=critical,CA:FALSE\n"
                                   "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                                   "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "2", "-out", f"{name}.pem", "-extfile", f"{name}.ext", cwd=d)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    if OPENSSL is None:
        pytest.skip("openssl is not installed (Debian package openssl; .ci/run installs it): it makes the "
                    "test certificates")
    d = tmp_path_factory.mktemp("pki")
    make_ca(d, "ca")
    make_ca(d, "stranger")      # a CA nobody here trusts
    issue(d, "backend", "ca", "IP:127.0.0.1,DNS:localhost")
    issue(d, "elsewhere", "ca", "DNS:backend.example.org")      # trusted, but for another name
    return d


def server_context(pki: Path, cert: str = "backend") -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / f"{cert}.pem", pki / f"{cert}.key")
    return context


# -- the client ------------------------------------------------------------------------------------------
def test_https_answers_are_read_whole_on_one_kept_connection(pki, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "ca.pem"))
    server = Scripted([ANSWER], [CHUNKED[:60], CHUNKED[60:]], tls=server_context(pki))
    conn = Connection("https", "127.0.0.1", server.port, 5)
    try:
        assert isinstance(conn.sock, ssl.SSLSocket)
        first, second = ask(conn), ask(conn)
        assert (first.status, first.body, second.status, second.body) == (200, BODY, 200, BODY)
        assert first.keep_alive and len(server.requests) == 2 and server.connections == 1
    finally:
        conn.close()
        server.close()


@pytest.mark.parametrize("trusted,cert,words", [
    ("stranger", "backend", "unable to get local issuer certificate"),
    ("ca", "elsewhere", "mismatch"),
])
def test_an_untrusted_certificate_is_refused_saying_how_to_trust_it(pki, monkeypatch, trusted, cert, words):
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / f"{trusted}.pem"))
    server = Scripted([ANSWER], tls=server_context(pki, cert))
    try:
        with pytest.raises(HandshakeFailed) as refused:
            Connection("https", "127.0.0.1", server.port, 5)
        message = str(refused.value)
        assert words in message and "127.0.0.1" in message and "SSL_CERT_FILE" in message, message
        assert server.requests == [], "nothing is sent to a backend that was not verified"
    finally:
        server.close()


def test_an_https_url_to_a_plain_http_server_says_so(pki, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "ca.pem"))
    listener = socket.create_server(("127.0.0.1", 0))

    def answer_in_plain_http():
        sock, _ = listener.accept()
        with sock:
            sock.recv(65536)        # the client's TLS hello, not HTTP
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    threading.Thread(target=answer_in_plain_http, daemon=True).start()
    port = listener.getsockname()[1]
    try:
        with pytest.raises(HandshakeFailed) as failed:
            Connection("https", "127.0.0.1", port, 5)
        assert f"is 127.0.0.1:{port} an https server?" in str(failed.value), failed.value
    finally:
        listener.close()


@pytest.mark.parametrize("close_notify", [False, True], ids=["tcp-close", "close-notify"])
def test_an_idle_https_connection_the_backend_closed_is_replaced(pki, monkeypatch, close_notify):
    """A backend lets an idle keep-alive connection go (a TCP close, or TLS's close_notify first): the
    next query goes again on a new connection, unseen by the caller."""
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "ca.pem"))
    server = Scripted([ANSWER, None], [ANSWER], tls=server_context(pki), close_notify=close_notify)
    store = RemoteStore(f"https://127.0.0.1:{server.port}/query", timeout=5)
    try:
        assert bool(store.query("ASK {}"))
        time.sleep(0.3)     # the backend has let the first connection go by now (closed, or close_notify sent)
        assert bool(store.query("ASK {}"))
        assert server.connections == 2 and len(server.requests) == 2
    finally:
        store.close()
        server.close()


def test_the_store_answers_an_untrusted_backend_with_a_502_that_says_why(pki, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "stranger.pem"))
    server = Scripted([ANSWER], tls=server_context(pki))
    store = RemoteStore(f"https://127.0.0.1:{server.port}/query", timeout=5)
    try:
        with pytest.raises(BackendError) as failed:
            store.query("ASK {}")
        assert failed.value.status == 502
        assert "TLS handshake failed" in str(failed.value) and "SSL_CERT_FILE" in str(failed.value)
    finally:
        store.close()
        server.close()


# -- the service, over a real backend behind TLS -------------------------------------------------------
class TLSProxy:
    """TLS on a loopback port, each connection relayed in plain HTTP to ``port`` (as nginx or a load
    balancer terminates TLS in front of a SPARQL server)."""

    def __init__(self, context: ssl.SSLContext, port: int):
        self.context, self.target = context, port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket):
        try:
            tls = self.context.wrap_socket(client, server_side=True)
        except OSError:
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.target))
        threading.Thread(target=self._pump, args=(upstream, tls), daemon=True).start()
        self._pump(tls, upstream)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()


@pytest.fixture(scope="module")
def https_backend(pki, tmp_path_factory):
    """Oxigraph server behind TLS: its https endpoint, and its own plain one (to check it directly)."""
    if not OXIGRAPH.exists() and not shutil.which("oxigraph"):
        pytest.fail("the oxigraph server (pip package `oxigraph`, a test dependency) is not installed")
    oxigraph = Oxigraph(tmp_path_factory.mktemp("oxigraph-tls") / "db")
    proxy = TLSProxy(server_context(pki), oxigraph.port)
    yield f"https://127.0.0.1:{proxy.port}/query", oxigraph
    proxy.close()
    oxigraph.stop()


def cec_kg(*args: str, ca: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cec_kg", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SSL_CERT_FILE": str(ca)})


@pytest.mark.live
@pytest.mark.remote
def test_load_and_serve_over_an_https_backend(pki, https_backend, tmp_path, start_server):
    endpoint, oxigraph = https_backend
    for name, text in FIXTURES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    refused = cec_kg("load", "--backend", endpoint, str(tmp_path), ca=pki / "stranger.pem")
    assert refused.returncode == 1 and "TLS handshake failed" in refused.stderr \
        and "SSL_CERT_FILE" in refused.stderr, refused.stderr
    loaded = cec_kg("load", "--backend", endpoint, str(tmp_path), ca=pki / "ca.pem")
    assert loaded.returncode == 0, loaded.stderr
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    direct = requests.get(oxigraph.endpoint, params={"query": count}, timeout=10).json()
    assert direct["results"]["bindings"][0]["n"]["value"] == str(TOTAL_QUADS), "the PUTs went through TLS"

    server = start_server("--backend", endpoint, "--workers", "1", "--threads", "2",
                          env={"SSL_CERT_FILE": str(pki / "ca.pem")})
    r = requests.get(server.url("/sparql"), params={"query": count},
                     headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert r.status_code == 200 and r.json()["results"]["bindings"][0]["n"]["value"] == str(TOTAL_QUADS), r.text

    untrusting = start_server("--backend", endpoint, "--workers", "1", "--threads", "2",
                              env={"SSL_CERT_FILE": str(pki / "stranger.pem")})
    r = requests.get(untrusting.url("/sparql"), params={"query": count}, timeout=10)
    assert r.status_code == 502 and "TLS handshake failed" in r.text and "SSL_CERT_FILE" in r.text, r.text
    health = requests.get(untrusting.url("/health"), timeout=10).json()
    assert health["status"] == "degraded", health
