"""The built dataset: RDFS entailments in their own graph (so standard-vocabulary queries work and
GRAPH ?g still names real sources), nothing in the default graph, every named graph accounted for."""
from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from cec_kg.graph import build
from cec_kg.store.loading import open_store
from cec_kg.graph.namespaces import ENTAILMENT_GRAPH, ID, ONTOLOGY_GRAPH, PREFIXES, PROVENANCE_GRAPH, SEED_GRAPH, SOURCE

PREFIX = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


@pytest.fixture(scope="module")
def store():
    return open_store({})


@pytest.fixture(scope="module")
def raw() -> ox.Store:
    """The built N-Quads as is, default graph kept apart (the served store queries the union)."""
    s = ox.Store()
    s.bulk_load(path=str(build.built_nquads()), format=ox.RdfFormat.N_QUADS)
    return s


def ask(store, q: str) -> bool:
    return bool(store.query(PREFIX + q))


def count(store, q: str) -> int:
    return int(next(iter(store.query(PREFIX + q)))[0].value)


# Entailments a consumer who knows only ORG, schema.org, Dublin Core or PROV relies on:
# (entity or class of entities, standard statement, why).
ENTAILED = [
    ("id:body/jpac", "a org:OrganizationalUnit", "cec:AdvisoryBody ⊑ cec:Body ⊑ org:OrganizationalUnit"),
    ("id:body/council", "a org:OrganizationalUnit", "cec:GoverningBody ⊑ cec:Body ⊑ org:OrganizationalUnit"),
    ("id:factual-record/cozumel", "a schema:Report", "cec:FactualRecord ⊑ cec:Report ⊑ schema:Report"),
    ("id:article-13-report/maize-and-biodiversity", "a schema:Report", "cec:Article13Report ⊑ schema:Report"),
    ("id:organization/cec", "a org:FormalOrganization", "cec:IntergovernmentalOrganization ⊑ org:FormalOrganization"),
    ("id:party/mexico", "a schema:Country", "cec:Party ⊑ schema:Country"),
    ("id:submission/sem-96-001", "dcterms:dateSubmitted \"1996-01-17\"^^xsd:date", "cec:dateFiled ⊑ dcterms:dateSubmitted"),
    ("id:organization/cec", "org:hasMember id:party/canada", "cec:hasParty ⊑ org:hasMember"),
    ("id:party/canada", "org:memberOf id:organization/cec", "cec:hasParty owl:inverseOf cec:partyTo ⊑ org:memberOf"),
    # Through the standards' own hierarchy (build.STANDARD_AXIOMS):
    ("id:body/council", "a org:Organization", "cec:Body ⊑ org:OrganizationalUnit ⊑ org:Organization (ORG)"),
    ("id:agency/usgs", "a schema:Organization", "cec:GovernmentAgency ⊑ schema:GovernmentOrganization ⊑ schema:Organization"),
    ("id:factual-record/cozumel", "a schema:CreativeWork", "schema:Report ⊑ schema:Article ⊑ schema:CreativeWork"),
    ("id:factual-record/cozumel", 'dcterms:date "1998"^^xsd:gYear', "dcterms:issued ⊑ dcterms:date"),
]


def expand(sparql: str) -> str:
    """id:body/jpac → <https://w3id.org/cec-kg/id/body/jpac> (a '/' is not allowed in a prefixed name)."""
    return re.sub(r"\bid:([\w/-]+)", lambda m: f"<{ID}{m.group(1)}>", sparql)


@pytest.mark.parametrize("subject,statement,why", ENTAILED, ids=[f"{s} {st.split()[0]} {st.split()[1]}" for s, st, _ in ENTAILED])
def test_entailment_in_entailment_graph_only(store, subject, statement, why):
    triple = expand(f"{subject} {statement}")
    assert ask(store, f"ASK {{ GRAPH <{ENTAILMENT_GRAPH}> {{ {triple} }} }}"), \
        f"{subject} {statement} is not in the entailment graph ({why})"
    stated = [r[0].value for r in store.query(PREFIX + f"SELECT ?g WHERE {{ GRAPH ?g {{ {triple} }} FILTER(?g != <{ENTAILMENT_GRAPH}>) }}")]
    assert not stated, f"{subject} {statement} is asserted in {stated}: the entailment graph must hold only what follows"


