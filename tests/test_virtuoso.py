"""The remote backend against a real Virtuoso 7 (Debian ``virtuoso-opensource``) on loopback: a throw-away
instance (own ini and database files in a temporary directory, ports from ``free_port()``, bound to
127.0.0.1 only), loaded with ``cec-kg load --backend …/sparql`` (Graph Store Protocol PUTs to
``/sparql-graph-crud``), queried through ``cec-kg serve --backend …/sparql`` — and the same protocol
tests as ``test_protocol.py`` / ``test_remote.py`` pass through it, except the differences listed in
``known_failures.VIRTUOSO`` (strict xfails, each with its reason).

Set-up of the instance, as a deployment would do it (like ``oxigraph serve --union-default-graph``):
anonymous Graph Store writes (``GRANT SPARQL_UPDATE TO "SPARQL"``, acceptable on a loopback test
instance only) and Virtuoso's own system graphs made private, so that the default graph (Virtuoso: the
union of every readable graph) holds only the loaded data.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, free_port
from known_failures import VIRTUOSO
import test_remote
from test_protocol import CSV, FIXTURES, JSON, METHODS, PREFIX, SELECT, TOTAL_QUADS, TSV, XML, wrapper
from test_remote import backend_select

sys.path.insert(0, str(ROOT))
from bench import virtuoso as virtuoso_setup  # noqa: E402  (bench/ is not part of the package)
from bench.virtuoso import DEFAULT_GRAPH, SYSTEM_GRAPHS, StartError  # noqa: E402

# The protocol tests and the checks made through our service, whatever the backend: collected here with
# this module's `backend`, `server` and `endpoint` fixtures.
globals().update({name: getattr(test_remote, name) for name in test_remote.BACKEND_TESTS})

pytestmark = pytest.mark.remote
READY_SECONDS = 60


def require_virtuoso() -> None:
    """Skip locally when Virtuoso is not installed; in CI (which installs it in .ci/run) fail."""
    reason = virtuoso_setup.missing()
    if not reason:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: missing in CI")
    pytest.skip(reason)


def listening_addresses(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket the process listens on, read from /proc (what `ss -ltnp` shows)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = []
    for table, width in (("tcp", 8), ("tcp6", 32)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:     # 0A = LISTEN
                continue
            hexaddr, hexport = local.split(":")
            if width == 8:
                address = ".".join(str(b) for b in reversed(bytes.fromhex(hexaddr)))
            else:
                address = "ipv6:" + hexaddr
            out.append((address, int(hexport, 16)))
    return out


class Virtuoso:
    """A throw-away ``virtuoso-t +foreground`` with its own ini and database in ``directory``
    (``bench/virtuoso.py``: the ini, the set-up)."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.endpoint = self.base + "/sparql"
        ini = virtuoso_setup.write_ini(directory, self.sql_port, self.http_port)
        self.out = open(directory / "stdout.log", "w+")
        started = time.monotonic()
        self.proc = subprocess.Popen(virtuoso_setup.command(ini), cwd=directory, stdout=self.out,
                                     stderr=subprocess.STDOUT)
        try:
            self._wait_ready(started)
            self.start_seconds = time.monotonic() - started
            virtuoso_setup.setup(self.sql_port, directory)
        except BaseException:
            self.stop()
            raise

    def log_tail(self, n: int = 3000) -> str:
        return virtuoso_setup.log_tail(self.dir, n)

    def _wait_ready(self, started: float) -> None:
        deadline = started + READY_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StartError(f"virtuoso-t exited with {self.proc.returncode} before it was ready:\n"
                                 f"{self.log_tail()}")
            try:
                r = requests.get(self.endpoint, params={"query": "ASK {}"},
                                 headers={"Accept": "application/sparql-results+json"}, timeout=2)
                if r.status_code == 200 and r.json().get("boolean") is not None:
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.2)
        raise StartError(f"virtuoso-t not ready on {self.endpoint} after {READY_SECONDS}s:\n{self.log_tail()}")

    def sql(self, statements: str) -> str:
        return virtuoso_setup.sql(self.sql_port, statements, self.dir)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()          # Virtuoso checkpoints and exits on SIGTERM
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        virtuoso_setup.remove_database(self.dir)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    require_virtuoso()
    for attempt in (1, 2):
        try:
            server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
            break
        except StartError as e:
            # A port from free_port() can be taken by another process before Virtuoso binds it: retry once.
            if attempt == 2 or "Failed to start listening" not in str(e):
                pytest.fail(str(e))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("virtuoso-data")
    for name, text in FIXTURES.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def cec_kg_load(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cec_kg", "load", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def loaded(virtuoso, data_dir):
    run = cec_kg_load("--backend", virtuoso.endpoint, "--default-graph", DEFAULT_GRAPH, str(data_dir))
    assert run.returncode == 0, run.stderr + virtuoso.log_tail()
    return run.stdout


@pytest.fixture(scope="module")
def backend(virtuoso, loaded):
    return virtuoso


@pytest.fixture(scope="module")
def server(start_server, virtuoso, loaded):
    return start_server("--backend", virtuoso.endpoint, "--workers", "1", "--threads", "4")


@pytest.fixture()
def endpoint(server) -> str:
    return server.url("/sparql")


@pytest.fixture(autouse=True)
def _known_virtuoso_differences(request):
    """Strict xfail for the rows of known_failures.VIRTUOSO (keyed by test name, with or without its id)."""
    node = request.node
    reason = VIRTUOSO.get(node.name) or VIRTUOSO.get(getattr(node, "originalname", node.name))
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))


