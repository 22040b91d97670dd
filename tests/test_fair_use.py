"""Fair use: per-client budgets of query time and concurrent queries (429 naming the limit), and a reserved
lane so cheap requests never wait behind slow queries.

Clients are told apart by ``X-Client-Id``, which the servers here believe from 127.0.0.1
(``--forwarded-allow-ips 127.0.0.1 --client-header X-Client-Id``), as they would from a proxy.
"""
from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

pytestmark = pytest.mark.live

DATA = """@prefix ex: <http://example.org/> .
ex:g1 { ex:a ex:p "one" . ex:b ex:p "two" . }
"""
PROXY = ["--forwarded-allow-ips", "127.0.0.1", "--client-header", "X-Client-Id"]


def slow_query(tag: str, n: int = 60) -> str:
    values = " ".join(str(i) for i in range(n))
    return (f"# {tag}\nSELECT (COUNT(*) AS ?n) WHERE {{ "
            + " ".join(f"VALUES ?{v} {{ {values} }}" for v in "abcde") + " }")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fair-data")
    (d / "data.trig").write_text(DATA, encoding="utf-8")
    return d


def ask(server, client: str, query: str, timeout: str = "10", **params):
    return requests.get(server.url("/sparql"), params={"query": query, "timeout": timeout, **params},
                        headers={"X-Client-Id": client}, timeout=60)


def check_429(r: requests.Response, limit: str) -> dict:
    assert r.status_code == 429, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert 1 <= int(r.headers["Retry-After"]) <= 60, r.headers["Retry-After"]
    body = r.json()
    assert body["limit"] == limit and body["request_id"] == r.headers["X-Request-Id"], body
    return body


