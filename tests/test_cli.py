"""``cec-kg serve`` / ``cec-kg load``: the CEC graph by default, an on-disk store, clear errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from conftest import free_port

CEC = "https://w3id.org/cec-kg/id/organization/cec"
DATA = """@prefix ex: <http://example.org/> .
ex:g1 { ex:a ex:p "one" . ex:b ex:p "two" . }
ex:g2 { ex:c ex:p "three" . }
"""


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cec_kg", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.live
def test_serves_cec_graph_by_default(live_server):
    """With no --data the server serves the built CEC graph: union default graph, entailments, SD."""
    endpoint = live_server.url("/sparql")
    r = requests.get(endpoint, params={"query": f"ASK {{ <{CEC}> ?p ?o }}"}, timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True, "the CEC organization is not in the served graph"
    q = ("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
         "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/cec-kg/')) }")
    n = int(requests.get(endpoint, params={"query": q}, timeout=30).json()["results"]["bindings"][0]["n"]["value"])
    assert n >= 2, f"the CEC graph should keep its named graphs (seed, ontology, ...): {n}"
    sd = requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=30)
    assert "https://w3id.org/cec-kg/dataset" in sd.text, "the SD should name the CEC dataset"
    h = requests.get(live_server.url("/health"), timeout=10).json()
    assert h["status"] == "ok" and h["triples"] > 100, h


@pytest.mark.live
def test_load_store_then_serve(tmp_path, start_server):
    data = tmp_path / "data.trig"
    data.write_text(DATA, encoding="utf-8")
    store = tmp_path / "store"
    run = cli("load", "--store", str(store), str(data))
    assert run.returncode == 0, run.stderr
    assert "3 triples" in run.stdout, run.stdout
    server = start_server("--store", str(store), "--workers", "2")
    r = requests.get(server.url("/sparql"), params={"query": "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"}, timeout=30)
    assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == ["one", "three", "two"]
    r = requests.get(server.url("/sparql"), params={"query": "SELECT ?o WHERE { ?s ?p ?o }", "timeout": "5",
                                                    "default-graph-uri": "http://example.org/g2"}, timeout=30)
    assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == ["three"]
    # Each query process opens the store with caches of its own (~65 MiB at 1M triples): by default at
    # most 3 a serving process (4 cost 60-110 MiB more PSS in the bench's mixes, no more throughput).
    workers = requests.get(server.url("/health"), timeout=30).json()["query_workers"]
    assert (workers["warm"], workers["max"]) == (2, 3), workers


@pytest.mark.parametrize("args,message", [
    (["load", "--store", "/nonexistent-dir/x", "/nonexistent/file.ttl"], "no such file"),
    (["load", "/etc/hostname"], "--store"),
    (["load", "--store", "/tmp/x", "/etc/hostname"], "not an RDF file"),
])
def test_load_errors_are_messages(args, message):
    run = cli(*args, timeout=60)
    assert run.returncode != 0
    assert message in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_serve_bad_data_is_a_message(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    run = cli("serve", "--port", str(free_port()), "--data", str(bad), timeout=60)
    assert run.returncode != 0
    assert "bad.ttl" in run.stderr and "Traceback" not in run.stderr, run.stderr


# -- loading at scale: all or nothing, in parallel pieces, the same store either way -----------------------
def _staging_left(parent) -> list:
    return [p.name for p in parent.iterdir() if ".loading-" in p.name or ".replaced-" in p.name]


def test_failed_load_leaves_no_store(tmp_path):
    bad = tmp_path / "broken.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:p "fine" .\nex:b ex:p broken .\n', encoding="utf-8")
    target = tmp_path / "new"
    run = cli("load", "--store", str(target), str(bad), timeout=120)
    assert run.returncode != 0 and "broken.ttl" in run.stderr and "line 3" in run.stderr, run.stderr
    assert not target.exists(), "a failed load must not leave a half-made store"
    assert not _staging_left(tmp_path), _staging_left(tmp_path)


def test_failed_add_leaves_the_store_as_it_was(tmp_path):
    import pyoxigraph as ox

    good = tmp_path / "data.trig"
    good.write_text(DATA, encoding="utf-8")
    store = tmp_path / "store"
    assert cli("load", "--store", str(store), str(good)).returncode == 0
    meta = (store / "cec-kg-content.json").read_text()
    more = tmp_path / "more.nt"
    more.write_text('<http://example.org/d> <http://example.org/p> "four" .\n<http://example.org/e> <x> .\n')
    run = cli("load", "--store", str(store), str(more), timeout=120)
    assert run.returncode != 0 and "more.nt" in run.stderr, run.stderr
    assert (store / "cec-kg-content.json").read_text() == meta and not _staging_left(tmp_path)
    assert len(list(ox.Store.read_only(str(store)).quads_for_pattern(None, None, None, ox.DefaultGraph()))) == 3
    fine = tmp_path / "fine.nt"
    fine.write_text('<http://example.org/d> <http://example.org/p> "four" .\n')
    run = cli("load", "--store", str(store), str(fine), timeout=120)
    assert run.returncode == 0 and "4 triples" in run.stdout, run.stdout + run.stderr
    assert json.loads((store / "cec-kg-content.json").read_text())["content_hash"] != json.loads(meta)["content_hash"]


def test_named_graphs_added_to_a_store_of_triples_are_merged(tmp_path):
    """A store loaded from N-Triples has no named graph: its merge is skipped, and its count is of
    distinct triples (a line repeated counts once). Named graphs added later are merged into its default
    graph all the same, and counted once each triple."""
    import pyoxigraph as ox

    plain = tmp_path / "plain.nt"
    plain.write_text('<http://example.org/a> <http://example.org/p> "one" .\n'
                     '<http://example.org/z> <http://example.org/p> "zero" .\n'
                     '<http://example.org/z> <http://example.org/p> "zero" .\n', encoding="utf-8")
    store = tmp_path / "store"
    run = cli("load", "--store", str(store), str(plain))
    assert run.returncode == 0 and ": 2 triples" in run.stdout, run.stdout + run.stderr
    graphs = tmp_path / "graphs.trig"
    graphs.write_text(DATA, encoding="utf-8")        # ex:a ex:p "one" again, in g1: one triple in the merge
    run = cli("load", "--store", str(store), str(graphs))
    assert run.returncode == 0 and ": 4 triples" in run.stdout, run.stdout + run.stderr
    default = ox.Store.read_only(str(store)).quads_for_pattern(None, None, None, ox.DefaultGraph())
    assert sorted(q.object.value for q in default) == ["one", "three", "two", "zero"]


def test_large_line_based_file_loads_in_pieces_like_one_piece(tmp_path):
    """An N-Triples file over 8 MiB is cut at line ends and loaded in parallel: the same triples and
    the same content hash as the same bytes loaded in one call (as Turtle), and a syntax error is
    reported at its line in the whole file."""
    import pyoxigraph as ox

    lines = [f'<http://example.org/s{i % 5000}> <http://example.org/p{i % 7}> "value {i} with some padding text" .\n'
             for i in range(120_000)]
    text = "".join(lines)
    assert len(text.encode()) > 8 * 2**20
    (tmp_path / "big.nt").write_text(text, encoding="utf-8")
    (tmp_path / "big.ttl").write_text(text, encoding="utf-8")
    hashes = {}
    for name in ("big.nt", "big.ttl"):
        run = cli("load", "--store", str(tmp_path / f"store-{name}"), str(tmp_path / name), timeout=300)
        assert run.returncode == 0 and "120000 triples" in run.stdout, run.stdout + run.stderr
        hashes[name] = json.loads((tmp_path / f"store-{name}" / "cec-kg-content.json").read_text())["content_hash"]
    assert hashes["big.nt"] == hashes["big.ttl"]
    a, b = (ox.Store.read_only(str(tmp_path / f"store-{n}")) for n in ("big.nt", "big.ttl"))
    q = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
    assert [tuple(r) for r in a.query(q)] == [tuple(r) for r in b.query(q)]
    broken = lines[:110_000] + ["<http://example.org/x> <http://example.org/p> oops .\n"] + lines[110_000:]
    (tmp_path / "broken.nt").write_text("".join(broken), encoding="utf-8")
    run = cli("load", "--store", str(tmp_path / "never"), str(tmp_path / "broken.nt"), timeout=300)
    assert run.returncode != 0 and "line 110001" in run.stderr, run.stderr
    assert not (tmp_path / "never").exists() and not _staging_left(tmp_path)


# -- the progress bar: on a terminal only; a pipe pays nothing for it ---------------------------------------
BAR = """
import time
from cec_kg.ops.progress import bar
with bar("load", total=1000) as b:
    b.update(100)
    time.sleep(1.3)         # bars appear once the work has lasted a second
    b.update(100)
