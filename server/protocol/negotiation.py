"""Content negotiation, in one place: ordered tables media type -> format (order = server preference).

RFC 9110 §12.5.1: q-values and wildcards are honoured by werkzeug's Accept parsing; a missing Accept
means "anything", answered with the table's first entry; nothing acceptable -> 406 (see ``negotiate``).
A ``format`` override (``?format=ttl`` or a media type) wins over the header.
"""
from __future__ import annotations

from flask import Request
from werkzeug.datastructures import MIMEAccept

from ..problems import Problem

# Short names accepted by `format=` and by file suffixes.
SHORT_NAMES = {
    "json": "application/sparql-results+json", "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml", "srx": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "ttl": "text/turtle", "turtle": "text/turtle", "nt": "application/n-triples",
    "ntriples": "application/n-triples", "jsonld": "application/ld+json", "json-ld": "application/ld+json",
    "rdf": "application/rdf+xml", "rdfxml": "application/rdf+xml", "rdf+xml": "application/rdf+xml", "owl": "application/rdf+xml",
    "trig": "application/trig", "nq": "application/n-quads", "nquads": "application/n-quads",
    "n3": "text/n3", "html": "text/html",
    "kml": "application/vnd.google-earth.kml+xml", "geojson": "application/geo+json",
}


# `format=json` / `format=xml` asked of a graph (CONSTRUCT, DESCRIBE): RDF's JSON and XML syntaxes,
# as Fuseki reads them, rather than a 406 for the results formats of the same short name.
GRAPH_SHORT_NAMES = {"json": "application/ld+json", "xml": "application/rdf+xml"}


def expand_format(value: str, offers=()) -> str:
    """`format=` value -> media type (a short name or a media type itself), among ``offers`` if it can."""
    key = value.strip().lower()
    media_type = SHORT_NAMES.get(key, key)
    if media_type not in offers and GRAPH_SHORT_NAMES.get(key) in offers:
        return GRAPH_SHORT_NAMES[key]
    return media_type


def without_parameters(accept: MIMEAccept) -> MIMEAccept:
    """The Accept ranges without their parameters: no offer here differs by one, and werkzeug matched
    ``application/sparql-results+json; charset=utf-8`` (as some clients send it) to nothing: a 406."""
    return MIMEAccept([(value.split(";", 1)[0].strip(), q) for value, q in accept])


def negotiate(request: Request, offers: list[str], *, override: str | None = None) -> str:
    """Pick one of ``offers`` (in server preference order) for this request, or raise 406.

    ``override`` (from ``format=`` or a suffix) wins when it names an offer. No Accept header, or
    ``*/*``, gives the first offer.
    """
    if override:
        mt = expand_format(override, offers)
        if mt in offers:
            return mt
        raise Problem(406, "Not Acceptable", f"format '{override}' is not available here; use one of: "
                      + ", ".join(offers), available=offers)
    if not request.accept_mimetypes:
        return offers[0]
    best = without_parameters(request.accept_mimetypes).best_match(offers)
    if best is None:
        raise Problem(406, "Not Acceptable", "none of the media types in your Accept header is available; "
                      "ask for one of: " + ", ".join(offers), available=offers)
    return best
