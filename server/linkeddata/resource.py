"""Dereferencing: ``/id/…`` (and ``/source/…``, ``/graph/…``) answer 303 See Other to a document.

``/id/{kind}/{slug}`` -> ``/page/{kind}/{slug}`` (HTML) or ``/data/{kind}/{slug}.{ttl,jsonld,rdf,nt}``
by content negotiation (``?format=`` or a suffix on the IRI picks explicitly). ``/data/{key}`` without a
suffix negotiates and answers 200 with ``Content-Location``. An unknown IRI is 404 before any 406.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, request

from . import describe as d
from ..problems import Problem
from ..protocol.http import document_response, license_iri, see_other
from ..protocol.negotiation import negotiate

bp = Blueprint("resource", __name__)

# Server preference for /id/…: a bare request (no Accept, or */*) gets Turtle; browsers ask for HTML.
THING_OFFERS = ["text/turtle", "text/html", *[m for m in d.DOC_FORMATS if m != "text/turtle"]]


def not_found(key: str) -> Problem:
    iri = d.iri_for_key(key)
    what = f"<{iri}>" if iri else f"'{key}'"
    return Problem(404, "Not Found",
                   f"{what} is not an identifier this graph describes. Identifiers look like "
                   f"/id/party/mexico; /sitemap.xml lists every one and /sparql can search them.")


def split_suffix(key: str) -> tuple[str, str | None]:
    """``party/mexico.ttl`` -> (``party/mexico``, ``ttl``); keys never contain a known suffix otherwise."""
    stem, dot, suffix = key.rpartition(".")
    if dot and (suffix in d.SUFFIX_TYPES or suffix == "html"):
        return stem, suffix
    return key, None


def resolve(key: str) -> str:
    """The IRI for ``key`` if the graph knows it; else 404."""
    iri = d.iri_for_key(key)
    if iri is None or not d.exists(iri):
        raise not_found(key)
    return iri


def lang_query() -> str:
    lang = request.args.get("lang")
    return "?" + urlencode({"lang": lang}) if lang else ""


def dereference(key: str):
    stem, suffix = split_suffix(key)
    resolve(stem)
    override = suffix or request.args.get("format")
    mt = negotiate(request, THING_OFFERS, override=override)
    if mt == "text/html":
        return see_other(f"/page/{stem}{lang_query()}")
    return see_other(f"/data/{stem}.{d.DOC_FORMATS[mt]}")


@bp.get("/id/<path:key>")
def thing(key: str):
    return dereference(key)


@bp.get("/source/<path:key>")
def source(key: str):
    return dereference("source/" + key)


@bp.get("/graph/<path:key>")
def graph(key: str):
    return dereference("graph/" + key)


@bp.get("/<name>")
def top_level(name: str):
    """Top-level IRIs the graph describes, e.g. ``https://w3id.org/cec-kg/team`` (fixed routes win)."""
    return dereference(name)


def signposts(key: str, iri: str, current: str | None) -> list[tuple[str, str, str | None]]:
    """FAIR signposting: cite-as the canonical IRI, the licence, and every representation."""
    links: list[tuple[str, str, str | None]] = [(iri, "cite-as", None), (license_iri(), "license", None)]
    for mt, suffix in d.DOC_FORMATS.items():
        rel = "describedby" if current == "text/html" else ("self" if mt == current else "alternate")
        links.append((f"/data/{key}.{suffix}", rel, mt))
    if current != "text/html":
        links.append((f"/page/{key}", "alternate", "text/html"))
    return links


def entity_document(key: str, mt: str):
    iri = d.iri_for_key(key)
    suffix = d.DOC_FORMATS[mt]
    body = d.memo(("doc", key, suffix), lambda: d.serialize(
        d.document_triples(d.describe(iri), key, license_iri()), suffix))
    return document_response(body, mt, content_location=f"/data/{key}.{suffix}",
                             links=signposts(key, iri, mt))


@bp.get("/data/<path:key>")
def data(key: str):
    stem, suffix = split_suffix(key)
    if suffix == "html":
        raise not_found(key)
    resolve(stem)
    mt = negotiate(request, list(d.DOC_FORMATS), override=suffix or request.args.get("format"))
    return entity_document(stem, mt)
