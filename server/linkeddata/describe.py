"""Entity descriptions: which IRIs we answer for, what an entity document holds, and its RDF bytes.

An entity document (``https://w3id.org/cec-kg/data/{kind}/{slug}``) holds, in every format alike:
- every statement about the entity and every one pointing at it that the default graph holds, the
  entailed ones included (``queries/server/ld-describe.rq``), and the labels of every resource they
  mention: a crawler that reads the document and a user who queries see the same statements;
- which source states each fact: one ``rdf:Statement`` per fact about/to the entity, with
  ``prov:wasDerivedFrom`` each named graph that states it (RDF 1.1 reification, readable by every
  parser and format), plus the title and citation of those sources. An entailed fact names
  ``graph/entailments``, which the provenance graph describes (how it was derived: ``graph.build``);
- the document itself: ``foaf:primaryTopic``, ``dcterms:license``, ``void:inDataset``.
Canonical IRIs stay ``https://w3id.org/cec-kg/…`` whatever origin serves them.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox
from flask import current_app
from rdflib import Graph

from ..graph import paths
from ..graph.namespaces import BASE, DATASET_IRI, ENTAILMENT_GRAPH, PROVENANCE_GRAPH
from ..protocol.http import stable_jsonld
from ..store import get_store

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
VOID = "http://rdfs.org/ns/void#"
LABEL_PROPERTIES = (SKOS_NS + "prefLabel", RDFS_NS + "label", DCT + "title")

# Entity documents: media type -> file suffix (order = server preference; HTML is offered beside them).
DOC_FORMATS = {
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/n-triples": "nt",
}
SUFFIX_TYPES = {v: k for k, v in DOC_FORMATS.items()}
FORMAT_NAMES = {"ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF/XML", "nt": "N-Triples"}
OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "rdf": ox.RdfFormat.RDF_XML, "nt": ox.RdfFormat.N_TRIPLES}
PREFIXES = {
    "cec": BASE + "ontology#", "rdf": RDF_NS, "rdfs": RDFS_NS, "skos": SKOS_NS, "dcterms": DCT,
    "prov": PROV, "foaf": FOAF, "void": VOID, "org": "http://www.w3.org/ns/org#", "schema": "https://schema.org/",
    "owl": "http://www.w3.org/2002/07/owl#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "time": "http://www.w3.org/2006/time#",
}

# Namespaces under BASE whose IRIs dereference through /{ns}/… -> /page/… and /data/…. Things are
# under id/ (their kind is the first path segment); sources and graphs keep their namespace in the key.
# Things (id/) always have a kind and a slug; a one-segment key is a top-level IRI (e.g. …/team).
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")
_TOP = re.compile(r"^[a-z][a-z0-9-]*$")
RESERVED = {"id", "source", "graph", "data", "page", "ontology", "shapes", "dataset", "sparql", "dumps", "static",
            "health", "metrics", "queries", "search", "publications"}


def key_for_iri(iri: str) -> str | None:
    """``…/id/party/mexico`` -> ``party/mexico``; ``…/source/seed`` -> ``source/seed``; else None."""
    if not iri.startswith(BASE):
        return None
    rest = iri[len(BASE):]
    if rest.startswith("id/"):
        key = rest[3:]
        return key if _KEY.match(key) and "/" in key else None
    if rest.startswith(("source/", "graph/")) or (_TOP.match(rest) and rest not in RESERVED):
        return rest if _KEY.match(rest) else None
    return None


def iri_for_key(key: str) -> str | None:
    """Inverse of ``key_for_iri``; None for a path that cannot be one of our identifiers."""
    if not _KEY.match(key):
        return None
    if key.startswith(("source/", "graph/")):
        return BASE + key
    if "/" not in key:                  # a top-level IRI such as https://w3id.org/cec-kg/team
        return BASE + key if _TOP.match(key) and key not in RESERVED else None
    return BASE + "id/" + key


def document_iri(key: str) -> str:
    return BASE + "data/" + key


def local_href(iri: str) -> str | None:
    """Where an IRI of ours is read on the serving origin (pages link there), or None if not ours."""
    key = key_for_iri(iri)
    if key is not None:
        return "/page/" + key
    if iri.startswith(BASE):
        rest = iri[len(BASE):]
        if rest.startswith("ontology#") or rest.startswith("shapes#"):
            return "/" + rest
        return "/" + rest
    return None


def query_text(name: str) -> str:
    cache = current_app.extensions.setdefault("cec_kg.ld_queries", {})
    if name not in cache:
        cache[name] = paths.server_query(name)
    return cache[name]


def run(name: str, **bindings):
    """Run one of the server's own queries with variables bound by substitution (never formatted in)."""
    subs = {ox.Variable(k): (v if isinstance(v, ox.NamedNode | ox.Literal | ox.BlankNode) else ox.NamedNode(v))
            for k, v in bindings.items()}
    return get_store().query(query_text(name), substitutions=subs or None)


