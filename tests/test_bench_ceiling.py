"""The bench's ``ceiling-engine`` (bench/ceiling.py) is a real SPARQL server over the same data, in memory
and on disk: the bound it sets on a Python front is only worth reporting if it answers what it is asked."""
from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT))
from bench.peers import make_peers  # noqa: E402  (bench/ is not part of the package)

DATA = """\
<http://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "a"@en <http://example.org/g1> .
<http://example.org/a> <http://example.org/knows> <http://example.org/b> <http://example.org/g1> .
<http://example.org/b> <http://www.w3.org/2000/01/rdf-schema#label> "b"@fr <http://example.org/g2> .
"""
SELECT = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s"
CONSTRUCT = "CONSTRUCT { ?o ?s ?s } WHERE { ?s <http://example.org/knows> ?o }"


def ask(endpoint: str, query: str, accept: str) -> tuple[int, str, bytes]:
    req = urllib.request.Request(f"{endpoint}?query={quote(query)}", headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read()


@pytest.mark.parametrize("storage", ["memory", "disk"])
def test_the_engine_ceiling_answers_like_the_engine(tmp_path, storage):
    data = tmp_path / "d.nq"
    data.write_text(DATA, encoding="utf-8")
    (peer,) = make_peers(["ceiling-engine"], data, tmp_path / "logs", None, 1, storage, tmp_path / "stores")
    assert (peer.store_dir is not None) == (storage == "disk")
    peer.prepare(data)
    peer.start()
    try:
        peer.wait_ready(60)
        status, media_type, body = ask(peer.endpoint, SELECT, "application/sparql-results+json")
        assert (status, media_type) == (200, "application/sparql-results+json")
        rows = [(b["s"]["value"], b["label"]["value"], b["label"]["xml:lang"])
                for b in json.loads(body)["results"]["bindings"]]
        # The default graph is the union of the named graphs, as ours and Oxigraph server are run.
        assert rows == [("http://example.org/a", "a", "en"), ("http://example.org/b", "b", "fr")]
        status, media_type, body = ask(peer.endpoint, CONSTRUCT, "application/n-triples")
        assert (status, media_type) == (200, "application/n-triples")
        assert [(t.subject.value, t.predicate.value, t.object.value)
                for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)] == \
            [("http://example.org/b", "http://example.org/a", "http://example.org/a")]
        status, _, body = ask(peer.endpoint, "ASK { ?s ?p ?o }", "application/sparql-results+json")
        assert status == 200 and json.loads(body)["boolean"] is True
        status, _, body = ask(peer.endpoint, "SELEC ?s", "application/sparql-results+json")
        assert status == 400 and b"error" in body
    finally:
        peer.stop()
