"""Assemble the served CEC dataset: vocabulary, seed facts, sourced facts, provenance, entailments.

Each source is its own named graph (see ``data/README.md``); RDFS entailments go to a graph of their
own so that ``GRAPH ?g`` still answers "which source states this" with sources only. The result is
cached as N-Quads under ``build/``, keyed by a hash of every input file, so start-up stays fast.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import owlrl
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS

from . import paths
from .namespaces import ENTAILMENT_GRAPH, ID, ONTOLOGY_GRAPH, PROVENANCE_GRAPH, SEED_GRAPH


# The class hierarchy of the reused vocabularies, as far as our classes reach into it, so that the
# entailments answer `?x a org:Organization` or `?x a schema:CreativeWork` too. Our vocabulary states
# only its own terms' super-terms; these are the standards' own axioms (SKOS label sub-properties are
# left out on purpose: they would turn every prefLabel and abbreviation into one more rdfs:label).
STANDARD_AXIOMS = """
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
# W3C ORG: FormalOrganization and OrganizationalUnit are Organizations; an Organization is a foaf:Agent;
# a ChangeEvent is a prov:Activity.
org:FormalOrganization rdfs:subClassOf org:Organization .
org:OrganizationalUnit rdfs:subClassOf org:Organization .
org:Organization rdfs:subClassOf foaf:Agent .
org:ChangeEvent rdfs:subClassOf prov:Activity .
# PROV-O: a Plan is an Entity.
prov:Plan rdfs:subClassOf prov:Entity .
# schema.org type hierarchy.
schema:GovernmentOrganization rdfs:subClassOf schema:Organization .
schema:Country rdfs:subClassOf schema:AdministrativeArea .
schema:City rdfs:subClassOf schema:AdministrativeArea .
schema:AdministrativeArea rdfs:subClassOf schema:Place .
schema:Report rdfs:subClassOf schema:Article .
schema:Article rdfs:subClassOf schema:CreativeWork .
schema:Legislation rdfs:subClassOf schema:CreativeWork .
schema:WebSite rdfs:subClassOf schema:CreativeWork .
schema:Dataset rdfs:subClassOf schema:CreativeWork .
schema:Collection rdfs:subClassOf schema:CreativeWork .
schema:CreativeWorkSeries rdfs:subClassOf schema:CreativeWork .
# Dublin Core terms: issued and dateSubmitted refine date.
dcterms:issued rdfs:subPropertyOf dcterms:date .
dcterms:dateSubmitted rdfs:subPropertyOf dcterms:date .
"""


def input_files() -> list[tuple[Path, str | None]]:
    """Every input file with the graph it goes to (None: the file names its own graphs)."""
    files: list[tuple[Path, str | None]] = [(paths.ONTOLOGY_FILE, ONTOLOGY_GRAPH)]
    files += [(p, str(SEED_GRAPH)) for p in sorted((paths.DATA_DIR / "seed").glob("*.ttl"))]
    files += [(p, None) for p in sorted((paths.DATA_DIR / "sources").glob("*.trig"))]
    provenance = paths.DATA_DIR / "provenance.ttl"
    if provenance.exists():
        files.append((provenance, str(PROVENANCE_GRAPH)))
    return files


def inputs_hash() -> str:
    """A hash of the inputs and of this module: the cache key and the dataset's version tag."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path, graph in input_files():
        digest.update(f"{path.relative_to(paths.ROOT)}\0{graph}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_asserted(progress: Callable[[int], object] | None = None) -> Dataset:
    """Parse every input file into its named graph; default-graph triples in TriG are an error.
    ``progress(n)`` hears of the triples read after each file."""
    ds = Dataset()
    for path, graph in input_files():
        before = len(ds)
        if graph is None:
            ds.parse(path, format="trig")
        else:
            ds.graph(URIRef(graph)).parse(path, format="turtle")
        if progress:
            progress(len(ds) - before)
    stray = len(ds.default_graph) if hasattr(ds, "default_graph") else len(ds.graph(ds.default_context.identifier))
    if stray:
        raise ValueError(f"{stray} triples landed in the default graph: put every TriG triple in a named graph")
    return ds


def entailments(ds: Dataset) -> Graph:
    """RDFS entailments (plus owl:inverseOf) about our own entities, so standard-vocabulary queries work.

    Only triples whose subject is one of our entities are kept: the full RDFS closure also restates
    the axioms of every reused vocabulary, which is noise for the people querying us.
    """
    union = Graph()
    for s, p, o, _g in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    closure = Graph()
    for t in union:
        closure.add(t)
    closure.parse(data=STANDARD_AXIOMS, format="turtle")
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    for p, _, q in union.triples((None, OWL.inverseOf, None)):
        for s, _, o in list(closure.triples((None, p, None))):
            closure.add((o, q, s))
        for s, _, o in list(closure.triples((None, q, None))):
            closure.add((o, p, s))
    inferred = Graph()
    for s, p, o in closure:
        if (s, p, o) in union or not isinstance(s, URIRef) or not str(s).startswith(str(ID)):
            continue
        if p == RDF.type and o in (RDFS.Resource, RDFS.Class, RDF.Property, OWL.Thing):
            continue
        if isinstance(o, Literal) and next(union.triples((s, None, o)), None) is None:
            # owlrl's literal proxies conflate equal lexical forms ("Montreal" and "Montreal"@en): an
            # RDFS literal entailment (sub-property) always repeats a literal the subject already has.
            continue
        inferred.add((s, p, o))
    return inferred


# How graph/entailments came about (PROV), stated in the provenance graph beside the sources, so an
# entailed statement in an entity document cites a described graph like any other; and the provenance
# graph's own title, for the statements it makes (pages cite every graph by its title, never its IRI).
ENTAILMENT_PROVENANCE = """
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/cec-kg/graph/entailments> a prov:Entity ;
    dcterms:title "Entailments of the CEC graph"@en, "Inferencias del grafo de la CCA"@es,
        "Inférences du graphe de la CCE"@fr ;
    dcterms:description "Statements that follow from the sources and the vocabulary by RDFS entailment and owl:inverseOf, computed when the dataset is built; no source states them in these words."@en ;
    prov:wasGeneratedBy <https://w3id.org/cec-kg/graph/entailments#derivation> .
<https://w3id.org/cec-kg/graph/provenance> a prov:Entity ;
    dcterms:title "Provenance of the sources"@en, "Procedencia de las fuentes"@es, "Provenance des sources"@fr ;
    dcterms:description "The description of every source graph (title, citation, the file it is part of, the entity it is about), generated by data/sources/build.py as data/provenance.ttl; a page cites it for the statements it makes, such as which entity a source is about."@en .
<https://w3id.org/cec-kg/graph/entailments#derivation> a prov:Activity ;
    rdfs:label "RDFS entailment (owlrl's RDFS semantics) and owl:inverseOf, over the sources, the vocabulary and the reused vocabularies' class hierarchy"@en .
"""


def entailment_provenance(ds: Dataset) -> Graph:
    """The PROV description of graph/entailments: derived from every graph it was computed over."""
    g = Graph().parse(data=ENTAILMENT_PROVENANCE, format="turtle")
    entailed, activity = URIRef(ENTAILMENT_GRAPH), URIRef(str(ENTAILMENT_GRAPH) + "#derivation")
    for graph in sorted({c.identifier for c in ds.graphs() if isinstance(c.identifier, URIRef)}, key=str):
        if graph != entailed and len(ds.graph(graph)):
            g.add((entailed, PROV.wasDerivedFrom, graph))
            g.add((activity, PROV.used, graph))
    return g


def build_dataset(progress: Callable[[int], object] | None = None) -> Dataset:
    ds = load_asserted(progress)
    inferred = entailments(ds)
    described = entailment_provenance(ds)
    g = ds.graph(URIRef(ENTAILMENT_GRAPH))
    for t in inferred:
        g.add(t)
    provenance = ds.graph(URIRef(PROVENANCE_GRAPH))
    for t in described:
        provenance.add(t)
    if progress:
        progress(len(inferred))
    return ds


def built_nquads(progress: Callable[[int], object] | None = None) -> Path:
    """Path of the N-Quads file of the served dataset, rebuilt when any input changed (``progress``
    hears of the triples read and entailed)."""
    target = paths.BUILD_DIR / f"cec-kg-{inputs_hash()}.nq"
    if not target.exists():
        paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        build_dataset(progress).serialize(tmp, format="nquads")
        tmp.replace(target)
    return target
