"""The SPARQL 1.1 Service Description of ``/sparql``, with VoID statistics computed from the store.

Answered at ``/sparql`` without a query, negotiated over the RDF formats (plus, for people, a query
form in the site's layout with the competency questions as examples). It lists the result formats,
the features, the limits (``schema:PropertyValue``s, announced so that nothing is silent: the row
cap, timeouts, size and nesting limits) and the default dataset:
the default graph (the union of all graphs) and every named graph with its triple count. The
statistics come from ``queries/server/sd-*.rq`` and are computed once per content hash.
"""
from __future__ import annotations

import pyoxigraph as ox
from flask import Response, current_app, request

from ..graph.namespaces import DATASET_IRI, ENTAILMENT_GRAPH
from ..store import figures, get_store
from .http import document_response, html_view
from ..store.results import RDF, RESULTS
from .negotiation import negotiate

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
FORMATS = "http://www.w3.org/ns/formats/"
SCHEMA = "https://schema.org/"
PREFIXES = {"sd": SD, "void": VOID, "rdf": RDF_NS, "rdfs": RDFS, "xsd": XSD, "dcterms": DCT,
            "formats": FORMATS, "schema": SCHEMA}
# UN/CEFACT common codes (schema:unitCode) of the limits' units.
SECONDS, BYTES = "SEC", "AD"

# Media type -> W3C format IRI (https://www.w3.org/ns/formats/).
FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON", "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV", "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle", "application/n-triples": "N-Triples", "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML", "application/trig": "TriG", "application/n-quads": "N-Quads", "text/n3": "N3",
}


def limits(cfg) -> list[tuple[str, str, object, str | None]]:
    """(propertyID, English name, value, UN/CEFACT unit) of every limit a client may run into."""
    return [
        ("queryTimeout", "default query timeout", float(cfg["QUERY_TIMEOUT"]), SECONDS),
        ("maxQueryTimeout", "largest timeout= a request may ask for", float(cfg["MAX_QUERY_TIMEOUT"]), SECONDS),
        ("maxResultRows", "rows or triples returned at most (X-SPARQL-Row-Cap)", int(cfg["MAX_RESULT_ROWS"]), None),
        ("maxResultBytes", "largest result document, cut at a row beyond (X-SPARQL-Byte-Cap; 0: none)",
         int(cfg.get("MAX_RESULT_BYTES", 0)), BYTES),
        ("fairQuerySeconds", "query seconds per client per minute (429 beyond; 0: none)",
         float(cfg.get("FAIR_QUERY_SECONDS", 0)), SECONDS),
        ("fairConcurrentQueries", "queries a client may run at once (429 beyond; 0: no limit)",
         int(cfg.get("FAIR_CONCURRENT_QUERIES", 0)), None),
        ("maxQueryBytes", "largest query accepted", int(cfg["MAX_QUERY_BYTES"]), BYTES),
        ("maxNestingDepth", "deepest bracket nesting accepted", int(cfg["MAX_NESTING"]), None),
        ("federatedQuery", "SERVICE is evaluated", False, None),
        ("update", "SPARQL Update is executed", False, None),
    ]


