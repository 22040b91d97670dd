"""The vocabulary's documentation for people (``/ontology`` as HTML, issue 10 item 4), over HTTP from a
real server: every in-page link lands, in every language; every term has its section; headings are in
the page's language; the site's layout (viewport, a main landmark); classes and properties in the
documented order; the same bytes from every process; in Chromium, no sideways scroll on a phone, links
that scroll to their term, and text with AA contrast.

Expected orders are worked out here from the Turtle with the Unicode Collation Algorithm (pyuca), not
with the server's code.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from cec_kg.graph import paths
from cec_kg.graph.namespaces import PREFIXES
from cec_kg.web.i18n import LANGS, STRINGS

from conftest import LiveServer

pytestmark = pytest.mark.live
CEC = "https://w3id.org/cec-kg/ontology#"
PAGES = [f"/ontology?lang={lang}" for lang in LANGS] + [f"/ontology/{p.stem}?lang={lang}"
                                                         for p in sorted(paths.RELEASES_DIR.glob("*.ttl"))
                                                         for lang in LANGS]
# What pyLODE wrote in English whatever the page's language.
PYLODE_HEADINGS = {"Table of Contents", "Metadata", "Classes", "Object Properties", "Datatype Properties",
                   "Annotation Properties", "Namespaces", "Legend", "Title", "Publisher", "Creator",
                   "Date Created", "Date Modified", "License", "Version Iri", "Version Info", "Prior Version",
                   "Preferred Namespace Prefix", "Preferred Namespace Uri", "Description", "Is Defined By",
                   "Sub Class Of", "Super Class Of", "Sub Property Of", "Super Property Of", "Domain", "Range",
                   "In Domain Of", "In Range Of", "Scope Note"}


class Page(HTMLParser):
    """What the tests read from a page: ids, in-page links, heading texts, term sections in order."""

    HEADINGS = {"h1", "h2", "h3", "th", "caption", "summary"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.headings: list[tuple[str, str]] = []     # (tag, text) of headings and header cells
        self.terms: list[tuple[str, str]] = []        # (section of the page, term id), in document order
        self.metas: list[dict] = []
        self.mains = 0
        self.html_lang = None
        self._open: list[list] = []
        self._section: list[str | None] = []
        self._term_section: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.hrefs.append(a["href"][1:])
        if tag == "meta":
            self.metas.append(a)
        if tag == "main":
            self.mains += 1
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "section":
            classes = (a.get("class") or "").split()
            if "term" in classes:
                self.terms.append((self._term_section, a.get("id")))
                self._section.append(None)
            else:
                self._section.append(a.get("id"))
                if a.get("id"):
                    self._term_section = a.get("id")
        if tag in self.HEADINGS:
            self._open.append([tag, ""])

    def handle_endtag(self, tag):
        if tag in self.HEADINGS and self._open and self._open[-1][0] == tag:
            t, text = self._open.pop()
            self.headings.append((t, " ".join(text.split())))
        if tag == "section" and self._section:
            self._section.pop()

    def handle_data(self, data):
        for h in self._open:
            h[1] += data


def get(server, path):
    r = requests.get(server.url(path), headers={"Accept": "text/html"}, timeout=60)
    assert r.status_code == 200, f"{path}: {r.status_code}"
    return r


def vocabulary(path: str) -> Graph:
    m = re.match(r"^/ontology/([^?]+)", path)
    return Graph().parse(paths.RELEASES_DIR / f"{m.group(1)}.ttl" if m else paths.ONTOLOGY_FILE, format="turtle")


def qname(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def label(g: Graph, term, lang: str) -> str:
    found = {o.language: str(o) for o in g.objects(term, RDFS.label)}
    return found.get(lang) or found.get("en") or min(found.values(), default=qname(str(term)))


KINDS = [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty]


def documented(g: Graph) -> list[URIRef]:
    return sorted({s for k in KINDS for s in g.subjects(RDF.type, k) if isinstance(s, URIRef)}, key=str)


# -- Links, anchors, language, layout ------------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_every_in_page_link_lands(live_server, path):
    """pyLODE's contents linked #definesagendaof to id="definesAgendaOf" and #rganoConsultivo to nothing."""
    page = Page(get(live_server, path).text)
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    assert not duplicates, f"{path}: ids used twice: {duplicates}"
    broken = sorted(set(page.hrefs) - set(page.ids))
    assert not broken, f"{path}: {len(broken)} in-page links land nowhere: {broken[:20]}"
    assert len(page.hrefs) > 100, f"{path}: only {len(page.hrefs)} in-page links (no contents?)"


