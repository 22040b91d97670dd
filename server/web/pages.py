"""HTML pages for people: ``/page/{key}`` (one per entity; the home page is ``home``).

Server-rendered Jinja, no JavaScript, no asset from the network. The language (en/es/fr) comes from
``?lang=`` or ``Accept-Language``; labels missing in it fall back visibly. Values link to their pages
on this origin; canonical IRIs are shown (and cited) as ``https://w3id.org/cec-kg/…``.
"""
from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, render_template, request
from markupsafe import Markup, escape

from ..graph.namespaces import BASE
from ..linkeddata import describe as d
from ..protocol.hints import KNOWN_PREFIXES
from .i18n import (INVERSE_LABELS, LANG_NAMES, LANGS, STANDARD_INVERSES, STANDARD_LABELS, Label, format_literal,
                   language_name, pick_label, sort_key, t)

# The site's templates and static assets live beside this module and ship in the wheel.
bp = Blueprint("pages", __name__, template_folder="templates", static_folder="static", static_url_path="/static")

# What a message written for people quotes from the data or the vocabulary, in any language: a Turtle
# literal ("…"@en, "1994"^^xsd:gYear), an IRI (<…/id/party/mexico>, http://…), a prefixed name
# (cec:Party), a file (sources/identifiers.csv). Shown as code: it is not the page's language.
_QUOTED = re.compile(r'"[^"]*"(?:@[A-Za-z-]+|\^\^[\w:]+)?|<[^<>\s]+>|https?://[^\s,;()]+[^\s,;().]'
                     r'|\b[a-z][\w-]*:[A-Za-z_][\w-]*(?:\.[\w-]+)*|\b[\w-]+/[\w./-]+\.[a-z]{2,4}\b')


@bp.app_template_filter("quoted_as_code")
def quoted_as_code(text: str) -> Markup:
    """``text`` escaped, with what it quotes from data or vocabulary (``_QUOTED``) in ``<code>``."""
    out, at = [], 0
    for m in _QUOTED.finditer(text):
        out += [escape(text[at:m.start()]), Markup("<code>"), escape(m.group(0)), Markup("</code>")]
        at = m.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)

SCHEMA = "https://schema.org/"
RDF_TYPE = d.RDF_NS + "type"
OWL_SAMEAS = "http://www.w3.org/2002/07/owl#sameAs"