# -- the instance itself ---------------------------------------------------------------------------
def test_listens_on_loopback_only(virtuoso):
    listening = listening_addresses(virtuoso.proc.pid)
    ports = {port for _, port in listening}
    assert {virtuoso.sql_port, virtuoso.http_port} <= ports, listening
    assert all(address == "127.0.0.1" for address, _ in listening), f"Virtuoso listens beyond loopback: {listening}"
    assert virtuoso.start_seconds < READY_SECONDS


def test_system_graphs_hidden(virtuoso, loaded):
    # (Their names still leak through Virtuoso's graph-list shortcut for an unordered
    # SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }; their triples do not.)
    rows = backend_select(virtuoso, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert not {b["g"]["value"] for b in rows} & set(SYSTEM_GRAPHS), "Virtuoso's system graphs are readable"
    for graph in SYSTEM_GRAPHS:
        rows = backend_select(virtuoso, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert rows[0]["n"]["value"] == "0", f"{graph} is readable"


# -- loading (Graph Store Protocol) ------------------------------------------------------------------
def test_graph_store_guessed_for_virtuoso(loaded, virtuoso):
    assert f"{virtuoso.base}/sparql-graph-crud: 4 graphs pushed" in loaded, loaded
    assert f"default graph as {DEFAULT_GRAPH}: 4 triples" in loaded, loaded


def test_load_pushes_every_graph(virtuoso, loaded):
    rows = backend_select(virtuoso, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    sizes = {b["g"]["value"]: int(b["n"]["value"]) for b in rows}
    assert sizes == {DEFAULT_GRAPH: 4, "http://example.org/g1": 7, "http://example.org/g2": 4,
                     "http://example.org/g3": 1}, loaded
    rows = backend_select(virtuoso, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"]["value"]) == TOTAL_QUADS, "the default graph should be exactly the loaded data"


def test_load_without_default_graph_says_how(virtuoso, data_dir, loaded):
    run = cec_kg_load("--backend", virtuoso.endpoint, str(data_dir / "extra.ttl"))
    assert run.returncode == 1 and "--default-graph" in run.stderr, run.stderr
    run = cec_kg_load("--backend", virtuoso.endpoint, "--default-graph", "http://example.org/g1", str(data_dir))
    assert run.returncode == 2 and "already a named graph" in run.stderr, run.stderr


# -- what the known differences leave unchecked, checked without the order -----------------------------
NAME_ROWS = [("Alice", "en"), ("Alicia", "es"), ("Bob", None), ("Carol", None)]


@pytest.mark.parametrize("fmt", [JSON, XML])
@pytest.mark.parametrize("method,request_method", METHODS)
def test_select_rows_any_order(endpoint, fmt, method, request_method):
    out = wrapper(endpoint, SELECT, fmt, method, request_method).query().convert()
    if fmt == JSON:
        rows = [(b["name"]["value"], b["name"].get("xml:lang")) for b in out["results"]["bindings"]]
    else:
        rows = [(n.firstChild.data, n.getAttribute("xml:lang") or None) for n in out.getElementsByTagName("literal")]
    assert sorted(rows, key=str) == sorted(NAME_ROWS, key=str), f"SELECT {fmt} rows wrong: {rows}"


@pytest.mark.parametrize("fmt", [CSV, TSV])
def test_select_csv_tsv_any_order(endpoint, fmt):
    lines = wrapper(endpoint, SELECT, fmt).query().convert().decode("utf-8").splitlines()
    if fmt == CSV:
        assert lines[0] == "name" and sorted(lines[1:]) == ["Alice", "Alicia", "Bob", "Carol"], lines
    else:
        assert lines[0] == "?name" and sorted(lines[1:]) == ['"Alice"@en', '"Alicia"@es', '"Bob"', '"Carol"'], lines


NAMES_IN = PREFIX + "SELECT ?n WHERE { ?s ex:name ?n }"
NAMES_IN_G2 = PREFIX + "SELECT ?n FROM ex:g2 WHERE { ?s ex:name ?n }"


@pytest.mark.parametrize("query,params,expected", [
    (NAMES_IN, {"default-graph-uri": ["http://example.org/g1", "http://example.org/g2"]},
     ["Alice", "Alicia", "Anon", "Bob", "Carol"]),
    (NAMES_IN_G2, {"default-graph-uri": "http://example.org/g1"}, ["Alice", "Alicia", "Bob"]),  # replaces FROM
    (NAMES_IN_G2, {}, ["Anon", "Carol"]),
])
def test_protocol_dataset_any_order(endpoint, query, params, expected):
    r = requests.get(endpoint, params={"query": query, **params}, timeout=10)
    assert r.status_code == 200, r.text
    assert sorted(b["n"]["value"] for b in r.json()["results"]["bindings"]) == expected


def test_backend_time_limit_is_a_timeout(endpoint):
    """Virtuoso's own limit (MaxQueryExecutionTime, 5 s here) ends a query we still wait for: 503, not 502."""
    values = " ".join(str(i) for i in range(60))
    slow = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"VALUES ?{v} {{ {values} }}" for v in "abcde") + " }"
    t = time.monotonic()
    r = requests.get(endpoint, params={"query": slow, "timeout": "20"}, timeout=30)
    seconds = time.monotonic() - t
    assert r.status_code == 503 and r.headers.get("Retry-After"), r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert seconds < 15, f"answered after {seconds:.1f}s"
