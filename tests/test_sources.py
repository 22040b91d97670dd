"""The sourced graphs (data/sources/*.trig) and the provenance graph (data/provenance.ttl).

Without ../shared: the committed files parse, keep every triple in a named graph, and every graph has
its provenance. With ../shared: data/sources/build.py regenerates them in memory, the committed files
must be isomorphic to that, and every value of every CSV row must be in its row's graph.
"""
from __future__ import annotations

import csv
import importlib.util
import re
import sys

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, SDO, SKOS, XSD

from cec_kg.graph import paths
from cec_kg.graph.namespaces import CEC, ID, SEED_GRAPH, SOURCE
from conftest import require_shared

SOURCES_DIR = paths.DATA_DIR / "sources"
TRIG_FILES = ["factual-records-registry.trig", "article-13-reports.trig", "identifiers.trig", "names.trig"]
PROVENANCE_FILE = paths.DATA_DIR / "provenance.ttl"


def load_build_script():
    """data/sources/build.py is a script, not a package module: import it by path."""
    spec = importlib.util.spec_from_file_location("cec_data_sources_build", SOURCES_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


build = load_build_script()


def committed(name: str) -> Dataset:
    ds = Dataset()
    ds.parse(SOURCES_DIR / name, format="trig")
    return ds


def named_graphs(ds: Dataset) -> dict[URIRef, Graph]:
    return {g.identifier: g for g in ds.graphs() if len(g) and g.identifier != ds.default_graph.identifier}


@pytest.fixture(scope="module")
def provenance() -> Graph:
    return Graph().parse(PROVENANCE_FILE, format="turtle")


@pytest.fixture(scope="module")
def generated():
    require_shared("sources")
    return build.generate()


# -- Without ../shared: the committed files ---------------------------------------------------------

@pytest.mark.parametrize("name", TRIG_FILES)
def test_trig_has_no_default_graph_triples(name):
    ds = committed(name)
    assert len(ds.default_graph) == 0, f"{name}: {len(ds.default_graph)} triples outside a named graph"
    assert named_graphs(ds), f"{name}: no named graph"


@pytest.mark.parametrize("name", TRIG_FILES)
def test_every_source_graph_has_provenance(name, provenance):
    for graph in named_graphs(committed(name)):
        assert (graph, RDF.type, CEC.Source) in provenance, f"{graph} is not a cec:Source in data/provenance.ttl"
        citation = provenance.value(graph, DCTERMS.bibliographicCitation)
        assert citation and str(citation).strip(), f"{graph} has no dcterms:bibliographicCitation"
        part_of = provenance.value(graph, DCTERMS.isPartOf)
        assert part_of is not None and (part_of, RDF.type, CEC.Source) in provenance, f"{graph}: isPartOf no cec:Source"
        assert (graph, DCTERMS.title, None) in provenance, f"{graph} has no dcterms:title"


def test_seed_source_cites_the_wikipedia_article(provenance):
    assert (SEED_GRAPH, RDF.type, CEC.Source) in provenance
    article = URIRef("https://en.wikipedia.org/wiki/Commission_for_Environmental_Cooperation")
    assert (SEED_GRAPH, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), article) in provenance
    assert "Commission for Environmental Cooperation" in str(provenance.value(SEED_GRAPH, DCTERMS.bibliographicCitation))
    dates = [o for o in provenance.objects(SEED_GRAPH, None) if isinstance(o, Literal) and o.datatype in (XSD.date, XSD.dateTime)]
    assert not dates, f"the seed's retrieval date is unknown, yet the provenance gives {dates}"


def test_same_as_only_to_wikidata_ror_dbpedia():
    allowed = re.compile(r"http://www\.wikidata\.org/entity/Q\d+|https://ror\.org/0[a-z0-9]{8}|http://dbpedia\.org/resource/\S+")
    targets = [o for name in TRIG_FILES for _s, _p, o, _g in committed(name).quads((None, OWL.sameAs, None, None))]
    assert targets, "no owl:sameAs at all"
    bad = [str(o) for o in targets if not allowed.fullmatch(str(o))]
    assert not bad, f"owl:sameAs to IRIs no identifiers.csv scheme gives: {bad}"


def test_registry_disagreement_keeps_both_dates():
    """Cozumel: the seed says 1998, the registry 1997-10-25; both stay, each in its own graph."""
    record = ID["factual-record/cozumel"]
    graph = committed("factual-records-registry.trig").graph(SOURCE["factual-records-registry/cozumel"])
    assert (record, DCTERMS.issued, Literal("1997-10-25", datatype=XSD.date)) in graph
    seed = Graph().parse(paths.DATA_DIR / "seed" / "factual-records.ttl")
    assert (record, DCTERMS.issued, Literal("1998", datatype=XSD.gYear)) in seed


def test_blank_row_is_left_out():
    """Ex Hacienda El Hospital II and III: no registry source found, so no statement at all."""
    record = ID["factual-record/ex-hacienda-el-hospital-ii-and-iii"]
    ds = committed("factual-records-registry.trig")
    assert not list(ds.quads((record, None, None, None))), "a blank registry row must not produce statements"


def test_dbpedia_iri_keeps_non_ascii():
    ds = committed("identifiers.trig")
    quad = (ID["person/alicia-barcena"], OWL.sameAs, URIRef("http://dbpedia.org/resource/Alicia_Bárcena"), None)
    assert list(ds.quads(quad)), "the DBpedia IRI of Alicia Bárcena must keep the á (an IRI, not a URI)"


# -- With ../shared: regenerate and compare, and check each CSV value -----------------------------------

