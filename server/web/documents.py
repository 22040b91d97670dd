"""HTML views of the documents the layers below serve: the SPARQL service page (a query form), the
dataset description, the dumps, the vocabulary (generated from its graph) and the shapes.

Each is registered under a name in ``app.extensions["cec_kg.html_views"]`` (see ``web.init_app``);
the protocol and linked-data routes negotiate, and call the view when ``text/html`` wins. So those
layers offer HTML without importing the web layer, and an app without it answers machines only.
"""
from __future__ import annotations

import re
from pathlib import Path

from flask import current_app, render_template, request
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from ..graph.namespaces import CEC, ONTOLOGY_IRI
from ..graph.queries import saved_queries
from ..linkeddata import describe as d
from ..linkeddata.discovery import SUFFIX as DATASET_SUFFIX
from ..linkeddata.discovery import partitions, statistics
from ..linkeddata.vocabulary import (CONTEXT_IRI, alternates, file_cache, files_key, parse_turtle, refinements,
                                     shapes_graph)
from ..problems import Problem
from ..protocol.description import BYTES, SECONDS, limits
from ..protocol.http import document_response, license_iri
from ..store import get_store
from . import vocabdoc
from .i18n import STRINGS, choose_lang, format_number, format_size, sort_key, t
from .pages import Labeller, compact, href_for, render_page
from .results import FORM_FORMATS, editor_settings, queries_page, results_page


def register(app) -> None:
    app.extensions["cec_kg.html_views"] = {
        "service": service_page, "dataset": dataset_page, "dumps": dumps_page,
        "vocabulary": vocabulary_page, "shapes": shapes_page, "results": results_page,
        "queries": queries_page, "openapi": openapi_page,
    }


def openapi_page(spec: dict):
    """The OpenAPI description for people: every operation with its parameters and answers."""
    lang, _ = choose_lang(request)
    return document_response(render_page("openapi.html", lang, spec=spec), "text/html", content_language=lang)


# -- The SPARQL service: a query form in the site's layout ---------------------------------------------
SD_ALTERNATES = [("text/turtle", "ttl", "Turtle"), ("application/ld+json", "jsonld", "JSON-LD"),
                 ("application/rdf+xml", "rdf", "RDF/XML"), ("application/n-triples", "nt", "N-Triples")]
DEFAULT_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10"


def examples() -> dict[str, dict]:
    """The competency questions (queries/cq-*.rq) by name: the question (their first comment line) and
    the text. Offered only with the CEC graph: they ask about it."""
    if current_app.config.get("DATA"):
        return {}
    found = current_app.extensions.get("cec_kg.sparql_examples")
    if found is None:       # read once per process: the files do not change while serving
        found = {}
        for name, sq in saved_queries().items():
            found[name] = {"name": name, "question": sq.question, "text": sq.editor_text()}
        current_app.extensions["cec_kg.sparql_examples"] = found
    return found


def service_page(endpoint: str, turtle: str):
    """The form (works without JavaScript: a GET to this endpoint), the examples (``?example=cq-…`` fills
    the form), the limits and this description."""
    lang, explicit = choose_lang(request)
    known = examples()
    name = request.args.get("example")
    if name is not None and name not in known:
        raise Problem(404, "Not Found", f"no example query '{name}'; the examples are listed at /sparql.")
    body = render_page("sparql.html", lang, endpoint=endpoint, turtle=turtle,
                       query=known[name]["text"] if name else DEFAULT_QUERY,
                       examples=list(known.values()), lang_amp=f"&lang={lang}" if explicit else "",
                       limits=limits_view(current_app.config, lang), form_formats=FORM_FORMATS,
                       alternates=SD_ALTERNATES,
                       editor=editor_settings(), lang_field=lang if explicit else None,
                       license=license_iri(), version=get_store().content_hash())
    return document_response(body, "text/html", vary="Accept, Accept-Language", content_language=lang)


def limits_view(cfg, lang: str) -> list[dict]:
    """The limits of ``protocol.description.limits`` for the page: named in ``lang`` (the service
    description keeps the English names), numbers written the language's way."""
    rows = []
    for pid, english, value, unit in limits(cfg):
        key = "limit_" + pid
        if isinstance(value, bool):
            text = t("answer_true" if value else "answer_false", lang)
        else:
            text = format_number(value, lang)
            if unit == SECONDS:
                text += "\u00a0s"
            elif unit == BYTES:
                text += "\u00a0" + t("unit_bytes", lang)
        rows.append({"id": pid, "label": t(key, lang) if key in STRINGS else english,
                     "lang": lang if key in STRINGS else "en", "value": text})
    return rows


