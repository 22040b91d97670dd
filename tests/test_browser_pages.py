"""Every kind of page in a real browser (headless Debian chromium), at 390 px (a phone) and 1280 px, in
en, es and fr (issue 10): no sideways scrolling, ``<html lang>`` right, no English UI string on a Spanish
or French page, and axe-core finds no accessibility violation.

Each (page, language, width) is loaded once (one browser for the module, one context per language and
width, its tab reused) and measured; the four tests read the measurements. axe runs at 1280 px in every
language and at 390 px in English (see axe_at). axe-core is vendored
(tests/vendor/axe: the npm package's axe.min.js with its licence, pinned in package.json) and injected
into each page: nothing comes from the network. ``CEC_SCREENSHOTS=1`` keeps a screenshot of each page
under test-output/pages/.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from cec_kg.web.i18n import LANGS, STRINGS

from known_failures import BROWSER_PAGES
from test_browser import OUTPUT, browser  # noqa: F401  (the module's one browser)

pytestmark = [pytest.mark.live, pytest.mark.browser]

AXE = Path(__file__).parent / "vendor" / "axe" / "axe.min.js"
WIDTHS = (390, 1280)


def axe_at(lang: str, width: int) -> bool:
    """axe runs at 1280 px in every language (the words change: names, contrast of marks) and at 390 px
    in English (what the narrow layout changes); axe is most of the module's time."""
    return width == 1280 or lang == "en"
SCREENSHOTS = os.environ.get("CEC_SCREENSHOTS") == "1"

# The site's pages, one of each kind; entity pages: one entity of each kind the sitemap lists
# (test_every_entity_kind_is_covered keeps this list complete).
SITE_PAGES = {
    "home": "/",
    "ontology": "/ontology",
    "shapes": "/shapes",
    "dataset": "/dataset",
    "dumps": "/dumps/",
    "sparql": "/sparql",
    "search": "/search?q=mexico",
    "publications": "/publications",
    "queries": "/queries",
    "saved-query": "/queries/cq-01-factual-records-concerning-mexico",
    "openapi": "/openapi",
    "404": "/page/nothing/here",
}
ENTITY_PAGES = {
    "agency": "/page/agency/environment-and-climate-change-canada",
    "agreement": "/page/agreement/naaec",
    "article": "/page/article/naaec-13",
    "article-13-report": "/page/article-13-report/continental-pollutant-pathways",
    "body": "/page/body/council",
    "concept-scheme": "/page/concept-scheme/priority-areas",
    "document": "/page/document/guidelines-for-submissions-on-enforcement-matters",
    "event": "/page/event/tek-renaming-2017",
    "factual-record": "/page/factual-record/metales-y-derivados",
    "graph": "/page/graph/entailments",
    "image": "/page/image/cec-logo",
    "mechanism": "/page/mechanism/submissions-on-enforcement-matters",
    "membership": "/page/membership/council-alicia-barcena",
    "organization": "/page/organization/cec",
    "party": "/page/party/mexico",
    "person": "/page/person/alicia-barcena",
    "place": "/page/place/montreal",
    "plan": "/page/plan/operational-plans",
    "post": "/page/post/canada-minister-of-environment-and-climate-change",
    "priority-area": "/page/priority-area/climate-change-mitigation-and-adaptation",
    "program": "/page/program/napeca",
    "publication": "/page/publication/taking-stock",
    "site": "/page/site/cec-headquarters",
    "source": "/page/source/seed",
    "submission": "/page/submission/sem-00-004",
    "tool": "/page/tool/north-american-environmental-atlas",
}
PAGES = {**SITE_PAGES, **{f"entity-{k}": v for k, v in ENTITY_PAGES.items()}}

# --- English UI strings that must not show on a Spanish or French page --------------------------------
# Words the same in English and Spanish or French, or names (of standards, formats, the site itself): a
# fragment made only of these proves nothing about the page's language.
NAMES = {"SPARQL", "SHACL", "OWL", "RDF", "RDFS", "JSON-LD", "VoID", "DCAT", "Turtle", "N-Triples", "TriG",
         "N-Quads", "OpenAPI", "CSV", "TSV", "JSON", "XML", "KML", "IRI", "URI", "HTML", "GET", "POST", "ISBN",
         "API", "CEC", "CCA", "CCE", "SEM", "ID"}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|\{\{|\}\}")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def english_fragments(lang: str) -> dict[str, str]:
    """English UI fragments (from STRINGS) that differ from their ``lang`` value: fragment → key.

    A value with placeholders is split into its fixed fragments; a fragment counts if it has a word of
    three letters or more that is neither a name nor a word of the ``lang`` value itself."""
    found: dict[str, str] = {}
    for key, values in STRINGS.items():
        en, other = values["en"], values[lang]
        if en == other:
            continue
        other_words = {w.lower() for w in _WORD.findall(other)}
        for fragment in _PLACEHOLDER.split(en):
            fragment = fragment.strip(" .,:;·—-–()[]“”\"'«»/")
            words = _WORD.findall(fragment)
            telling = [w for w in words if len(w) >= 3 and w not in NAMES and w.lower() not in other_words]
            if telling and fragment not in other:
                found.setdefault(fragment, key)
    return found


