"""The explorer in a real browser (headless Debian chromium, JavaScript on): the query editor, results,
charts, downloads, search, the library and the pictures; at 390 px (a phone) and 1280 px, in en/es/fr.

Every page is checked for console errors, requests to another origin and sideways scrolling, and a
screenshot is kept under test-output/.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from test_browser import ARGS, CHROMIUM, OUTPUT, browser  # noqa: F401  (the browser fixture)

pytestmark = [pytest.mark.live, pytest.mark.browser]

CQ01 = "cq-01-factual-records-concerning-mexico"
# The one console message an honest error status brings (the document itself answered 4xx).
STATUS_MESSAGE = "Failed to load resource: the server responded with a status of"


def open_page(browser, live_server, *, width=1280, lang="en", js=True):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=js,
                                  extra_http_headers={"Accept-Language": lang}, accept_downloads=True)
    pg = context.new_page()
    pg.problems = []
    origin = urlparse(live_server.base).netloc
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("request", lambda r: pg.problems.append(f"off-origin request: {r.url}")
          if urlparse(r.url).scheme in ("http", "https") and urlparse(r.url).netloc != origin else None)
    return context, pg


def check(pg, name: str, width: int, allow_status: bool = False) -> None:
    """No sideways scroll, no problem; keep a screenshot."""
    OUTPUT.mkdir(exist_ok=True)
    pg.screenshot(path=str(OUTPUT / f"{name}-{width}.png"), full_page=True)
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
    problems = [p for p in pg.problems if not (allow_status and STATUS_MESSAGE in p)]
    assert not problems, problems


@pytest.fixture()
def session(browser, live_server):  # noqa: F811
    contexts = []

    def make(server=None, **kwargs):
        context, pg = open_page(browser, server or live_server, **kwargs)
        contexts.append(context)
        return pg

    yield make
    for c in contexts:
        c.close()


def test_gallery_example_runs_in_the_editor(session, live_server):
    """Pick an example question, run it from the editor: a table with its 12 rows."""
    pg = session()
    pg.goto(live_server.url(f"/sparql?example={CQ01}"))
    editor = pg.locator(".cm-editor")
    assert editor.count() == 1, "CodeMirror replaces the textarea"
    assert pg.locator("textarea#query").is_hidden()
    assert pg.locator(".cm-content").inner_text().startswith("# cq-01: Which factual records concern Mexico?")
    assert pg.locator(".cm-content .ͼb, .cm-content span[class^='ͼ']").count() > 5, "SPARQL is highlighted"
    with pg.expect_navigation():
        pg.locator("form.query button[type=submit]").click()
    assert "/sparql?query=" in pg.url and "format=html" in pg.url
    assert pg.locator(".row-count").get_attribute("data-rows") == "12"
    assert pg.locator("table.results-table tbody tr").count() == 12
    assert pg.locator("table.results-table a[href='/page/factual-record/cozumel']").inner_text() == "Cozumel"
    check(pg, "explorer-results-en", 1280)


def test_ctrl_enter_runs_the_query(session, live_server):
    pg = session()
    pg.goto(live_server.url("/sparql"))
    pg.locator(".cm-content").click()
    pg.keyboard.press("Control+a")
    pg.keyboard.type("ASK { ?s ?p ?o }")
    with pg.expect_navigation():
        pg.keyboard.press("Control+Enter")
    assert pg.locator(".answer.boolean").count() == 1 and "Yes" in pg.locator(".answer.boolean").inner_text()


def test_prefix_completion_adds_the_declaration(session, live_server):
    pg = session()
    pg.goto(live_server.url("/sparql"))
    pg.locator(".cm-content").click()
    pg.keyboard.press("Control+a")
    pg.keyboard.type("SELECT ?x WHERE { ?x a sko")
    pg.locator(".cm-tooltip-autocomplete").wait_for()
    option = pg.locator(".cm-tooltip-autocomplete li", has_text="skos:").first
    option.click()
    text = pg.locator(".cm-content").inner_text()
    assert text.startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"), text
    assert "?x a skos:" in text
    assert pg.locator("textarea#query").input_value() == pg.evaluate("window.cecSparqlEditor.state.doc.toString()")


def test_error_marked_at_the_parsers_position(session, live_server):
    query = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  ?x\n}"
    pg = session(lang="fr")
    resp = pg.goto(live_server.url("/sparql?query=" + quote(query)))
    assert resp.status == 400
    assert pg.locator("section.query-error .hint").count() == 1
    pg.locator(".cm-lintRange-error").first.wait_for()
    marked = pg.locator(".cm-lintRange-error").first
    line = marked.evaluate("e => e.closest('.cm-line') && [...e.closest('.cm-content').children].indexOf(e.closest('.cm-line')) + 1")
    assert line in (3, 4), f"the marker sits where the parser stopped (after ?x), on line {line}"
    assert pg.locator(".cm-gutter-lint .cm-lint-marker-error").count() >= 1
    check(pg, "explorer-error-fr", 1280, allow_status=True)


def test_undeclared_prefix_marked_while_typing(session, live_server):
    pg = session()
    pg.goto(live_server.url("/sparql"))
    pg.locator(".cm-content").click()
    pg.keyboard.press("Control+a")
    pg.keyboard.type("SELECT ?n WHERE { ?s foaf:name ?n }")
    pg.locator(".cm-lintRange-error").first.wait_for(timeout=5000)
    assert pg.locator(".cm-lintRange-error").first.inner_text() == "foaf:"


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
@pytest.mark.parametrize("width", [390, 1280])
def test_results_page_fits_every_screen(session, live_server, lang, width):
    pg = session(width=width, lang=lang)
    from cec_kg.graph import paths

    text = (paths.QUERIES_DIR / "cq-05-sources-dating-cozumel.rq").read_text(encoding="utf-8")
    pg.goto(live_server.url("/sparql?format=html&query=" + quote(text)))
    assert pg.locator("html").get_attribute("lang") == lang
    assert pg.locator("table.results-table tbody tr").count() == 2
    check(pg, f"explorer-results-{lang}", width)


def test_without_javascript_the_form_still_works(session, live_server):
    pg = session(js=False)
    pg.goto(live_server.url(f"/sparql?example={CQ01}"))
    assert pg.locator("textarea#query").is_visible()
    with pg.expect_navigation():
        pg.locator("form.query button[type=submit]").click()
    assert pg.locator("table.results-table tbody tr").count() == 12
    check(pg, "explorer-results-nojs", 1280)


def test_search_manzanillo_reaches_the_factual_record(session, live_server):
    pg = session(lang="es")
    pg.goto(live_server.url("/"))
    box = pg.locator("header form.site-search input[name=q]")
    box.fill("manzanillo")
    # Awaited with a selector, not wait_for_function: that evaluates a string, which the pages' policy
    # (script-src 'self', no 'unsafe-eval') refuses.
    pg.wait_for_selector("#search-suggestions option", state="attached")
    assert "Wetlands in Manzanillo" in pg.locator("#search-suggestions").inner_html(), "suggested while typing"
    with pg.expect_navigation():
        box.press("Enter")
    assert "/search?q=manzanillo" in pg.url
    check(pg, "explorer-search-es", 1280)
    with pg.expect_navigation():
        pg.locator("li.hit a", has_text="Wetlands in Manzanillo").first.click()
    assert pg.url.endswith("/page/factual-record/wetlands-in-manzanillo")
    assert pg.locator("h1").inner_text().strip().startswith("Wetlands in Manzanillo")   # (+ its EN mark in es)


@pytest.mark.parametrize("width", [390, 1280])
def test_library_filtered_to_mexico_matches_sparql(session, live_server, width):
    import requests

    q = ("PREFIX cec: <https://w3id.org/cec-kg/ontology#> SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { "
         "{ ?p a cec:FactualRecord } UNION { ?p a cec:Article13Report } "
         "?p cec:partyConcerned <https://w3id.org/cec-kg/id/party/mexico> }")
    expected = int(requests.get(live_server.url("/sparql"), params={"query": q}, timeout=30)
                   .json()["results"]["bindings"][0]["n"]["value"])
    pg = session(width=width, lang="fr", js=False)
    pg.goto(live_server.url("/publications"))
    assert pg.locator("tr.publication").count() == 32
    pg.select_option("form.filters select[name=party]", "mexico")
    with pg.expect_navigation():
        pg.locator("form.filters button").click()
    assert "party=mexico" in pg.url
    assert pg.locator("tr.publication").count() == expected == 12
    marks = pg.locator("svg.timeline rect.mark")
    assert sum(int(marks.nth(i).get_attribute("data-value")) for i in range(marks.count())) == expected
    check(pg, "explorer-library-fr", width)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
@pytest.mark.parametrize("width", [390, 1280])
def test_home_page_org_chart_names_the_three_bodies(session, live_server, lang, width):
    pg = session(width=width, lang=lang)
    pg.goto(live_server.url("/"))
    chart = pg.locator("svg.org-chart").first
    assert chart.is_visible() and chart.bounding_box()["width"] <= width
    text = chart.text_content()
    for body in ("CEC Council", "CEC Secretariat", "Joint Public Advisory Committee"):
        assert body in text, f"the org chart does not name {body}"
    assert pg.locator("svg.org-chart title").first.text_content(), "a text alternative"
    assert pg.locator("svg.timeline rect.mark").count() > 10, "publications per year"
    check(pg, f"explorer-home-{lang}", width)


@pytest.mark.parametrize("path,name", [("/page/organization/cec", "cec"), ("/page/party/mexico", "party-mexico")])
@pytest.mark.parametrize("width", [390, 1280])
def test_entity_pictures_fit(session, live_server, path, name, width):
    pg = session(width=width, lang="es")
    pg.goto(live_server.url(path))
    assert pg.locator(".shacl-status").count() == 1
    if name == "cec":
        with pg.expect_navigation():
            pg.locator("svg.org-chart a[href='/page/body/jpac']").first.click()
        assert pg.url.endswith("/page/body/jpac")
        pg.go_back()
    else:
        assert pg.locator("section.by-year dt").count() > 10
    check(pg, f"explorer-entity-{name}-es", width)


from test_explorer import GEO_QUERY, geo_file, geo_server  # noqa: E402,F401  (our own small geo data)


def test_switch_to_the_chart_and_count_its_marks(session, live_server):
    pg = session(lang="es")
    pg.goto(live_server.url("/queries/cq-02-factual-records-per-year?chart=none"))
    assert pg.locator("figure.result-chart").count() == 0
    with pg.expect_navigation():
        pg.locator(".chart-choices a[data-chart='timeline']").click()
    assert pg.locator("figure.result-chart svg.timeline rect.mark").count() == 15
    with pg.expect_navigation():
        pg.locator(".chart-choices a[data-chart='bar']").click()
    bars = pg.locator("figure.result-chart svg.bar-chart rect.mark")
    assert bars.count() == 15 == pg.locator("table.results-table tbody tr").count()
    assert sum(int(bars.nth(i).get_attribute("data-value")) for i in range(bars.count())) == 24
    check(pg, "explorer-chart-es", 1280)


def test_download_csv_and_parse_it(session, live_server):
    import csv
    import io

    pg = session()
    pg.goto(live_server.url(f"/queries/{CQ01}"))
    with pg.expect_download() as info:
        pg.locator(".downloads a[data-format='csv']").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) == 12 and rows[0]["title"] == "ALCA-Iztapalapa II"


@pytest.mark.parametrize("width", [390, 1280])
def test_map_and_kml_download(session, geo_server, width):
    from xml.etree import ElementTree

    pg = session(server=geo_server, width=width)
    pg.goto(geo_server.url("/sparql?format=html&query=" + quote(GEO_QUERY)))
    assert pg.locator("svg.map circle.mark").count() == 3
    with pg.expect_download() as info:
        pg.locator(".downloads a[data-format='kml']").click()
    root = ElementTree.fromstring(Path(info.value.path()).read_bytes())
    assert len(root.findall(".//{http://www.opengis.net/kml/2.2}Placemark")) == 3
    check(pg, "explorer-map", width)
