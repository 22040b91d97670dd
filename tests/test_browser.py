"""Pages in a real browser: headless Debian chromium driven by Playwright (never a downloaded browser).

An entity page renders in each language, the switcher works, links lead to pages that render, and
no page logs a console error or requests anything from another origin. One screenshot per language
is kept under test-output/.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from cec_kg.graph import paths

pytestmark = [pytest.mark.live, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
OUTPUT = paths.ROOT / "test-output"
HEADINGS = {"en": "Commission for Environmental Cooperation", "es": "Comisión para la Cooperación Ambiental",
            "fr": "Commission de coopération environnementale"}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} missing in CI (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser, live_server):
    """A page that records console errors, failed requests and requests to any other origin."""
    context = browser.new_context(viewport={"width": 1100, "height": 1300}, java_script_enabled=False)
    pg = context.new_page()
    pg.problems = []
    origin = urlparse(live_server.base).netloc
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("requestfailed", lambda r: pg.problems.append(f"request failed: {r.url}"))
    pg.on("request", lambda r: pg.problems.append(f"off-origin request: {r.url}")
          if urlparse(r.url).scheme in ("http", "https") and urlparse(r.url).netloc != origin else None)
    pg.on("response", lambda r: pg.problems.append(f"{r.status} for {r.url}") if r.status >= 400 else None)
    yield pg
    context.close()


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_entity_page_renders_in_each_language(page, live_server, lang):
    """Also a screenshot per language; JavaScript is off, so this is what everybody gets."""
    page.set_extra_http_headers({"Accept-Language": lang})
    resp = page.goto(live_server.url("/id/organization/cec"))
    assert resp.ok and page.url.endswith("/page/organization/cec"), page.url
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text().strip() == HEADINGS[lang]
    assert page.locator("table.facts tr").count() > 5, "statements are listed"
    assert page.locator("section.sources li").count() >= 1, "sources are cited"
    assert page.locator("h1").bounding_box()["height"] > 0
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"entity-organization-cec-{lang}.png"), full_page=True)
    assert not page.problems, page.problems


def test_language_switcher_works(page, live_server):
    page.set_extra_http_headers({"Accept-Language": "en"})
    page.goto(live_server.url("/page/organization/cec"))
    page.get_by_role("link", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr" and "lang=fr" in page.url
    assert page.locator("h1").inner_text().strip() == HEADINGS["fr"]
    page.get_by_role("link", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip() == HEADINGS["es"]
    # the chosen language follows the reader to the next page
    page.locator("table.facts a[href^='/page/party/']").first.click()
    page.wait_for_load_state()
    assert "/page/party/" in page.url and page.locator("html").get_attribute("lang") == "es"
    assert not page.problems, page.problems


def test_links_lead_to_pages_that_render(page, live_server):
    page.goto(live_server.url("/page/organization/cec"))
    hrefs = sorted({a.get_attribute("href") for a in page.locator("main a[href^='/']").all()})
    assert len(hrefs) > 10, hrefs
    fragments: dict[str, set[str]] = {}
    for href in hrefs:
        path, _, fragment = href.partition("#")
        fragments.setdefault(path, set()).update({fragment} if fragment else set())
    for path, anchors in fragments.items():
        if path.startswith("/data/") or path.startswith("/sparql"):
            # RDF documents are downloads for a browser: fetch them rather than navigate
            assert page.request.get(live_server.url(path)).ok, path
            continue
        resp = page.goto(live_server.url(path))
        assert resp.ok, f"{path} answers {resp.status}"
        assert page.locator("h1").count() >= 1, f"{path} has no heading"
        for anchor in anchors:   # e.g. /ontology#hasParty: the term's place in the documentation
            assert page.locator(f'[id="{anchor}"]').count() == 1, f"{path}#{anchor} lands nowhere"
    assert not page.problems, page.problems


def test_home_and_vocabulary_pages_render_without_errors(page, live_server):
    page.set_extra_http_headers({"Accept": "text/html"})
    for path in ("/", "/ontology", "/shapes", "/dataset", "/dumps/"):
        resp = page.goto(live_server.url(path))
        assert resp.status == 200, f"{path}: {resp.status}"
        assert page.locator("h1").count() >= 1, f"{path}: nothing rendered"
    assert not page.problems, page.problems
    resp = page.goto(live_server.url("/id/nothing/here"))
    assert resp.status == 404 and "nothing/here" in page.locator(".problem-detail").inner_text()
    assert len(page.problems) == 2, page.problems   # the 404 itself, as response and as console message


def test_query_form_runs_an_example_without_javascript(page, live_server):
    """The endpoint's page in a browser: pick an example question, submit the form, get its answer."""
    page.set_extra_http_headers({"Accept": "text/html", "Accept-Language": "fr"})
    assert page.goto(live_server.url("/sparql")).status == 200
    assert page.locator("form.query button[type=submit]").inner_text() == "Exécuter"
    page.click("ol.examples a >> nth=0")
    assert "cq-01" in page.locator("textarea#query").input_value()
    page.select_option("select#format", "csv")
    # CSV comes as a download (the browser does not display it): watch the answer, not a navigation.
    with page.expect_response(lambda r: "/sparql?query=" in r.url) as answer:
        page.click("form.query button[type=submit]")
    resp = answer.value
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/csv"), resp.headers
    assert int(resp.headers["x-sparql-rows"]) == 12, "cq-01: the 12 factual records concerning Mexico"
    # The download is the browser's: its "request failed" (aborted navigation) is the only other event.
    assert not [p for p in page.problems if not p.startswith("request failed: ")], page.problems


