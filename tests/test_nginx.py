"""docs/nginx/cec-kg.conf, run as written by a real nginx in front of a real server.

What it promises: requests too large for granian (a URL of 64 KiB or more, more than 100 header
fields), which granian answers with an empty 414/431 before any code of ours runs, get problem bodies
with a request id; everything else passes through, with X-Forwarded-* shaping the service's links and
a cache that serves repeated GETs. nginx is a system program: skipped locally when absent, saying so;
in CI (.ci/run installs it) a failure.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from conftest import ROOT, LiveServer, free_port, raw_request, wait_until

pytestmark = pytest.mark.live

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
CONF = ROOT / "docs" / "nginx" / "cec-kg.conf"
DATA = "@prefix ex: <http://example.org/> .\nex:g { ex:a ex:p 'one' . }\n"


def require_nginx() -> str:
    if NGINX:
        return NGINX
    reason = "nginx not installed (Debian: apt-get install nginx; .ci/run installs it in CI)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: missing in CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def fronted(tmp_path_factory):
    """(nginx port, server): the documented file with its ports and cache directory moved to the test's."""
    nginx = require_nginx()
    d = tmp_path_factory.mktemp("nginx")
    (d / "data.trig").write_text(DATA, encoding="utf-8")
    server = LiveServer("--data", str(d / "data.trig"), "--workers", "1", "--threads", "4",
                        "--forwarded-allow-ips", "127.0.0.1")
    port = free_port()
    include = (CONF.read_text(encoding="utf-8")
               .replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
               .replace("127.0.0.1:8081", f"127.0.0.1:{port}")
               .replace("/var/cache/nginx/cec-kg", str(d / "cache")))
    (d / "cec-kg.conf").write_text(include, encoding="utf-8")
    temp = "".join(f"{kind}_temp_path {d / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root, nginx's workers would run as nobody, who cannot enter pytest's private temporary folders.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (d / "nginx.conf").write_text(
        f"daemon off;\n{user}worker_processes 1;\npid {d / 'nginx.pid'};\nerror_log {d / 'error.log'};\n"
        f"events {{ worker_connections 256; }}\n"
        f"http {{\naccess_log off;\n{temp}include {d / 'cec-kg.conf'};\n}}\n", encoding="utf-8")
    proc = subprocess.Popen([nginx, "-p", str(d), "-c", str(d / "nginx.conf")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)

    def up():
        try:
            return requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        if not wait_until(up, 20):
            log = (d / "error.log").read_text() if (d / "error.log").exists() else ""
            pytest.fail(f"nginx did not come up: {proc.stderr.read().decode()[-2000:]}{log[-2000:]}")
        yield port, server
    finally:
        proc.terminate()        # SIGTERM: the master ends its workers too (SIGKILL would orphan them)
        proc.wait(10)
        server.stop()


def get(port: int, target: bytes, extra: bytes = b"") -> tuple[int, dict, bytes]:
    return raw_request(port, b"GET " + target + b" HTTP/1.1\r\nHost: kg.example.org\r\n" + extra +
                       b"Connection: close\r\n\r\n")


def assert_problem(answer, status: int, title: str) -> None:
    code, headers, body = answer
    assert code == status, (code, body[:300])
    assert headers.get("content-type", "").startswith("application/problem+json"), headers
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"] == title and problem["detail"], problem
    assert problem["request_id"] and problem["request_id"] == headers.get("x-request-id"), (problem, headers)


def test_a_url_too_long_for_granian_gets_a_problem(fronted):
    port, server = fronted
    target = b"/sparql?query=ASK%7B%7D%23" + b"a" * (70 << 10)
    assert get(server.port, target)[2] == b"", "granian itself answers such a URL with an empty body"
    assert_problem(get(port, target), 414, "URI Too Long")


def test_headers_too_large_get_a_problem(fronted):
    port, _ = fronted
    assert_problem(get(port, b"/health", b"X-Big: " + b"b" * (40 << 10) + b"\r\n"), 431,
                   "Request Header Fields Too Large")


def test_more_header_fields_than_granian_reads_get_a_problem(fronted):
    port, server = fronted
    many = b"".join(b"X-Field-%d: 1\r\n" % i for i in range(150))
    assert get(server.port, b"/health", many)[2] == b"", "granian itself answers 150 fields with an empty body"
    assert_problem(get(port, b"/health", many), 431, "Request Header Fields Too Large")


def test_queries_pass_through_and_repeated_gets_come_from_the_cache(fronted):
    port, _ = fronted
    url = f"http://127.0.0.1:{port}/sparql"
    params = {"query": "SELECT ?o WHERE { ?s ?p ?o }"}
    first = requests.get(url, params=params, headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert first.status_code == 200 and first.json()["results"]["bindings"][0]["o"]["value"] == "one"
    assert first.headers["X-Request-Id"], first.headers
    again = requests.get(url, params=params, headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert again.headers.get("X-Cache") == "HIT" and again.content == first.content, again.headers


def test_the_service_links_to_the_address_people_use(fronted):
    port, _ = fronted
    code, _, body = get(port, b"/robots.txt")
    assert code == 200 and b"Sitemap: http://kg.example.org/sitemap.xml" in body, body
