"""Discovery for crawlers: the dataset description (VoID + DCAT) at ``/dataset`` and
``/.well-known/void``, ``/sitemap.xml``, ``/robots.txt`` and the full dumps at ``/dumps/``.

Every number is computed from the served graph (``queries/server/ld-*.rq``); the dumps are written
from the same store the endpoint queries, once per content hash, under ``build/dumps/{hash}/``.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox
from flask import Blueprint, Response, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import parse_range_header
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD

from ..graph import paths
from ..graph.namespaces import BASE, CEC, DATASET_DESCRIPTION, DATASET_IRI, DATASET_TITLE, ONTOLOGY_IRI
from ..problems import Problem
from ..protocol.http import document_response, html_view, license_iri, stable_rdf
from ..protocol.negotiation import negotiate
from ..store import figures
from . import describe as d

bp = Blueprint("discovery", __name__)

SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "https://www.iana.org/assignments/media-types/"
SPARQL_IRI = BASE + "sparql"
OFFERS = ["text/turtle", "text/html", "application/ld+json", "application/rdf+xml", "application/n-triples"]
SUFFIX = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/rdf+xml": "rdf",
          "application/n-triples": "nt", "text/html": "html"}
# Dumps: file suffix -> (media type, pyoxigraph format, whether it keeps the named graphs).
DUMPS = {
    "nq": ("application/n-quads", ox.RdfFormat.N_QUADS, True),
    "trig": ("application/trig", ox.RdfFormat.TRIG, True),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD, True),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES, False),
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE, False),
}
DUMP_NAME = "cec-kg"
EXAMPLES = ("organization/cec", "party/mexico", "body/jpac", "factual-record/cozumel")
ENTRY_CLASSES = {"organization": CEC.IntergovernmentalOrganization, "bodies": CEC.Body, "parties": CEC.Party,
                 "publications": CEC.Publication}


def statistics() -> dict:
    return d.memo(("stats",), lambda: figures.figure(d.get_store(), "stats"))


def partitions() -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    classes, props = d.memo(("partitions",), lambda: figures.figure(d.get_store(), "partitions"))
    return [(c, n) for c, n in classes], [(p, n) for p, n in props]


def resources() -> list[str]:
    return d.memo(("resources",), lambda: figures.figure(d.get_store(), "resources"))


def entry_points() -> dict[str, list[tuple[str, list]]]:
    def compute():
        out = {}
        for key, cls in ENTRY_CLASSES.items():
            found: dict[str, list] = {}
            for r in d.run("ld-instances", **{"class": str(cls)}):
                labels = found.setdefault(r["x"].value, [])
                if r["label"] is not None and isinstance(r["label"], ox.Literal):
                    labels.append((r["label"].value, r["label"].language))
            out[key] = list(found.items())
        return out
    return d.memo(("entry-points",), compute)


# -- Dumps -----------------------------------------------------------------------------------------

def dumps_dir() -> Path:
    """Write every dump (plain and gzip) and SHA256SUMS once per content hash; return the directory."""
    store = d.get_store()
    target = paths.BUILD_DIR / "dumps" / store.content_hash()
    if (target / "SHA256SUMS").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    rows = list(d.run("ld-dump-quads"))
    quads = [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    sums = []
    for suffix, (_, fmt, is_dataset) in DUMPS.items():
        data = ox.serialize(quads if is_dataset else triples, format=fmt,
                            prefixes=d.PREFIXES if suffix in ("ttl", "trig") else None)
        for name, payload in ((f"{DUMP_NAME}.{suffix}", data),
                              (f"{DUMP_NAME}.{suffix}.gz", gzip.compress(data, mtime=0))):
            tmp = target / f".{name}.{os.getpid()}"
            tmp.write_bytes(payload)
            tmp.replace(target / name)       # atomic: several workers may build the dumps at once
            sums.append(f"{hashlib.sha256(payload).hexdigest()}  {name}\n")
    tmp = target / f".SHA256SUMS.{os.getpid()}"
    tmp.write_text("".join(sums))
    tmp.replace(target / "SHA256SUMS")
    return target


def dump_files() -> list[dict]:
    folder = dumps_dir()
    out = []
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        base = name.removesuffix(".gz")
        suffix = base.rsplit(".", 1)[-1]
        out.append({"name": name, "sha256": digest, "size": (folder / name).stat().st_size,
                    "media_type": DUMPS[suffix][0], "gzip": name.endswith(".gz"), "graphs": DUMPS[suffix][2]})
    return out


@bp.get("/dumps/")
def dumps_index():
    files = dump_files()
    view = html_view("dumps")
    mt = negotiate(request, (["text/html"] if view else []) + ["text/plain"], override=request.args.get("format"))
    if mt == "text/plain":
        return document_response((dumps_dir() / "SHA256SUMS").read_bytes(), "text/plain")
    return view(files)


@bp.get("/dumps")
def dumps_redirect():
    resp = Response(status=308)
    resp.headers["Location"] = "/dumps/"
    return resp


def _ignore_ranges_not_served() -> None:
    """RFC 9110 §14.2: a Range in a unit other than bytes MUST be ignored, and a server MAY ignore
    one it does not serve. werkzeug answered 416 ("none of the ranges is satisfiable") to ``items=…``,
    to several ranges (``bytes=0-1,3-4``, all satisfiable) and to malformed ones: those get the whole
    file (200); one byte range is served (206) or, when it starts past the end, 416."""
    value = request.headers.get("Range")
    if value is None:
        return
    parsed = parse_range_header(value)
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        request.environ.pop("HTTP_RANGE", None)
        request.__dict__.pop("range", None)      # werkzeug caches the parsed header


@bp.get("/dumps/<name>")
def dump(name: str):
    folder = dumps_dir()
    path = folder / name
    known = {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()} | {"SHA256SUMS"}
    if name not in known:
        raise Problem(404, "Not Found", f"no dump named '{name}'; available: " + ", ".join(sorted(known)))
    if name == "SHA256SUMS":
        mt, encoding = "text/plain", None
    else:
        base = name.removesuffix(".gz")
        mt, encoding = DUMPS[base.rsplit(".", 1)[-1]][0], None
        if name.endswith(".gz"):
            mt = "application/gzip"
    data = path.read_bytes()
    _ignore_ranges_not_served()
    try:
        resp = send_file(io.BytesIO(data), mimetype=mt, download_name=name, as_attachment=False, conditional=True,
                         etag=hashlib.sha256(data).hexdigest()[:32], last_modified=path.stat().st_mtime, max_age=300)
    except RequestedRangeNotSatisfiable:
        raise Problem(416, "Range Not Satisfiable", f"{name} is {len(data)} bytes: ask for a range that starts "
                      f"within it, e.g. Range: bytes=0-{max(0, len(data) - 1)} (or bytes=-500 for the last 500).",
                      {"Content-Range": f"bytes */{len(data)}"}, size=len(data)) from None
    if encoding:
        resp.headers["Content-Encoding"] = encoding
    return resp


# -- The dataset description -------------------------------------------------------------------------

def dataset_graph() -> Graph:
    """VoID + DCAT description of the served dataset, every number computed from the graph."""
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF), ("spdx", SPDX),
                       ("cec", CEC), ("xsd", XSD)):
        g.bind(prefix, ns)
    ds = URIRef(DATASET_IRI)
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    for lang, title in DATASET_TITLE.items():
        g.add((ds, DCTERMS.title, Literal(title, lang=lang)))
        g.add((ds, DCTERMS.description, Literal(DATASET_DESCRIPTION[lang], lang=lang)))
    if license_iri():
        g.add((ds, DCTERMS.license, URIRef(license_iri())))
    # The project team that publishes the graph (described in the vocabulary), not the CEC itself.
    publisher = URIRef(BASE + "team")
    g.add((ds, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    for row in d.run("ld-describe", iri=str(publisher)):
        if row["role"].value == "out" and row["p"].value in (str(RDFS.label),):
            g.add((publisher, FOAF.name, Literal(row["o"].value, lang=row["o"].language)))
    g.add((ds, OWL.versionInfo, Literal(d.get_store().content_hash())))
    g.add((ds, VOID.sparqlEndpoint, URIRef(SPARQL_IRI)))
    g.add((ds, VOID.uriSpace, Literal(BASE + "id/")))
    g.add((ds, VOID.vocabulary, URIRef(ONTOLOGY_IRI)))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/JSON-LD")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/RDF_XML")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Triples")))
    known = set(resources())
    for key in EXAMPLES:
        if BASE + "id/" + key in known:
            g.add((ds, VOID.exampleResource, URIRef(BASE + "id/" + key)))
    service = URIRef(SPARQL_IRI)
    g.add((ds, DCAT.accessService, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.servesDataset, ds))
    for row in d.run("ld-sources-list"):
        g.add((ds, DCTERMS.source, URIRef(row["source"].value)))
    stats = statistics()
    for key, prop in (("triples", VOID.triples), ("entities", VOID.entities), ("classes", VOID.classes),
                      ("properties", VOID.properties)):
        g.add((ds, prop, Literal(stats[key], datatype=XSD.integer)))
    classes, props = partitions()
    for cls, n in classes:
        part = URIRef(f"{DATASET_IRI}#class-{hashlib.sha256(cls.encode()).hexdigest()[:12]}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for prop, n in props:
        part = URIRef(f"{DATASET_IRI}#property-{hashlib.sha256(prop.encode()).hexdigest()[:12]}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))
    for f in dump_files():
        url = URIRef(f"{BASE}dumps/{f['name']}")
        g.add((ds, VOID.dataDump, url))
        dist = URIRef(f"{DATASET_IRI}#dump-{f['name']}")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, URIRef(IANA + f["media_type"])))
        if f["gzip"]:
            g.add((dist, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
        g.add((dist, DCAT.byteSize, Literal(f["size"], datatype=XSD.nonNegativeInteger)))
        if license_iri():
            g.add((dist, DCTERMS.license, URIRef(license_iri())))
        checksum = BNode()
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(f["sha256"], datatype=XSD.hexBinary)))
    return g


@bp.get("/dataset")
@bp.get("/dataset.<suffix>")
@bp.get("/.well-known/void")
def dataset(suffix: str | None = None):
    if suffix is not None and suffix not in SUFFIX.values():
        raise Problem(404, "Not Found", f"no format '.{suffix}'; use one of: " + ", ".join(SUFFIX.values()))
    view = html_view("dataset")
    mt = negotiate(request, OFFERS if view else [m for m in OFFERS if m != "text/html"],
                   override=suffix or request.args.get("format"))
    if mt == "text/html":
        return view()
    body = d.memo(("dataset", mt), lambda: stable_rdf(dataset_graph(), mt))
    return document_response(body, mt, content_location=f"/dataset.{SUFFIX[mt]}", cors=True,
                             links=[(f"/dataset.{s}", "alternate", m) for m, s in SUFFIX.items() if m != mt])


@bp.get("/sitemap.xml")
def sitemap():
    origin = request.host_url.rstrip("/")
    urls = [f"{origin}/", f"{origin}/dataset", f"{origin}/ontology", f"{origin}/shapes", f"{origin}/dumps/"]
    urls += [f"{origin}/page/{key}" for key in (d.key_for_iri(r) for r in resources()) if key]
    body = ['<?xml version="1.0" encoding="UTF-8"?>\n',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    body += [f"  <url><loc>{escape(u)}</loc></url>\n" for u in urls]
    body.append("</urlset>\n")
    return document_response("".join(body), "application/xml", vary="")


@bp.get("/robots.txt")
def robots():
    origin = request.host_url.rstrip("/")
    text = ("# The CEC Knowledge Graph: every page is welcome; please use the dumps rather than crawling /sparql.\n"
            "User-agent: *\nDisallow: /sparql\nAllow: /\n\n"
            f"Sitemap: {origin}/sitemap.xml\n")
    return document_response(text, "text/plain", vary="")
