"""Bounded answers: ``--max-result-mb`` caps a result document's bytes as the row cap caps its rows —
announced (``X-SPARQL-Byte-Cap``, the service description), flagged (``X-SPARQL-Truncated``), and the
answer is always a whole document that parses, holding exactly the rows ``X-SPARQL-Rows`` says."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import requests

pytestmark = pytest.mark.live

CAP = 1024 * 1024
NUMBERS = " ".join(str(i) for i in range(100))
# 100 x 100 x 10 = 100,000 rows (the row cap), several MB in every format.
SELECT = (f"SELECT ?a ?b ?c ?label WHERE {{ VALUES ?a {{ {NUMBERS} }} VALUES ?b {{ {NUMBERS} }} "
          "VALUES ?c { 0 1 2 3 4 5 6 7 8 9 } BIND(CONCAT('a label for ', STR(?a), '-', STR(?b)) AS ?label) }")
CONSTRUCT = (f"CONSTRUCT {{ ?s <http://example.org/p> ?label }} WHERE {{ VALUES ?a {{ {NUMBERS} }} "
             f"VALUES ?b {{ {NUMBERS} }} BIND(IRI(CONCAT('http://example.org/thing/', STR(?a), '/', STR(?b))) AS ?s) "
             "BIND(CONCAT('a label for ', STR(?a), '-', STR(?b), ' and some more text to make it longer') AS ?label) }")


@pytest.fixture(scope="module")
def server(start_server, tmp_path_factory):
    d = tmp_path_factory.mktemp("bytes-data")
    (d / "data.ttl").write_text("<http://example.org/a> <http://example.org/p> 1 .\n", encoding="utf-8")
    return start_server("--data", str(d), "--workers", "1", "--threads", "4", "--cache-mb", "0",
                        "--max-result-mb", "1", "--timeout", "30", "--max-timeout", "30")


def fetch(server, query: str, fmt: str) -> requests.Response:
    r = requests.post(server.url("/sparql"), data={"query": query, "format": fmt}, timeout=60)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["X-SPARQL-Byte-Cap"] == str(CAP), r.headers
    return r


def count_rows(fmt: str, body: bytes) -> int:
    if fmt == "json":
        return len(json.loads(body)["results"]["bindings"])
    if fmt == "xml":
        return len(ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        assert rows[0] == ["a", "b", "c", "label"] and all(len(r) == 4 for r in rows), "a cut CSV row"
        return len(rows) - 1
    if fmt == "tsv":
        lines = body.decode("utf-8").split("\n")
        assert lines[-1] == "" and all(len(line.split("\t")) == 4 for line in lines[:-1]), "a cut TSV row"
        return len(lines) - 2
    rdf = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
           "rdf": ox.RdfFormat.RDF_XML, "nq": ox.RdfFormat.N_QUADS}[fmt]
    return len(list(ox.parse(body, format=rdf)))


@pytest.mark.parametrize("query,fmt", [(SELECT, f) for f in ("json", "xml", "csv", "tsv")]
                         + [(CONSTRUCT, f) for f in ("ttl", "nt", "jsonld", "rdf", "nq")])
def test_a_large_answer_is_a_whole_document_within_the_cap(server, query, fmt):
    r = fetch(server, query, fmt)
    body = r.content
    assert len(body) <= CAP, f"{fmt}: {len(body)} bytes over the {CAP} cap"
    assert len(body) > CAP * 0.8, f"{fmt}: cut far below the cap ({len(body)} bytes)"
    flag = r.headers.get("X-SPARQL-Truncated", "")
    assert flag.startswith("true") and str(CAP) in flag and "bytes" in flag, flag
    rows = count_rows(fmt, body)        # parses: never a half-written document
    assert rows == int(r.headers["X-SPARQL-Rows"]) and 0 < rows < 100_000, (rows, r.headers["X-SPARQL-Rows"])


def test_a_limited_query_is_cut_too(server):
    r = fetch(server, SELECT + " LIMIT 60000", "json")
    assert len(r.content) <= CAP and "bytes" in r.headers.get("X-SPARQL-Truncated", "")
    assert count_rows("json", r.content) == int(r.headers["X-SPARQL-Rows"])


def test_a_small_answer_is_whole_and_not_flagged(server):
    r = fetch(server, SELECT + " LIMIT 10", "json")
    assert "X-SPARQL-Truncated" not in r.headers and count_rows("json", r.content) == 10


def test_the_cap_is_announced(server):
    r = requests.get(server.url("/sparql"), headers={"Accept": "application/n-triples"}, timeout=30)
    assert f'"maxResultBytes"' in r.text and f'"{CAP}"^^<http://www.w3.org/2001/XMLSchema#integer>' in r.text, \
        "the service description announces the byte cap"
