"""The home page ``/``: the entry point for people and machines.

Search; one paragraph on the CEC from the graph (its ``dcterms:description``, with its source); the
organization chart; publications per year (the library's timeline); an entry point for every kind of
thing the graph describes (the first path segment of its ``/id/`` IRI, named by its class in the
reader's language); the graph in numbers; the machine entry points.
"""
from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, request

from ..graph.namespaces import BASE
from ..linkeddata import describe as d
from ..linkeddata.discovery import statistics
from ..protocol.http import document_response, license_iri
from . import charts, orgchart
from .i18n import Label, choose_lang, format_number, pick_label, sort_key, t
from .library import NO_PARTY, per_year, publications
from .pages import Labeller, href_for, render_page
from .results import labels_for

bp = Blueprint("home", __name__)

CEC = BASE + "id/organization/cec"
CEC_NS = BASE + "ontology#"
PER_KIND = 8
# Kinds first on the page (the rest follow by size).
KIND_ORDER = ["organization", "body", "party", "person", "post", "factual-record", "article-13-report", "submission",
              "program", "tool", "publication", "agreement", "plan", "event"]


def kinds(lang: str, lang_qs: str) -> list[dict]:
    """The things under /id/ grouped by kind: [{title, class, count, entries, more}]."""
    rows = d.memo(("home-kinds",), lambda: [(r["x"].value, r["type"].value,
                                             (r["label"].value, r["label"].language) if isinstance(r["label"], ox.Literal)
                                             else None) for r in d.run("home-kinds")])
    things: dict[str, dict] = {}
    for iri, ty, label in rows:
        th = things.setdefault(iri, {"types": set(), "labels": []})
        th["types"].add(ty)
        if label and label not in th["labels"]:
            th["labels"].append(label)
    groups: dict[str, list[str]] = {}
    for iri in things:
        groups.setdefault(iri[len(BASE) + 3:].split("/", 1)[0], []).append(iri)
    labeller = Labeller(lang, None)
    out = []
    for kind, iris in groups.items():
        counts: dict[str, int] = {}
        for iri in iris:
            for ty in things[iri]["types"]:
                counts[ty] = counts.get(ty, 0) + 1
        # The kind's class: the one most of its things have, the project's own (cec:) first.
        cls = max(counts, key=lambda c: (counts[c], c.startswith(CEC_NS), c))
        entries = []
        for iri in iris:
            label = pick_label(things[iri]["labels"], lang) or Label(iri.rsplit("/", 1)[-1], None, False)
            entries.append({"label": label, "href": href_for(iri, lang_qs), "iri": iri})
        entries.sort(key=lambda e: sort_key(e["label"].text, lang))
        more = len(entries) - PER_KIND
        out.append({"kind": kind, "title": labeller.thing(cls), "class": cls, "count": len(entries),
                    "entries": entries[:PER_KIND], "more": more if more > 0 else 0,
                    "more_href": "/search?" + urlencode([("type", cls)] + ([("lang", lang)] if lang_qs else [])) if more > 0 else None})
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    out.sort(key=lambda g: (rank.get(g["kind"], len(rank)), -g["count"], g["kind"]))
    return out


def paragraph(lang: str) -> dict | None:
    """The CEC's description from the graph, in the reader's language if a source gives one (else
    English, marked): the sentence that names it, with the sources stating it."""
    if not d.exists(CEC):
        return None
    desc = d.describe(CEC)
    texts = [(f.o.value, f.o.language, f.graphs) for f in desc.facts
             if f.role == "out" and f.p.value == d.DCT + "description" and isinstance(f.o, ox.Literal)]
    if not texts:
        return None
    chosen = pick_label([(text, tag) for text, tag, _ in texts], lang)
    # Of several in that language, the one that introduces the organization by its name.
    same = [x for x in texts if x[1] == chosen.lang]
    best = max(same, key=lambda x: ("(" in x[0][:80], len(x[0])))
    sources = []
    for g in best[2]:
        meta = desc.sources.get(g, {})
        title = pick_label([(v.value, v.language) for v in meta.get(d.DCT + "title", []) if isinstance(v, ox.Literal)],
                           lang)
        sources.append({"href": href_for(g, ""), "title": title})
    return {"text": Label(best[0], best[1], chosen.fallback), "sources": sources}


def publications_chart(lang: str, lang_qs: str):
    pubs = publications()
    parties = sorted({p for pub in pubs for p in pub.parties})
    labeller = Labeller(lang, None)
    labeller.entity_labels = labels_for(parties)
    counts = per_year(pubs)
    series = [(p, labeller.thing(p).text) for p in parties] + [(NO_PARTY, t("no_party", lang))]
    extra = [("lang", lang)] if lang_qs else []
    return charts.timeline(counts, series=series, title=t("per_year_title", lang),
                           number_format=lambda n: format_number(charts._fmt(n), lang),
                           desc=t("per_year_desc", lang).format(n=format_number(len(pubs), lang)),
                           href=lambda y: "/publications?" + urlencode([("from", y), ("to", y)] + extra)), len(pubs)


@bp.get("/")
def home():
    lang, explicit = choose_lang(request)
    lang_qs = "?" + urlencode({"lang": lang}) if explicit else ""

    def compute() -> str:
        chart, n_pubs = publications_chart(lang, lang_qs)
        stats = statistics()
        return render_page("home.html", lang, groups=kinds(lang, lang_qs), stats=stats,
                           numbers={k: format_number(str(v), lang) for k, v in stats.items()},
                           lang_qs=lang_qs, lang_field=lang if explicit else None, about=paragraph(lang),
                           structure_chart=orgchart.chart(lang, lang_qs), pubs_chart=chart, n_pubs=n_pubs,
                           license=license_iri(), version=d.get_store().content_hash())

    body = d.memo(("home", lang, explicit), compute)
    return document_response(body, "text/html", content_language=lang, vary="Accept-Language",
                             links=[("/dataset", "describedby", "text/turtle"), (license_iri(), "license", None)])