# -- the reserved lane ---------------------------------------------------------------------------------------
def test_cheap_requests_never_wait_behind_slow_queries(start_server, data_dir):
    """The issue's measurement: with 24 slow queries in flight (timeout 4 s) a cheap ASK waited 7.5 s and
    got a 503. Default process model (2 workers x 8 threads, 2-4 query processes each)."""
    server = start_server("--data", str(data_dir), "--cache-mb", "0", *PROXY)
    slow_outcomes: list[int] = []

    def run_slow(i: int):
        r = ask(server, f"slow-{i}", slow_query(f"slow {i}"), timeout="4")
        slow_outcomes.append(r.status_code)

    pool = ThreadPoolExecutor(24)
    futures = [pool.submit(run_slow, i) for i in range(24)]
    time.sleep(0.8)         # the slow ones are admitted, evaluating or refused by now
    waits = {}
    for i in range(5):
        t = time.monotonic()
        r = ask(server, "cheap", f"ASK {{ ?s ?p 'x{i}' }}")
        waits[f"ask-{i}"] = time.monotonic() - t
        assert r.status_code == 200, r.text
    for i in range(3):
        t = time.monotonic()
        r = ask(server, "cheap", f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {i + 1}")
        waits[f"lookup-{i}"] = time.monotonic() - t
        assert r.status_code == 200, r.text
    for path in ("/", "/dataset", "/health"):
        t = time.monotonic()
        assert requests.get(server.url(path), timeout=30).status_code == 200, path
        waits[path] = time.monotonic() - t
    for f in futures:
        f.result(60)
    pool.shutdown()
    print("cheap request latencies with 24 slow queries in flight:",
          {k: round(v, 3) for k, v in waits.items()})
    assert max(waits.values()) < 1.5, f"a cheap request waited behind slow queries: {waits}"
    assert len(slow_outcomes) == 24 and set(slow_outcomes) <= {503, 200}, slow_outcomes


# -- per-client limits --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def limited(start_server, data_dir):
    # 3 heavy query processes per serving process (4, 1 reserved): the greedy client's two and the patient
    # one's may all reach one process (connections are spread by the kernel); with the default 2 the
    # patient query waited for a process and was answered Busy, which is capacity, not fair use.
    return start_server("--data", str(data_dir), "--workers", "2", "--threads", "8", "--cache-mb", "0",
                        "--max-query-workers", "4",
                        "--fair-concurrent-queries", "2", "--fair-query-seconds", "3", *PROXY)


def test_concurrent_queries_per_client(limited):
    results: list[requests.Response] = []
    lock = threading.Lock()

    def run(i):
        r = ask(limited, "greedy", slow_query(f"greedy {i}"), timeout="2")
        with lock:
            results.append(r)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    time.sleep(0.5)
    other = ask(limited, "patient", slow_query("patient"), timeout="1")     # another client is not limited
    for th in threads:
        th.join(30)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [429, 429, 503, 503], statuses          # two ran (and timed out), two were refused
    for r in results:
        if r.status_code == 429:
            body = check_429(r, "concurrent-queries")
            assert "2 concurrent queries" in body["detail"] and "--fair-concurrent-queries" in body["detail"]
    assert other.status_code == 503 and other.json()["title"] == "Query timeout", other.text


def test_query_seconds_per_minute_per_client(limited):
    for i in range(2):                           # 2 s each: 4 s used of a 3 s budget
        r = ask(limited, "heavy-user", slow_query(f"budget {i}"), timeout="2")
        assert r.status_code == 503, r.text
    r = ask(limited, "heavy-user", "ASK { ?s ?p ?o }")
    body = check_429(r, "query-seconds-per-minute")
    assert body["used"] >= 3.5 and "3 s per client per minute" in body["detail"], body
    assert "--fair-query-seconds" in body["detail"]
    assert ask(limited, "someone-else", "ASK { ?s ?p ?o }").status_code == 200


def test_a_slow_cheap_query_leaves_the_lane_with_its_time(limited):
    """An ASK is cheap by its shape; this one is slow: after 1 s in the lane it runs again as a heavy
    query with the time it has left, so it still gets its whole timeout."""
    query = ("ASK { " + " ".join(f"VALUES ?{v} {{ {' '.join(str(i) for i in range(60))} }}" for v in "abcde")
             + " FILTER(?a + ?b + ?c + ?d + ?e < 0) }")
    t = time.monotonic()
    r = ask(limited, "asker", query, timeout="2.5")
    seconds = time.monotonic() - t
    assert r.status_code == 503 and r.json()["title"] == "Query timeout", r.text
    assert 2.3 <= seconds < 5, f"the query got {seconds:.1f} s of its 2.5 s"


def test_a_slow_cheap_query_moves_to_the_heavy_lane_without_starting_again(start_server, data_dir):
    """A cheap query (its LIMIT) still running when its time in the lane is up takes a heavy place where
    it runs: evaluated once, by one worker. It used to be killed and run again from the start (measured
    on 1M triples: a 1.3 s label search answered in 2.7-3.2 s)."""
    server = start_server("--data", str(data_dir), "--workers", "1", "--threads", "4", "--cache-mb", "0",
                          "--cheap-query-seconds", "0.3")
    values = " ".join(str(i) for i in range(25))
    query = ("SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?{v} {{ {values} }}" for v in "abcde")
             + " } LIMIT 1")     # ~1 s or more of evaluation; LIMIT 1 makes it cheap by its shape

    def counts() -> dict:
        text = requests.get(server.url("/metrics"), timeout=10).text
        return {name: sum(float(v) for v in re.findall(rf"^cec_kg_query_workers_{name}{{[^}}]*}} ([0-9.]+)$", text, re.M))
                for name in ("jobs", "killed", "spawned")}

    ask(server, "warm", "ASK { ?s ?p ?o }")
    before = counts()
    t = time.monotonic()
    r = ask(server, "patient", query, timeout="30")
    seconds = time.monotonic() - t
    assert r.status_code == 200, r.text[:300]
    assert r.json()["results"]["bindings"][0]["n"]["value"] == str(25 ** 5)
    moved = {k: counts()[k] - before[k] for k in before}
    assert seconds > 0.3, f"the query took {seconds:.2f} s: not long enough to leave the cheap lane"
    assert moved["jobs"] == 1 and moved["killed"] == 0, f"evaluated more than once: {moved}"
