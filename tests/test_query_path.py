"""The path of a query never seen before, over real HTTP against ``cec-kg serve``.

- The lean WSGI path (``protocol/fast.py``) answers a plain ``GET /sparql?query=…`` exactly as the
  Flask view does (status, body, every header that matters), and leaves everything else to Flask:
  errors come back as the same problems, found once.
- It keeps everything the Flask path does (fair use and the reserved lane, the byte cap and its
  headers, request ids, security headers, the access log): the same assertions run over both ways in.
- Queries whose cost the guard proves bounded (``store/bounded.py``) are evaluated in the serving
  process; anything else, over budget or with a short timeout goes to a killable worker; the answers
  are the same either way.
"""
from __future__ import annotations

import json
import re
import time

import pytest
import requests

from cec_kg.graph import paths
from cec_kg.problems import Problem
from cec_kg.store import bounded, guard
from conftest import require_shared

PEOPLE = """@prefix ex: <http://example.org/> .
ex:g1 { ex:alice a ex:Person ; ex:name "Alice"@en , "Alicia"@es ; ex:age 42 ; ex:knows ex:bob , ex:carol .
        ex:bob a ex:Person ; ex:name "Bob" ; ex:note "a,{\\"b" , "[{x" , "}},{" , "back\\\\slash" .
        ex:carol a ex:Person ; ex:name "Carol" ; ex:knows [ ex:name "Anon" ; ex:knows [ ex:name "Deeper" ] ] . }
"""
HUB = bounded.BUDGET + 1      # ex:hub has one more value than a query evaluated in process may produce
PREFIX = "PREFIX ex: <http://example.org/>\n"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("query-path")
    (d / "people.trig").write_text(PEOPLE, encoding="utf-8")
    (d / "hub.nt").write_text("".join(f'<http://example.org/hub> <http://example.org/p> "{i}" .\n'
                                      for i in range(HUB)), encoding="utf-8")
    # ex:linker points at ex:half twice: each hop is within the budget, both together are not.
    (d / "linker.nt").write_text("<http://example.org/linker> <http://example.org/l1> <http://example.org/half> .\n"
                                 "<http://example.org/linker> <http://example.org/l2> <http://example.org/half> .\n"
                                 + "".join(f'<http://example.org/half> <http://example.org/p> "{i}" .\n'
                                           for i in range(bounded.BUDGET // 2 + 1)), encoding="utf-8")
    # ex:Big has one more member than the budget: its members are not a bounded anchor.
    (d / "big.nt").write_text("".join(f'<http://example.org/m{i}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Big> .\n'
                                      for i in range(HUB)), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def server(start_server, data_dir):
    # No result cache: both ways in evaluate every request, so their answers are compared, not replayed.
    return start_server("--data", str(data_dir), "--workers", "1", "--threads", "4", "--cache-mb", "0")


def metric(server, name: str) -> float:
    text = requests.get(server.url("/metrics"), timeout=10).text
    m = re.search(rf"^cec_kg_{name}{{[^}}]*}} ([0-9.]+)$", text, re.M)
    assert m, f"/metrics has no cec_kg_{name}"
    return float(m.group(1))


def counters(server) -> dict:
    return {name: metric(server, name) for name in ("fast_path_answered_total", "queries_in_process_total",
                                                    "query_workers_jobs")}


def delta(before: dict, after: dict) -> dict:
    return {k: after[k] - before[k] for k in before}


# -- the lean path answers like the Flask view ---------------------------------------------------------
COMPARED = ("Content-Type", "ETag", "Vary", "Cache-Control", "X-SPARQL-Row-Cap", "X-SPARQL-Byte-Cap", "X-SPARQL-Rows",
            "X-SPARQL-Truncated", "Content-Encoding", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
            "X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy")
CASES = [
    ("SELECT ?s ?n WHERE { ?s ex:name ?n } ORDER BY ?n", "application/sparql-results+json", None),
    ("SELECT ?s ?n WHERE { ?s ex:name ?n } ORDER BY ?n", "application/sparql-results+xml", None),
    ("SELECT ?s ?n WHERE { ?s ex:name ?n } ORDER BY ?n", "text/csv", None),
    ("SELECT ?s ?n WHERE { ?s ex:name ?n } ORDER BY ?n", "text/tab-separated-values", None),
    ("SELECT ?p ?o WHERE { ex:alice ?p ?o }", None, None),                         # no Accept: JSON
    ("SELECT ?o WHERE { ex:hub ex:p ?o } ORDER BY ?o LIMIT 300", "application/sparql-results+json", "gzip"),
    ("ASK { ex:alice ex:knows ex:bob }", "application/sparql-results+json", None),
    ("CONSTRUCT WHERE { ?s ex:name ?n }", "application/n-triples", None),
    ("CONSTRUCT { ex:alice ?p ?o } WHERE { ex:alice ?p ?o }", "text/turtle", None),
    ("DESCRIBE ex:carol", "application/n-triples", "gzip, deflate"),
]


def _headers(r: requests.Response) -> dict:
    return {h: r.headers.get(h) for h in COMPARED}


def _body(r: requests.Response) -> bytes:
    return r.content        # requests undoes Content-Encoding: gzip


def _rdf_lines(body: bytes) -> list:
    return sorted(re.sub(rb"_:\w+", b"_:b", line) for line in body.splitlines())


@pytest.mark.live
@pytest.mark.parametrize("query,accept,encoding", CASES, ids=[f"{i}-{c[1]}" for i, c in enumerate(CASES)])
def test_lean_path_answers_like_the_flask_view(server, query, accept, encoding):
    headers = {k: v for k, v in (("Accept", accept), ("Accept-Encoding", encoding or "identity")) if v}
    url = server.url("/sparql")
    before = counters(server)
    lean = requests.get(url, params={"query": PREFIX + query}, headers={**headers, "X-Request-Id": "lean-1"},
                        timeout=30)
    # A `timeout` parameter (not part of the answer or its ETag) sends the same query through Flask.
    flask = requests.get(url, params={"query": PREFIX + query, "timeout": "9"},
                         headers={**headers, "X-Request-Id": "flask-1"}, timeout=30)
    moved = delta(before, counters(server))
    assert moved["fast_path_answered_total"] == 1, f"exactly the plain GET takes the lean path: {moved}"
    assert lean.status_code == flask.status_code == 200, (lean.text[:300], flask.text[:300])
    assert _headers(lean) == _headers(flask)
    assert lean.headers["X-Request-Id"] == "lean-1" and flask.headers["X-Request-Id"] == "flask-1"
    assert lean.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    if "DESCRIBE" in query or "CONSTRUCT" in query:
        assert _rdf_lines(_body(lean)) == _rdf_lines(_body(flask))   # blank-node labels are per answer
    else:
        assert _body(lean) == _body(flask)
    if encoding and "gzip" in encoding and len(_body(lean)) >= 1024:      # smaller bodies go as they are
        assert lean.headers["Content-Encoding"] == "gzip" and lean.headers["ETag"].endswith('-gz"')


@pytest.mark.live
@pytest.mark.parametrize("query,status", [
    ("SELECT * WHERE {\n  ?s ?p }", 400),                                    # the parser's message
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", 403),
    ("INSERT DATA { ex:a ex:b ex:c }", 403),
    ("SELECT * WHERE " + "{" * 70 + "}" * 70, 400),
])
def test_lean_path_leaves_problems_to_flask(server, query, status):
    before = counters(server)
    r = requests.get(server.url("/sparql"), params={"query": PREFIX + query}, timeout=30)
    again = requests.get(server.url("/sparql"), params={"query": PREFIX + query, "timeout": "9"}, timeout=30)
    assert r.status_code == again.status_code == status, r.text[:300]
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json().pop("request_id") and again.json().pop("request_id")
    assert ({k: v for k, v in r.json().items() if k != "request_id"}
            == {k: v for k, v in again.json().items() if k != "request_id"}), "the same problem either way"
    assert delta(before, counters(server))["fast_path_answered_total"] == 0
    if status == 400 and "?p }" in query:
        assert r.json()["line"] == 3, r.json()      # PREFIX is line 1


@pytest.mark.live
def test_lean_path_leaves_negotiation_and_conditionals_to_flask(server):
    url = server.url("/sparql")
    q = {"query": PREFIX + "SELECT ?n WHERE { ex:bob ex:name ?n }"}
    before = counters(server)
    wild = requests.get(url, params=q, headers={"Accept": "application/json;q=0.5, text/csv"}, timeout=10)
    assert wild.status_code == 200 and wild.headers["Content-Type"].startswith("text/csv")
    refused = requests.get(url, params=q, headers={"Accept": "image/png"}, timeout=10)
    assert refused.status_code == 406
    first = requests.get(url, params=q, timeout=10)
    again = requests.get(url, params=q, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 304
    assert delta(before, counters(server))["fast_path_answered_total"] == 1, "only the plain GET"


# -- what the Flask path does, the lean path does too: the same assertions over both ways in --------------
WAYS = ["lean", "flask"]


@pytest.fixture(scope="module")
def strict(start_server, data_dir, tmp_path_factory):
    """A tiny fair-use budget per client (named by a trusted proxy's header), a 0.05 MiB byte cap and an
    access log in a file."""
    log = tmp_path_factory.mktemp("access") / "access.log"
    server = start_server("--data", str(data_dir), "--workers", "1", "--threads", "4", "--cache-mb", "0",
                          "--max-result-mb", "0.05", "--fair-query-seconds", "0.001",
                          "--forwarded-allow-ips", "127.0.0.1", "--client-header", "X-Client-Id",
                          "--access-log", str(log))
    server.access_log = log
    return server


def ask_by(server, way: str, query: str, client: str, **headers) -> requests.Response:
    """The query as a plain GET (the lean path) or with a ``timeout`` parameter equal to the default
    (Flask's view: same query, same answer, same ETag)."""
    params = {"query": PREFIX + query} if way == "lean" else {"query": PREFIX + query, "timeout": "10"}
    return requests.get(server.url("/sparql"), params=params, headers={"X-Client-Id": client, **headers},
                        timeout=60)


@pytest.mark.live
@pytest.mark.parametrize("way", WAYS)
def test_fair_use_either_way(strict, way):
    before = counters(strict)
    # Over a millisecond of query time (10,001 rows, in a worker): the budget is spent.
    first = ask_by(strict, way, f"SELECT ?s ?o WHERE {{ ?s ex:p ?o }} ORDER BY ?o # {way}", f"budget-{way}")
    assert first.status_code == 200, first.text[:300]
    second = ask_by(strict, way, f"SELECT ?n WHERE {{ ex:bob ex:name ?n }} # {way}", f"budget-{way}")
    assert second.status_code == 429, (second.status_code, second.text[:300])
    body = second.json()
    assert body["limit"] == "query-seconds-per-minute" and second.headers.get("Retry-After"), body
    assert second.headers["X-Request-Id"] and body["request_id"] == second.headers["X-Request-Id"]
    other = ask_by(strict, way, f"SELECT ?n WHERE {{ ex:bob ex:name ?n }} # other {way}", f"other-{way}")
    assert other.status_code == 200, "another client is not limited"
    moved = delta(before, counters(strict))["fast_path_answered_total"]
    assert moved == (2 if way == "lean" else 0), f"the 200s took the {way} path, the 429 Flask: {moved}"


@pytest.mark.live
@pytest.mark.parametrize("way", WAYS)
def test_byte_cap_either_way(strict, way):
    before = counters(strict)
    r = ask_by(strict, way, f"SELECT ?o WHERE {{ ex:hub ex:p ?o }} # {way}", f"bytes-{way}")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["X-SPARQL-Byte-Cap"] == str(int(0.05 * 2**20))
    assert len(r.content) <= int(r.headers["X-SPARQL-Byte-Cap"]), len(r.content)
    rows = int(r.headers["X-SPARQL-Rows"])
    assert 0 < rows < HUB and len(r.json()["results"]["bindings"]) == rows
    assert r.headers["X-SPARQL-Truncated"].startswith(f"true; only the first {rows} rows"), r.headers
    assert delta(before, counters(strict))["fast_path_answered_total"] == (1 if way == "lean" else 0)


@pytest.mark.live
@pytest.mark.parametrize("way", WAYS)
def test_access_log_either_way(strict, way):
    rid = f"log-{way}-{time.monotonic_ns()}"
    r = ask_by(strict, way, f"ASK {{ ex:alice ex:knows ex:bob }} # {rid}", f"log-{way}", **{"X-Request-Id": rid})
    assert r.status_code == 200 and r.headers["X-Request-Id"] == rid, r.text[:300]
    for _ in range(50):
        lines = [json.loads(line) for line in strict.access_log.read_text().splitlines() if rid in line]
        if lines:
            break
        time.sleep(0.1)
    assert len(lines) == 1, f"one access-log line for the request: {lines}"
    assert lines[0]["status"] == 200 and lines[0]["path"] == "/sparql" and lines[0]["client"] == f"log-{way}"


@pytest.mark.live
def test_bounded_queries_take_the_reserved_lane(start_server, data_dir):
    """One heavy thread (2 threads, 1 reserved): while a slow query holds it, another heavy query is
    503 Busy at once, but a lookup the guard proves bounded (no LIMIT) is cheap and answered."""
    import threading

    server = start_server("--data", str(data_dir), "--workers", "1", "--threads", "2", "--reserved-threads", "1",
                          "--cache-mb", "0", "--fair-query-seconds", "0", "--fair-concurrent-queries", "0")
    values = " ".join(str(i) for i in range(60))
    slow = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?{v} {{ {values} }}" for v in "abcde") + " }"
    outcome = {}
    holder = threading.Thread(target=lambda: outcome.setdefault("slow", requests.get(
        server.url("/sparql"), params={"query": slow, "timeout": "3"}, timeout=30)))
    holder.start()
    time.sleep(0.7)
    heavy = requests.get(server.url("/sparql"), params={"query": PREFIX + "SELECT ?s WHERE { ?s ex:p ?o ; ex:p ?o2 }"},
                         timeout=30)
    bounded_lookup = requests.get(server.url("/sparql"), params={"query": PREFIX + "SELECT ?p ?o WHERE { ex:alice ?p ?o }"},
                                  timeout=30)
    # proven bounded too, but with an aggregate: over budget it would fold a scan, so it is not cheap
    fold = requests.get(server.url("/sparql"), params={"query": PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ex:alice ?p ?o }"},
                        timeout=30)
    holder.join(30)
    assert outcome["slow"].status_code == 503, "the slow query ran out its time, holding the heavy thread"
    assert heavy.status_code == 503 and heavy.json().get("limit") == "heavy-queries", heavy.text[:300]
    assert bounded_lookup.status_code == 200, bounded_lookup.text[:300]
    assert fold.status_code == 503 and fold.json().get("limit") == "heavy-queries", fold.text[:300]


@pytest.mark.live
def test_browsers_get_the_html_view_not_the_lean_path(server):
    before = counters(server)
    r = requests.get(server.url("/sparql"), params={"query": PREFIX + "SELECT ?n WHERE { ex:bob ex:name ?n }"},
                     headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html"), r.text[:300]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert delta(before, counters(server))["fast_path_answered_total"] == 0


@pytest.mark.live
def test_row_counts_of_tricky_strings(server):
    """The row count comes from the serialised bytes: strings holding `,{`, `}},{`, `[{`, quotes and
    backslashes must not be counted as rows."""
    q = PREFIX + "SELECT ?o WHERE { ex:bob ex:note ?o }"
    for accept, count in (("application/sparql-results+json", lambda r: len(r.json()["results"]["bindings"])),
                          ("application/sparql-results+xml", lambda r: r.text.count("<result>"))):
        r = requests.get(server.url("/sparql"), params={"query": q}, headers={"Accept": accept}, timeout=10)
        assert r.status_code == 200 and count(r) == 4
        assert r.headers["X-SPARQL-Rows"] == "4", (accept, r.headers.get("X-SPARQL-Rows"))


# -- bounded queries in process, the rest in killable workers -------------------------------------------
IN_PROCESS = [
    "SELECT ?p ?o WHERE { ex:alice ?p ?o }",
    "SELECT ?n WHERE { ex:alice ex:name ?n }",
    "SELECT ?type WHERE { ex:bob a ?type }",
    "SELECT ?o ?n WHERE { ex:alice ex:knows ?o . ?o ex:name ?n } ORDER BY ?n",
    "CONSTRUCT { ex:alice ?p ?o . ?o ex:name ?n } WHERE { ex:alice ?p ?o OPTIONAL { ?o ex:name ?n } }",
    "DESCRIBE ex:carol",
    "ASK { ex:alice ex:knows ?x }",
    # anchored by a constant object: a class's members (counted in the object index), then hops from them
    "SELECT ?s ?n WHERE { ?s a ex:Person ; ex:name ?n } ORDER BY ?n ?s LIMIT 2",
    # a subquery with ORDER BY and LIMIT (a page of a class, exported)
    "CONSTRUCT { ?s ex:name ?n } WHERE { { SELECT ?s ?n WHERE { ?s a ex:Person ; ex:name ?n } ORDER BY ?s ?n LIMIT 2 } }",
    # FILTERs and aggregates of short expressions over anchored patterns (counted first, never streamed)
    "SELECT ?n WHERE { ex:alice ex:name ?n FILTER(STRLEN(?n) > 2) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ex:alice ?p ?o }",
    "SELECT ?p (COUNT(DISTINCT ?o) AS ?n) (SAMPLE(?o) AS ?one) WHERE { ex:alice ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p",
    "SELECT ?s ?n WHERE { ?s a ex:Person ; ex:name ?n FILTER(LANG(?n) = \"es\" || !BOUND(?n)) }",
    # the only pattern, with a constant predicate: counted in the predicate index (a search box)
    "SELECT ?s ?n WHERE { ?s ex:name ?n FILTER(CONTAINS(LCASE(STR(?n)), \"a\")) } ORDER BY ?n ?s LIMIT 2",
    "SELECT ?s (COUNT(DISTINCT ?k) AS ?count) WHERE { ?s ex:knows ?k } GROUP BY ?s ORDER BY DESC(?count) ?s",
    "SELECT * WHERE { ?s ex:name ?n }",
]
IN_WORKERS = [
    "SELECT * WHERE { ?s ?p ?o }",                                   # no constant subject
    "SELECT ?n WHERE { ex:alice ex:name ?n FILTER(REGEX(?n, \"A\")) }",  # a regular expression
    "SELECT ?o WHERE { ex:alice ex:knows+ ?o }",                      # a property path
    "SELECT ?o WHERE { ex:hub ex:p ?o }",                            # more rows than the budget (probe)
    "SELECT ?o WHERE { ex:hub ex:p ?o } ORDER BY ?o",                # over budget (counted first)
    "DESCRIBE ex:hub",                                               # a description over budget
    "SELECT ?s WHERE { ?s a ex:Big } ORDER BY ?s LIMIT 3",          # a class over budget (counted first)
    "SELECT ?o WHERE { ex:linker ?l ?h . ?h ex:p ?o } ORDER BY ?o LIMIT 3",   # hops over budget (one subject twice)
    "CONSTRUCT { ?s a ex:Big } WHERE { { SELECT ?s WHERE { ?s a ex:Big } ORDER BY ?s LIMIT 3 } }",
    "SELECT (COUNT(*) AS ?n) WHERE { ex:hub ex:p ?o }",              # an aggregate over budget
    # a FILTER may drop every row the engine reads: counted (over budget), not run with a LIMIT appended
    "SELECT ?o WHERE { ex:hub ex:p ?o FILTER(?o = \"none\") }",
    "SELECT ?s WHERE { ?s ex:p ?o FILTER(STRSTARTS(?o, \"x\")) }",    # a predicate over budget
]


@pytest.mark.live
@pytest.mark.parametrize("query", IN_PROCESS)
def test_bounded_queries_run_in_process(server, query):
    before = counters(server)
    r = requests.get(server.url("/sparql"), params={"query": PREFIX + query}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    moved = delta(before, counters(server))
    assert moved["queries_in_process_total"] == 1 and moved["query_workers_jobs"] == 0, moved


@pytest.mark.live
@pytest.mark.parametrize("query", IN_WORKERS)
def test_other_queries_run_in_workers(server, query):
    before = counters(server)
    r = requests.get(server.url("/sparql"), params={"query": PREFIX + query}, timeout=60)
    assert r.status_code == 200, r.text[:300]
    moved = delta(before, counters(server))
    assert moved["queries_in_process_total"] == 0 and moved["query_workers_jobs"] == 1, moved
    if re.fullmatch(r"SELECT \?o WHERE \{ ex:hub ex:p \?o \}( ORDER BY \?o)?", query):
        assert r.headers["X-SPARQL-Rows"] == str(HUB) and len(r.json()["results"]["bindings"]) == HUB
    if query.startswith("DESCRIBE"):
        assert r.headers["X-SPARQL-Rows"] == str(HUB), "every triple of the description"


@pytest.mark.live
@pytest.mark.parametrize("query", IN_PROCESS)
def test_in_process_answers_are_the_workers(server, query):
    """The same query in process and in a worker (a timeout too short for in process): the same answer."""
    accept = "application/n-triples" if query.startswith(("CONSTRUCT", "DESCRIBE")) else "application/sparql-results+json"
    answers = []
    for extra in ({}, {"timeout": "0.3"}):
        r = requests.get(server.url("/sparql"), params={"query": PREFIX + query, **extra},
                         headers={"Accept": accept}, timeout=30)
        assert r.status_code == 200, r.text[:300]
        answers.append(sorted(r.text.splitlines()) if accept == "application/n-triples" else r.json())
    assert answers[0] == answers[1]


@pytest.mark.live
def test_short_timeout_goes_to_a_worker(server):
    """Below MIN_IN_PROCESS_TIMEOUT only a worker's kill can keep the deadline: no in-process run."""
    before = counters(server)
    r = requests.get(server.url("/sparql"), params={"query": PREFIX + IN_PROCESS[0], "timeout": "0.2"}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    moved = delta(before, counters(server))
    assert moved["queries_in_process_total"] == 0 and moved["query_workers_jobs"] == 1, moved


@pytest.mark.parametrize("query", IN_PROCESS + [
    "SELECT DISTINCT ?p WHERE { ex:alice ?p ?o } ORDER BY DESC(?p) LIMIT 5 OFFSET 1",
    "SELECT * WHERE { ex:alice ex:name \"Alice\"@en , 'x'^^ex:t ; ex:age 42 . ex:bob ?p true }",
    "CONSTRUCT WHERE { ex:alice ?p ?o }",
])
def test_guard_proves_bounded_shapes(query):
    assert guard.inspect(PREFIX + query, max_bytes=65536).plan is not None


@pytest.mark.parametrize("query", IN_WORKERS[:3] + [
    "SELECT * WHERE { ex:alice ?p ?o . ?o ?q ?r . ?r ?s ?t }",      # a hop from a hop
    "SELECT * WHERE { ex:alice ex:knows [ ex:name ?n ] }",          # blank-node syntax
    "SELECT * WHERE { ex:alice ?p ?o } VALUES ?o { 1 }",
    "SELECT * WHERE { ex:alice ?p ?o { SELECT * WHERE { ?s ?p ?o } } }",
    "SELECT * WHERE { GRAPH ?g { ex:alice ?p ?o } }",
    "SELECT * FROM ex:g1 WHERE { ex:alice ?p ?o }",
    "SELECT ?p WHERE { ex:alice ?p ?o } GROUP BY ?p HAVING (COUNT(*) > 1)",
    "SELECT ?n WHERE { ex:alice ex:name ?n FILTER EXISTS { ?n ?p ?o } }",
    "SELECT ?n WHERE { ex:alice ex:name ?n FILTER(EXISTS { ?n ?p ?o }) }",
    "SELECT ?n WHERE { ex:alice ex:name ?n FILTER(REPLACE(?n, \"a\", \"b\") = ?n) }",
    "SELECT ?n WHERE { ex:alice ex:name ?n FILTER(" + " + ".join(["1"] * 40) + " > 2) }",   # a long expression
    "SELECT (GROUP_CONCAT(?o) AS ?all) WHERE { ex:alice ?p ?o } GROUP BY ?p ORDER BY STRLEN(?all)",
    "SELECT * WHERE { <relative> ?p ?o }",                          # resolved against the request
    "SELECT * WHERE { ex:alice ?p ?o OPTIONAL { ex:bob ?q ?r OPTIONAL { ?r ?x ?y } } }",
    "DESCRIBE ?x WHERE { ?x ex:name \"Bob\" }",
    "SELECT * WHERE { ex:alice ex:name ?n BIND(?n AS ?m) }",
    "SELECT * WHERE { { ex:alice ?p ?o } UNION { ex:bob ?p ?o } }",
    "SELECT * WHERE { ?s ex:name ?n . ?s ex:knows ?k }",             # two predicates: which is read first?
    "SELECT * WHERE { ?s ex:name \"Bob\" }",                        # a literal object is not an anchor
    "SELECT * WHERE { ?s a ?c ; ex:name ?n }",
    "CONSTRUCT { ?s ex:name ?n } WHERE { { SELECT ?s ?n WHERE { ?s ex:name ?n ; ex:knows ?k } LIMIT 2 } }",
    "CONSTRUCT { ?s ex:name ?n } WHERE { { SELECT ?s (STR(?n) AS ?m) WHERE { ?s a ex:Person ; ex:name ?n } } }",
])
def test_guard_leaves_the_rest_to_workers(query):
    assert guard.inspect(PREFIX + query, max_bytes=65536).plan is None


class CountingStore:
    """A pyoxigraph store that counts the calls the bounded proof makes on it."""

    def __init__(self, store):
        self.store, self.calls = store, 0

    def quads_for_pattern(self, *args):
        self.calls += 1
        return self.store.quads_for_pattern(*args)

    def query(self, *args, **kwargs):
        self.calls += 1
        return self.store.query(*args, **kwargs)


@pytest.mark.parametrize("first, again, within", [
    # another page of the class, another text: the class's members and their names are counted once
    ("SELECT ?s ?n WHERE { ?s a ex:Person ; ex:name ?n } ORDER BY ?n ?s LIMIT 2",
     "CONSTRUCT { ?s ex:name ?n } WHERE { { SELECT ?s ?n WHERE { ?s a ex:Person ; ex:name ?n } ORDER BY ?s LIMIT 1 } }",
     True),
    ("DESCRIBE ex:carol", "DESCRIBE <http://example.org/carol>", True),
    # an over-budget anchor is remembered as over budget
    ("SELECT ?s WHERE { ?s a ex:Big } ORDER BY ?s LIMIT 3", "SELECT ?s WHERE { ?s a ex:Big } ORDER BY DESC(?s)", False),
    ("SELECT ?o WHERE { ex:linker ?l ?h . ?h ex:p ?o } ORDER BY ?o LIMIT 3",
     "SELECT ?h ?o WHERE { ex:linker ?l ?h . ?h ex:p ?o } ORDER BY ?h", False),
])
def test_bounded_proof_counts_an_anchor_once(data_dir, first, again, within):
    import pyoxigraph as ox

    store = ox.Store()
    for f in sorted(data_dir.iterdir()):
        store.load(path=str(f), format=ox.RdfFormat.from_extension(f.suffix[1:]))
    counting, counts = CountingStore(store), bounded.Counts()
    first_plan, again_plan = (guard.inspect(PREFIX + q, max_bytes=65536).plan for q in (first, again))
    assert bounded.within_budget(counting, first_plan, None, counts) is within
    made = counting.calls
    assert made > 0
    assert bounded.within_budget(counting, again_plan, None, counts) is within
    assert counting.calls == made, "the second query's anchor was counted again"
    # without the counts kept, the same verdict from the store itself
    assert bounded.within_budget(store, again_plan, None) is within


# -- caches: what is asked again is replayed; what is asked once costs nothing ---------------------------
@pytest.fixture(scope="module")
def cached_server(start_server, data_dir):
    return start_server("--data", str(data_dir), "--workers", "1", "--threads", "4")


@pytest.mark.live
def test_repeated_requests_are_replayed_once_seen_twice(cached_server):
    """The first request of a text is answered and not kept (the doorkeeper); the second is kept, by
    the result cache and the replay layer; from the third on the whole response is replayed."""
    names = ("replayed_responses_total", "replay_cache_bytes", "result_cache_entries")
    state = lambda: {n: metric(cached_server, n) for n in names}
    params = {"query": PREFIX + "SELECT ?n WHERE { ex:carol ex:name ?n } # asked three times"}
    seen = [state()]
    bodies, ids = [], set()
    for _ in range(3):
        r = requests.get(cached_server.url("/sparql"), params=params, timeout=10)
        assert r.status_code == 200
        bodies.append((r.content, r.headers["ETag"], r.headers["X-SPARQL-Rows"]))
        ids.add(r.headers["X-Request-Id"])
        seen.append(state())
    assert len(set(bodies)) == 1, "the same answer every time"
    assert len(ids) == 3, "a replayed answer still gets its own request id (Front is outside the replay layer)"
    first, second, third = (delta(a, b) for a, b in zip(seen, seen[1:]))
    assert first == {n: 0 for n in names}, f"a text seen once is not kept: {first}"
    assert second["replay_cache_bytes"] > 0 and second["result_cache_entries"] == 1 and \
        second["replayed_responses_total"] == 0, second
    assert third["replayed_responses_total"] == 1 and third["replay_cache_bytes"] == 0, third


@pytest.mark.live
def test_an_expensive_answer_is_kept_at_its_first_ask(cached_server):
    """An answer that took long (``replay.EXPENSIVE_SECONDS``) is kept the first time: its second ask is
    replayed, without the seconds of recomputing that each worker would otherwise spend before keeping it."""
    from cec_kg.protocol.replay import EXPENSIVE_SECONDS

    names = ("replayed_responses_total", "replay_cache_bytes")
    state = lambda: {n: metric(cached_server, n) for n in names}
    # ex:hub's values × ex:half's: ~2 million rows counted, well over EXPENSIVE_SECONDS.
    params = {"query": PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ex:hub ex:p ?a . ex:half ex:p ?b } # expensive"}
    before = state()
    started = time.monotonic()
    first = requests.get(cached_server.url("/sparql"), params=params, timeout=60)
    took = time.monotonic() - started
    assert first.status_code == 200 and took >= EXPENSIVE_SECONDS, (first.status_code, took)
    kept = delta(before, state())
    assert kept["replay_cache_bytes"] > 0 and kept["replayed_responses_total"] == 0, kept
    again = requests.get(cached_server.url("/sparql"), params=params, timeout=60)
    assert again.status_code == 200 and again.content == first.content
    assert delta(before, state())["replayed_responses_total"] == 1, "the second ask is replayed"


@pytest.mark.live
def test_query_workers_that_grew_are_replaced(start_server, data_dir):
    """A query process whose memory grew past QUERY_WORKER_MEMORY_MB answers, exits and is replaced
    (0 here: every one retires after one query); the answers do not change."""
    server = start_server("--data", str(data_dir), "--workers", "1", "--threads", "4", "--cache-mb", "0",
                          env={"CEC_QUERY_WORKER_MEMORY_MB": "0"})
    before = {n: metric(server, f"query_workers_{n}") for n in ("jobs", "retired", "spawned")}
    for i in range(4):
        r = requests.get(server.url("/sparql"), params={"query": PREFIX + f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {i}"},
                         timeout=30)
        assert r.status_code == 200 and int(r.json()["results"]["bindings"][0]["n"]["value"]) > HUB, r.text[:300]
    after = {n: metric(server, f"query_workers_{n}") for n in ("jobs", "retired", "spawned")}
    moved = {n: after[n] - before[n] for n in after}
    assert moved["jobs"] == 4 and moved["retired"] == 4, moved
    assert moved["spawned"] >= 3, f"each retired worker is replaced: {moved}"


def test_worker_wire_carries_every_job_field():
    """The job crosses to a worker as marshal'd plain values: every field the worker uses comes back
    equal, a saved query's substitutions (pyoxigraph terms) included, via their N-Triples form."""
    import pyoxigraph as ox

    from cec_kg.store.executor import Job, job_from_message, job_message

    terms = (("who", ox.NamedNode("http://example.org/alice")), ("name", ox.Literal('A "quoted"\nname', language="es")),
             ("n", ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
    job = Job(query="SELECT * WHERE { ?who ?p ?name }", media_type="text/csv", default_graphs=("http://g/1",),
              named_graphs=(), union_default_graph=False, row_cap=7, bounded=True, base_iri="http://h/sparql",
              prefixes=(("ex", "http://example.org/"),), variable_order=("who", "p", "name"), substitutions=terms,
              max_bytes=1234, lane="cheap", plan=object(), probe="SELECT … LIMIT 10001")
    back = job_from_message(job_message(job))
    for field in ("query", "media_type", "default_graphs", "named_graphs", "union_default_graph", "row_cap", "bounded",
                  "base_iri", "prefixes", "variable_order", "substitutions", "max_bytes"):
        assert getattr(back, field) == getattr(job, field), field


@pytest.mark.parametrize("values", [
    ["plain", "two words"],                         # no escaped quote: split on quotes
    ["}},{", "[{x", ",{", "a:{b"],                  # braces and commas inside strings
    ['a,{"b', 'x\\"', "back\\slash", "}},{"],     # escaped quotes: the string-stripping regex
    [],
])
def test_json_rows_counts_solutions_not_braces(values):
    """JSON answers are written once by the engine and their rows counted on the bytes: strings holding
    `,{`, `}},{`, quotes and backslashes are not rows (checked against the engine's own count)."""
    import pyoxigraph as ox

    from cec_kg.store.results import json_rows

    store = ox.Store()
    for v in values:
        store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal(v)))
    store.add(ox.Quad(ox.NamedNode("http://example.org/t"), ox.NamedNode("http://example.org/q"), ox.BlankNode()))
    for q in ("SELECT ?o WHERE { ?s ?p ?o }", "SELECT ?x WHERE { ?s ?p ?o OPTIONAL { ?o ?z ?x } }",
              "SELECT * WHERE { ?s <http://example.org/none> ?o }"):
        body = store.query(q).serialize(format=ox.QueryResultsFormat.JSON)
        assert json_rows(body) == len(list(store.query(q))), (q, body)


# -- the guard's description kept per query shape (constants abstracted) ---------------------------------
SHAPED = [
    "SELECT ?p ?o WHERE { <http://example.org/alice> ?p ?o }",
    "SELECT ?o ?n WHERE { <http://example.org/alice> <http://example.org/knows> ?o . ?o <http://example.org/name> ?n }",
    "CONSTRUCT { ?s <http://example.org/name> ?n } WHERE { { SELECT ?s ?n WHERE { ?s a <http://example.org/Person> ; "
    "<http://example.org/name> ?n } ORDER BY ?s LIMIT 2 } }",
    "DESCRIBE <http://example.org/carol> <http://example.org/alice>",
    "SELECT * WHERE { <http://example.org/alice> <http://example.org/name> \"Alice\"@en ; ?p ?o }",
    "SELECT * WHERE { ?s <http://example.org/name> ?n FILTER(?n = \"Bob\") }",
    "SELECT * FROM <http://example.org/g1> WHERE { <http://example.org/alice> ?p ?o }",
    "ASK { <http://example.org/alice> <http://example.org/knows> ?x }",
]


@pytest.mark.parametrize("query", SHAPED)
def test_guard_shapes_describe_each_query_as_its_own(query):
    """A query whose shape was seen (other IRIs, other strings) is described exactly as if it had not been."""
    guard._shapes.clear()
    other = query.replace("http://example.org/", "http://example.net/x/").replace('"Bob"', '"Robert"')
    first = guard.inspect(PREFIX + query, max_bytes=65536)
    assert first == guard._inspect(PREFIX + query, guard.tokens(PREFIX + query), guard.MAX_NESTING)
    again = guard.inspect(PREFIX + other, max_bytes=65536)
    assert again == guard._inspect(PREFIX + other, guard.tokens(PREFIX + other), guard.MAX_NESTING)
    assert first.plan is None or again.plan != first.plan      # the plan holds each query's own IRIs


@pytest.mark.parametrize("query", SHAPED + [
    '#<http://a/> "x\nSELECT ?o WHERE { <http://a/b> ?p ?o } # "<http://c/>',
    "SELECT ?o WHERE { <http://a/b> ?p ?o } # a comment at the very end, with a word",
    "SELECT ?o WHERE { <http://a/b> ?p ?o }\n#",
    "SELECT ?o WHERE { <http://a/b> ?p '''it's {<http://d/>}''' , \"\\\"<e>\" }",
    "PREFIX x: <http://p/> SELECT * WHERE { x:a ?p <rel> . <http://a/b> ?q 1.5e3 }",
    "SELECT ?o WHERE { ?s ?p ?o }",
])
def test_guard_shape_key_in_one_pass_is_the_shapes(query):
    """The key and values read in one pass (every request) are those of the shaped tokens (a miss)."""
    key, values, _ = guard._shape(guard.tokens(PREFIX + query))
    assert guard._shape_key(PREFIX + query) == (key, values)


@pytest.mark.parametrize("path", sorted(paths.QUERIES_DIR.rglob("*.rq")), ids=lambda p: p.name)
def test_guard_shape_key_of_each_of_our_queries_is_the_shapes(path):
    text = path.read_text(encoding="utf-8")
    key, values, _ = guard._shape(guard.tokens(text))
    assert guard._shape_key(text) == (key, values)


def test_guard_shape_key_of_every_w3c_query_is_the_shapes():
    """Over the W3C suites' queries: comments and spaces everywhere, strings of every kind, odd IRIs."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in require_shared("w3c").rglob("*.rq")]
    assert len(texts) > 300
    differ = [t for t in texts if guard._shape_key(t) != guard._shape(guard.tokens(t))[:2]]
    assert not differ, differ[:3]


def test_guard_shapes_keep_refusals_and_relative_iris():
    guard._shapes.clear()
    for _ in range(2):      # the second time from the shape
        with pytest.raises(Problem) as e:
            guard.inspect("SELECT * WHERE { <http://a/b> ?p ?o SERVICE <http://x/> { ?s ?p ?o } }", max_bytes=65536)
        assert e.value.code == 403 and "line 1, column 37" in e.value.description
    assert guard.inspect("SELECT * WHERE { <http://a/b> ?p ?o }", max_bytes=65536).plan is not None
    assert guard.inspect("SELECT * WHERE { <b> ?p ?o }", max_bytes=65536).plan is None     # relative: not abstracted
    # a text that names the placeholders themselves is never described from a shape
    sneaky = "PREFIX s: <urn:x-cec-kg-slot:> SELECT * WHERE { <http://a/b> ?p ?o . s:0 ?q ?r }"
    assert guard.inspect(sneaky, max_bytes=65536) == guard._inspect(sneaky, guard.tokens(sneaky), guard.MAX_NESTING)


# -- a bounded graph answer written whole by the engine (N-Triples), cut like any other past a cap -------
@pytest.mark.parametrize("row_cap,max_bytes", [(100, None), (3, None), (100, 200), (3, 150), (0, None)])
def test_small_graphs_in_n_triples_are_the_engines_own(row_cap, max_bytes):
    import pyoxigraph as ox

    from cec_kg.store.results import serialize

    store = ox.Store()
    store.load(PEOPLE.encode("utf-8"), format=ox.RdfFormat.TRIG)
    query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"      # blank nodes, escapes, languages
    outcomes = [serialize(store.query(query), "application/n-triples", row_cap=row_cap, max_bytes=max_bytes,
                          small=small) for small in (False, True)]
    assert outcomes[0] == outcomes[1]
    assert outcomes[1].rows == min(row_cap, outcomes[1].rows) and outcomes[1].body.count(b"\n") == outcomes[1].rows


def test_guard_shapes_are_bounded():
    """Long texts are not kept, and the number of shapes kept is capped (memory stays bounded)."""
    guard._shapes.clear()
    long = "SELECT * WHERE { <http://a/b> ?p ?o }" + " " * guard.SHAPE_MAX_CHARS
    guard.inspect(long, max_bytes=1 << 20)
    assert not guard._shapes
    for i in range(guard.SHAPES_MAX + 10):
        guard.inspect(f"SELECT * WHERE {{ <http://a/b> ?p ?v{i} }}", max_bytes=65536)
    assert 0 < len(guard._shapes) <= guard.SHAPES_MAX
