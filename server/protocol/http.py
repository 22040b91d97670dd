"""HTTP details shared by every document the service answers: validators, Vary, signposting Link headers,
the same bytes in every process, and the hook through which the web layer offers HTML.

Every document carries a strong ``ETag`` (hash of its bytes), ``Last-Modified`` (the newest input
file of the served data), ``Vary`` and answers conditional requests with 304 (werkzeug's
``make_conditional``). Documents are small and the data is read-only, so their bytes are memoised.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from flask import Response, current_app, request
from rdflib import Graph
from rdflib.compare import to_canonical_graph

from ..store import get_store


GZIP_MIN_BYTES = 1024
HTML_VIEWS = "cec_kg.html_views"


def _gzipped(etag: str, data: bytes) -> bytes:
    memo = current_app.extensions.setdefault("cec_kg.ld_gzip", {})
    if etag not in memo:
        if len(memo) > 2048:
            memo.clear()
        memo[etag] = gzip.compress(data, compresslevel=6, mtime=0)
    return memo[etag]


def license_iri() -> str | None:
    """The served data's licence IRI, or None: a user's own data carries no licence of ours."""
    return get_store().license


def html_view(name: str):
    """The web layer's HTML view of the document ``name`` (``service``, ``dataset``, ``dumps``,
    ``vocabulary``, ``shapes``), or None in an app without the web layer.

    Dependencies run one way (web → linked data → protocol): the routes here and in ``linkeddata``
    offer ``text/html`` only when a view is registered, and call it when HTML wins the negotiation.
    """
    return current_app.extensions.get(HTML_VIEWS, {}).get(name)


def data_last_modified() -> datetime:
    """When the served data last changed: the newest mtime of its input files (start-up time otherwise)."""
    ext = current_app.extensions
    if "cec_kg.last_modified" not in ext:
        files: list[Path] = []
        data = current_app.config.get("DATA")
        try:
            if data:
                from ..store.base import rdf_files

                files = rdf_files([Path(p) for p in ([data] if isinstance(data, (str, Path)) else data)])
            elif not current_app.config.get("BACKEND"):
                from ..graph.build import input_files

                files = [p for p, _ in input_files()]
        except (OSError, ValueError):
            files = []
        stamps = [f.stat().st_mtime for f in files if f.exists()]
        when = datetime.fromtimestamp(max(stamps), timezone.utc) if stamps else datetime.now(timezone.utc)
        ext["cec_kg.last_modified"] = when.replace(microsecond=0)
    return ext["cec_kg.last_modified"]


# -- The same bytes in every process ------------------------------------------------------------------
# rdflib names blank nodes at random when it parses or mints them, and its store iterates in hash
# order, which Python randomises per process: the shapes, the dataset description and the vocabulary
# came out as different bytes (so different ETags) from one serving process to another and after
# every restart, and revalidation (If-None-Match) failed whenever a request reached another process.

def stable_rdf(g: Graph, media_type: str, **jsonld_options) -> bytes:
    """``g`` (an rdflib Graph) in ``media_type``, byte for byte the same in every process.

    Blank nodes get labels derived from the graph's content (``rdflib.compare.to_canonical_graph``);
    N-Triples lines are sorted; RDF/XML is written by pyoxigraph from the sorted triples; JSON-LD's
    arrays are sorted (RDF values are sets; an ``@list`` keeps its order) and its keys too.
    """
    canonical = Graph()
    for prefix, ns in g.namespaces():
        canonical.bind(prefix, ns)
    for triple in to_canonical_graph(g):
        canonical.add(triple)
    if media_type == "text/turtle":
        return canonical.serialize(format="turtle", encoding="utf-8")
    nt = canonical.serialize(format="nt", encoding="utf-8")
    lines = sorted(set(line for line in nt.splitlines() if line.strip()))
    if media_type == "application/n-triples":
        return b"".join(line + b"\n" for line in lines)
    if media_type == "application/rdf+xml":
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_TRIPLES)]
        used = {t.predicate.value for t in triples} | {t.object.value for t in triples
                                                        if t.predicate.value.endswith("#type")}
        prefixes = {p: str(ns) for p, ns in canonical.namespaces()
                    if p and any(iri.startswith(str(ns)) for iri in used)}
        return ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)
    if media_type == "application/ld+json":
        return stable_jsonld(canonical.serialize(format="json-ld", **jsonld_options))
    raise ValueError(f"no stable serialisation for {media_type}")


def stable_jsonld(text: str) -> bytes:
    """JSON-LD from rdflib with its arrays and keys sorted (its node order follows hash order)."""
    return json.dumps(_sorted_jsonld(json.loads(text)), indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _sorted_jsonld(node, key: str | None = None):
    if isinstance(node, dict):
        return {k: (v if k == "@context" else _sorted_jsonld(v, k)) for k, v in node.items()}
    if isinstance(node, list):
        items = [_sorted_jsonld(v) for v in node]
        return items if key == "@list" else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return node


def link_header(links: list[tuple[str, str, str | None]]) -> str:
    """RFC 8288 Link header from (target, rel, media type) triples."""
    parts = []
    for target, rel, mt in links:
        part = f'<{target}>; rel="{rel}"'
        if mt:
            part += f'; type="{mt}"'
        parts.append(part)
    return ", ".join(parts)


def document_response(body: bytes | str, mimetype: str, *, vary: str = "Accept, Accept-Language",
                      content_location: str | None = None, links: list | None = None,
                      content_language: str | None = None, max_age: int = 300,
                      immutable: bool = False, cors: bool = False) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    etag = hashlib.sha256(data).hexdigest()[:32]
    # Compress here (not in the app-wide hook) so the ETag a client sees is the one we compare.
    gz = len(data) >= GZIP_MIN_BYTES and request.accept_encodings["gzip"] > 0
    if gz:
        data = _gzipped(etag, data)
        etag += "-gz"
    resp = Response(data, mimetype=mimetype)
    if gz:
        resp.headers["Content-Encoding"] = "gzip"
    if mimetype.startswith("text/") or mimetype.endswith(("+xml", "+json", "/json", "/xml")):
        resp.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
    if len(data) >= GZIP_MIN_BYTES or gz:
        vary = ", ".join(v for v in (vary, "Accept-Encoding") if v)
    if vary:
        resp.headers["Vary"] = vary
    if content_location:
        resp.headers["Content-Location"] = content_location
    links = [link for link in links or () if link[0]]     # e.g. no licence for a user's own data
    if links:
        resp.headers["Link"] = link_header(links)
    if content_language:
        resp.headers["Content-Language"] = content_language
    if cors:
        resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.set_etag(etag)
    resp.last_modified = data_last_modified()
    resp.cache_control.public = True
    resp.cache_control.max_age = 31_536_000 if immutable else max_age
    if immutable:
        resp.cache_control.immutable = True
    return resp.make_conditional(request)


def see_other(location: str, vary: str = "Accept, Accept-Language") -> Response:
    resp = Response(f"See {location}\n", status=303, mimetype="text/plain")
    resp.headers["Location"] = location
    resp.headers["Vary"] = vary
    resp.cache_control.public = True
    resp.cache_control.max_age = 300
    return resp