@pytest.mark.parametrize("path", PAGES)
def test_every_term_has_its_section(live_server, path):
    """Each class and property of the document: one section whose id is its local name (cec:) or prefixed
    name (other vocabularies' terms it declares), showing its IRI and its label in the page's language."""
    lang = path.rsplit("=", 1)[1]
    g = vocabulary(path)
    html = get(live_server, path).text
    page = Page(html)
    sections = [term_id for _, term_id in page.terms]
    missing = []
    for term in documented(g):
        anchor = str(term)[len(CEC):] if str(term).startswith(CEC) else qname(str(term))
        if sections.count(anchor) != 1:
            missing.append(f"{anchor} ({sections.count(anchor)} sections)")
            continue
        body = html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]
        assert f"<code>{term}</code>" in body, f"{path}#{anchor} does not show its IRI"
        if str(term).startswith(CEC):
            assert label(g, term, lang).replace("'", "&#39;") in body, f"{path}#{anchor}: no {lang} label"
    assert not missing, f"{path}: terms without exactly one section: {missing}"
    assert len(sections) == len(documented(g)), f"{path}: sections for terms the document does not define"


@pytest.mark.parametrize("lang", [lang for lang in LANGS if lang != "en"])
def test_headings_are_in_the_page_language(live_server, lang):
    """No heading or header cell on the es/fr page is English: neither one of our UI strings whose
    translation differs, nor one of pyLODE's fixed headings."""
    english = {v["en"] for v in STRINGS.values() if v.get(lang) and v[lang] != v["en"]} | PYLODE_HEADINGS
    english -= {v[lang] for v in STRINGS.values() if v.get(lang)}      # "Classes", "Description" are French too
    page = Page(get(live_server, f"/ontology?lang={lang}").text)
    en_page = Page(get(live_server, "/ontology?lang=en").text)
    found = sorted({text for tag, text in page.headings if text in english})
    assert not found, f"English headings on /ontology?lang={lang}: {found}"
    h2 = [text for tag, text in page.headings if tag == "h2"]
    assert len(h2) == len([1 for tag, _ in en_page.headings if tag == "h2"]) >= 6, h2
    assert not set(h2) & {text for tag, text in en_page.headings if tag == "h2"} - {
        v[lang] for v in STRINGS.values() if v.get(lang)}, f"{lang}: h2 identical to the English page: {h2}"


@pytest.mark.parametrize("lang", LANGS)
def test_site_layout_viewport_and_main_landmark(live_server, lang):
    r = get(live_server, f"/ontology?lang={lang}")
    page = Page(r.text)
    viewport = [m for m in page.metas if m.get("name") == "viewport"]
    assert viewport and "width=device-width" in viewport[0].get("content", ""), "no viewport meta: 980 px on a phone"
    assert page.mains == 1, f"{page.mains} <main> elements"
    assert page.html_lang == lang == r.headers["Content-Language"]
    assert '<header class="site">' in r.text and 'href="/static/style.css"' in r.text, "not in the site's layout"
    assert "<style" not in r.text, "inline CSS: the site's stylesheet only"


# What pyLODE showed of a term (and what it left out: inverse, see also, change notes), both directions.
SHOWN = [RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf, OWL.equivalentClass,
         OWL.equivalentProperty, OWL.disjointWith, RDFS.seeAlso, RDFS.isDefinedBy]
