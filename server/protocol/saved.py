"""Saved queries as an API: ``/queries`` lists the competency questions (``queries/cq-*.rq``) and
``/queries/{name}`` runs one, negotiated like ``/sparql`` (same formats, limits, cache; HTML for a
browser).

``/queries`` answers JSON (the default), RDF (Turtle, JSON-LD, RDF/XML, N-Triples) or, for people,
HTML. Each query is described as a SHACL ``sh:SPARQLExecutable`` (as SIB's sparql-examples do): its
question in en/es/fr (``rdfs:comment``), its text (``sh:select``/``sh:ask``/…), its parameters
(``sh:parameter`` with ``sh:name``, ``sh:nodeKind``/``sh:datatype``, ``sh:class``,
``sh:defaultValue``) and the shape of its result (``schema:variableMeasured`` for each projected
variable, ``schema:numberOfItems`` for the stated row count).

Parameters come as URL arguments (``/queries/cq-01-…?party=canada``) and are bound as RDF terms with
pyoxigraph's ``substitutions``; an argument that is neither a parameter nor a protocol argument, or a
value that does not fit (not a year, not an IRI, not an instance of the parameter's class) is a 400
naming it. The questions are about the CEC graph: with ``--data`` there are none.
"""
from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, current_app, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SDO, SH, XSD

from ..graph.namespaces import BASE
from ..graph.queries import ParameterError, SavedQuery, saved_queries
from ..problems import Problem
from ..store import get_store
from .endpoint import ProtocolRequest, _timeout, answer, wants_html
from .http import document_response, html_view, stable_rdf
from .negotiation import negotiate

bp = Blueprint("saved", __name__)

QUERIES_IRI = BASE + "queries"
SPARQL_IRI = BASE + "sparql"
# Arguments of /queries/{name} that are not parameters of the query.
PROTOCOL_ARGS = {"format", "output", "timeout", "lang", "page", "chart"}
LIST_OFFERS = ["application/json", "text/html", "text/turtle", "application/ld+json", "application/rdf+xml",
               "application/n-triples"]
LIST_SHORT = {"json": "application/json", "html": "text/html", "ttl": "text/turtle", "turtle": "text/turtle",
              "jsonld": "application/ld+json", "rdf": "application/rdf+xml", "nt": "application/n-triples"}
EXECUTABLE = {"SELECT": (SH.SPARQLSelectExecutable, SH.select), "ASK": (SH.SPARQLAskExecutable, SH.ask),
              "CONSTRUCT": (SH.SPARQLConstructExecutable, SH.construct),
              "DESCRIBE": (SH.SPARQLExecutable, SH.select)}
DATATYPES = {"year": XSD.integer, "integer": XSD.integer, "date": XSD.date, "string": XSD.string}


def available() -> dict[str, SavedQuery]:
    """The saved queries this server offers: the CEC graph's questions, none for a user's own data."""
    if current_app.config.get("DATA"):
        return {}
    return saved_queries()


def query_iri(name: str) -> str:
    return f"{QUERIES_IRI}/{name}"


def describe_json(sq: SavedQuery) -> dict:
    return {
        "name": sq.name, "id": query_iri(sq.name), "url": f"/queries/{sq.name}", "question": sq.question,
        "parameters": [{"name": p.name, "kind": p.kind, "class": p.cls, "default": p.default} for p in sq.parameters],
        "result": {"form": sq.form, "variables": sq.variables, "expectedCount": sq.expected.get("count"),
                   **({"expectedBoolean": sq.expected["ask"]} if "ask" in sq.expected else {})},
        "query": sq.body,
    }