@pytest.mark.parametrize("name", TRIG_FILES)
def test_committed_trig_matches_regenerated(generated, name):
    fresh, saved = named_graphs(generated.files[name]), named_graphs(committed(name))
    assert set(fresh) == set(saved), (
        f"{name} is out of date (run .venv/bin/python data/sources/build.py): graphs only generated "
        f"{sorted(set(fresh) - set(saved))}, only committed {sorted(set(saved) - set(fresh))}")
    for iri in fresh:
        assert isomorphic(fresh[iri], saved[iri]), f"{name}: graph <{iri}> differs from the regenerated one"


def test_committed_provenance_matches_regenerated(generated, provenance):
    assert isomorphic(generated.provenance, provenance), "data/provenance.ttl is out of date: run data/sources/build.py"


def csv_rows(name: str) -> list:
    path = paths.SHARED_DIR / "sources" / name
    if not path.exists():
        return [pytest.param(None, id="shared-absent")]
    with path.open(newline="", encoding="utf-8") as f:
        return [pytest.param(row, id=re.sub(r"[^A-Za-z0-9]+", "-", "-".join(list(row.values())[:2])).strip("-"))
                for row in csv.DictReader(f)]


def row_or_skip(row):
    require_shared("sources")
    assert row is not None
    return row


@pytest.mark.parametrize("row", csv_rows("factual-records-registry.csv"))
def test_registry_row_values_in_graph(row, provenance):
    row = row_or_skip(row)
    slug = build.slug(row["seed_title"])
    record = ID[f"factual-record/{slug}"]
    graph_iri = SOURCE[f"factual-records-registry/{slug}"]
    g = committed("factual-records-registry.trig").graph(graph_iri)
    values = [build.cells(row[k]) for k in ("submission_ids", "party_concerned", "date_filed", "factual_record_released")]
    if not any(values):
        assert len(g) == 0 and (graph_iri, None, None) not in provenance
        return
    submissions, parties, filed, released = values
    for i, identifier in enumerate(submissions):
        submission = ID[f"submission/{identifier.lower()}"]
        assert (record, CEC.submission, submission) in g, f"{identifier} not linked from {record}"
        assert (submission, DCTERMS.identifier, Literal(identifier)) in g
        if filed:
            assert (submission, CEC.dateFiled, Literal(filed[i], datatype=XSD.date)) in g
    for party in parties:
        assert (record, CEC.partyConcerned, ID[f"party/{build.slug(party)}"]) in g
    for date in released:
        assert (record, DCTERMS.issued, build.typed_date(date)) in g
    assert provenance.value(graph_iri, DCTERMS.bibliographicCitation) == Literal(row["source"])


@pytest.mark.parametrize("row", csv_rows("article-13-reports.csv"))
def test_article_13_row_values_in_graph(row, provenance):
    row = row_or_skip(row)
    slug = build.report_slug(row["seed_title"])
    report = ID[f"article-13-report/{slug}"]
    graph_iri = SOURCE[f"article-13-reports/{slug}"]
    g = committed("article-13-reports.trig").graph(graph_iri)
    seed = Graph().parse(paths.DATA_DIR / "seed" / "article-13-reports.ttl")
    assert (report, DCTERMS.title, Literal(row["seed_title"], lang="en")) in seed, "seed_title does not join the seed's table"
    expected = {(report, DCTERMS.issued, build.typed_date(row["published"]))}
    expected |= {(report, SDO.isbn, Literal(isbn)) for isbn in build.cells(row["isbn"])}
    assert set(g) == expected, f"graph <{graph_iri}> holds {set(g) ^ expected} unexpectedly"
    assert provenance.value(graph_iri, DCTERMS.bibliographicCitation) == Literal(row["source"])


@pytest.mark.parametrize("row", csv_rows("identifiers.csv"))
def test_identifier_row_in_graph(row, provenance):
    row = row_or_skip(row)
    entity = build.ENTITIES[row["entity"]]
    graph_iri = SOURCE[f"identifiers/{entity.removeprefix(str(ID))}/{row['scheme']}"]
    g = committed("identifiers.trig").graph(graph_iri)
    targets = [str(o) for o in g.objects(entity, OWL.sameAs)]
    assert len(targets) == 1, f"{graph_iri}: expected one owl:sameAs, got {targets}"
    expected_tail = row["identifier"] if row["scheme"] != "dbpedia" else row["identifier"].replace(" ", "_")
    assert targets[0].endswith("/" + expected_tail), f"{targets[0]} does not end with the row's identifier"
    assert provenance.value(graph_iri, DCTERMS.bibliographicCitation) == Literal(row["source"])


@pytest.mark.parametrize("row", csv_rows("names.csv"))
def test_name_row_in_graph(row, provenance):
    """Each names.csv row: exactly its name, tagged with its language, in a graph of its own (never the
    seed's), described with the row's source."""
    row = row_or_skip(row)
    entity = build.ENTITIES[row["entity"]]
    graph_iri = SOURCE[f"names/{entity.removeprefix(str(ID))}/{row['lang']}"]
    g = committed("names.trig").graph(graph_iri)
    assert set(g) == {(entity, SKOS.prefLabel, Literal(row["name"], lang=row["lang"]))}, f"<{graph_iri}> holds {set(g)}"
    assert provenance.value(graph_iri, DCTERMS.bibliographicCitation) == Literal(row["source"])


def test_registry_rows_join_the_seed_table():
    """seed_title is the join key: every registry row names a factual record of the seed's table."""
    require_shared("sources")
    seed = Graph().parse(paths.DATA_DIR / "seed" / "factual-records.ttl")
    titles = {str(t) for t in seed.objects(None, DCTERMS.title)}
    with (paths.SHARED_DIR / "sources" / "factual-records-registry.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["seed_title"] for r in rows} <= titles, "registry rows whose seed_title is not in the seed's table"
    assert len(rows) == len(titles) == 24
