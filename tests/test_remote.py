"""The remote backend: a real ``oxigraph serve`` on loopback, loaded with ``cec-kg load --backend``
(Graph Store Protocol PUTs), queried through ``cec-kg serve --backend`` — and the same protocol tests
as ``test_protocol.py`` pass through it (imported below; the fixtures of this module serve them).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import free_port
import test_protocol
from test_protocol import FIXTURES, TOTAL_QUADS

# The protocol tests that hold whatever store answers behind our service, collected again here (and in
# test_virtuoso.py) with the fixtures of the module that imports them; BACKEND_TESTS adds this module's own.
PROTOCOL_TESTS = (
    "test_ask", "test_ask_csv_tsv", "test_construct", "test_construct_formats", "test_default_graph_is_union",
    "test_describe", "test_etag_revalidation", "test_every_rdf_syntax_loaded", "test_format_override",
    "test_from_selects_store_graph", "test_gzip", "test_head", "test_named_graphs_kept", "test_negotiation_select",
    "test_not_acceptable", "test_options_and_cors", "test_protocol_dataset", "test_protocol_dataset_overrides_from",
    "test_select_csv_tsv", "test_select_json", "test_select_xml", "test_service_description",
    "test_syntax_error_quotes_parser", "test_two_queries", "test_wrong_content_type", "test_wrong_method",
)
BACKEND_TESTS = PROTOCOL_TESTS + ("test_health_reports_remote", "test_remote_is_read_only_through_us",
                                  "test_remote_timeout")
globals().update({name: getattr(test_protocol, name) for name in PROTOCOL_TESTS})

pytestmark = pytest.mark.remote
OXIGRAPH = Path(sys.executable).with_name("oxigraph")


class Oxigraph:
    def __init__(self, location: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.endpoint = self.base + "/query"
        self.log = open(location.parent / f"oxigraph-{self.port}.log", "w+")
        self.proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location), "--bind",
                                      f"127.0.0.1:{self.port}", "--union-default-graph"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/query", params={"query": "ASK {}"}, timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("oxigraph serve did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()


def backend_select(backend, query: str) -> list[dict]:
    """Bindings of a SELECT asked of the backend directly (not through our service)."""
    r = requests.get(backend.endpoint, params={"query": query},
                     headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("remote-data")
    for name, text in FIXTURES.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    if not OXIGRAPH.exists() and not shutil.which("oxigraph"):
        pytest.fail("the oxigraph server (pip package `oxigraph`, a test dependency) is not installed")
    server = Oxigraph(tmp_path_factory.mktemp("oxigraph") / "db")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def loaded(oxigraph, data_dir):
    run = subprocess.run([sys.executable, "-m", "cec_kg", "load", "--backend", oxigraph.base + "/query",
                          str(data_dir)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.fixture(scope="module")
def server(start_server, oxigraph, loaded):
    return start_server("--backend", oxigraph.base + "/query", "--workers", "1", "--threads", "4")


@pytest.fixture(scope="module")
def backend(oxigraph, loaded):
    """The loaded SPARQL server behind our service (test_virtuoso.py defines its own)."""
    return oxigraph


@pytest.fixture()
def endpoint(server) -> str:
    return server.url("/sparql")


def test_load_pushes_every_graph(oxigraph, loaded):
    rows = backend_select(oxigraph, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    sizes = {b["g"]["value"]: int(b["n"]["value"]) for b in rows}
    assert sizes == {"http://example.org/g1": 7, "http://example.org/g2": 4, "http://example.org/g3": 1}, loaded
    rows = backend_select(oxigraph, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"]["value"]) == TOTAL_QUADS


# -- through our service (test_virtuoso.py imports these, with its own fixtures) ----------------------
def test_health_reports_remote(server):
    h = requests.get(server.url("/health"), timeout=10).json()
    assert h["status"] == "ok" and h["backend"] == "remote" and h["triples"] == TOTAL_QUADS, h


def test_remote_is_read_only_through_us(endpoint, backend):
    r = requests.post(endpoint, data={"update": "CLEAR ALL"}, timeout=10)
    assert r.status_code == 403
    r = requests.get(endpoint, params={"query": f"SELECT * WHERE {{ SERVICE <{backend.endpoint}> {{ ?s ?p ?o }} }}"},
                     timeout=10)
    assert r.status_code == 403, "SERVICE must be refused before it reaches the backend"
    rows = backend_select(backend, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"]["value"]) == TOTAL_QUADS, "data changed"


def test_remote_timeout(endpoint):
    """The backend's slow query ends in a 503 + Retry-After on time while a cheap one answers at once."""
    values = " ".join(str(i) for i in range(60))
    slow = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?{v} {{ {values} }}" for v in "abcde") + " }"
    outcome = {}

    def run():
        t = time.monotonic()
        r = requests.get(endpoint, params={"query": slow, "timeout": "2"}, timeout=30)
        outcome.update(status=r.status_code, retry=r.headers.get("Retry-After"), seconds=time.monotonic() - t,
                       body=r.text[:300])

    th = threading.Thread(target=run)
    th.start()
    time.sleep(0.3)
    t = time.monotonic()
    r = requests.get(endpoint, params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    cheap = time.monotonic() - t
    th.join()
    assert r.status_code == 200 and cheap < 1.0, f"cheap query took {cheap:.2f}s behind a slow one"
    assert outcome["status"] == 503 and outcome["retry"], outcome
    assert outcome["seconds"] < 5, outcome