def describe_rdf(queries: list[SavedQuery]) -> Graph:
    g = Graph()
    g.bind("sh", SH)
    g.bind("schema", SDO)
    g.bind("dcterms", DCTERMS)
    g.bind("rdfs", RDFS)
    g.bind("cq", Namespace(QUERIES_IRI + "/"))
    listing = URIRef(QUERIES_IRI)
    g.add((listing, RDF.type, SDO.Collection))
    g.add((listing, RDFS.label, Literal("Saved queries of the CEC Knowledge Graph", lang="en")))
    for sq in queries:
        q = URIRef(query_iri(sq.name))
        g.add((listing, SDO.hasPart, q))
        cls, text_prop = EXECUTABLE.get(sq.form or "SELECT", EXECUTABLE["SELECT"])
        g.add((q, RDF.type, SH.SPARQLExecutable))
        g.add((q, RDF.type, cls))
        g.add((q, RDFS.label, Literal(sq.number)))
        g.add((q, DCTERMS.identifier, Literal(sq.name)))
        for lang, question in sorted(sq.question.items()):
            g.add((q, RDFS.comment, Literal(question, lang=lang)))
        g.add((q, text_prop, Literal(sq.body)))
        g.add((q, SDO.target, URIRef(SPARQL_IRI)))
        for p in sq.parameters:
            node = BNode(f"{sq.number}-{p.name}")
            g.add((q, SH.parameter, node))
            g.add((node, SH.path, URIRef(f"{query_iri(sq.name)}#{p.name}")))
            g.add((node, SH.name, Literal(p.name)))
            if p.kind == "iri":
                g.add((node, SH.nodeKind, SH.IRI))
            else:
                g.add((node, SH.datatype, DATATYPES[p.kind]))
            if p.cls:
                g.add((node, SH["class"], URIRef(p.cls)))
            term = p.default_term
            if term is not None:
                g.add((node, SH.defaultValue, URIRef(term.value) if isinstance(term, ox.NamedNode)
                       else Literal(term.value, datatype=URIRef(term.datatype.value))))
            g.add((node, SH.optional, Literal(True)))
        for v in sq.variables:
            g.add((q, SDO.variableMeasured, Literal(v)))
        if "count" in sq.expected:
            g.add((q, SDO.numberOfItems, Literal(sq.expected["count"])))
    return g


@bp.get("/queries")
@bp.get("/queries/")
def listing():
    queries = list(available().values())
    view = html_view("queries")
    offers = [o for o in LIST_OFFERS if o != "text/html" or view is not None]
    asked = request.args.get("format")
    media_type = negotiate(request, offers, override=LIST_SHORT.get((asked or "").lower(), asked))
    if media_type == "text/html":
        return view(queries)
    if media_type == "application/json":
        body = json.dumps({"id": QUERIES_IRI, "queries": [describe_json(q) for q in queries]}, ensure_ascii=False,
                          indent=1)
        return document_response(body, "application/json", vary="Accept", cors=True)
    return document_response(stable_rdf(describe_rdf(queries), media_type), media_type, vary="Accept", cors=True)


def bound_parameters(sq: SavedQuery) -> tuple[tuple[str, ox.Term], ...]:
    """The URL's parameters as RDF terms (defaults for the rest), or a 400 naming the one at fault."""
    names = {p.name for p in sq.parameters}
    for arg in request.args:
        if arg not in names and arg not in PROTOCOL_ARGS:
            offered = ", ".join(sorted(names)) or "none"
            raise Problem(400, "Unknown parameter", f"'{arg}' is not a parameter of {sq.name} (its parameters: "
                          f"{offered}; also accepted: {', '.join(sorted(PROTOCOL_ARGS))}).", parameter=arg)
    values = {p.name: request.args[p.name] for p in sq.parameters if request.args.get(p.name, "").strip()}
    try:
        subs = sq.substitutions(values)
    except ParameterError as e:
        raise Problem(400, "Bad parameter", str(e), parameter=e.name) from None
    for p in sq.parameters:
        term = subs.get(ox.Variable(p.name))
        if p.cls and p.name in values and isinstance(term, ox.NamedNode):
            found = get_store().query("ASK { ?x a ?class }", substitutions={ox.Variable("x"): term,
                                                                            ox.Variable("class"): ox.NamedNode(p.cls)})
            if not bool(found):
                raise Problem(400, "Bad parameter", f"{p.name}={values[p.name]!r}: <{term.value}> is not a "
                              f"<{p.cls}> in this graph.", parameter=p.name)
    return tuple((var.value, term) for var, term in subs.items())


@bp.route("/queries/<name>", methods=["GET", "HEAD"])
def run(name: str):
    sq = available().get(name)
    if sq is None:
        known = ", ".join(sorted(available())) or "none (this server serves other data)"
        raise Problem(404, "Not Found", f"no saved query '{name}'; the saved queries are listed at /queries: {known}.")
    req = ProtocolRequest(query=sq.text, default_graphs=None, named_graphs=None,
                          timeout=_timeout(request.args.get("timeout")),
                          formats=tuple(v for v in request.args.getlist("format") + request.args.getlist("output") if v),
                          substitutions=bound_parameters(sq))
    view = html_view("results")
    if view is not None and wants_html(req):
        return view(req, saved=sq)
    return answer(req)