NOTES = [SKOS.definition, SKOS.scopeNote, SKOS.changeNote, SKOS.example, RDFS.comment]


def target(term) -> str:
    """How a page links to ``term``: in-page to a term it documents, else out to its IRI."""
    s = str(term)
    if s.startswith(CEC):
        return f'href="#{s[len(CEC):]}"'
    return s


@pytest.mark.parametrize("path", PAGES)
def test_nothing_pyLODE_showed_is_lost(live_server, path):
    """Each term's section shows every statement about it that pyLODE showed (super- and subterms,
    domain, range, in domain/range of, defined by, definition, scope note) and those pyLODE dropped
    (inverse, see also, change notes); the metadata shows every statement of the ontology's header."""
    import html as html_lib

    lang = path.rsplit("=", 1)[1]
    g = vocabulary(path)
    page = get(live_server, path).text
    documentedset = set(documented(g))
    missing = []
    for term in documentedset:
        anchor = str(term)[len(CEC):] if str(term).startswith(CEC) else qname(str(term))
        body = html_lib.unescape(page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0])
        for p in SHOWN:
            others = set(g.objects(term, p)) | ({x for x in g.subjects(p, term)}
                                                if p not in (RDFS.seeAlso, RDFS.isDefinedBy) else set())
            for o in others - {term}:
                if (o, RDF.type, OWL.Ontology) in g:
                    want = 'href="#metadata"'
                elif o in documentedset and not str(o).startswith(CEC):
                    want = f'href="#{qname(str(o))}"'
                else:
                    want = target(o)
                if want not in body:
                    missing.append(f"{anchor} {qname(str(p))} {o}")
        for p in NOTES:
            values = {o.language: str(o) for o in g.objects(term, p)}
            text = values.get(lang) or values.get("en")
            if text and text not in body:
                missing.append(f"{anchor} {qname(str(p))}@{lang}")
    assert not missing, f"{path}: not shown: {missing[:15]} ({len(missing)})"
    onto = next(g.subjects(RDF.type, OWL.Ontology))
    meta = html_lib.unescape(page.split('id="metadata"', 1)[1].split("</section>", 1)[0])
    lost = []
    for p, o in g.predicate_objects(onto):
        if p == RDF.type or (isinstance(o, Literal) and o.language not in (None, lang)
                             and any(x.language == lang for x in g.objects(onto, p))):
            continue
        if isinstance(o, Literal) and o.language and o.language != lang:
            continue
        if p == DCTERMS.bibliographicCitation:
            continue                                   # in the Reuse section (test_vocabulary_publication)
        if isinstance(o, URIRef) and (o, RDFS.label, None) in g:
            shown = label(g, o, lang) in meta
        else:
            shown = str(o) in meta or (isinstance(o, Literal) and f'datetime="{o}"' in meta)
        if not shown:
            lost.append(f"{qname(str(p))} {o}")
    assert not lost, f"{path}: header statements not in the metadata: {lost}"


# -- Order -----------------------------------------------------------------------------------------------

def collation(text: str):
    from pyuca import Collator

    global _COLLATOR
    try:
        c = _COLLATOR
    except NameError:
        c = _COLLATOR = Collator()
    return c.sort_key(text)


def class_order(g: Graph, lang: str) -> list[str]:
    """Depth-first over the subclass tree of cec: classes; siblings by label in ``lang``, UCA order."""
    classes = [c for c in documented(g) if str(c).startswith(CEC) and (c, RDF.type, OWL.Class) in g]
    parents = {c: [p for p in g.objects(c, RDFS.subClassOf) if p in classes and p != c] for c in classes}
    out: list[str] = []

    def visit(c):
        if str(c)[len(CEC):] not in out:
            out.append(str(c)[len(CEC):])
        for child in sorted((k for k in classes if c in parents[k]), key=lambda k: collation(label(g, k, lang))):
            visit(child)
    for root in sorted((c for c in classes if not parents[c]), key=lambda k: collation(label(g, k, lang))):
        visit(root)
    return out