@pytest.mark.parametrize("path,selector,color", [
    ("/", "header.site", "rgb(11, 79, 108)"),
    ("/page/organization/cec", "header.site", "rgb(11, 79, 108)"),
    ("/sparql", "header.site", "rgb(11, 79, 108)"),
    ("/ontology", "header.site", "rgb(11, 79, 108)"),
])
def test_content_security_policy_blocks_nothing_the_pages_use(page, live_server, path, selector, color):
    """Chromium enforces the policy: a refused style or script is a console error (page.problems), and
    the styles really apply."""
    page.set_extra_http_headers({"Accept": "text/html"})
    resp = page.goto(live_server.url(path))
    assert resp.status == 200 and "default-src 'none'" in resp.headers["content-security-policy"]
    background = page.locator(selector).first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == color, f"{path}: {selector} is {background}: a style was refused"
    assert not page.problems, page.problems


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_shapes_page_fits_and_paths_break_only_between_names(browser, live_server, lang, width):
    """/shapes at 390 and 1280 px: nothing scrolls sideways or is cut off (on a phone the table reflows into
    one block per row), and a path such as skos:prefLabel never breaks inside a name (it broke as
    "skos:prefLa/bel" in the narrow path column): each line of a path starts with a step or an alternative."""
    context = browser.new_context(viewport={"width": width, "height": 844}, java_script_enabled=True)
    pg = context.new_page()
    try:
        assert pg.goto(live_server.url(f"/shapes?lang={lang}")).ok
        scroll = pg.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"/shapes?lang={lang} is {scroll} px wide at {width} px"
        cut = pg.evaluate("""(width) => [...document.querySelectorAll('table.shape-table td')]
            .filter(td => td.getBoundingClientRect().right > width + 0.5 || td.scrollWidth > td.clientWidth + 1)
            .map(td => td.textContent.slice(0, 40))""", width)
        assert not cut, f"cells cut off at {width} px: {cut[:5]}"
        # Break points: the text of each rendered line of every path, from the Range rectangles of its words.
        broken = pg.evaluate("""() => {
            const bad = [];
            for (const code of document.querySelectorAll('table.shape-table td.path code')) {
                const text = code.textContent;
                const range = document.createRange();
                let top = null;
                for (let i = 0; i < text.length; i++) {
                    const node = [...code.childNodes].filter(n => n.nodeType === 3);
                    let offset = i, target = null;
                    for (const n of node) { if (offset < n.length) { target = n; break; } offset -= n.length; }
                    range.setStart(target, offset); range.setEnd(target, offset + 1);
                    const r = range.getClientRects()[0];
                    if (!r) continue;
                    if (top !== null && r.top > top + 2 && !'|/'.includes(text[i - 1])) bad.push(text);
                    top = r.top;
                }
            }
            return bad; }""")
        assert not broken, f"paths broken inside a name at {width} px: {sorted(set(broken))[:5]}"
        OUTPUT.mkdir(exist_ok=True)
        pg.screenshot(path=str(OUTPUT / f"shapes-{width}-{lang}.png"), full_page=False)
    finally:
        context.close()
