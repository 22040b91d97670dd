"""``/search?q=``: every label, name, title and abbreviation, in HTML (a page with type facets) or JSON.

The index (``store.search``) is built when the store is loaded (over a new on-disk store: in the
background, and until it is there this answers 503 saying so); this module asks it and shows the
hits: each entity under its label in the reader's language (and the label that matched, when it is
another), its types as facets (``?type=`` keeps one type; several may be given), ranked exact,
prefix, word, fuzzy. ``format=json`` (or ``Accept: application/json``) gives the same for machines
and for the search box's suggestions on every page.
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, request

from ..graph.queries import expand
from ..problems import Problem, problem_response
from ..protocol.http import document_response, license_iri
from ..protocol.negotiation import negotiate
from ..store import SearchUnavailable, get_search, get_store
from .errors import html_response
from .i18n import choose_lang, format_number, pick_label, sort_key, t
from .pages import Labeller, href_for, render_page

bp = Blueprint("search", __name__)

PAGE_SIZE = 20
OFFERS = ["application/json", "text/html"]
MAX_QUERY = 200


def _types_arg() -> list[str]:
    return [expand(v.strip()) for v in request.args.getlist("type") if v.strip()]


@bp.get("/search")
def search():
    lang, explicit = choose_lang(request)
    lang_qs = "?" + urlencode({"lang": lang}) if explicit else ""
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY:
        raise Problem(400, "Search too long", f"the search text is {len(q)} characters; give at most {MAX_QUERY}.")
    fmt = request.args.get("format")
    media_type = negotiate(request, OFFERS, override={"json": "application/json", "html": "text/html"}.get(fmt, fmt))
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    try:
        limit = min(100, max(1, int(request.args.get("limit", str(PAGE_SIZE)))))
    except ValueError:
        limit = PAGE_SIZE
    types = _types_arg()
    try:
        index = get_search()
    except SearchUnavailable as e:
        return _unavailable(e, lang, media_type)
    if q:
        hits, facets, total = index.search(q, lang=lang, types=types, limit=limit, offset=(page - 1) * limit)
    elif types:                 # no text: every thing of these types (the home page's "and N more")
        hits, facets, total = index.browse(types, lang=lang, limit=limit, offset=(page - 1) * limit)
    else:
        hits, facets, total = [], {}, 0
    labels = index.labels([h.iri for h in hits])
    labeller = Labeller(lang, None)
    shown = []
    for h in hits:
        name = pick_label(labels.get(h.iri, []), lang) or pick_label([(h.label, h.lang)], lang)
        kinds = [labeller.thing(ty) for ty in h.types if ty not in GENERIC_TYPES][:3]
        shown.append({"iri": h.iri, "label": name, "matched": h.label if h.label != name.text else None,
                      "matched_lang": h.lang, "match": h.match, "href": href_for(h.iri, lang_qs),
                      "types": h.types, "kinds": kinds})
    facet_list = sorted(((labeller.thing(ty), ty, n) for ty, n in facets.items() if ty not in GENERIC_TYPES),
                        key=lambda f: (-f[2], sort_key(f[0].text, lang)))
    if media_type == "application/json":
        body = {"query": q, "total": total, "page": page, "hits": [
            {"iri": s["iri"], "label": s["label"].text, "lang": s["label"].lang, "matched": s["matched"] or s["label"].text,
             "match": s["match"], "page": s["href"], "types": s["types"]} for s in shown],
            "facets": [{"type": ty, "label": label.text, "count": n} for label, ty, n in facet_list]}
        return document_response(json.dumps(body, ensure_ascii=False), "application/json", vary="Accept, Accept-Language",
                                 cors=True, max_age=60)
    facets_view = []
    for label, ty, n in facet_list[:12]:
        active = ty in types
        args = [("q", q)] + [("type", x) for x in types if x != ty] + ([] if active else [("type", ty)])
        if explicit:
            args.append(("lang", lang))
        facets_view.append({"label": label, "iri": ty, "count": format_number(str(n), lang), "active": active,
                            "href": "/search?" + urlencode(args)})
    pages = max(1, -(-total // limit))

    def page_href(n):
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"] + ([("page", str(n))] if n > 1 else [])
        return "/search?" + urlencode(args)
    body = render_page("search.html", lang, q=q, hits=shown, total=total, total_text=format_number(str(total), lang),
                       facets=facets_view, active_types=types, page=page, pages=pages,
                       prev=page_href(page - 1) if page > 1 else None, next=page_href(page + 1) if page < pages else None,
                       lang_field=lang if explicit else None, license=license_iri(),
                       version=get_store().content_hash())
    return document_response(body, "text/html", content_language=lang, vary="Accept, Accept-Language", max_age=60)


def _unavailable(e: SearchUnavailable, lang: str, media_type: str):
    """503 with Retry-After while the index is being built (shorter at first: small stores build in
    seconds) or when it could not be; in the reader's language on the HTML page."""
    retry = 5 if e.state == "building" and (e.seconds or 0) < 30 else 30
    headers = {"Retry-After": str(retry), "Cache-Control": "no-store"}
    if media_type == "text/html":
        if e.state == "building":
            detail = t("search_building", lang).format(seconds=format_number(f"{e.seconds or 0:.0f}", lang))
        else:
            detail = t("search_failed", lang).format(reason=e.reason)
        return html_response(503, "Search unavailable", detail, headers, translated=True)
    extra = {"search_index": e.state}
    if e.seconds is not None:
        extra["building_seconds"] = round(e.seconds, 1)
    detail = f"{e}; retry in {retry} s." if e.state == "building" else f"{e}."
    return problem_response(503, "Search unavailable", detail, headers, **extra)


# Types every thing has by entailment or by reuse: no use as a facet.
GENERIC_TYPES = {
    "http://www.w3.org/2002/07/owl#Thing", "http://www.w3.org/2000/01/rdf-schema#Resource",
    "https://schema.org/Thing", "http://www.w3.org/ns/prov#Entity", "http://www.w3.org/2002/07/owl#NamedIndividual",
}
