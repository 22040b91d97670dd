"""Query results for people: ``/sparql?query=…`` asked by a browser (or with ``format=html``).

The protocol layer negotiates; when HTML wins it calls ``results_page`` (registered as the
``results`` HTML view). The answer is read through the endpoint's own ``evaluate`` (same result
cache, timeout and limits as for machines) as SPARQL JSON or N-Triples, and rendered on the server:
the query in the editor's form, a table whose IRIs link to their pages with labels in the page's
language, literals formatted for it, the row count, the time, pages of ``PAGE_SIZE`` rows and the
downloads. A query that fails keeps its text in the form; the error says where and, for the common
mistakes, what to change (``protocol.hints``), in the page's language.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Response, current_app, g, request
from werkzeug.datastructures import MultiDict

from ..linkeddata import describe as d
from ..problems import Problem
from ..protocol import endpoint
from ..protocol.hints import KNOWN_PREFIXES
from ..protocol.http import document_response, license_iri
from ..store import get_store
from .i18n import STRINGS, choose_lang, format_literal, format_number, t
from ..store import geo
from . import charts, maps
from .pages import Labeller, href_for, render_page

PAGE_SIZE = 100
RESULT_DOWNLOADS = [("csv", "CSV"), ("tsv", "TSV"), ("json", "JSON"), ("xml", "XML")]
GEO_DOWNLOADS = [("kml", "KML"), ("geojson", "GeoJSON")]
GRAPH_DOWNLOADS = [("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"), ("rdf", "RDF/XML")]
# The query form's result formats: HTML (this page) first.
FORM_FORMATS = [("html", "HTML"), ("json", "JSON"), ("xml", "XML"), ("csv", "CSV"), ("tsv", "TSV"),
                ("ttl", "Turtle (CONSTRUCT)"), ("jsonld", "JSON-LD (CONSTRUCT)")]
XSD = "http://www.w3.org/2001/XMLSchema#"
YEARISH = re.compile(r"year|^y$|yr|año|annee|année", re.I)
NUMERIC = {XSD + n for n in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
# Labels of the IRIs on one page of results, fetched in one query. The IRIs come from the results as
# pyoxigraph terms and are written by pyoxigraph (``str(NamedNode)``): no request text reaches it.
LABELS_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?x ?label WHERE {{
  VALUES ?x {{ {values} }}
  ?x skos:prefLabel|rdfs:label|dcterms:title ?label .
  FILTER (isLiteral(?label))
}}"""


def editor_settings() -> dict:
    """What the editor's textarea carries: the prefixes it completes and its messages."""
    return {"prefixes": json.dumps(dict(sorted(KNOWN_PREFIXES.items())), ensure_ascii=False)}


def labels_for(iris: list[str]) -> dict[str, list[tuple[str, str | None]]]:
    out: dict[str, list[tuple[str, str | None]]] = {}
    for start in range(0, len(iris), 500):
        chunk = iris[start:start + 500]
        values = " ".join(str(ox.NamedNode(i)) for i in chunk)
        try:
            rows = get_store().query(LABELS_QUERY.format(values=values))
        except (OSError, RuntimeError, ValueError, SyntaxError):
            continue                    # labels are a nicety: the IRIs still show
        for r in rows:
            out.setdefault(r["x"].value, []).append((r["label"].value, r["label"].language))
    return out


class Cells:
    """Turns result terms into table cells in the page's language."""

    def __init__(self, lang: str, lang_qs: str, iris: list[str]):
        self.lang, self.lang_qs = lang, lang_qs
        self.labeller = Labeller(lang, None)
        self.labeller.entity_labels = labels_for(iris)

    def iri(self, iri: str) -> dict:
        label = self.labeller.thing(iri)
        return {"kind": "iri", "label": label, "href": href_for(iri, self.lang_qs), "iri": iri,
                "external": d.local_href(iri) is None}

    def json_term(self, term: dict | None, variable: str = "") -> dict | None:
        if term is None:
            return None
        kind = term.get("type")
        if kind == "uri":
            return self.iri(term["value"])
        if kind == "bnode":
            return {"kind": "bnode", "text": "_:" + term["value"]}
        if kind in ("literal", "typed-literal"):
            dt = term.get("datatype")
            # A year is a number people write without grouping (2008, not 2,008).
            text = term["value"] if YEARISH.search(variable) else format_literal(term["value"], dt, self.lang)
            return {"kind": "literal", "text": text, "raw": term["value"],
                    "lang": term.get("xml:lang"), "datatype": dt, "numeric": dt in NUMERIC}
        if kind == "triple":
            v = term["value"]
            return {"kind": "triple", "parts": [self.json_term(v[k]) for k in ("subject", "predicate", "object")]}
        return {"kind": "literal", "text": str(term.get("value", "")), "raw": "", "lang": None, "datatype": None}

    def ox_term(self, term) -> dict:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.BlankNode):
            return {"kind": "bnode", "text": "_:" + term.value}
        if isinstance(term, ox.Triple):
            return {"kind": "triple", "parts": [self.ox_term(x) for x in (term.subject, term.predicate, term.object)]}
        dt = term.datatype.value if term.datatype and not term.language else None
        if dt == XSD + "string":
            dt = None
        return {"kind": "literal", "text": format_literal(term.value, dt, self.lang), "raw": term.value,
                "lang": term.language, "datatype": dt, "numeric": dt in NUMERIC}