# -- The dataset description and the dumps ----------------------------------------------------------

def term_rows(terms: list[tuple[str, int]], name, lang: str, lang_qs: str) -> list[dict]:
    """Classes or properties with their counts, for a table: the label in ``lang`` and the compact IRI,
    each a link (our terms to their entry in /ontology, others to their IRI), sorted by the label as
    ``lang`` sorts."""
    rows = []
    for iri, n in terms:
        label = name(iri)
        # A term nobody labelled (another vocabulary's, not in STANDARD_LABELS) is shown by its compact
        # IRI alone: its local name would pass English words off as the page's language.
        rows.append({"label": label if label.lang else None, "iri": iri, "curie": compact(iri),
                     "href": href_for(iri, lang_qs), "count": format_number(n, lang), "n": n})
    rows.sort(key=lambda r: (sort_key(r["label"].text if r["label"] else r["curie"].split(":")[-1], lang), r["curie"]))
    return rows


def dataset_page():
    lang, explicit = choose_lang(request)
    lang_qs = "?lang=" + lang if explicit else ""

    def compute():
        labeller = Labeller(lang, None)
        classes, props = partitions()
        stats = {k: format_number(v, lang) for k, v in statistics().items()}
        return render_page("dataset.html", lang, stats=stats, lang_qs=lang_qs,
                           classes=term_rows(classes, labeller.thing, lang, lang_qs),
                           properties=term_rows(props, labeller.prop, lang, lang_qs),
                           license=license_iri(), version=get_store().content_hash())
    body = d.memo(("dataset-html", lang, explicit, request.path), compute)   # the switcher links to this path
    return document_response(body, "text/html", content_language=lang, content_location="/dataset.html",
                             links=[(f"/dataset.{s}", "alternate", m) for m, s in DATASET_SUFFIX.items() if s != "html"])


def dumps_page(files: list[dict]):
    lang, _ = choose_lang(request)
    shown = [f | {"size_text": format_size(f["size"], lang), "size_exact": format_number(f["size"], lang)}
             for f in files]
    return document_response(render_page("dumps.html", lang, files=shown), "text/html", content_language=lang)


# -- The vocabulary's documentation (generated from its graph: web/vocabdoc.py) -------------------------------

FORMAT_NAMES = [("ttl", "text/turtle", "Turtle"), ("rdf", "application/rdf+xml", "RDF/XML"),
                ("jsonld", "application/ld+json", "JSON-LD"), ("nt", "application/n-triples", "N-Triples")]


def documentation_html(path: Path, lang: str, base_path: str) -> str:
    """The page for one vocabulary file in one language, memoised per file content, language, path and
    whether the language was asked for by name (the site's links keep ``?lang=`` then)."""
    def compute():
        g = parse_turtle(path)
        doc = vocabdoc.documentation(g, lang)
        return render_page("vocabulary.html", lang, doc=doc, base_path=base_path, reuse=reuse_section(g, lang),
                           formats=[(s, m) for s, m, _ in FORMAT_NAMES], format_names=FORMAT_NAMES,
                           license=doc["header"]["license"], version=None)
    explicit = bool(request.args.get("lang"))
    return file_cache(path, f"html-{lang}-{explicit}-{request.path}-{base_path}", compute)


def reuse_section(g: Graph, lang: str) -> str:
    """How to import, prefix, JSON-LD context, citation and the mapping to the standard vocabularies,
    all read from the vocabulary (the same content as ontology/README.md's Reuse section)."""
    ontology = URIRef(ONTOLOGY_IRI)
    citations = {c.language: str(c) for c in g.objects(ontology, DCTERMS.bibliographicCitation)}
    mapping = [(str(term)[len(str(CEC)):], [g.namespace_manager.normalizeUri(s) for s in supers])
               for term, supers in refinements(g)]
    return render_template("vocabulary_reuse.html", lang=lang, t=lambda k: t(k, lang),
                           version_iri=g.value(ontology, OWL.versionIRI) or ontology, prefix="cec",
                           namespace=str(CEC), context_iri=CONTEXT_IRI,
                           citation=citations.get(lang) or citations.get("en") or next(iter(citations.values()), ""),
                           mapping=mapping)


def vocabulary_page(path: Path, base_path: str, immutable: bool):
    lang, _ = choose_lang(request)
    html = documentation_html(path, lang, base_path)
    return document_response(html, "text/html", content_language=lang, immutable=immutable,
                             links=alternates(base_path))


# -- The shapes as a table ---------------------------------------------------------------------------