FRAGMENTS = {lang: english_fragments(lang) for lang in LANGS if lang != "en"}

# The page's own text in its language: visible text nodes, except those inside an element that says
# it is in another language (a name shown in English with its EN mark), code (IRIs, queries, what a
# message quotes from the data) and citations (<cite>: a source's citation, verbatim in its language).
VISIBLE_TEXT_IN_PAGE_LANGUAGE = """() => {
  const lang = document.documentElement.lang;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim()) continue;
    if (el.closest('script, style, code, pre, cite, textarea, kbd, samp, [hidden]')) continue;
    const tagged = el.closest('[lang]');
    if (tagged && tagged.getAttribute('lang').split('-')[0] !== lang) continue;
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    out.push(n.textContent);
  }
  return out.join('\\n');
}"""


def _fragment_pattern(fragment: str) -> re.Pattern:
    return re.compile(r"(?<![\w-])" + re.escape(fragment).replace(r"\ ", r"\s+") + r"(?![\w-])")


_PATTERNS = {lang: {f: _fragment_pattern(f) for f in frags} for lang, frags in FRAGMENTS.items()}


def english_on(text: str, lang: str) -> list[str]:
    return sorted(f"{f!r} (STRINGS[{FRAGMENTS[lang][f]!r}])" for f, p in _PATTERNS[lang].items() if p.search(text))


# --- One load per (page, language, width) -------------------------------------------------------------
class Visits:
    def __init__(self, browser, server):  # noqa: F811
        self.browser, self.server = browser, server
        self.tabs: dict[tuple[str, int], object] = {}
        self.contexts: list = []
        self.seen: dict[tuple[str, str, int], dict] = {}
        self.axe = AXE.read_text(encoding="utf-8")

    def tab(self, lang: str, width: int):
        if (lang, width) not in self.tabs:
            # bypass_csp: axe is injected as a script the pages' policy (script-src 'self') would refuse;
            # test_browser.py checks the policy itself.
            context = self.browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True,
                                               extra_http_headers={"Accept-Language": lang})
            self.contexts.append(context)
            pg = context.new_page()
            pg.off_origin = []
            origin = urlparse(self.server.base).netloc
            pg.on("request", lambda r: pg.off_origin.append(r.url)
                  if urlparse(r.url).scheme in ("http", "https") and urlparse(r.url).netloc != origin else None)
            self.tabs[(lang, width)] = pg
        return self.tabs[(lang, width)]

    def __call__(self, name: str, lang: str, width: int) -> dict:
        key = (name, lang, width)
        if key not in self.seen:
            pg = self.tab(lang, width)
            resp = pg.goto(self.server.url(PAGES[name]), wait_until="load")
            seen = {"status": resp.status,
                    "html_lang": pg.evaluate("document.documentElement.getAttribute('lang')"),
                    "scroll_width": pg.evaluate("document.documentElement.scrollWidth"),
                    "viewport": pg.evaluate("document.documentElement.clientWidth"),
                    "wide": pg.evaluate(WIDEST_ELEMENTS, width),
                    "text": pg.evaluate(VISIBLE_TEXT_IN_PAGE_LANGUAGE)}
            if axe_at(lang, width):
                pg.add_script_tag(content=self.axe)
                seen["axe"] = pg.evaluate(AXE_RUN)
            if SCREENSHOTS:
                (OUTPUT / "pages").mkdir(parents=True, exist_ok=True)
                pg.screenshot(path=str(OUTPUT / "pages" / f"{name}-{lang}-{width}.png"), full_page=True)
            seen["off_origin"] = list(pg.off_origin)
            pg.off_origin.clear()
            self.seen[key] = seen
        return self.seen[key]

    def close(self):
        for c in self.contexts:
            c.close()


# The elements wider than the viewport (the innermost ones), to say what makes a page scroll sideways.
WIDEST_ELEMENTS = """(width) => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= width + 0.5 || r.width === 0) continue;
    if ([...el.children].some(c => c.getBoundingClientRect().right > width + 0.5)) continue;
    let scroller = el.parentElement;
    while (scroller && getComputedStyle(scroller).overflowX === 'visible') scroller = scroller.parentElement;
    if (scroller && scroller !== document.body && scroller !== document.documentElement) continue;
    const cls = el.className && el.className.baseVal === undefined ? '.' + el.className.split(' ').join('.') : '';
    out.push(`${el.tagName.toLowerCase()}${cls} (right edge ${Math.round(r.right)} px): ` +
             (el.textContent || '').trim().slice(0, 60));
    if (out.length >= 5) break;
  }
  if (!out.length)   // something without a box of its own (a ::before/::after): its widened parent
    for (const el of document.body.querySelectorAll('*'))
      if (el.scrollWidth > width && ![...el.children].some(c => c.scrollWidth > width))
        out.push(`${el.tagName.toLowerCase()} holds content ${el.scrollWidth} px wide`);
  return out.slice(0, 5);
}"""

AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary.split('\\n').slice(1, 2).join(''))}));
}"""


@pytest.fixture(scope="module")
def visit(browser, live_server):  # noqa: F811
    v = Visits(browser, live_server)
    yield v
    v.close()


def cases(langs=LANGS, check: str = ""):
    """(page, language, width) cases; known failures (tests/known_failures.py) run as strict xfails."""
    out = []
    for name in PAGES:
        for lang in langs:
            for width in WIDTHS:
                reason = BROWSER_PAGES.get((check, name, lang)) or BROWSER_PAGES.get((check, name, lang, width))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                out.append(pytest.param(name, lang, width, id=f"{name}-{lang}-{width}", marks=marks))
    return out


def test_vendored_axe_is_the_pinned_version():
    import json

    pinned = json.loads((AXE.parent / "package.json").read_text(encoding="utf-8"))["dependencies"]["axe-core"]
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{pinned}\n"), "axe.min.js is not the pinned version"
    assert "Mozilla Public License" in (AXE.parent / "LICENSE").read_text(encoding="utf-8")


def test_every_entity_kind_is_covered(live_server):
    """The sitemap lists every entity page: each kind of them has its representative above."""
    sitemap = requests.get(live_server.url("/sitemap.xml"), timeout=30).text
    kinds = {m.group(1) for m in re.finditer(r"<loc>[^<]*?/page/([^/<]+)/", sitemap)}
    assert kinds, "the sitemap lists no entity page"
    assert kinds <= set(ENTITY_PAGES), f"entity kinds without a page in this test: {sorted(kinds - set(ENTITY_PAGES))}"
    for kind, path in ENTITY_PAGES.items():
        assert f"/page/{kind}/" in path


def test_english_strings_to_look_for():
    """The list is long enough to mean something, and leaves out what both languages share."""
    assert len(FRAGMENTS["es"]) > 150 and len(FRAGMENTS["fr"]) > 150, {k: len(v) for k, v in FRAGMENTS.items()}
    assert "Referenced by" in FRAGMENTS["es"] and "Run" in FRAGMENTS["fr"]
    assert "Sources" not in FRAGMENTS["fr"] and "Sources" in FRAGMENTS["es"]   # fr "Sources" is French too
    assert "Publications" not in FRAGMENTS["fr"] and "Licence" not in FRAGMENTS["fr"]


@pytest.mark.parametrize("name,lang,width", cases(check="scroll"))
def test_no_sideways_scroll(visit, name, lang, width):
    seen = visit(name, lang, width)
    assert seen["scroll_width"] <= seen["viewport"], (
        f"{PAGES[name]} in {lang} at {width} px is {seen['scroll_width']} px wide; too wide: {seen['wide']}")


@pytest.mark.parametrize("name,lang,width", cases(check="lang"))
def test_html_lang_is_the_page_language(visit, name, lang, width):
    seen = visit(name, lang, width)
    expected_status = 404 if name == "404" else 200
    assert seen["status"] == expected_status, f"{PAGES[name]}: {seen['status']}"
    assert seen["html_lang"] == lang, f"{PAGES[name]} asked in {lang} says <html lang={seen['html_lang']!r}>"
    assert not seen["off_origin"], f"{PAGES[name]} requested {seen['off_origin']}"


@pytest.mark.parametrize("name,lang,width", [c for c in cases(("es", "fr"), check="english") if c.values[2] == 1280])
def test_no_english_ui_string(visit, name, lang, width):
    """The visible text (at 1280 px; the same strings at 390) holds no English UI string."""
    found = english_on(visit(name, lang, width)["text"], lang)
    assert not found, f"{PAGES[name]} in {lang} shows English UI strings: {', '.join(found)}"


@pytest.mark.parametrize("name,lang,width", [c for c in cases(check="axe") if axe_at(*c.values[1:])])
def test_axe_finds_no_violation(visit, name, lang, width):
    violations = visit(name, lang, width)["axe"]
    assert not violations, f"{PAGES[name]} in {lang} at {width} px: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes']}" for v in violations)


REFLOW = """(selector) => [...document.querySelectorAll(selector)].map(tr => {
  const [head, cell] = [tr.children[0].getBoundingClientRect(), tr.children[1].getBoundingClientRect()];
  return {below: cell.top >= head.bottom - 1};
})"""


@pytest.mark.parametrize("name,selector", [("entity-organization", "table.facts > tbody > tr"),
                                           ("dumps", "table.dumps > tbody > tr"),
                                           ("saved-query", "table.results-table > tbody > tr")])
def test_tables_reflow_on_a_phone(visit, name, selector):
    """At 390 px a row's cells stack (the value under its heading); at 1280 px they stand side by side."""
    for width in WIDTHS:
        pg = visit.tab("fr", width)
        pg.goto(visit.server.url(PAGES[name]))
        rows = pg.evaluate(REFLOW, selector)
        assert len(rows) > 5, f"{PAGES[name]}: {selector} finds {len(rows)} rows"
        stacked = [r["below"] for r in rows]
        if width == 390:
            assert all(stacked), f"{PAGES[name]} at 390 px: rows whose cells do not stack: {stacked.count(False)}"
        else:
            assert not any(stacked), f"{PAGES[name]} at {width} px: cells stack on a wide screen"