@pytest.mark.parametrize("path", PAGES)
def test_classes_and_properties_in_the_documented_order(live_server, path):
    lang = path.rsplit("=", 1)[1]
    g = vocabulary(path)
    html = get(live_server, path).text
    page = Page(html)
    shown = {}
    for section, term_id in page.terms:
        shown.setdefault(section, []).append(term_id)
    assert shown.get("classes") == class_order(g, lang), f"{path}: classes out of the subclass-tree order"
    assert STRINGS["vocab_order_classes"][lang] in html, "the page does not say how classes are ordered"
    for kind, section in ((OWL.ObjectProperty, "object-properties"), (OWL.DatatypeProperty, "datatype-properties"),
                          (OWL.AnnotationProperty, "annotation-properties")):
        props = [p for p in g.subjects(RDF.type, kind) if str(p).startswith(CEC)]
        expected = [str(p)[len(CEC):] for p in sorted(props, key=lambda p: collation(label(g, p, lang)))]
        assert shown.get(section, []) == expected, f"{path}: {section} not alphabetical in {lang}"


def test_accented_labels_sort_with_their_letter(live_server):
    """In Spanish, "Área Prioritaria" and "Órgano" sort among the A and O classes, where a code-point
    sort (``sorted()``) would put them after "Tratado"."""
    g = vocabulary("/ontology?lang=es")
    page = Page(get(live_server, "/ontology?lang=es").text)
    classes = [c for c in g.subjects(RDF.type, OWL.Class) if str(c).startswith(CEC)]
    roots = {str(c)[len(CEC):] for c in classes
             if not [p for p in g.objects(c, RDFS.subClassOf) if p in classes]}
    shown = [label(g, URIRef(CEC + t), "es") for s, t in page.terms if s == "classes" and t in roots]
    assert any(not lbl[0].isascii() for lbl in shown), "no accented initial left to test with"
    assert shown != sorted(shown), f"classes in code-point order: {shown}"
    assert shown == sorted(shown, key=collation), f"classes not in collation order: {shown}"


# -- The same bytes everywhere ----------------------------------------------------------------------------

def test_same_bytes_and_etag_from_every_process():
    """Two servers with different hash seeds (and so also a restart) answer the same bytes and ETag:
    pyLODE's page followed set order, and its ETag changed with PYTHONHASHSEED."""
    paths_ = ["/ontology?lang=en", "/ontology?lang=es", "/ontology?lang=fr", "/ontology",
              f"/ontology/{sorted(paths.RELEASES_DIR.glob('*.ttl'))[0].stem}?lang=fr"]
    answers = []
    for seed in ("1", "2"):
        server = LiveServer(env={"PYTHONHASHSEED": seed})
        try:
            answers.append([(p, get(server, p).headers["ETag"], get(server, p).content) for p in paths_])
        finally:
            server.stop()
    for (p, etag1, body1), (_, etag2, body2) in zip(*answers):
        assert body1 == body2, f"{p}: different bytes from two processes"
        assert etag1 == etag2, f"{p}: ETag {etag1} vs {etag2}"


# -- In a browser ----------------------------------------------------------------------------------------