def _label(g: Graph, node, lang: str) -> str:
    for p in (SH.name, RDFS.label, SKOS.prefLabel, URIRef("http://purl.org/dc/terms/title")):
        values = list(g.objects(node, p))
        for v in values:
            if isinstance(v, Literal) and v.language == lang:
                return str(v)
        if values:       # none in this language: English first, then any (the same in every process)
            return str(min(values, key=lambda v: (getattr(v, "language", None) != "en", str(v))))
    return g.qname(node) if isinstance(node, URIRef) else ""


def _fragment(node) -> str:
    return str(node).split("#", 1)[1] if isinstance(node, URIRef) and "#" in str(node) else ""


def path_text(g: Graph, path) -> str:
    """A SHACL property path in SPARQL's path syntax: ``org:siteAddress|schema:location``, ``^p``,
    ``a/b``, ``p*``… (a blank-node path once showed as its random node label)."""
    if isinstance(path, URIRef):
        return g.qname(path)
    if path is None:
        return ""
    if (path, RDF.first, None) in g:
        return "/".join(_path_operand(g, p) for p in Collection(g, path))
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_path_operand(g, p) for p in Collection(g, alternatives))
    inverse = g.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_operand(g, inverse)
    for prop, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = g.value(path, prop)
        if inner is not None:
            return _path_operand(g, inner) + mark
    return str(path)


def _path_operand(g: Graph, path) -> str:
    text = path_text(g, path)
    return f"({text})" if any(c in text for c in "/|") else text


def severity_name(severity, lang: str) -> str:
    """sh:Violation, sh:Warning, sh:Info in the page's language (the entity pages' words)."""
    local = str(severity).rsplit("#", 1)[-1]
    key = "severity_" + local.lower()
    return t(key, lang) if key in STRINGS else local


def shape_message(g: Graph, ps, lang: str) -> dict:
    """A property shape's sh:message in ``lang`` (else English, marked with its language), or, when it has
    none of its own, that of its SPARQL constraint(s): {"message", "message_lang"}."""
    messages = [m for m in g.objects(ps, SH.message) if isinstance(m, Literal)]
    if not messages:
        messages = [m for c in g.objects(ps, SH.sparql) for m in g.objects(c, SH.message) if isinstance(m, Literal)]
    for want in (lang, "en", None):
        found = sorted(str(m) for m in messages if (m.language or None) == want)
        if found:
            return {"message": found[0], "message_lang": want or ""}
    return {"message": min((str(m) for m in messages), default=""), "message_lang": ""}


def shapes_view(g: Graph, lang: str) -> tuple[list[dict], list[dict]]:
    """(files, node shapes with their property shapes) for the HTML page, generated from the graph."""
    files = [{"id": _fragment(o), "iri": str(o), "name": _label(g, o, lang),
              "version": str(g.value(o, OWL.versionIRI) or "")}
             for o in sorted(set(g.subjects(RDF.type, OWL.Ontology)), key=str)]
    out = []
    for shape in sorted(set(g.subjects(RDF.type, SH.NodeShape)), key=str):
        props = []
        for ps in g.objects(shape, SH.property):
            path = g.value(ps, SH.path)
            props.append({
                "id": _fragment(ps),
                "name": _label(g, ps, lang),
                "path": path_text(g, path),
                # Where a long path may wrap: between steps or alternatives, never inside "prefix:name".
                "path_parts": re.split(r"(?<=[|/])", path_text(g, path)),
                "severity": severity_name(g.value(ps, SH.severity) or g.value(shape, SH.severity) or SH.Violation, lang),
                **shape_message(g, ps, lang),
            })
        targets = sorted(g.qname(target) for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                         for target in g.objects(shape, p) if isinstance(target, URIRef))
        out.append({"id": _fragment(shape), "iri": str(shape) if isinstance(shape, URIRef) else "",
                    "name": _label(g, shape, lang), "targets": targets,
                    "properties": sorted(props, key=lambda p: (p["path"], p["name"]))})
    return files, out


def shapes_page(files: list[Path], base_path: str, immutable: bool):
    lang, _ = choose_lang(request)
    memo = current_app.extensions.setdefault("cec_kg.vocab_cache", {})
    key = ("shapes-html", lang, request.path, files_key(files))   # the switcher links to this path
    if key not in memo:
        heads, shapes = shapes_view(shapes_graph(files), lang)
        memo[key] = render_page("shapes.html", lang, files=heads, shapes=shapes, base_path=base_path,
                                license=license_iri(), version=None)
    return document_response(memo[key], "text/html", content_language=lang, links=alternates(base_path),
                             immutable=immutable)
