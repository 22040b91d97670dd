"""Fuzzing with hypothesis against a live server (loopback, bounded): random and mutated SPARQL queries,
random paths sent byte for byte, random headers on every route. Every answer must be a complete HTTP
answer below 500 and come within a few seconds: 0 x 5xx, 0 hangs.

Bounded and repeatable: a fixed number of examples per test, derandomised (the same inputs every run);
``FUZZ_EXAMPLES`` raises the number for a longer local run.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cec_kg.graph import paths
from conftest import raw_request

pytestmark = pytest.mark.live

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
HANG_SECONDS = 8.0          # the server's query timeout is 2 s: anything near this is a hang
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

DATA = """@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cec-kg/source/fuzz> {
  <https://w3id.org/cec-kg/id/party/mexico> rdfs:label "Mexico"@en, "México"@es ; ex:p 1, 2.5, "x" .
  ex:a ex:p ex:b ; ex:q "text"@fr .
}
"""
SEEDS = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "DESCRIBE <https://w3id.org/cec-kg/id/party/mexico>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?l (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l "
    "FILTER(LANG(?l) = 'en') } GROUP BY ?l ORDER BY DESC(?n) OFFSET 0 LIMIT 5",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o OPTIONAL { ?o ?q ?r } } } GROUP BY ?g",
    "SELECT * WHERE { { ?s ?p 1 } UNION { ?s ?p ?o FILTER(ISLITERAL(?o) && REGEX(STR(?o), '^t', 'i')) } "
    "MINUS { ?s ?p 2.5 } BIND(STRLEN(STR(?o)) AS ?len) VALUES ?x { 1 2 } }",
] + [p.read_text(encoding="utf-8") for p in sorted(paths.QUERIES_DIR.glob("cq-*.rq"))[:8]]
TOKENS = ["{", "}", "(", ")", "[", "]", ".", ";", ",", "*", "?x", "$y", "<http://e/x>", "<", ">", '"', "'", '"""',
          "#", "\\", "\\u0000", "\x00", "\u202e", "é", "SELECT", "ASK", "WHERE", "FILTER", "OPTIONAL", "UNION",
          "GRAPH", "SERVICE", "INSERT", "DELETE", "LOAD", "VALUES", "BIND", "AS", "LIMIT 99999999999999999999",
          "OFFSET -1", "ORDER BY", "GROUP BY", "HAVING", "COUNT(", "REGEX(", "a", "^^", "@en", "_:b", "ex:",
          "PREFIX ex: <http://e/>", "BASE <x:y>", "FROM <http://e/g>", "1e999", "-0", "true", "\n", "\t", " "]
ACCEPTS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values", "text/turtle", "application/ld+json", "application/rdf+xml", "text/html",
           "*/*", "application/n-triples", "application/trig", "image/png", ""]


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "replace"]))
        at = draw(st.integers(0, len(text)))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS) | st.text(max_size=3)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)):]
        elif op == "duplicate":
            text = text[:at] + text[at:at + draw(st.integers(1, 40))] * draw(st.integers(2, 4)) + text[at:]
        else:
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at + draw(st.integers(1, 6)):]
    return text


QUERIES = mutated() | st.text(max_size=200) | st.sampled_from(SEEDS)


