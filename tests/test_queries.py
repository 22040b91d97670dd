"""Competency questions return their stated answers; lint queries return nothing, and each lint
query does report the defect it is written for (a probe adds one to a copy of the dataset)."""
from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from cec_kg.graph import build, paths
from cec_kg.graph.queries import parse
from cec_kg.graph.queries import parse as saved_query
from cec_kg.store.loading import open_store
from cec_kg.graph.validate import compact

CQ_FILES = sorted(paths.QUERIES_DIR.glob("cq-*.rq"))
VIOLATION_FILES = sorted(paths.QUERIES_DIR.glob("*-violation.rq"))
FIRST_LINE = re.compile(r"^# (cq-(\d\d)): \S.*\?$")


@pytest.fixture(scope="module")
def store():
    return open_store({})


def render(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    return "_:"  # a blank node has no stable name


def expected(path: Path) -> dict:
    """The header's expectations: {"ask": bool} / {"count": int, "rows": [[str]]} (read as the /queries
    API reads them: cec_kg.graph.queries)."""
    return parse(path).expected


# -- Conventions -------------------------------------------------------------------------------------

def test_enough_queries():
    assert len(CQ_FILES) >= 25, f"only {len(CQ_FILES)} competency questions in {paths.QUERIES_DIR}"
    assert len(VIOLATION_FILES) >= 5, f"only {len(VIOLATION_FILES)} lint queries in {paths.QUERIES_DIR}"


def test_cq_numbers_unique():
    numbers = [p.name[3:5] for p in CQ_FILES]
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    assert not dupes, f"competency question numbers used twice: {dupes}"


@pytest.mark.parametrize("path", CQ_FILES, ids=[p.stem for p in CQ_FILES])
def test_cq_header(path):
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    m = FIRST_LINE.match(first)
    assert m, f"{path.name}: line 1 must be '# cq-NN: <question>?', got {first!r}"
    assert path.name.startswith(m.group(1) + "-"), f"{path.name}: the header says {m.group(1)}"
    exp = expected(path)
    assert exp, f"{path.name}: no '# expected: …', '# expected-count: N' or '# expected-rows:' line"
    sq = saved_query(path)
    assert set(sq.question) == {"en", "es", "fr"}, f"{path.name}: the question in en, es and fr (# question@es: …)"
    for p in sq.parameters:
        assert p.default is not None, f"{path.name}: parameter ?{p.name} needs a default (the stated answer's)"
        assert p.name in sq.variables, f"{path.name}: ?{p.name} must be projected (pyoxigraph binds projected variables)"
    if re.search(r"^\s*SELECT\b", text, re.M | re.I):
        assert re.search(r"\bORDER BY\b", text, re.I), f"{path.name}: a SELECT must end with ORDER BY"


# -- Competency questions ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", CQ_FILES, ids=[p.stem for p in CQ_FILES])
def test_competency_question_answer(store, path):
    exp = expected(path)
    # Parameters (``# parameter: ?party iri … = id:party/mexico``) bound to their defaults, as RDF terms.
    subs = saved_query(path).substitutions()
    result = store.query(path.read_text(encoding="utf-8"), substitutions=subs or None)
    if isinstance(result, ox.QueryBoolean):
        assert "ask" in exp, f"{path.name}: an ASK needs '# expected: true|false'"
        assert bool(result) == exp["ask"], f"{path.name}: expected {exp['ask']}, got {bool(result)}"
        return
    assert "ask" not in exp, f"{path.name}: '# expected: true|false' is for ASK queries"
    width = len(result.variables)
    rows = [[render(sol[i]) for i in range(width)] for sol in result]
    shown = "\n".join("#   " + " | ".join(r) for r in rows)
    if "count" in exp:
        assert len(rows) == exp["count"], f"{path.name}: expected {exp['count']} rows, got {len(rows)}:\n{shown}"
    if "rows" in exp:
        assert rows == exp["rows"], f"{path.name}: rows differ from the header; got:\n{shown}"


# -- Lint queries ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", VIOLATION_FILES, ids=[p.stem for p in VIOLATION_FILES])
def test_violation_query_returns_nothing(store, path):
    rows = list(store.query(path.read_text(encoding="utf-8")))
    shown = "\n".join(" | ".join(render(t) for t in row) for row in rows[:20])
    assert not rows, f"{path.name} found {len(rows)} defects:\n{shown}"


ONT = "<https://w3id.org/cec-kg/ontology>"
SEED = "<https://w3id.org/cec-kg/source/seed>"
PREFIXES = """
@prefix cec: <https://w3id.org/cec-kg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/cec-kg/id/> .
"""
# One defect per lint query (TriG added to a copy of the dataset); the query must then report it.
PROBES = {
    "vocabulary-label-violation": f'{ONT} {{ cec:Probe a owl:Class ; rdfs:label "Probe"@en ; rdfs:subClassOf skos:Concept . }}',
    "vocabulary-definition-violation": f'{ONT} {{ cec:Probe a owl:Class ; rdfs:label "Probe"@en , "Sonda"@es , "Sonde"@fr . }}',
    "undefined-term-violation": f'{SEED} {{ id:party\\/mexico cec:undefinedProbe id:party\\/canada . }}',
    "unaligned-term-violation": f'{ONT} {{ cec:Probe a owl:Class ; rdfs:subClassOf cec:Body2 . }}',
    "entity-label-violation": f'{SEED} {{ id:body\\/probe a cec:Body ; skos:prefLabel "Probe"@en . }}',
    "report-year-violation": f'{SEED} {{ id:factual-record\\/probe a cec:Report ; rdfs:label "Probe"@en . }}',
    "untagged-literal-violation": f'{SEED} {{ id:party\\/mexico rdfs:label "Mexico" . }}',
    "source-provenance-violation": '<https://w3id.org/cec-kg/source/probe> { id:party\\/mexico rdfs:label "Mexico"@en . }',
    "seed-date-precision-violation": f'{SEED} {{ id:factual-record\\/cozumel dcterms:issued "1998-01-01"^^xsd:date . }}',
}


def test_every_lint_query_has_a_probe():
    missing = sorted(p.stem for p in VIOLATION_FILES if p.stem not in PROBES)
    assert not missing, f"lint queries without a probe in PROBES: {missing}"


@pytest.mark.parametrize("name", sorted(PROBES))
def test_violation_query_reports_its_defect(name):
    path = paths.QUERIES_DIR / f"{name}.rq"
    if not path.exists():
        pytest.fail(f"{path} is gone: remove its probe")
    s = ox.Store()
    s.bulk_load(path=str(build.built_nquads()), format=ox.RdfFormat.N_QUADS)
    s.load(PREFIXES + PROBES[name], format=ox.RdfFormat.TRIG)
    rows = list(s.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True))
    assert rows, f"{name}.rq does not report the defect {PROBES[name]!r}"