def cache() -> dict:
    """Per-app memo keyed by the store's content hash (the data is read-only while served)."""
    store = get_store()
    memo = current_app.extensions.setdefault("cec_kg.ld_cache", {})
    tag = store.content_hash()
    if memo.get("_tag") != tag:
        memo.clear()
        memo["_tag"] = tag
    return memo


def memo(key, compute):
    c = cache()
    if key not in c:
        if len(c) > 4096:
            tag = c["_tag"]
            c.clear()
            c["_tag"] = tag
        c[key] = compute()
    return c[key]


def exists(iri: str) -> bool:
    return memo(("exists", iri), lambda: any(True for _ in run("ld-exists", iri=iri)))


@dataclass
class Fact:
    s: ox.NamedNode | ox.BlankNode
    p: ox.NamedNode
    o: ox.NamedNode | ox.BlankNode | ox.Literal
    role: str                       # out, in, bnode, label
    graphs: list[str] = field(default_factory=list)


@dataclass
class Description:
    iri: str
    facts: list[Fact]
    sources: dict[str, dict[str, list]]   # source IRI -> property IRI -> values (ox terms)

    @cached_property
    def labels(self) -> dict[str, list[tuple[str, str | None]]]:
        """IRI -> (text, language) of every label the document holds."""
        out: dict[str, list[tuple[str, str | None]]] = {}
        for f in self.facts:
            if f.p.value in LABEL_PROPERTIES and isinstance(f.o, ox.Literal) and isinstance(f.s, ox.NamedNode):
                out.setdefault(f.s.value, []).append((f.o.value, f.o.language))
        return out

    def asserted(self) -> "Description":
        """The description without what is only entailed (the pages show the sources' statements)."""
        entailed = str(ENTAILMENT_GRAPH)
        facts = [Fact(f.s, f.p, f.o, f.role, [g for g in f.graphs if g != entailed]) for f in self.facts]
        return Description(self.iri, [f for f in facts if f.graphs],
                           {g: v for g, v in self.sources.items() if g != entailed})

    @property
    def cited_graphs(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.facts:
            if f.role in ("out", "in", "bnode"):
                for g in f.graphs:
                    seen.setdefault(g, None)
        return list(seen)


def sources() -> dict[str, dict[str, list]]:
    """Every source the provenance graph describes: IRI -> property -> values."""
    def compute():
        out: dict[str, dict[str, list]] = {}
        for row in run("ld-sources"):
            out.setdefault(row["source"].value, {}).setdefault(row["p"].value, []).append(row["o"])
        return out
    return memo(("sources",), compute)


def describe(iri: str) -> Description:
    def compute():
        facts: dict[tuple, Fact] = {}
        for row in run("ld-describe", iri=iri):
            role = row["role"].value
            key = (row["s"], row["p"], row["o"], role if role in ("out", "in") else "other")
            fact = facts.get(key)
            if fact is None:
                fact = facts[key] = Fact(row["s"], row["p"], row["o"], role)
            g = row["g"].value
            if g not in fact.graphs:
                fact.graphs.append(g)
        # A statement about the entity is "out" even when it also matches as a label of a neighbour.
        seen_triples = {(f.s, f.p, f.o) for f in facts.values() if f.role in ("out", "in")}
        kept = [f for f in facts.values() if f.role in ("out", "in") or (f.s, f.p, f.o) not in seen_triples]
        all_sources = sources()
        cited = {g for f in kept for g in f.graphs}
        return Description(iri, kept, {g: all_sources[g] for g in sorted(cited) if g in all_sources})
    return memo(("describe", iri), compute)


def _term_key(term) -> str:
    """A stable text for hashing a term (blank node labels differ per query, so they are erased)."""
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


def statement_iri(doc: str, fact: Fact) -> ox.NamedNode:
    digest = hashlib.sha256(" ".join(map(_term_key, (fact.s, fact.p, fact.o))).encode()).hexdigest()[:16]
    return ox.NamedNode(f"{doc}#stmt-{digest}")


def document_triples(desc: Description, key: str, license_iri: str | None) -> list[ox.Triple]:
    """The RDF of the entity document (the same triples in every format)."""
    doc = document_iri(key)
    D, T = ox.NamedNode, ox.Triple
    a = D(RDF_NS + "type")
    triples: dict[ox.Triple, None] = {}

    def add(s, p, o):
        triples.setdefault(T(s, p, o), None)

    add(D(doc), a, D(FOAF + "Document"))
    add(D(doc), D(FOAF + "primaryTopic"), D(desc.iri))
    if license_iri:
        add(D(doc), D(DCT + "license"), D(license_iri))
    add(D(doc), D(VOID + "inDataset"), D(DATASET_IRI))
    for f in desc.facts:
        add(f.s, f.p, f.o)
    for f in desc.facts:
        if f.role not in ("out", "in"):
            continue
        st = statement_iri(doc, f)
        add(st, a, D(RDF_NS + "Statement"))
        add(st, D(RDF_NS + "subject"), f.s)
        add(st, D(RDF_NS + "predicate"), f.p)
        add(st, D(RDF_NS + "object"), f.o)
        for g in sorted(f.graphs):
            add(st, D(PROV + "wasDerivedFrom"), D(g))
    for g, props in desc.sources.items():
        for p in (DCT + "title", DCT + "bibliographicCitation", DCT + "isPartOf", PROV + "wasGeneratedBy"):
            for v in props.get(p, []):
                add(D(g), D(p), v)
    return list(triples)


def serialize(triples: list[ox.Triple], suffix: str) -> bytes:
    """Bytes of ``triples`` in one of DOC_FORMATS (JSON-LD compacted with our generated @context)."""
    if suffix == "jsonld":
        return to_jsonld(triples)
    return ox.serialize(triples, format=OX_FORMATS[suffix], prefixes=PREFIXES if suffix != "nt" else None)


def to_jsonld(triples: list[ox.Triple]) -> bytes:
    from .vocabulary import jsonld_context

    g = Graph()
    g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    context = jsonld_context()["@context"]
    return stable_jsonld(g.serialize(format="json-ld", context=context, auto_compact=True))


def entity_types(iri: str) -> list[str]:
    """Every type of the entity, asserted or entailed."""
    return memo(("types", iri), lambda: [r["type"].value for r in run("ld-types", iri=iri)
                                          if isinstance(r["type"], ox.NamedNode)])


def term_labels() -> dict[str, list[tuple[str, str | None]]]:
    """Labels of every property and class, from the vocabulary (and any graph that labels them)."""
    def compute():
        out: dict[str, list[tuple[str, str | None]]] = {}
        for r in run("ld-term-labels"):
            if isinstance(r["label"], ox.Literal):
                out.setdefault(r["term"].value, []).append((r["label"].value, r["label"].language))
        return out
    return memo(("term-labels",), compute)


def term_inverses() -> dict[str, str]:
    """Property -> its inverse, for every owl:inverseOf a graph states (the vocabulary's), both ways."""
    def compute():
        out: dict[str, str] = {}
        for r in run("ld-inverses"):
            out.setdefault(r["property"].value, r["inverse"].value)
        return out
    return memo(("term-inverses",), compute)


def is_entailment_graph(g: str) -> bool:
    return g == str(ENTAILMENT_GRAPH)


def provenance_graph() -> str:
    return str(PROVENANCE_GRAPH)


def json_script(data) -> str:
    """JSON for a <script type="application/ld+json"> element: '<', '>' and '&' escaped."""
    return (json.dumps(data, ensure_ascii=False, indent=1)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