@pytest.fixture(scope="module")
def server(start_server, tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz-data")
    (d / "data.trig").write_text(DATA, encoding="utf-8")
    return start_server("--data", str(d), "--workers", "1", "--threads", "4", "--timeout", "2",
                        "--max-timeout", "3", "--fair-query-seconds", "0", "--fair-concurrent-queries", "0")


def check(r: requests.Response, seconds: float, what) -> None:
    assert r.status_code < 500, f"{what!r}: {r.status_code} {r.text[:400]}"
    assert seconds < HANG_SECONDS, f"{what!r}: answered after {seconds:.1f} s"
    if r.status_code >= 400:
        assert r.headers["X-Request-Id"] and r.headers["Content-Type"].split(";")[0] in (
            "application/problem+json", "text/html"), r.headers


@given(query=QUERIES, method=st.sampled_from(["GET", "POST-form", "POST-direct"]), accept=st.sampled_from(ACCEPTS))
@FUZZ
def test_sparql_never_5xx_nor_hangs(server, query, method, accept):
    endpoint = server.url("/sparql")
    headers = {"Accept": accept} if accept else {}
    started = time.monotonic()
    if method == "GET":
        r = requests.get(endpoint, params={"query": query}, headers=headers, timeout=30)
    elif method == "POST-form":
        r = requests.post(endpoint, data={"query": query}, headers=headers, timeout=30)
    else:
        r = requests.post(endpoint, data=query.encode("utf-8", "surrogatepass"),
                          headers={**headers, "Content-Type": "application/sparql-query"}, timeout=30)
    check(r, time.monotonic() - started, query)


ROUTES = ["/", "/sparql", "/id/party/mexico", "/data/party/mexico.ttl", "/page/party/mexico", "/dataset",
          "/dataset.ttl", "/.well-known/void", "/dumps/", "/dumps/cec-kg.nt", "/ontology", "/ontology.ttl",
          "/ontology/context.jsonld", "/shapes", "/sitemap.xml", "/robots.txt", "/health", "/openapi.json",
          "/openapi", "/static/style.css", "/source/fuzz", "/graph/x"]
SEGMENTS = st.sampled_from(["..", ".", "", "%2e%2e", "%2f", "%00", "%ff", "%c3%28", "~", "%", "a" * 300, "é",
                            "index.html", "..%2f..%2fetc%2fpasswd", "?", "#", ";x=1", "%3Cscript%3E"]) | \
    st.text(min_size=1, max_size=12)


@given(base=st.sampled_from(ROUTES), extra=st.lists(SEGMENTS, max_size=4), query=st.text(max_size=40))
@FUZZ
def test_any_path_never_5xx_nor_hangs(server, base, extra, query):
    path = "/".join([base.rstrip("/")] + extra) if extra else base
    # Sent byte for byte: characters a request line may not carry are percent-encoded, nothing else is
    # touched (no client library normalising "..").
    target = quote(path, safe="/%:@!$&'()*+,;=-._~?#").encode("ascii")
    if query:
        target += b"?" + quote(query, safe="=&%").encode("ascii")
    started = time.monotonic()
    status, headers, body = raw_request(server.port, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        b"Connection: close\r\n\r\n", timeout=30)
    seconds = time.monotonic() - started
    assert status < 500, f"{target!r}: {status} {body[:300]!r}"
    assert seconds < HANG_SECONDS, f"{target!r}: {seconds:.1f} s"
    if "content-length" in headers:
        assert len(body) == int(headers["content-length"]), f"{target!r}: a cut body"


HEADER_VALUES = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                        max_size=80) | st.sampled_from(
    ["*/*;q=abc", "text/html;q=0", "text/*, application/*;q=0.5", ";;;", "bytes=0-1,5-", "bytes=-0", "W/\"x\"",
     "\"*\"", "Thu, 01 Jan 1970 00:00:00 GMT", "gzip;q=0, identity;q=0", "en-US,fr;q=0.9,*;q=0.1", "x" * 2000])
HEADER_NAMES = st.sampled_from(["Accept", "Accept-Language", "Accept-Encoding", "If-None-Match", "If-Modified-Since",
                                "If-Match", "If-Range", "Range", "X-Request-Id", "Content-Type", "Origin",
                                "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Cookie", "Authorization",
                                "Access-Control-Request-Method", "Access-Control-Request-Headers"])


@given(route=st.sampled_from(ROUTES + ["/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
                                       "/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D"]),
       method=st.sampled_from(["GET", "HEAD", "OPTIONS", "POST", "PUT"]),
       headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=5))
@FUZZ
def test_any_headers_never_5xx_nor_hang(server, route, method, headers):
    started = time.monotonic()
    r = requests.request(method, server.url(route), headers={k: v.encode("latin-1") for k, v in headers.items()},
                         timeout=30, allow_redirects=False)
    check(r, time.monotonic() - started, (method, route, headers))