def test_every_report_is_a_schema_report(store):
    reports = count(store, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a cec:Report }")
    entailed = count(store, f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH <{ENTAILMENT_GRAPH}> {{ ?r a schema:Report }} }}")
    assert reports == 32, f"expected the seed's 24 factual records and 8 Article 13 reports, found {reports}"
    assert entailed == reports, f"{entailed} of {reports} reports are entailed schema:Report"


def test_standard_vocabulary_queries_work(store):
    issued = count(store, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r dcterms:issued ?y }")
    assert issued == 32, f"dcterms:issued should date all 32 reports, dates {issued}"
    units = count(store, "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a org:OrganizationalUnit }")
    assert units == 4, f"expected 4 organizational units (Council, Secretariat, JPAC, TEK Expert Group), found {units}"


def test_entailment_graph_has_only_new_triples_about_our_entities(store):
    foreign = count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ENTAILMENT_GRAPH}> {{ ?s ?p ?o }}
        FILTER(!STRSTARTS(STR(?s), "{ID}")) }}""")
    assert foreign == 0, f"{foreign} entailed triples are about subjects outside {ID}"
    restated = count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ENTAILMENT_GRAPH}> {{ ?s ?p ?o }}
        GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{ENTAILMENT_GRAPH}>) }}""")
    assert restated == 0, f"{restated} entailed triples restate asserted ones"


def test_default_graph_is_empty(raw):
    stray = list(raw.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert not stray, f"{len(stray)} triples in the default graph, e.g. {stray[:3]}: every triple belongs to a named graph"


def test_every_named_graph_is_known(raw):
    fixed = {ONTOLOGY_GRAPH, str(ENTAILMENT_GRAPH), str(PROVENANCE_GRAPH), str(SEED_GRAPH)}
    graphs = {g.value for g in raw.named_graphs()}
    unknown = sorted(g for g in graphs - fixed if not g.startswith(str(SOURCE)))
    assert not unknown, f"named graphs that are neither a source nor one of {sorted(fixed)}: {unknown}"
    assert fixed <= graphs, f"missing graphs: {sorted(fixed - graphs)}"


def test_every_source_graph_has_provenance(store):
    missing = [r[0].value for r in store.query(PREFIX + f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(STRSTARTS(STR(?g), "{SOURCE}"))
        FILTER NOT EXISTS {{ GRAPH <{PROVENANCE_GRAPH}> {{ ?g a cec:Source }} }} }} ORDER BY ?g""")]
    assert not missing, f"source graphs without a cec:Source description in the provenance graph: {missing}"


def test_build_is_cached_by_input_hash():
    first = build.built_nquads()
    assert first.exists() and build.inputs_hash() in first.name, f"{first} is not keyed by the inputs' hash"
    assert build.built_nquads() == first, "a second build with unchanged inputs must reuse the cached file"


def test_entailed_literals_repeat_asserted_ones(store):
    """RDFS entails a literal only through a sub-property, so the subject already has that exact
    literal (same language tag, same datatype). owlrl's literal handling once conflated "Montreal"
    with "Montreal"@en and invented untagged names: this guards against it."""
    invented = [f"{r[0].value} {r[1].value} {r[2]}" for r in store.query(f"""SELECT ?s ?p ?o WHERE {{
        GRAPH <{ENTAILMENT_GRAPH}> {{ ?s ?p ?o FILTER(isLiteral(?o)) }}
        FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?q ?o }} FILTER(?g != <{ENTAILMENT_GRAPH}>) }} }}""")]
    assert not invented, "entailed literals no source states:\n" + "\n".join(invented)
