"""The page of one entity, ``/page/{key}``: its statements, the statements pointing at it, its sources,
and, where they apply, pictures and lists drawn from the graph: the organization chart (on the CEC's
page), the publications and submissions by year (on a Party's page) and its SHACL status (every page
of the CEC graph: conforms, or the warnings with their messages).
"""
from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, current_app, request

from ..graph.namespaces import BASE, ENTAILMENT_GRAPH
from ..graph.validate import stored_findings
from ..linkeddata import describe as d
from ..linkeddata.resource import not_found, signposts
from ..protocol.http import document_response, license_iri
from . import orgchart
from .i18n import STANDARD_INVERSES, choose_lang, format_literal, pick_label, sort_key, t
from .library import publications
from .pages import (RDF_TYPE, Labeller, compact, group_rows, href_for, merge_types, render_page, schema_org,
                    value_text, value_view)

bp = Blueprint("entity", __name__)
PARTY = BASE + "ontology#Party"


@bp.get("/page/<path:key>")
def page(key: str):
    iri = d.iri_for_key(key)
    if iri is None or not d.exists(iri):
        raise not_found(key)
    lang, explicit = choose_lang(request)
    lang_qs = "?" + urlencode({"lang": lang}) if explicit else ""

    def compute() -> str:
        desc = d.describe(iri).asserted()     # entailed statements: in the RDF documents and the endpoint
        labeller = Labeller(lang, desc)
        notes = {g: i + 1 for i, g in enumerate(desc.cited_graphs)}
        nested: dict = defaultdict(list)
        for f in desc.facts:
            if f.role == "bnode":
                nested[f.s].append(f)
        nested_rows = {b: group_rows(fs, labeller, lang_qs, notes, {}, lambda f: f.o) for b, fs in nested.items()}
        out = [f for f in desc.facts if f.role == "out" and f.p.value != RDF_TYPE]
        # A statement pointing here that only repeats one of the entity's own through an inverse
        # ("the CEC has party Mexico" beside "Mexico party to the CEC") is said once, as the entity's own.
        own = {(f.p.value, f.o) for f in out}
        inverses = d.term_inverses()
        incoming = [f for f in desc.facts if f.role == "in"
                    and (inverses.get(f.p.value, STANDARD_INVERSES.get(f.p.value)), f.s) not in own]
        types = [value_view(f.o, labeller, lang_qs, {}) | {"notes": sorted(notes[g] for g in f.graphs)}
                 for f in desc.facts if f.role == "out" and f.p.value == RDF_TYPE]
        types.sort(key=lambda ty: (sort_key(value_text(ty), lang), ty.get("iri", "")))
        types = [ty | {"also": [compact(a) for a in ty["also"]], "curie": compact(ty.get("iri", ""))}
                 for ty in merge_types(types)]
        sources = []
        for g in desc.cited_graphs:
            meta = desc.sources.get(g, {})
            title = pick_label([(v.value, v.language) for v in meta.get(d.DCT + "title", [])
                                if isinstance(v, ox.Literal)], lang)
            citation = next((v.value for v in meta.get(d.DCT + "bibliographicCitation", [])), None)
            sources.append({"n": notes[g], "iri": g, "href": href_for(g, lang_qs), "title": title,
                            "citation": citation})
        title = labeller.thing(iri)
        types_all = d.entity_types(iri)
        extras = {"structure_chart": orgchart.chart(lang, lang_qs, org=iri),
                  "by_year": party_years(iri, lang, lang_qs) if PARTY in types_all else None,
                  "shacl": shacl_status(iri, lang)}
        page_url = request.host_url.rstrip("/") + f"/page/{key}"
        return render_page(
            "entity.html", lang,
            iri=iri, key=key, title=title, types=types,
            rows=group_rows(out, labeller, lang_qs, notes, nested_rows, lambda f: f.o),
            incoming=group_rows(incoming, labeller, lang_qs, notes, {}, lambda f: f.s, inverse=True),
            sources=sources,
            alternates=[(mt, f"/data/{key}.{sfx}", d.FORMAT_NAMES[sfx]) for mt, sfx in d.DOC_FORMATS.items()],
            schema_json=d.json_script(schema_org(desc, iri, labeller, page_url)),
            version=d.get_store().content_hash(),
            license=license_iri(),
            entailment_graph=str(ENTAILMENT_GRAPH),
            **extras,
        )

    body = d.memo(("page", key, lang, explicit, request.host_url), compute)
    return document_response(body, "text/html", content_language=lang, links=signposts(key, iri, "text/html"))


def party_years(party: str, lang: str, lang_qs: str) -> list[dict]:
    """A Party's factual records (with each source's date) and submissions (filed), by year, newest first."""
    years: dict[int, dict[str, list]] = {}
    labeller = Labeller(lang, None)
    for pub in publications():
        if party not in pub.parties or pub.year is None:
            continue
        dates = sorted(pub.dates, key=lambda x: (len(x[0]), x[0]), reverse=True)
        years.setdefault(pub.year, {"records": [], "submissions": []})["records"].append({
            "label": pick_label(pub.titles, lang) or labeller.thing(pub.iri), "href": href_for(pub.iri, lang_qs),
            "type": labeller.thing(pub.type),
            "dates": [{"text": format_literal(v, dt, lang), "raw": v, "source_href": href_for(g, lang_qs),
                       "seed": g.endswith("/source/seed")} for v, dt, g in dates],
            "disagree": pub.disagree})
    rows = d.memo(("party-submissions", party), lambda: [
        (r["submission"].value, r["id"].value if r["id"] is not None else None,
         (r["filed"].value, r["filed"].datatype.value) if isinstance(r["filed"], ox.Literal) else None,
         r["record"].value if r["record"] is not None else None)
        for r in d.run("party-submissions", party=party)])
    seen = set()
    for sub, ident, filed, record in rows:
        if sub in seen or filed is None or not filed[0][:4].isdigit():
            continue
        seen.add(sub)
        years.setdefault(int(filed[0][:4]), {"records": [], "submissions": []})["submissions"].append({
            "label": ident or labeller.thing(sub).text, "href": href_for(sub, lang_qs),
            "filed": format_literal(filed[0], filed[1], lang), "raw": filed[0],
            "record": href_for(record, lang_qs) if record else None})
    return [{"year": y, **years[y]} for y in sorted(years, reverse=True)]


def shacl_status(iri: str, lang: str) -> dict | None:
    """Whether the entity conforms to the shapes, or the warnings about it (served CEC graph only: the
    shapes are the CEC graph's; the results are those ``cec-kg serve`` stored when it validated)."""
    cfg = current_app.config
    if cfg.get("DATA") or cfg.get("STORE_DIR") or cfg.get("BACKEND"):
        return None
    found = stored_findings()
    if found is None:
        return None
    mine = [f for f in found if f["focus"] == iri]
    return {"conforms": not any(f["severity"] == "Violation" for f in mine), "findings": [
        {"severity": t("severity_" + f["severity"].lower(), lang) if f["severity"] in ("Violation", "Warning", "Info")
         else f["severity"], "level": f["severity"].lower(),
         # The shapes' messages are in en/es/fr (results stored before they were lack "messages").
         "message": (f.get("messages") or {}).get(lang) or f["message"],
         "message_lang": lang if (f.get("messages") or {}).get(lang) else "en", "path": f["path"],
         "shape_href": "/shapes#" + f["shape"].split("#", 1)[1] if f["shape"] and "#" in f["shape"] else "/shapes"}
        for f in mine]}
