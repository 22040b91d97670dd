"""``/publications``: the library of factual records and Article 13 reports.

Filters (``?type=factual-record|article-13-report``, ``?from=``/``?to=`` years, ``?party=mexico``),
sorting (``?sort=year|title|type``, ``?order=asc|desc``), an SVG timeline of publications per year
stacked per Party (each year's column links to that year), and each publication with its page, its
Parties and its dates with the sources that state them. A publication's year is the one the seed (the
primary source) gives, else the earliest any source gives; where sources give different years, every
date is shown with its source. ``format=json`` gives the same list for machines.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, request

from ..graph.namespaces import BASE, CEC, SEED_GRAPH
from ..linkeddata import describe as d
from ..problems import Problem
from ..protocol.http import document_response, license_iri
from ..protocol.negotiation import negotiate
from ..store import get_store
from . import charts
from .i18n import STRINGS, Label, choose_lang, format_literal, format_number, pick_label, t
from .i18n import sort_key as collation_key
from .pages import Labeller, href_for, render_page
from .results import labels_for

bp = Blueprint("library", __name__)

TYPES = {"factual-record": str(CEC.FactualRecord), "article-13-report": str(CEC.Article13Report)}
TYPE_KEYS = {v: k for k, v in TYPES.items()}
NO_PARTY = "none"
SORTS = ("year", "title", "type")


@dataclass
class Publication:
    iri: str
    type: str
    titles: list[tuple[str, str | None]] = field(default_factory=list)
    dates: list[tuple[str, str, str]] = field(default_factory=list)     # (lexical, datatype, source graph)
    parties: list[str] = field(default_factory=list)
    isbn: str | None = None

    @property
    def years(self) -> set[int]:
        return {int(v[:4]) for v, _, _ in self.dates if v[:4].isdigit()}

    @property
    def year(self) -> int | None:
        seed = [int(v[:4]) for v, _, g in self.dates if g == str(SEED_GRAPH) and v[:4].isdigit()]
        return seed[0] if seed else min(self.years, default=None)

    @property
    def disagree(self) -> bool:
        return len(self.years) > 1


def per_year(pubs: list[Publication]) -> dict[int, dict[str, float]]:
    """Publications per year, stacked per Party (the timeline's data): one about two Parties counts for
    each; one about none under NO_PARTY; an undated one nowhere."""
    counts: dict[int, dict[str, float]] = {}
    for pub in pubs:
        if pub.year is None:
            continue
        for p in pub.parties or [NO_PARTY]:
            counts.setdefault(pub.year, {}).setdefault(p, 0)
            counts[pub.year][p] += 1
    return counts


def publications() -> list[Publication]:
    def compute():
        found: dict[str, Publication] = {}
        for r in d.run("library"):
            pub = found.setdefault(r["pub"].value, Publication(r["pub"].value, r["type"].value))
            title = r["title"]
            if isinstance(title, ox.Literal) and (title.value, title.language) not in pub.titles:
                pub.titles.append((title.value, title.language))
            if r["issued"] is not None and r["g"] is not None:
                date = (r["issued"].value, r["issued"].datatype.value, r["g"].value)
                if date not in pub.dates:
                    pub.dates.append(date)
            if r["party"] is not None and r["party"].value not in pub.parties:
                pub.parties.append(r["party"].value)
            if r["isbn"] is not None:
                pub.isbn = r["isbn"].value
        return list(found.values())
    return d.memo(("library",), compute)


def party_iri(value: str) -> str:
    value = value.strip()
    if value.startswith(("http://", "https://")):
        return value
    return BASE + "id/party/" + value.removeprefix("party/")


def _year_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) != 4:
        raise Problem(400, "Bad parameter", f"{name}={value!r}: give a year of four digits (e.g. {name}=2003).",
                      parameter=name)
    return int(value)


def select(pubs: list[Publication]) -> tuple[list[Publication], dict]:
    """The publications the request's filters keep, sorted as asked; and the filters read."""
    kind = request.args.get("type", "").strip()
    if kind and kind not in TYPES:
        raise Problem(400, "Bad parameter", f"type={kind!r}: use one of {', '.join(TYPES)}.", parameter="type")
    first, last = _year_arg("from"), _year_arg("to")
    parties = [party_iri(p) for p in request.args.getlist("party") if p.strip()]
    known = {p for pub in pubs for p in pub.parties}
    for p in parties:
        if p not in known:
            raise Problem(400, "Bad parameter", f"party={p.rsplit('/', 1)[-1]!r}: no publication concerns <{p}>; "
                          "the Parties are canada, mexico and united-states.", parameter="party")
    sort = request.args.get("sort", "year")
    if sort not in SORTS:
        raise Problem(400, "Bad parameter", f"sort={sort!r}: use one of {', '.join(SORTS)}.", parameter="sort")
    order = request.args.get("order", "desc" if sort == "year" else "asc")
    if order not in ("asc", "desc"):
        raise Problem(400, "Bad parameter", f"order={order!r}: use asc or desc.", parameter="order")
    kept = [p for p in pubs
            if (not kind or p.type == TYPES[kind])
            and (first is None or (p.year is not None and p.year >= first))
            and (last is None or (p.year is not None and p.year <= last))
            and (not parties or set(parties) & set(p.parties))]
    return kept, {"type": kind, "from": first, "to": last, "parties": parties, "sort": sort, "order": order}


def _title(pub: Publication, lang: str) -> Label:
    return pick_label(pub.titles, lang) or Label(pub.iri.rsplit("/", 1)[-1], None, False)


def sort_key(sort: str, lang: str):
    if sort == "title":
        return lambda p: collation_key(_title(p, lang).text, lang)
    if sort == "type":
        return lambda p: (TYPE_KEYS.get(p.type, ""), -(p.year or 0))
    return lambda p: (p.year or 0, collation_key(_title(p, lang).text, lang))


@bp.get("/publications")
def library():
    lang, explicit = choose_lang(request)
    lang_qs = "?" + urlencode({"lang": lang}) if explicit else ""
    fmt = request.args.get("format")
    media_type = negotiate(request, ["text/html", "application/json"],
                           override={"json": "application/json", "html": "text/html"}.get(fmt, fmt))
    pubs = publications()
    kept, filters = select(pubs)
    kept.sort(key=sort_key(filters["sort"], lang), reverse=filters["order"] == "desc")
    parties = sorted({p for pub in pubs for p in pub.parties})
    labeller = Labeller(lang, None)
    labeller.entity_labels = labels_for(parties)
    sources = d.sources()

    def source_label(g: str) -> Label:
        titles = [(v.value, v.language) for v in sources.get(g, {}).get(d.DCT + "title", []) if isinstance(v, ox.Literal)]
        return pick_label(titles, lang) or Label(g.rsplit("/", 1)[-1], None, False)

    def source_short(g: str) -> str:
        kind = g[len(BASE + "source/"):].split("/", 1)[0] if g.startswith(BASE + "source/") else ""
        key = "source_" + kind.replace("-", "_")
        return t(key, lang) if key in STRINGS else source_label(g).text

    rows = []
    for pub in kept:
        dates = sorted(pub.dates, key=lambda x: (len(x[0]), x[0]), reverse=True)   # most precise first
        rows.append({
            "iri": pub.iri, "href": href_for(pub.iri, lang_qs), "title": _title(pub, lang), "year": pub.year,
            "type": labeller.thing(pub.type), "type_key": TYPE_KEYS.get(pub.type),
            "parties": [{"label": labeller.thing(p), "href": href_for(p, lang_qs), "iri": p} for p in pub.parties],
            "dates": [{"text": format_literal(v, dt, lang), "raw": v, "source": source_label(g), "short": source_short(g),
                       "source_href": href_for(g, lang_qs), "graph": g} for v, dt, g in dates],
            "disagree": pub.disagree, "isbn": pub.isbn,
        })
    if media_type == "application/json":
        body = {"total": len(rows), "publications": [
            {"iri": r["iri"], "title": r["title"].text, "type": pub.type, "year": r["year"], "parties": pub.parties,
             "dates": [{"date": x["raw"], "source": x["graph"]} for x in r["dates"]], "disagree": r["disagree"],
             "isbn": r["isbn"]} for r, pub in zip(rows, kept)]}
        return document_response(json.dumps(body, ensure_ascii=False), "application/json", vary="Accept", cors=True)

    counts = per_year(kept)
    series = [(p, labeller.thing(p).text) for p in parties] + [(NO_PARTY, t("no_party", lang))]
    base_args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("from", "to")]

    def year_href(year: int) -> str:
        return "/publications?" + urlencode(base_args + [("from", str(year)), ("to", str(year))])

    chart = charts.timeline(counts, series=series, title=t("per_year_title", lang),
                            number_format=lambda n: format_number(charts._fmt(n), lang),
                            desc=t("per_year_desc", lang).format(n=format_number(len(kept), lang)), href=year_href)
    table = [{"year": y, "cells": [format_number(str(int(counts.get(y, {}).get(k, 0))), lang) for k, _ in series],
              "total": format_number(str(int(sum(counts.get(y, {}).values()))), lang)}
             for y in sorted(counts)]

    def sort_href(column: str) -> str:
        same = filters["sort"] == column
        order = ("asc" if filters["order"] == "desc" else "desc") if same else ("desc" if column == "year" else "asc")
        return "/publications?" + urlencode([(k, v) for k, v in request.args.items(multi=True) if k not in ("sort", "order")]
                                            + [("sort", column), ("order", order)])
    body = render_page(
        "library.html", lang, rows=rows, total=len(rows), total_text=format_number(str(len(rows)), lang),
        all_total=len(pubs), chart=chart, series=series, counts_table=table, filters=filters,
        parties=[{"key": p.rsplit("/", 1)[-1], "label": labeller.thing(p), "iri": p} for p in parties],
        types=[{"key": k, "label": labeller.thing(v)} for k, v in TYPES.items()],
        years=sorted({p.year for p in pubs if p.year}), sort_href=sort_href, lang_field=lang if explicit else None,
        license=license_iri(), version=get_store().content_hash())
    return document_response(body, "text/html", content_language=lang, vary="Accept, Accept-Language")