CONTRAST = """() => {
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
                            if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const worst = [];
  for (const e of document.querySelectorAll('body *')) {
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(e); if (s.visibility === 'hidden' || s.display === 'none') continue;
    const a = lum(rgb(s.color).slice(0, 3)), b = lum(background(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < needed) worst.push(`${e.tagName}.${e.className} ${ratio.toFixed(2)}:1 "${e.textContent.trim().slice(0, 40)}"`);
  }
  return worst;
}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_in_chromium_on_a_phone(live_server, lang):
    """At 390 px: no sideways scroll, every text meets WCAG AA contrast, and a contents link to a term
    whose label is accented scrolls that term's section to the top."""
    import os
    import shutil
    from pathlib import Path

    if not Path("/usr/bin/chromium").exists() or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium missing in CI")
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    g = vocabulary("/ontology")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            pg = browser.new_page(viewport={"width": 390, "height": 800})
            assert pg.goto(live_server.url(f"/ontology?lang={lang}")).ok
            width = pg.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"/ontology?lang={lang} is {width} px wide at 390 px"
            low = pg.evaluate(CONTRAST)
            assert not low, f"text below AA contrast: {low[:10]}"
            ours = [str(c)[len(CEC):] for c in documented(g) if str(c).startswith(CEC)]
            # pyLODE's ids dropped accented letters (#rganoConsultivo) and lower-cased (#definesagendaof).
            accented = sorted(t for t in ours if not label(g, URIRef(CEC + t), lang).isascii())
            camel = sorted(t for t in ours if t[0].islower() and t != t.lower())
            target = (accented or camel)[0]
            pg.locator(f'nav.toc a[href="#{target}"]').first.click()
            assert pg.url.endswith(f"#{target}"), pg.url
            assert pg.locator(f'[id="{target}"]').count() == 1, f"#{target} lands nowhere"
            top = pg.locator(f'[id="{target}"]').evaluate("e => e.getBoundingClientRect().top")
            assert abs(top) < 40, f"#{target} is {top} px from the top after following its link"
        finally:
            browser.close()


# -- What the vocabulary does not use yet (read from a small vocabulary) ---------------------------------

SMALL = """
@prefix ex: <https://w3id.org/cec-kg/ontology#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/cec-kg/ontology> a owl:Ontology .
ex:Old a owl:Class ; rdfs:label "Old"@en , "Viejo"@es ; owl:deprecated true ; owl:versionInfo "0.1" ;
    owl:equivalentClass ex:New ; rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:p ; owl:someValuesFrom ex:New ] .
ex:New a owl:Class ; rdfs:label "New"@en ; owl:disjointWith ex:Other .
ex:Other a owl:Class ; rdfs:label "Other"@en ; rdfs:subClassOf ex:Loop .
ex:Loop a owl:Class ; rdfs:label "Loop"@en ; rdfs:subClassOf ex:Other .
ex:p a owl:ObjectProperty , owl:FunctionalProperty ; rdfs:label "p"@en ; owl:equivalentProperty ex:q .
ex:q a owl:ObjectProperty ; rdfs:label "q"@en .
"""


def test_deprecation_equivalents_characteristics_and_cycles():
    """owl:deprecated, owl:versionInfo, equivalents, disjoint classes, property characteristics, an
    anonymous superclass and a subclass cycle (no root) are all shown, and nothing loops forever."""
    from cec_kg.web.vocabdoc import documentation

    g = Graph().parse(data=SMALL, format="turtle")
    doc = documentation(g, "es")
    classes = {v["id"]: v for s in doc["sections"] if s["id"] == "classes" for v in s["terms"]}
    assert sorted(classes) == ["Loop", "New", "Old", "Other"], "a class on a subclass cycle went missing"
    old = classes["Old"]
    assert old["deprecated"] and old["version_info"] == ["0.1"] and old["label"].text == "Viejo"
    rows = {r["key"]: [x["href"] for x in r["refs"]] for r in old["relations"]}
    assert rows["vocab_equivalent"] == ["#New"]
    assert [x["label"].text for r in old["relations"] if r["key"] == "vocab_subclass_of" for x in r["refs"]] == \
        ["cec:p some cec:New"], "an anonymous superclass reads as a restriction, not a random blank node label"
    assert classes["New"]["label"].fallback, "an English-only label is marked as a fallback in es"
    assert {r["key"]: [x["href"] for x in r["refs"]] for r in classes["New"]["relations"]}["vocab_disjoint"] == ["#Other"]
    props = {v["id"]: v for s in doc["sections"] for v in s["terms"] if s["id"] == "object-properties"}
    assert props["p"]["characteristics"] == ["owl:FunctionalProperty"]
    assert [r["refs"][0]["href"] for r in props["q"]["relations"] if r["key"] == "vocab_equivalent"] == ["#p"]