def _iris_json(rows: list[dict]) -> list[str]:
    found: dict[str, None] = {}
    for row in rows:
        for term in row.values():
            if term.get("type") == "uri":
                found.setdefault(term["value"], None)
    return list(found)


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def link_args(**changes) -> str:
    """This request's parameters (GET or form POST) with ``changes`` (None removes one), as a query string."""
    args = MultiDict(request.args)
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        for k, v in request.form.items(multi=True):
            args.add(k, v)
    elif request.method == "POST" and request.mimetype == "application/sparql-query":
        args["query"] = request.get_data(as_text=True)
    for k, v in changes.items():
        args.pop(k, None)
        if v is not None:
            args[k] = v
    return urlencode(list(args.items(multi=True)))


def build_table(entry: dict, graph_form: bool, lang: str, lang_qs: str, page: int) -> dict:
    """The rendered table of one page of an answer (SPARQL JSON, or N-Triples for graph queries)."""
    if graph_form:
        triples = list(ox.parse(entry["body"], format=ox.RdfFormat.N_TRIPLES))
        total = len(triples)
        chunk = triples[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        iris = list(dict.fromkeys(t.value for tr in chunk for t in (tr.subject, tr.predicate, tr.object)
                                  if isinstance(t, ox.NamedNode)))
        cells = Cells(lang, lang_qs, iris)
        columns = [t("subject", lang), t("predicate", lang), t("object", lang)]
        rows = [[cells.ox_term(x) for x in (tr.subject, tr.predicate, tr.object)] for tr in chunk]
        return {"kind": "graph", "columns": columns, "rows": rows, "total": total, "truncated": entry["truncated"]}
    data = json.loads(entry["body"])
    if "boolean" in data:
        return {"kind": "boolean", "value": bool(data["boolean"]), "total": None, "rows": [], "columns": []}
    variables = data["head"].get("vars", [])
    bindings = data["results"]["bindings"]
    chunk = bindings[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    cells = Cells(lang, lang_qs, _iris_json(chunk))
    rows = [[cells.json_term(b.get(v), v) for v in variables] for b in chunk]
    return {"kind": "select", "columns": ["?" + v for v in variables], "variables": variables, "rows": rows,
            "total": len(bindings), "truncated": entry["truncated"], "bindings": chunk, "all": bindings,
            "cells": cells}


CHART_CHOICES = ("auto", "bar", "timeline", "none")


def _plain(term: dict | None):
    if not term:
        return None
    return term["value"], ("iri" if term.get("type") == "uri" else term.get("datatype"))


def pictures(table: dict, lang: str, lang_qs: str) -> dict:
    """The chart the result's shape calls for (or the one asked with ``chart=``) and, for rows with
    coordinates, a map; with the links that switch between them."""
    out: dict = {"chart": None, "map": None, "choices": [], "places": 0}
    if table.get("kind") != "select":
        return out
    variables, bindings = table["variables"], table["all"]
    asked = request.args.get("chart", "auto")
    asked = asked if asked in CHART_CHOICES else "auto"
    shape = charts.choose(variables, bindings)
    if asked in ("bar", "timeline") and (shape is None or shape["kind"] != asked):
        forced = charts.choose(variables, bindings)
        if forced is None:      # the user's choice needs a number column at least
            numeric = [v for v in variables if all(charts.number_of(b.get(v)) is not None for b in bindings)]
            others = [v for v in variables if v not in numeric]
            forced = {"kind": asked, "x": others[0], "y": numeric[0]} if numeric and others and bindings else None
        shape = dict(forced, kind=asked) if forced else None
    if shape and asked != "none":
        cells: Cells = table["cells"]
        if shape["kind"] == "timeline" and all(charts.year_of(b.get(shape["x"])) for b in bindings):
            counts: dict[int, dict[str, float]] = {}
            for b in bindings:
                year = charts.year_of(b.get(shape["x"]))
                counts.setdefault(year, {}).setdefault("v", 0)
                counts[year]["v"] += charts.number_of(b.get(shape["y"])) or 0
            out["chart"] = charts.timeline(counts, series=[("v", "?" + shape["y"])],
                                           number_format=lambda n: format_number(charts._fmt(n), lang),
                                           title=t("chart_title", lang).format(y="?" + shape["y"], x="?" + shape["x"]),
                                           desc=t("chart_desc", lang).format(n=format_number(len(bindings), lang)))
        elif len(bindings) <= 60:
            extra = [i for i in _iris_json(bindings) if i not in cells.labeller.entity_labels]
            if extra:
                cells.labeller.entity_labels.update(labels_for(extra))
            items = []
            for b in bindings:
                x = cells.json_term(b.get(shape["x"]), shape["x"])
                label = x["label"].text if x and x["kind"] == "iri" else (x["text"] if x else "")
                items.append((label, charts.number_of(b.get(shape["y"])) or 0))
            out["chart"] = charts.bar_chart(items, title=t("chart_title", lang).format(y="?" + shape["y"], x="?" + shape["x"]),
                                            desc=t("chart_desc", lang).format(n=format_number(len(items), lang)),
                                            number_format=lambda n: format_number(charts._fmt(n), lang))
        out["kind"] = shape["kind"]
    if shape or asked != "auto":
        out["choices"] = [{"key": c, "label": t("chart_" + c, lang), "href": "?" + link_args(chart=c if c != "auto" else None),
                           "current": c == asked} for c in CHART_CHOICES]
    points = []
    for b in bindings[:5000]:
        row = {v: _plain(b.get(v)) for v in variables}
        p = geo.point(row)
        if p:
            iri = next((b[v]["value"] for v in variables if b.get(v, {}).get("type") == "uri"), None)
            points.append({"lon": p[0], "lat": p[1], "name": geo.name_of(row),
                           "href": href_for(iri, lang_qs) if iri else None})
    if points:
        out["places"] = len(points)
        out["map"] = maps.svg(points, title=t("map_title", lang).format(n=format_number(len(points), lang)), desc=t("map_desc", lang))
    return out


def pager(total: int, page: int, lang: str) -> dict | None:
    pages = max(1, -(-total // PAGE_SIZE))
    if pages <= 1:
        return None
    near = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links = []
    last = 0
    for n in near:
        if n - last > 1:
            links.append({"gap": True})
        links.append({"n": n, "href": "?" + link_args(page=str(n) if n > 1 else None), "current": n == page})
        last = n
    return {"pages": pages, "links": links,
            "prev": "?" + link_args(page=str(page - 1) if page > 2 else None) if page > 1 else None,
            "next": "?" + link_args(page=str(page + 1)) if page < pages else None}


def hint_text(found: dict | None, lang: str) -> str | None:
    if not found:
        return None
    kind = found["kind"]
    if kind == "prefix":
        return t("hint_prefix", lang).format(prefix=found["prefix"])
    if kind == "keyword":
        return t("hint_keyword", lang).format(found=found["found"], suggestion=found["suggestion"],
                                              line=found["line"], column=found["column"])
    if kind == "word":
        return t("hint_word", lang).format(found=found["found"], line=found["line"], column=found["column"])
    if kind == "triple":
        missing = t("missing_object" if found["missing"] == "object" else "missing_predicate_object", lang)
        return t("hint_triple", lang).format(pattern=found["pattern"], missing=missing, line=found["line"],
                                             column=found["column"])
    if kind == "slash":
        return t("hint_slash", lang).format(found=found["found"], suggestion=found["suggestion"],
                                            line=found["line"], column=found["column"])
    if kind == "brace":
        return t("hint_brace", lang).format(n=found["missing"])
    return found.get("text")


def duration_text(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return ""
    ms = seconds * 1000
    return ("< 1 ms" if ms < 1 else f"{format_number(str(round(ms)), lang)} ms")


def saved_view(sq, req: endpoint.ProtocolRequest, lang: str) -> dict:
    """What the page of a saved query shows above its results: the question, a form of its parameters
    (current values), the query text and a link that opens it in the editor."""
    bound = {name: term for name, term in req.substitutions}
    params = []
    for p in sq.parameters:
        term = bound.get(p.name)
        current = request.args.get(p.name) or (p.default or "")
        params.append({"name": p.name, "kind": p.kind, "value": current, "default": p.default,
                       "cls": p.cls, "term": str(term) if term is not None else ""})
    return {"name": sq.name, "number": sq.number, "question": sq.question.get(lang) or sq.question.get("en"),
            "question_lang": lang if lang in sq.question else "en", "params": params, "body": sq.body,
            "editor_href": "/sparql?" + urlencode({"query": sq.editor_text(
                {p.name: request.args[p.name] for p in sq.parameters if request.args.get(p.name)})})}


def results_page(req: endpoint.ProtocolRequest, saved=None):
    lang, explicit = choose_lang(request)
    lang_qs = "?" + urlencode({"lang": lang}) if explicit else ""
    page = page_number()
    table = error = None
    status = 200
    headers: dict = {}
    graph_form = False
    seconds = None
    cached = False
    try:
        info = endpoint.inspect(req.query)
        graph_form = info.form in ("CONSTRUCT", "DESCRIBE")
        media_type = "application/n-triples" if graph_form else "application/sparql-results+json"
        _, entry = endpoint.evaluate(req, info, media_type)
        cached = g.get("sparql_cache") == "hit"
        seconds = entry.get("seconds")
        table = build_table(entry, graph_form, lang, lang_qs, page)
    except Problem as p:
        status = p.code
        headers = dict(p.extra_headers)
        found = p.extra.get("hint")
        error = {"status": p.code, "title": t(p.title, lang) if p.title in STRINGS else p.title, "detail": p.description, "hint": hint_text(found, lang),
                 "declaration": found.get("declaration") if found else None,
                 "line": p.extra.get("line"), "column": p.extra.get("column"),
                 "parser": p.extra.get("parser_message")}
    downloads = []
    shown = {"chart": None, "map": None, "choices": [], "places": 0}
    if table is not None:
        shown = pictures(table, lang, lang_qs)
        formats = GRAPH_DOWNLOADS if graph_form else RESULT_DOWNLOADS
        if shown["places"]:
            formats = formats + GEO_DOWNLOADS
        downloads = [{"name": name, "fmt": fmt, "href": "?" + link_args(format=fmt, page=None, chart=None)}
                     for fmt, name in formats]
    total = table["total"] if table else None
    body = render_page(
        "results.html", lang, endpoint="/sparql", query=saved.body if saved else req.query, table=table, error=error,
        saved=saved_view(saved, req, lang) if saved else None,
        total_text=format_number(str(total), lang) if total is not None else None,
        first=(page - 1) * PAGE_SIZE + 1, last=min(page * PAGE_SIZE, total or 0), page=page,
        first_text=format_number((page - 1) * PAGE_SIZE + 1, lang),
        last_text=format_number(min(page * PAGE_SIZE, total or 0), lang),
        pager=pager(total, page, lang) if total else None, time_text=duration_text(seconds, lang), cached=cached,
        downloads=downloads, pictures=shown, form_formats=FORM_FORMATS, lang_field=lang if explicit else None,
        editor=editor_settings(), license=license_iri(), version=get_store().content_hash(),
        cap=format_number(str(current_app.config["MAX_RESULT_ROWS"]), lang))
    if status != 200:
        resp = Response(body, status=status, mimetype="text/html")
        resp.headers["Content-Language"] = lang
        resp.headers["Vary"] = "Accept, Accept-Language"
        resp.headers["Cache-Control"] = "no-store"
        for k, v in headers.items():
            resp.headers[k] = v
        return resp
    return document_response(body, "text/html", content_language=lang, vary="Accept, Accept-Language")



def queries_page(queries: list):
    """``/queries`` for people: every saved question in the page's language, with its shape and parameters."""
    lang, explicit = choose_lang(request)
    items = [{"name": q.name, "number": q.number, "question": q.question.get(lang) or q.question.get("en"),
              "lang": lang if lang in q.question else "en", "form": q.form, "variables": q.variables,
              "count": format_number(str(q.expected["count"]), lang) if "count" in q.expected else None,
              "parameters": q.parameters} for q in queries]
    body = render_page("queries.html", lang, queries=items, lang_qs="?" + urlencode({"lang": lang}) if explicit else "",
                       license=license_iri(), version=get_store().content_hash())
    return document_response(body, "text/html", content_language=lang)
