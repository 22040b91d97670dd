"""Behind a proxy: X-Forwarded-* count only from ``--forwarded-allow-ips``; oversized requests get problems.

The trusted proxy is 127.0.0.2 (a loopback address: the client socket binds it as its source); requests
from 127.0.0.1 play someone else sending the same headers.
"""
from __future__ import annotations

import http.client
import json
import re
import socket

import pytest

from conftest import wait_until

pytestmark = pytest.mark.live

PROXY, STRANGER = "127.0.0.2", "127.0.0.1"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kg.example.org",
             "X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
DATA = """@prefix ex: <http://example.org/> .
ex:g1 { ex:a ex:p "one" . }
"""


@pytest.fixture(scope="module")
def server(start_server, tmp_path_factory):
    d = tmp_path_factory.mktemp("proxy-data")
    (d / "data.trig").write_text(DATA, encoding="utf-8")
    return start_server("--data", str(d), "--workers", "1", "--threads", "4",
                        "--forwarded-allow-ips", f"{PROXY},10.0.0.0/8", "--client-header", "X-Client-Id")


def fetch(server, path: str, headers: dict, source: str, method: str = "GET"):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source, 0))
    try:
        conn.request(method, path, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_forwarded_headers_shape_links_from_a_trusted_proxy(server):
    _, _, robots = fetch(server, "/robots.txt", FORWARDED, PROXY)
    assert "Sitemap: https://kg.example.org/sitemap.xml" in robots, robots
    _, _, sitemap = fetch(server, "/sitemap.xml", FORWARDED, PROXY)
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locs and all(u.startswith("https://kg.example.org/") for u in locs), locs
    _, _, sd = fetch(server, "/sparql", {**FORWARDED, "Accept": "text/turtle"}, PROXY)
    assert "<https://kg.example.org/sparql>" in sd, "the service description names the public endpoint"


def test_forwarded_headers_are_ignored_from_anyone_else(server):
    own = f"http://127.0.0.1:{server.port}"
    _, _, robots = fetch(server, "/robots.txt", FORWARDED, STRANGER)
    assert f"Sitemap: {own}/sitemap.xml" in robots and "example.org" not in robots, robots
    _, _, sitemap = fetch(server, "/sitemap.xml", FORWARDED, STRANGER)
    assert "kg.example.org" not in sitemap and f"<loc>{own}/</loc>" in sitemap, sitemap
    _, _, sd = fetch(server, "/sparql", {**FORWARDED, "Accept": "text/turtle"}, STRANGER)
    assert "kg.example.org" not in sd and f"<{own}/sparql>" in sd


@pytest.mark.parametrize("header,value", [("X-Forwarded-Host", "evil.example/<script>"),
                                          ("X-Forwarded-Host", "a b"), ("X-Forwarded-Proto", "javascript"),
                                          ("X-Forwarded-Host", "x" * 300)])
def test_malformed_forwarded_values_are_ignored_even_from_the_proxy(server, header, value):
    _, _, robots = fetch(server, "/robots.txt", {header: value}, PROXY)
    assert f"Sitemap: http://127.0.0.1:{server.port}/sitemap.xml" in robots, robots


def access_log_client(server, request_id: str) -> str:
    def find():
        for line in server.output().splitlines():
            if line.startswith("{") and f'"request_id":"{request_id}"' in line:
                return json.loads(line)["client"]
        return None
    client = wait_until(find, 10)
    assert client, f"no access-log line for {request_id}"
    return client


@pytest.mark.parametrize("source,headers,client", [
    (PROXY, {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}, "203.0.113.9"),      # the hop the proxy saw
    (PROXY, {"X-Forwarded-For": "198.51.100.7, 10.1.2.3"}, "198.51.100.7"),        # 10.1.2.3: a trusted proxy too
    (PROXY, {"X-Forwarded-For": "203.0.113.9", "X-Client-Id": "key-42"}, "key-42"),  # the configured header
    (PROXY, {"X-Forwarded-For": "not-an-ip"}, PROXY),
    (STRANGER, {"X-Forwarded-For": "203.0.113.9", "X-Client-Id": "key-42"}, STRANGER),   # never believed
])
def test_client_identity(server, source, headers, client):
    rid = f"client-{abs(hash((source, tuple(headers.items())))) % 10**9}"
    fetch(server, "/health", {**headers, "X-Request-Id": rid}, source)
    assert access_log_client(server, rid) == client


# -- what granian would refuse with an empty body -----------------------------------------------------------
def raw(server, request: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("request_bytes,status,words", [
    (b"GET /sparql?query=" + b"A" * 40_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 414, ["POST"]),
    (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\nConnection: close\r\n\r\n", 431,
     ["headers"]),
    (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 900) for i in range(80))
     + b"Connection: close\r\n\r\n", 431, ["headers"]),
], ids=["long-url", "big-header", "many-big-headers"])
def test_oversized_requests_get_problem_bodies(server, request_bytes, status, words):
    code, headers, body = raw(server, request_bytes)
    assert code == status and headers["content-type"] == "application/problem+json", (code, headers, body[:200])
    problem = json.loads(body)
    assert problem["status"] == status and problem["request_id"] == headers["x-request-id"], problem
    assert all(w in problem["detail"] for w in words), problem