"""


def test_progress_bar_on_a_terminal(tmp_path):
    """On a terminal, a load's bar shows its rate (triples/s) and an ETA (issue 11, item 3)."""
    import os
    import pty

    import fcntl
    import struct
    import termios

    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))    # a terminal's size
    try:
        proc = subprocess.run([sys.executable, "-c", BAR], stderr=secondary, stdout=subprocess.DEVNULL,
                              timeout=60)
        os.close(secondary)
        out = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:         # the terminal's other end closed: everything was read
                break
            if not chunk:
                break
            out += chunk
    finally:
        os.close(primary)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "load:" in text and "triples/s" in text and "<" in text.split("load:")[-1], text


def test_a_load_in_a_pipe_draws_nothing_and_imports_no_bar_nor_remote_client(tmp_path):
    """Not on a terminal, no bar is drawn, and neither tqdm (its import looks its version up through
    importlib.metadata: ~40 ms) nor the remote store's client (http.client, ssl) is imported: on a small
    file they were a fifth of the command's time, where ``oxigraph load`` takes ~0.1 s."""
    data = tmp_path / "data.trig"
    data.write_text(DATA, encoding="utf-8")
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "cec_kg", "load", "--store", str(tmp_path / "s"),
                          str(data)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "3 triples" in run.stdout, run.stdout + run.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert "cec_kg.store.embedded" in imported, "importtime lists the modules imported"
    assert not {"tqdm", "http.client", "cec_kg.store.remote"} & imported, sorted(imported)
    assert not [line for line in run.stderr.splitlines() if not line.startswith("import time:")], run.stderr