def local_name(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            tail = iri.rsplit(sep, 1)[-1]
            if tail:
                return tail
    return iri


def humanise(iri: str) -> str:
    """``cec:minimumMeetingFrequency`` -> ``minimum meeting frequency`` (last resort for labels)."""
    name = local_name(iri)
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append(" ")
        out.append(ch.lower() if ch.isupper() and not (i + 1 < len(name) and name[i + 1].isupper()) else ch)
    return "".join(out).replace("-", " ").replace("_", " ")


class Labeller:
    """Picks what to call a resource or property in the page language, marking fallbacks."""

    def __init__(self, lang: str, desc: d.Description | None):
        self.lang = lang
        self.entity_labels = desc.labels if desc else {}
        self.term_labels = d.term_labels()

    def thing(self, iri: str) -> Label:
        label = pick_label(self.entity_labels.get(iri, []) or self.term_labels.get(iri, []), self.lang)
        if label:
            return label
        std = STANDARD_LABELS.get(iri)     # a standard class the data uses directly
        if std:
            return Label(std[self.lang], self.lang, False)
        return Label(local_name(iri) if not iri.startswith(BASE) else iri[len(BASE):], None, False)

    def prop(self, iri: str) -> Label:
        label = pick_label(self.term_labels.get(iri, []), self.lang)
        if label:
            return label
        std = STANDARD_LABELS.get(iri)
        if std:
            return Label(std[self.lang], self.lang, False)
        return Label(humanise(iri), None, True, derived=True)

    def inverse(self, iri: str) -> Label:
        """What a statement ``?x <iri> <this page's entity>`` reads as from the entity's side: the label of
        the inverse property (the vocabulary's owl:inverseOf, a standard vocabulary's own inverse), our
        wording for a verb ("advises" -> "advised by"), else "is <label> of" in the page language."""
        partner = d.term_inverses().get(iri) or STANDARD_INVERSES.get(iri)
        if partner:
            label = self.prop(partner)
            if not label.fallback or label.lang:
                return label
        if iri in INVERSE_LABELS:
            return Label(INVERSE_LABELS[iri][self.lang], self.lang, False)
        label = self.prop(iri)
        return Label(t("inverse_phrase", self.lang).format(label=label.text), label.lang, label.fallback)


def compact(iri: str) -> str:
    """``schema:Person``, ``cec:Party``: the IRI with the longest namespace the site knows as a prefix
    (the SPARQL editor's prefixes), else the IRI itself."""
    best = max(((p, ns) for p, ns in KNOWN_PREFIXES.items() if iri.startswith(ns) and len(iri) > len(ns)),
               key=lambda x: len(x[1]), default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else iri


def href_for(iri: str, lang_qs: str) -> str | None:
    """Where a link to ``iri`` goes: its page or document here, the IRI itself when it is a web address,
    else nowhere (None: data may name ``javascript:…`` or ``data:…`` IRIs, never followed from a page)."""
    local = d.local_href(iri)
    if local is None:
        return iri if iri.lower().startswith(("http://", "https://")) else None
    return local + (lang_qs if local.startswith("/page/") else "")


def value_view(term, labeller: Labeller, lang_qs: str, nested: dict) -> dict:
    if isinstance(term, ox.NamedNode):
        label = labeller.thing(term.value)
        return {"kind": "iri", "label": label, "href": href_for(term.value, lang_qs), "iri": term.value,
                "external": d.local_href(term.value) is None}
    if isinstance(term, ox.BlankNode):
        return {"kind": "bnode", "rows": nested.get(term, [])}
    dt = term.datatype.value if term.datatype else None
    return {"kind": "literal", "text": format_literal(term.value, dt, labeller.lang), "raw": term.value,
            "lang": term.language, "datatype": dt}


# Properties that name the thing: rows of them showing the same names are one row (the title lists every
# property). The first present names the row.
NAME_PROPERTIES = (d.SKOS_NS + "prefLabel", SCHEMA + "name", d.DCT + "title", d.RDFS_NS + "label", d.FOAF + "name")


def value_text(v: dict) -> str:
    return v["label"].text if v.get("label") else v.get("text", "")


def group_rows(facts: list[d.Fact], labeller: Labeller, lang_qs: str, notes: dict, nested: dict,
               other, inverse: bool = False) -> list[dict]:
    """Statements grouped by property: [{prop label, prop href, values: [{…value, notes}]}], sorted as the
    page language sorts. ``inverse``: statements pointing at the entity, each property named by its
    inverse. The naming properties (label, name, title…) are one row of their distinct values."""
    groups: dict[str, list] = defaultdict(list)
    for f in facts:
        groups[f.p.value].append(f)
    rows = []
    names: dict[tuple, dict] = {}
    name_props: list[str] = []
    for p, fs in groups.items():
        values = []
        merge = not inverse and p in NAME_PROPERTIES
        for f in fs:
            v = value_view(other(f), labeller, lang_qs, nested)
            v["notes"] = sorted(notes[g] for g in f.graphs if g in notes)
            if merge:
                key = (value_text(v), v.get("lang"))
                if key in names:
                    names[key]["notes"] = sorted(set(names[key]["notes"]) | set(v["notes"]))
                    continue
                names[key] = v
            values.append(v)
        if merge:
            name_props.append(p)
            continue
        rows.append(row_view(p, values, labeller, lang_qs, inverse))
    if name_props:
        first = min(name_props, key=NAME_PROPERTIES.index)
        row = row_view(first, list(names.values()), labeller, lang_qs, False)
        row["also"] = [compact(q) for q in sorted(name_props, key=NAME_PROPERTIES.index) if q != first]
        rows.append(row)
    rows.sort(key=lambda r: sort_key(r["prop"].text, labeller.lang))
    return rows


# Properties whose values quote a source's citation verbatim, in the source's language: shown as <cite>.
CITATIONS = {d.DCT + "bibliographicCitation"}


def row_view(p: str, values: list[dict], labeller: Labeller, lang_qs: str, inverse: bool) -> dict:
    values.sort(key=lambda v: (v.get("lang") not in (labeller.lang, None), sort_key(value_text(v), labeller.lang)))
    return {"prop": labeller.inverse(p) if inverse else labeller.prop(p), "prop_iri": p, "inverse": inverse,
            "prop_curie": ("^" if inverse else "") + compact(p), "prop_href": href_for(p, lang_qs), "vals": values,
            "also": [], "cite": p in CITATIONS and not inverse}


def merge_types(types: list[dict]) -> list[dict]:
    """Types that read the same (foaf:Person and schema:Person are both "Person") shown once; every
    class stays named in the title and the data views."""
    merged: dict[str, dict] = {}
    for ty in types:
        key = value_text(ty)
        if key in merged:
            first = merged[key]
            first["notes"] = sorted(set(first["notes"]) | set(ty["notes"]))
            first["also"].append(ty.get("iri", ""))
            continue
        merged[key] = ty | {"also": []}
    return list(merged.values())


def schema_org(desc: d.Description, iri: str, labeller: Labeller, page_url: str) -> dict:
    """schema.org JSON-LD for search engines: types, names, description, sameAs, url."""
    types = [ty[len(SCHEMA):] for ty in d.entity_types(iri) if ty.startswith(SCHEMA)] or ["Thing"]
    data: dict = {"@context": "https://schema.org", "@type": types if len(types) > 1 else types[0], "@id": iri,
                  "url": page_url}
    name = labeller.thing(iri)
    data["name"] = name.text
    alternates = sorted({text for text, _ in desc.labels.get(iri, []) if text != name.text})
    if alternates:
        data["alternateName"] = alternates
    same = [f.o.value for f in desc.facts if f.role == "out" and f.p.value == OWL_SAMEAS
            and isinstance(f.o, ox.NamedNode)]
    if same:
        data["sameAs"] = sorted(same)
    for f in desc.facts:
        if f.role == "out" and f.p.value == d.DCT + "description" and isinstance(f.o, ox.Literal):
            data["description"] = f.o.value
            break
    return data


def switcher(lang: str) -> list[dict]:
    """The language switcher: this page in each language (the current one marked).

    Links carry ``lang`` only: pages are memoised per path and language, so any other parameter of
    the request that rendered one (``?utm=…``) would be served in everyone's links afterwards.
    """
    return [{"code": code, "name": LANG_NAMES[code], "href": f"{request.path}?{urlencode({'lang': code})}",
             "current": code == lang} for code in LANGS]


def render_page(template: str, lang: str, **ctx) -> str:
    return render_template(template, lang=lang, t=lambda k: t(k, lang), switcher=switcher(lang),
                           lang_name=lambda tag: language_name(tag, lang), **ctx)