def description(endpoint: str) -> list[ox.Triple]:
    cfg = current_app.config
    store = get_store()
    cache = current_app.extensions.setdefault("cec_kg.sd_stats", {})
    stats = cache.get(store.content_hash())
    if stats is None:       # seconds at scale: kept on disk per content (``store.figures``)
        stats = cache[store.content_hash()] = figures.figure(store, "sd-stats")
    n = ox.NamedNode
    triples: list[ox.Triple] = []

    def add(s, p, o):
        triples.append(ox.Triple(s, n(p) if isinstance(p, str) else p, o))

    def lit(v, dt=None):
        if isinstance(v, bool):
            return ox.Literal(str(v).lower(), datatype=n(XSD + "boolean"))
        if isinstance(v, int):
            return ox.Literal(str(v), datatype=n(XSD + "integer"))
        if isinstance(v, float):
            return ox.Literal(repr(v), datatype=n(XSD + "decimal"))
        return ox.Literal(v, language="en") if dt is None else ox.Literal(v, datatype=n(dt))

    svc = ox.BlankNode("service")
    add(svc, RDF_NS + "type", n(SD + "Service"))
    add(svc, SD + "endpoint", n(endpoint))
    add(svc, SD + "supportedLanguage", n(SD + "SPARQL11Query"))
    add(svc, SD + "feature", n(SD + "UnionDefaultGraph"))
    add(svc, SD + "defaultEntailmentRegime", n("http://www.w3.org/ns/entailment/Simple"))
    for mt in list(RESULTS) + list(RDF):
        if mt in FORMAT_IRIS:
            add(svc, SD + "resultFormat", n(FORMATS + FORMAT_IRIS[mt]))
    add(svc, RDFS + "comment", lit(
        "Read-only SPARQL 1.1 Query endpoint. SERVICE, LOAD and every update are refused; FROM, FROM NAMED, "
        "default-graph-uri and named-graph-uri select graphs of this store only and never fetch anything. "
        f"Queries stop after {cfg['QUERY_TIMEOUT']:g} s by default (timeout= up to {cfg['MAX_QUERY_TIMEOUT']:g} s) "
        "and answer 503 with Retry-After; results are capped at "
        f"{cfg['MAX_RESULT_ROWS']} rows (announced in the X-SPARQL-Row-Cap and X-SPARQL-Truncated headers)."))
    # The limits, machine-readable: SD has no terms for them, so each is a schema:PropertyValue (the
    # standard way to attach a named, unit-coded value) rather than a property minted for the purpose.
    for name, label, value, unit in limits(cfg):
        pv = ox.BlankNode(f"limit-{name}")
        add(svc, SCHEMA + "additionalProperty", pv)
        add(pv, RDF_NS + "type", n(SCHEMA + "PropertyValue"))
        add(pv, SCHEMA + "propertyID", lit(name, XSD + "string"))
        add(pv, SCHEMA + "name", lit(label))
        add(pv, SCHEMA + "value", lit(value))
        if unit:
            add(pv, SCHEMA + "unitCode", lit(unit, XSD + "string"))

    dataset = n(DATASET_IRI) if not cfg.get("DATA") and store.kind == "embedded" else ox.BlankNode("dataset")
    add(svc, SD + "defaultDataset", dataset)
    add(dataset, RDF_NS + "type", n(SD + "Dataset"))
    add(dataset, RDF_NS + "type", n(VOID + "Dataset"))
    add(dataset, VOID + "sparqlEndpoint", n(endpoint))
    dg = ox.BlankNode("default-graph")
    add(dataset, SD + "defaultGraph", dg)
    add(dg, RDF_NS + "type", n(SD + "Graph"))
    comment = "The default graph is the union (RDF merge) of all named graphs: each triple once."
    if dataset == n(DATASET_IRI):
        # Evaluation itself is simple entailment; the CEC graph carries its RDFS/OWL consequences as data.
        comment += (f" It includes <{ENTAILMENT_GRAPH}>: the RDFS/OWL entailments of the sources under the "
                    "vocabulary, materialised when the graph is built, so standard-vocabulary queries "
                    "(e.g. ?x a org:Organization) find the CEC's entities.")
    add(dg, RDFS + "comment", lit(comment))
    d = stats["default"]
    for key, prop in (("triples", "triples"), ("entities", "entities"), ("properties", "properties"),
                      ("subjects", "distinctSubjects"), ("objects", "distinctObjects"), ("classes", "classes")):
        add(dg, VOID + prop, lit(d[key]))
    for i, (iri, count) in enumerate(stats["graphs"]):
        ng, gr = ox.BlankNode(f"ng{i}"), ox.BlankNode(f"g{i}")
        add(dataset, SD + "namedGraph", ng)
        add(ng, RDF_NS + "type", n(SD + "NamedGraph"))
        add(ng, SD + "name", n(iri))
        add(ng, SD + "graph", gr)
        add(gr, RDF_NS + "type", n(SD + "Graph"))
        add(gr, VOID + "triples", lit(count))
    return triples


def service_description_response(format_override: str | None) -> Response:
    view = html_view("service")       # the query form, when the app has the web layer
    media_type = negotiate(request, list(RDF) + (["text/html"] if view else []), override=format_override)
    endpoint = request.base_url.rstrip("/")
    triples = description(endpoint)
    turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    if media_type == "text/html":
        return view(endpoint, turtle.decode("utf-8"))
    fmt = RDF[media_type]
    if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    else:
        items = triples
    prefixes = PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N3,
                                   ox.RdfFormat.RDF_XML) else None
    kwargs = {"prefixes": prefixes} if prefixes else {}
    body = turtle if fmt == ox.RdfFormat.TURTLE else ox.serialize(items, format=fmt, **kwargs)
    # The same bytes in every process (blank nodes are named, statistics come from the store), so the
    # linked-data documents' validators apply: ETag of the bytes, 304 on revalidation, gzip.
    return document_response(body, media_type, vary="Accept")
