"""Every RDF and SPARQL file of the repository parses (Turtle, TriG, JSON-LD with rdflib; SPARQL with
pyoxigraph, the engine that runs them)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.plugins.sparql.parser import parseQuery

from cec_kg.graph import paths

from conftest import repository_files
from known_failures import REPOSITORY_FILES

SUFFIXES = {".ttl": "turtle", ".trig": "trig", ".jsonld": "json-ld", ".rq": "sparql"}
FILES = repository_files(SUFFIXES)
IDS = [str(p.relative_to(paths.ROOT)) for p in FILES]
# Known failures live in the one table, tests/known_failures.py (strict xfails).
KNOWN = REPOSITORY_FILES
PARAMS = [pytest.param(p, id=i, marks=[pytest.mark.xfail(strict=True, reason=KNOWN[i])] if i in KNOWN else [])
          for p, i in zip(FILES, IDS)]


def test_the_repository_has_rdf_and_queries():
    kinds = {p.suffix for p in FILES}
    assert {".ttl", ".rq"} <= kinds, f"expected Turtle and SPARQL files in {paths.ROOT}, found {sorted(kinds)}"


@pytest.mark.parametrize("path", PARAMS)
def test_file_parses(path: Path):
    text = path.read_text(encoding="utf-8")
    fmt = SUFFIXES[path.suffix]
    if fmt == "sparql":
        if re.search(r"\bSERVICE\b", text, re.I):
            parseQuery(text)  # never evaluate a query that could fetch a URL
            return
        try:
            ox.Store().query(text)  # an empty store: parsing plus a trivial evaluation
        except SyntaxError as e:
            pytest.fail(f"{path.relative_to(paths.ROOT)}: SPARQL syntax error: {e}")
        return
    if fmt == "json-ld":
        doc = json.loads(text)  # a JSON error names line and column
        g = Dataset().parse(data=text, format="json-ld")
        if isinstance(doc, dict) and set(doc) == {"@context"}:
            return  # a context document: it parses and states no triples by design
    elif fmt == "trig":
        g = Dataset().parse(data=text, format="trig")
    else:
        g = Graph().parse(data=text, format="turtle")
    assert len(g) or "fixtures" in path.parts or path.suffix == ".trig", f"{path.name}: parsed to an empty graph"
