"""``cec-kg serve`` / ``cec-kg load``: the CEC graph by default, an on-disk store, clear errors."""
from __future__ import annotations

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
    assert "3 quads" in run.stdout, run.stdout
    server = start_server("--store", str(store), "--workers", "2")
    r = requests.get(server.url("/sparql"), params={"query": "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"}, timeout=30)
    assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == ["one", "three", "two"]
    r = requests.get(server.url("/sparql"), params={"query": "SELECT ?o WHERE { ?s ?p ?o }", "timeout": "5",
                                                    "default-graph-uri": "http://example.org/g2"}, timeout=30)
    assert [b["o"]["value"] for b in r.json()["results"]["bindings"]] == ["three"]


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
