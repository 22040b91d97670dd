"""Exploring the graph without writing SPARQL, over HTTP against a real server: query results as a
page for people, the error hints, SELECT * order and the query's prefixes in Turtle."""
from __future__ import annotations

import csv
import html
import io
import os
import re
import signal
import time
from pathlib import Path

import pytest
import requests
from conftest import children, live_pids

pytestmark = pytest.mark.live

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CQ01 = "cq-01-factual-records-concerning-mexico"


def cq_text(name: str) -> str:
    """The saved query as the query page's form offers it (parameters as VALUES lines)."""
    from cec_kg.graph.queries import saved_queries

    return saved_queries()[name].editor_text()


def sparql(server, query: str, accept: str | None = BROWSER, lang: str = "en", **params):
    headers = {"Accept-Language": lang}
    if accept:
        headers["Accept"] = accept
    return requests.get(server.url("/sparql"), params={"query": query, **params}, headers=headers, timeout=30)


def textarea(page: str) -> str:
    return html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))


def result_rows(page: str) -> list[list[str]]:
    body = re.search(r'<table class="results-table">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


# -- results as a page ---------------------------------------------------------------------------------

def test_browser_gets_a_table_of_results(live_server):
    r = sparql(live_server, cq_text(CQ01))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html"), r.headers
    assert "Accept" in r.headers["Vary"] and "Accept-Language" in r.headers["Vary"]
    assert "X-SPARQL-Row-Cap" not in r.headers, "a page is not replayed as a protocol result"
    page = r.text
    assert 'data-rows="12"' in page and "12 rows" in page, "cq-01: the 12 factual records concerning Mexico"
    rows = result_rows(page)
    assert len(rows) == 12 and rows[0][1] == "ALCA-Iztapalapa II", rows[:2]
    assert 'href="/page/factual-record/cozumel"' in page, "entities link to their pages on this origin"
    assert textarea(page) == cq_text(CQ01), "the query stays in the form"
    assert re.search(r'class="elapsed">\d[\d,]* ms|class="elapsed">&lt; 1 ms', page), "the time is shown"
    for fmt in ("csv", "tsv", "json", "xml"):
        assert re.search(rf'href="\?[^"]*format={fmt}"', page), f"no {fmt} download"


def test_format_html_and_machines_unchanged(live_server):
    q = "SELECT ?s WHERE { ?s a <https://w3id.org/cec-kg/ontology#Party> } ORDER BY ?s"
    assert sparql(live_server, q, accept="application/sparql-results+json", format="html").headers[
        "Content-Type"].startswith("text/html"), "format=html wins over Accept"
    for accept in (None, "*/*", "application/sparql-results+json"):
        r = sparql(live_server, q, accept=accept)
        assert r.headers["Content-Type"].startswith("application/sparql-results+json"), (accept, r.headers)
    assert sparql(live_server, q, accept="text/html", format="csv").headers["Content-Type"].startswith("text/csv")


def test_entity_labels_in_the_page_language(live_server):
    q = "SELECT ?org WHERE { BIND(<https://w3id.org/cec-kg/id/organization/cec> AS ?org) }"
    for lang, name in (("en", "Commission for Environmental Cooperation"),
                       ("es", "Comisión para la Cooperación Ambiental"),
                       ("fr", "Commission de coopération environnementale")):
        r = sparql(live_server, q, lang=lang)
        assert r.headers["Content-Language"] == lang and f'<html lang="{lang}">' in r.text
        assert result_rows(r.text)[0][1] == name, (lang, result_rows(r.text))


def test_literals_formatted_for_the_language(live_server):
    r = sparql(live_server, cq_text("cq-05-sources-dating-cozumel"), lang="es")
    cells = [c for row in result_rows(r.text) for c in row]
    assert "25 de octubre de 1997" in cells, cells
    assert '<time datetime="1997-10-25">' in r.text, "the machine-readable date stays in the page"


def test_ask_and_construct_as_pages(live_server):
    r = sparql(live_server, "ASK { ?s ?p ?o }", lang="fr")
    assert r.status_code == 200 and 'class="answer boolean"' in r.text and "Oui" in r.text
    q = ("CONSTRUCT { <https://w3id.org/cec-kg/id/party/mexico> ?p ?o } WHERE "
         "{ <https://w3id.org/cec-kg/id/party/mexico> ?p ?o }")
    r = sparql(live_server, q)
    assert r.status_code == 200 and "<th scope=\"col\">subject</th>" in r.text
    assert re.search(r'href="\?[^"]*format=ttl"', r.text), "graph answers download as Turtle"


def test_paging(live_server):
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 250"
    first = sparql(live_server, q)
    assert len(result_rows(first.text)) == 100 and "rows 1–100" in first.text
    assert 'rel="next"' in first.text and 'data-rows="250"' in first.text
    last = requests.get(live_server.url("/sparql"), params={"query": q, "page": "3"},
                        headers={"Accept": BROWSER}, timeout=30)
    rows = result_rows(last.text)
    assert len(rows) == 50 and rows[0][0] == "201", rows[0]
    whole = sparql(live_server, q, accept="application/sparql-results+json").json()["results"]["bindings"]
    assert rows[-1][3] and len(whole) == 250


# -- errors keep the query and say how to fix it ------------------------------------------------------

@pytest.mark.parametrize("query,in_detail,in_page", [
    ("SELECT ?n WHERE { ?s foaf:name ?n }", "PREFIX foaf: <http://xmlns.com/foaf/0.1/>",
     "PREFIX foaf: &lt;http://xmlns.com/foaf/0.1/&gt;"),
    ("SELEC ?s WHERE { ?s ?p ?o }", "did you mean SELECT?", "Did you mean SELECT?"),
    ("SELECT ?s WHERE { ?s ?p ?o } ORDR BY ?s", "did you mean ORDER?", "Did you mean ORDER?"),
    ("SELECT ?s WHERE { ?s ?p }", "'?s ?p' (line 1, column 19) has no object", "has no object"),
    ("SELECT ?s WHERE {\n  ?s ?p ?o .\n  ?x\n}", "'?x' (line 3, column 3) has no predicate and object",
     "has no predicate and object"),
], ids=["undeclared-prefix", "misspelled-select", "misspelled-order", "no-object", "subject-only"])
def test_syntax_errors_have_hints(live_server, query, in_detail, in_page):
    problem = sparql(live_server, query, accept=None)
    assert problem.status_code == 400 and problem.headers["Content-Type"].startswith("application/problem+json")
    body = problem.json()
    assert in_detail in body["detail"], body["detail"]
    assert body["hint"]["text"] in body["detail"] and body["line"] >= 1, body
    page = sparql(live_server, query)
    assert page.status_code == 400 and page.headers["Content-Type"].startswith("text/html")
    assert textarea(page.text) == query, "the query text is kept in the form"
    assert in_page in page.text, page.text[page.text.find("query-error"):][:600]
    assert f'data-error-line="{body["line"]}" data-error-column="{body["column"]}"' in page.text, \
        "the editor gets the parser's position"


def test_hints_in_the_page_language(live_server):
    page = sparql(live_server, "SELEC ?s WHERE { ?s ?p ?o }", lang="es")
    assert "¿Quiso decir SELECT?" in page.text and page.headers["Content-Language"] == "es"
    page = sparql(live_server, "SELECT ?s WHERE { ?s ?p }", lang="fr")
    assert "n'a pas d'objet" in html.unescape(page.text)


def test_refused_queries_keep_the_text_too(live_server):
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    page = sparql(live_server, q)
    assert page.status_code == 403 and textarea(page.text) == q


# -- small things people notice -----------------------------------------------------------------------

def test_select_star_columns_in_query_order(live_server):
    q = "SELECT * WHERE { ?s ?p ?o . ?o ?q ?zz } LIMIT 3"
    r = sparql(live_server, q, accept="application/sparql-results+json")
    assert r.json()["head"]["vars"] == ["s", "p", "o", "q", "zz"], r.json()["head"]
    r = sparql(live_server, q, accept="text/csv")
    assert next(csv.reader(io.StringIO(r.text))) == ["s", "p", "o", "q", "zz"]
    r = sparql(live_server, q, accept="application/sparql-results+xml")
    assert re.findall(r'<variable name="(\w+)"', r.text) == ["s", "p", "o", "q", "zz"]
    assert re.findall(r"<th scope=\"col\">\?(\w+)</th>", sparql(live_server, q).text) == ["s", "p", "o", "q", "zz"]


def test_turtle_uses_the_query_prefixes(live_server):
    q = ("PREFIX cecid: <https://w3id.org/cec-kg/id/>\nPREFIX sk: <http://www.w3.org/2004/02/skos/core#>\n"
         "CONSTRUCT { ?p sk:prefLabel ?l } WHERE { ?p a <https://w3id.org/cec-kg/ontology#Party> ; sk:prefLabel ?l }")
    r = sparql(live_server, q, accept="text/turtle")
    assert r.status_code == 200, r.text
    assert "@prefix cecid: <https://w3id.org/cec-kg/id/> ." in r.text, r.text[:400]
    assert "@prefix sk: <http://www.w3.org/2004/02/skos/core#> ." in r.text and "sk:prefLabel" in r.text, r.text[:400]


def test_editor_assets_are_served_locally(live_server):
    r = requests.get(live_server.url("/static/vendor/sparql-editor.js"), timeout=10)
    assert r.status_code == 200 and "javascript" in r.headers["Content-Type"] and len(r.content) > 10_000
    licences = requests.get(live_server.url("/static/vendor/sparql-editor.LICENSES.txt"), timeout=10).text
    assert "@codemirror/view" in licences and "MIT" in licences
    page = sparql(live_server, "ASK {}").text
    assert '<script src="/static/vendor/sparql-editor.js" defer></script>' in page
    assert not re.search(r'src="https?://|<link[^>]+href="https?://', page), "nothing loads from another origin"


# -- saved queries as an API ---------------------------------------------------------------------------

def _cq_files():
    from cec_kg.graph import paths

    return sorted(p.stem for p in paths.QUERIES_DIR.glob("cq-*.rq"))


def test_queries_listing_json(live_server):
    r = requests.get(live_server.url("/queries"), timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    listed = r.json()["queries"]
    assert [q["name"] for q in listed] == _cq_files(), "every queries/cq-*.rq is listed"
    for q in listed:
        assert set(q["question"]) == {"en", "es", "fr"} and all(q["question"].values()), q["name"]
        assert q["result"]["form"] in ("SELECT", "ASK") and q["url"] == f"/queries/{q['name']}"
    cq01 = next(q for q in listed if q["name"] == CQ01)
    assert cq01["parameters"] == [{"name": "party", "kind": "iri", "class": "https://w3id.org/cec-kg/ontology#Party",
                                   "default": "id:party/mexico"}]
    assert cq01["result"]["variables"] == ["record", "title", "party"] and cq01["result"]["expectedCount"] == 12
    assert "# expected" not in cq01["query"]


def test_queries_listing_rdf(live_server):
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDF, RDFS, SDO, SH

    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        r = requests.get(live_server.url("/queries"), headers={"Accept": accept}, timeout=30)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(accept)
        g = Graph().parse(data=r.text, format=fmt)
        q = URIRef(f"https://w3id.org/cec-kg/queries/{CQ01}")
        assert (q, RDF.type, SH.SPARQLSelectExecutable) in g, f"{accept}: no executable for cq-01"
        langs = {c.language for c in g.objects(q, RDFS.comment)}
        assert langs == {"en", "es", "fr"}, f"{accept}: questions in {langs}"
        param = g.value(q, SH.parameter)
        assert g.value(param, SH.name) == Literal("party")
        assert g.value(param, SH.defaultValue) == URIRef("https://w3id.org/cec-kg/id/party/mexico")
        assert {str(v) for v in g.objects(q, SDO.variableMeasured)} == {"record", "title", "party"}
        assert len(set(g.subjects(RDF.type, SH.SPARQLExecutable))) == len(_cq_files())


def test_queries_listing_html(live_server):
    r = requests.get(live_server.url("/queries"), headers={"Accept": BROWSER, "Accept-Language": "fr"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Language"] == "fr"
    assert "Quels dossiers factuels concernent le Mexique ?" in html.unescape(r.text)
    assert len(re.findall(r'href="/queries/cq-\d\d-', r.text)) == len(_cq_files())


@pytest.mark.parametrize("name", _cq_files())
def test_every_saved_query_answers_its_stated_answer(live_server, name):
    """Over HTTP, as an API client calls it (defaults bound), in SPARQL JSON: the header's answer."""
    from cec_kg.graph.queries import saved_queries
    from cec_kg.graph.validate import compact

    sq = saved_queries()[name]
    r = requests.get(live_server.url(f"/queries/{name}"), headers={"Accept": "application/sparql-results+json"},
                     timeout=30)
    assert r.status_code == 200, r.text[:300]
    data = r.json()
    if "ask" in sq.expected:
        assert data["boolean"] is sq.expected["ask"]
        return
    variables = data["head"]["vars"]
    rows = [[compact(b[v]["value"]) if b.get(v, {}).get("type") == "uri" else b.get(v, {}).get("value", "")
             for v in variables] for b in data["results"]["bindings"]]
    if "count" in sq.expected:
        assert len(rows) == sq.expected["count"], rows
    if "rows" in sq.expected:
        assert rows == sq.expected["rows"], rows


def test_saved_query_parameters_bound_as_terms(live_server):
    url = live_server.url(f"/queries/{CQ01}")
    canada = requests.get(url, params={"party": "canada"}, headers={"Accept": "text/csv"}, timeout=30)
    rows = list(csv.DictReader(io.StringIO(canada.text)))
    assert len(rows) == 9 and {r["party"] for r in rows} == {"https://w3id.org/cec-kg/id/party/canada"}, rows
    same = [requests.get(url, params={"party": v}, headers={"Accept": "text/csv"}, timeout=30).text
            for v in ("party/canada", "id:party/canada", "https://w3id.org/cec-kg/id/party/canada")]
    assert all(s == canada.text for s in same), "slug, key, prefixed name and IRI name the same Party"
    year = requests.get(live_server.url("/queries/cq-29-submissions-filed-1997"), params={"year": "1996"},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    assert all(b["filed"]["value"].startswith("1996") for b in year["results"]["bindings"]) and \
        year["results"]["bindings"], year
    # A value that would change the query's text if it were pasted in stays one RDF term.
    evil = requests.get(live_server.url("/queries/cq-07-reports-issued-2008"),
                        params={"year": '2008") || true || ("'}, timeout=30)
    assert evil.status_code == 400 and evil.json()["parameter"] == "year"


@pytest.mark.parametrize("args,parameter,status", [
    ({"country": "canada"}, "country", 400),
    ({"party": "atlantis"}, "party", 400),
    ({"party": "organization/cec"}, "party", 400),
    ({"party": "<bad iri>"}, "party", 400),
])
def test_bad_or_unknown_parameter_is_400_naming_it(live_server, args, parameter, status):
    r = requests.get(live_server.url(f"/queries/{CQ01}"), params=args, timeout=30)
    assert r.status_code == status and r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["parameter"] == parameter and parameter in r.json()["detail"], r.json()


def test_saved_query_negotiated_like_sparql(live_server):
    url = live_server.url(f"/queries/{CQ01}")
    assert requests.get(url, timeout=30).headers["Content-Type"].startswith("application/sparql-results+json")
    assert requests.get(url, params={"format": "tsv"}, timeout=30).headers["Content-Type"].startswith(
        "text/tab-separated-values")
    assert requests.get(url, headers={"Accept": "image/png"}, timeout=30).status_code == 406
    page = requests.get(url, params={"party": "canada"}, headers={"Accept": BROWSER, "Accept-Language": "es"}, timeout=30)
    assert page.status_code == 200 and "¿Qué expedientes de hechos se refieren a México?" in html.unescape(page.text)
    assert 'data-rows="9"' in page.text and 'name="party" value="canada"' in page.text
    assert requests.get(live_server.url("/queries/cq-99-nothing"), timeout=30).status_code == 404


# -- search ----------------------------------------------------------------------------------------------

def search(server, q: str, lang: str = "en", **params) -> dict:
    r = requests.get(server.url("/search"), params={"q": q, "format": "json", **params},
                     headers={"Accept-Language": lang}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json"), r.text[:300]
    return r.json()


ID = "https://w3id.org/cec-kg/id/"


@pytest.mark.parametrize("q,first,match", [
    ("mexico", "party/mexico", "exact"),
    ("MÉXICO", "party/mexico", "exact"),
    ("commission de coopération", "organization/cec", "prefix"),
    ("commission de cooperation", "organization/cec", "prefix"),
    ("comision para la cooperacion ambiental", "organization/cec", "exact"),
    ("JPAC", "body/jpac", "exact"),
    ("jpac", "body/jpac", "exact"),
    ("CCE", "organization/cec", "exact"),
    ("manzanillo", "factual-record/wetlands-in-manzanillo", "word"),
    ("manzanilo", "factual-record/wetlands-in-manzanillo", "fuzzy"),
    ("bárcena", "person/alicia-barcena", "word"),
    ("taking stock", "publication/taking-stock", "exact"),
])
def test_search_ranking(live_server, q, first, match):
    hits = search(live_server, q)["hits"]
    assert hits, f"nothing found for {q!r}"
    assert hits[0]["iri"] == ID + first and hits[0]["match"] == match, [(h["iri"], h["match"]) for h in hits[:4]]


def test_search_ranks_exact_before_prefix_before_words(live_server):
    hits = search(live_server, "taking stock")["hits"]
    order = [h["match"] for h in hits]
    assert order == sorted(order, key=["exact", "prefix", "word", "fuzzy"].index), order
    assert [h["iri"] for h in hits[:2]] == [ID + "publication/taking-stock", ID + "tool/taking-stock-online"]


def test_search_labels_in_the_reader_language(live_server):
    for lang, name in (("en", "Commission for Environmental Cooperation"), ("es", "Comisión para la Cooperación Ambiental"),
                       ("fr", "Commission de coopération environnementale")):
        hit = search(live_server, "CEC", lang=lang)["hits"][0]
        assert hit["iri"] == ID + "organization/cec" and hit["label"] == name and hit["matched"] == "CEC", hit


def test_search_type_facets(live_server):
    found = search(live_server, "manzanillo")
    facets = {f["type"]: f["count"] for f in found["facets"]}
    record = "https://w3id.org/cec-kg/ontology#FactualRecord"
    assert facets.get(record) == 1, facets
    only = search(live_server, "manzanillo", type="cec:FactualRecord")
    assert [h["iri"] for h in only["hits"]] == [ID + "factual-record/wetlands-in-manzanillo"] and only["total"] == 1
    assert all(record in h["types"] for h in only["hits"])


def test_search_page(live_server):
    r = requests.get(live_server.url("/search"), params={"q": "mexico"},
                     headers={"Accept": BROWSER, "Accept-Language": "es"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert 'href="/page/party/mexico"' in r.text
    # "mexico" finds México: names.csv gives the Spanish name (Wikidata's label of Q96), shown without a
    # fallback mark on the Spanish page.
    assert re.search(r'<a href="/page/party/mexico">(<span[^>]*>)?México<', r.text), r.text[-3000:]
    assert not re.search(r'<a href="/page/party/mexico"><span class="fallback"', r.text), "México is marked as a fallback"
    assert 'class="facets"' in r.text and 'data-type="https://w3id.org/cec-kg/ontology#Party"' in r.text
    empty = requests.get(live_server.url("/search"), params={"q": "zzqqxx"}, headers={"Accept": BROWSER}, timeout=30)
    assert empty.status_code == 200 and "Nothing is called" in html.unescape(empty.text)


def test_search_box_on_every_page(live_server):
    for path in ("/", "/page/party/mexico", "/sparql", "/dataset", "/queries", "/search"):
        page = requests.get(live_server.url(path), headers={"Accept": BROWSER}, timeout=30).text
        assert re.search(r'<form class="search site-search" method="get" action="/search" role="search" '
                         r'aria-label="[^"]+">', page), path   # named: the home and search pages have a second


# -- our own small data: search over --backend, and (below) the geo formats and the map -----------------
# Invented test points under example.org (never the CEC graph, which has no coordinates from its sources).
GEO_TTL = """@prefix ex: <http://example.org/geo/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> .
ex:a a ex:Station ; skos:prefLabel "Estación Álamo"@es , "Alamo station"@en ; ex:value 3 ;
    geo:hasGeometry [ geo:asWKT "POINT(-99.13 19.43)"^^geo:wktLiteral ] ; wgs:lat 19.43 ; wgs:long -99.13 .
ex:b a ex:Station ; skos:prefLabel "Station Bouleau"@fr ; ex:value 5 ;
    geo:hasGeometry [ geo:asWKT "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(-73.57 45.50)"^^geo:wktLiteral ] ;
    wgs:lat 45.50 ; wgs:long -73.57 .
ex:c a ex:Station ; rdfs:label "Cedar & <Co> station"@en ; ex:value 8 ;
    geo:hasGeometry [ geo:asWKT "POINT(-77.04 38.90)"^^geo:wktLiteral ] ; wgs:lat 38.90 ; wgs:long -77.04 .
"""


@pytest.fixture(scope="module")
def geo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("geo") / "stations.ttl"
    path.write_text(GEO_TTL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def geo_server(start_server, geo_file):
    return start_server("--data", str(geo_file), "--workers", "1")


@pytest.fixture(scope="module")
def backend_server(start_server, geo_file, tmp_path_factory):
    import subprocess
    import sys

    from test_remote import OXIGRAPH, Oxigraph

    if not OXIGRAPH.exists():
        pytest.fail("the oxigraph server (pip package `oxigraph`, a test dependency) is not installed")
    oxigraph = Oxigraph(tmp_path_factory.mktemp("oxigraph-search") / "db")
    try:
        run = subprocess.run([sys.executable, "-m", "cec_kg", "load", "--backend", oxigraph.base + "/query",
                              str(geo_file)], capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        yield start_server("--backend", oxigraph.base + "/query", "--workers", "1")
    finally:
        oxigraph.stop()


@pytest.mark.remote
def test_search_over_a_backend(backend_server):
    hits = search(backend_server, "estacion alamo", lang="es")["hits"]
    assert hits and hits[0]["iri"] == "http://example.org/geo/a" and hits[0]["label"] == "Estación Álamo", hits
    assert search(backend_server, "BOULEAU")["hits"][0]["iri"] == "http://example.org/geo/b"
    facets = search(backend_server, "station")["facets"]
    assert {f["type"]: f["count"] for f in facets}.get("http://example.org/geo/Station") == 3, facets


def test_search_over_own_data(geo_server):
    assert search(geo_server, "cedar")["hits"][0]["iri"] == "http://example.org/geo/c"


def load_store(files, store) -> None:
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "cec_kg", "load", "--store", str(store), *map(str, files)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr


def search_index_state(server) -> dict:
    r = requests.get(server.url("/health"), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["search_index"]


def wait_for_search_index(server, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while (state := search_index_state(server))["status"] == "building" and time.monotonic() < deadline:
        time.sleep(0.1)
    return state


def index_builders(server) -> list[int]:
    """The background index builders the server process started (``python -m cec_kg.store.search``)."""
    found = []
    for pid in children(server.proc.pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"cec_kg.store.search" in cmdline:
            found.append(pid)
    return found


def test_search_index_built_fresh_over_a_store(start_server, geo_file, tmp_path):
    """``load --store`` then ``serve --store`` with an empty build directory, so the index is built by
    this code now (an index is kept per content hash and version of the index, in the background over
    an on-disk store): labels in and out of ASCII folded alike, and the types of the labelled things
    (data without named graphs) counted in the facets."""
    from cec_kg.store.search import INDEX_VERSION

    store = tmp_path / "store"
    load_store([geo_file], store)
    server = start_server("--store", str(store), "--workers", "1", env={"CEC_KG_BUILD": str(tmp_path / "build")})
    assert wait_for_search_index(server)["status"] == "ready"
    hits = search(server, "estacion alamo", lang="es")["hits"]
    assert hits and hits[0]["iri"] == "http://example.org/geo/a" and hits[0]["label"] == "Estación Álamo", hits
    assert search(server, "BOULEAU")["hits"][0]["iri"] == "http://example.org/geo/b"
    facets = search(server, "station")["facets"]
    assert {f["type"]: f["count"] for f in facets}.get("http://example.org/geo/Station") == 3, facets
    built = list((tmp_path / "build" / "search").glob("*.sqlite"))
    assert [f.name.endswith(f"-v{INDEX_VERSION}.sqlite") for f in built] == [True], \
        f"one index, named with the version of its build: {built}"


# Test hook (``store.search.TEST_BUILD_DELAY_ENV``): the builder waits this long before building, so
# that the service can be seen while a (tiny) index is being built.
BUILD_DELAY = "CEC_KG_TEST_SEARCH_BUILD_DELAY"


def test_first_start_answers_at_once_while_the_index_is_built(start_server, geo_file, tmp_path):
    """A new on-disk store: SPARQL answers as soon as the server listens, /search answers 503 with
    Retry-After and says the index is being built (HTML in the reader's language), /health says
    "building"; then the index appears and every worker searches with it. An index of an older
    version of the build (same content hash) is not read, and is removed, as is a dead builder's
    temporary file; another content's index stays."""
    from cec_kg.store.embedded import EmbeddedStore
    from cec_kg.store.search import INDEX_VERSION, build

    store = tmp_path / "store"
    load_store([geo_file], store)
    content_hash = EmbeddedStore.open_dir(store).content_hash()
    built = tmp_path / "build" / "search"
    built.mkdir(parents=True)
    # Indexes of this content as other versions of build() made them: here, an index of nothing.
    import pyoxigraph as ox
    for old in (f"{content_hash}.sqlite", f"{content_hash}-v{INDEX_VERSION - 1}.sqlite"):
        build(EmbeddedStore(ox.Store(), content_hash), built / old)
    other = built / f"0123456789abcdef-v{INDEX_VERSION - 1}.sqlite"      # another content's: not ours to remove
    other.write_bytes(b"another index")
    stale = built / f".{content_hash}-v{INDEX_VERSION}.sqlite.999999999"      # a builder killed long ago
    stale.write_bytes(b"half an index")
    server = start_server("--store", str(store), "--workers", "2",
                          env={"CEC_KG_BUILD": str(tmp_path / "build"), BUILD_DELAY: "4"})
    ask = requests.get(server.url("/sparql"), params={"query": "ASK { ?s ?p ?o }"},
                       headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert ask.status_code == 200 and ask.json()["boolean"] is True, ask.text
    assert search_index_state(server)["status"] == "building"
    r = requests.get(server.url("/search"), params={"q": "alamo", "format": "json"}, timeout=10)
    assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0, (r.status_code, r.text)
    assert r.json()["search_index"] == "building" and "being built" in r.json()["detail"], r.text
    page = requests.get(server.url("/search"), params={"q": "alamo"}, headers={"Accept": BROWSER,
                        "Accept-Language": "es"}, timeout=10)
    assert page.status_code == 503 and "Retry-After" in page.headers, page.status_code
    assert "Búsqueda no disponible" in page.text and "Se está construyendo el índice de búsqueda" in page.text, \
        page.text[-2000:]
    assert not stale.exists(), "a dead builder's temporary file is left behind"
    assert sorted(f.name for f in built.glob("*.sqlite")) == [other.name], \
        "an older version's index of this content is left behind (or another content's was removed)"
    assert wait_for_search_index(server)["status"] == "ready", "the index was not built in the background"
    for _ in range(4):          # each of the two workers picks the new index up
        assert search(server, "alamo")["hits"][0]["iri"] == "http://example.org/geo/a", \
            "an index of another version of the build was read"
    assert search_index_state(server)["status"] == "ready"
    deadline = time.monotonic() + 10
    while index_builders(server) and time.monotonic() < deadline:      # the builder ends (after its rename)
        time.sleep(0.05)
    assert not index_builders(server), "the builder did not end once the index was there"
    # The builder computed the whole-store figures too, before any page asked for them (store.figures).
    from cec_kg.store.figures import RECIPES

    kept = {"-".join(f.stem.split("-")[1:-1]) for f in (tmp_path / "build" / "figures").glob(f"{content_hash}-*.json")}
    assert kept == set(RECIPES), kept
    time.sleep(1)
    assert not zombie_children(server.proc.pid), "the finished builder is left a zombie"


def zombie_children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if fields[0] == b"Z" and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def test_killed_index_builder_is_reported(start_server, geo_file, tmp_path):
    """One builder for several workers; when it is killed, /search answers 503 saying the index could
    not be built (in the reader's language on the page), /health reports it and stays 200, and SPARQL
    is unaffected. A server killed outright takes its builder with it."""
    store = tmp_path / "store"
    load_store([geo_file], store)
    env = {"CEC_KG_BUILD": str(tmp_path / "build"), BUILD_DELAY: "120"}
    server = start_server("--store", str(store), "--workers", "2", env=env)
    builders = index_builders(server)
    assert len(builders) == 1, f"one index builder for every worker: {builders}"
    os.kill(builders[0], signal.SIGKILL)
    time.sleep(0.3)
    state = search_index_state(server)
    assert state["status"] == "failed" and "killed" in state["error"], state
    r = requests.get(server.url("/search"), params={"q": "alamo", "format": "json"}, timeout=10)
    assert r.status_code == 503 and r.json()["search_index"] == "failed", r.text
    assert "could not be built" in r.json()["detail"] and "killed" in r.json()["detail"], r.text
    page = requests.get(server.url("/search"), params={"q": "alamo"}, headers={"Accept": BROWSER,
                        "Accept-Language": "fr"}, timeout=10)
    assert page.status_code == 503 and "L'index de recherche n'a pas pu être construit" in html.unescape(page.text)
    ask = requests.get(server.url("/sparql"), params={"query": "ASK { ?s ?p ?o }"},
                       headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert ask.status_code == 200 and ask.json()["boolean"] is True, ask.text
    assert server.output().count("was not built") == 1, "the failure is logged once:\n" + server.output()[-2000:]

    second = start_server("--store", str(store), "--workers", "1", env=env)     # tries again, and is killed
    builders = index_builders(second)
    assert len(builders) == 1, "a new start builds the index again"
    assert search_index_state(second)["status"] == "building"
    second.proc.kill()
    deadline = time.monotonic() + 10
    while live_pids(builders) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not live_pids(builders), "the index builder outlived its server"


def test_failed_index_build_says_why(tmp_path):
    """A builder that fails (here: no store) records why, once, and a serving process reports it."""
    from cec_kg.store.search import BackgroundIndex, _builder_main

    target = tmp_path / "search" / "x-v1.sqlite"
    target.parent.mkdir()
    assert _builder_main(["--store", str(tmp_path / "nothing"), "--target", str(target)]) == 1
    state, reason = BackgroundIndex(target).state()
    assert state == "failed" and "no store here" in reason, (state, reason)


# -- the publications library ----------------------------------------------------------------------------

def library(server, **params) -> dict:
    r = requests.get(server.url("/publications"), params={"format": "json", **params}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def sparql_count(server, where: str) -> int:
    q = ("PREFIX cec: <https://w3id.org/cec-kg/ontology#>\nPREFIX dcterms: <http://purl.org/dc/terms/>\n"
         f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where} }}")
    r = requests.get(server.url("/sparql"), params={"query": q}, timeout=30)
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_library_filters_agree_with_sparql(live_server):
    everything = sparql_count(live_server, "{ ?p a cec:FactualRecord } UNION { ?p a cec:Article13Report }")
    assert library(live_server)["total"] == everything == 32
    mexico = library(live_server, party="mexico")
    assert mexico["total"] == sparql_count(live_server, "{ ?p a cec:FactualRecord } UNION { ?p a cec:Article13Report } "
                                                        "?p cec:partyConcerned <https://w3id.org/cec-kg/id/party/mexico>")
    assert all("https://w3id.org/cec-kg/id/party/mexico" in p["parties"] for p in mexico["publications"])
    reports = library(live_server, type="article-13-report")
    assert reports["total"] == sparql_count(live_server, "?p a cec:Article13Report") == 8
    span = library(live_server, **{"from": "2003", "to": "2004"})
    assert span["total"] > 0 and all(2003 <= p["year"] <= 2004 for p in span["publications"])
    seed_years = sparql_count(live_server, "GRAPH <https://w3id.org/cec-kg/source/seed> { ?p dcterms:issued ?y } "
                                           "FILTER(STR(?y) >= '2003' && STR(?y) < '2005')")
    assert span["total"] == seed_years


def test_library_sorting(live_server):
    years = [p["year"] for p in library(live_server)["publications"]]
    assert years == sorted(years, reverse=True), "newest first by default"
    titles = [p["title"].casefold() for p in library(live_server, sort="title", order="asc")["publications"]]
    assert titles == sorted(titles)


def test_library_shows_both_dates_where_sources_disagree(live_server):
    cozumel = next(p for p in library(live_server)["publications"] if p["iri"].endswith("/factual-record/cozumel"))
    assert cozumel["disagree"] and {(d["date"], d["source"].rsplit("/", 1)[-1]) for d in cozumel["dates"]} == \
        {("1997-10-25", "cozumel"), ("1998", "seed")}, cozumel
    page = requests.get(live_server.url("/publications"), params={"party": "mexico"}, headers={"Accept": BROWSER},
                        timeout=30).text
    row = re.search(r'<tr class="publication"[^>]*>(?:(?!</tr>).)*factual-record/cozumel(?:(?!</tr>).)*</tr>', page, re.S).group(0)
    assert 'class="disagree"' in row and '<time datetime="1997-10-25">25 October 1997</time>' in row
    assert '<time datetime="1998">1998</time>' in row and 'href="/page/source/seed"' in row, row


def test_library_page_and_timeline(live_server):
    r = requests.get(live_server.url("/publications"), params={"party": "mexico"},
                     headers={"Accept": BROWSER, "Accept-Language": "fr"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Language"] == "fr"
    assert len(re.findall(r'<tr class="publication"', r.text)) == 12
    marks = re.findall(r'<rect class="mark"[^>]*data-year="(\d+)"[^>]*data-value="(\d+)"', r.text)
    assert sum(int(v) for _, v in marks) == 12, "the timeline counts the 12 records"
    # role group, not img: its years are links (an img's content is hidden from assistive technology)
    assert re.search(r'<svg class="chart timeline"[^>]*role="group" aria-labelledby="', r.text), "a text alternative"
    assert '<table class="counts">' in r.text, "the numbers as a table too"


@pytest.mark.parametrize("args,parameter", [({"party": "atlantis"}, "party"), ({"from": "99"}, "from"),
                                            ({"type": "poem"}, "type"), ({"sort": "colour"}, "sort")])
def test_library_bad_filters(live_server, args, parameter):
    r = requests.get(live_server.url("/publications"), params=args, timeout=30)
    assert r.status_code == 400 and r.json()["parameter"] == parameter


# -- pictures and pages ------------------------------------------------------------------------------------

def page_html(server, path: str, lang: str = "en") -> str:
    r = requests.get(server.url(path), headers={"Accept": BROWSER, "Accept-Language": lang}, timeout=60)
    assert r.status_code == 200, (path, r.status_code)
    return r.text


@pytest.mark.parametrize("path", ["/", "/page/organization/cec"])
def test_org_chart_from_the_graph(live_server, path):
    text = page_html(live_server, path)
    chart = re.search(r'<svg class="org-chart".*?</svg>', text, re.S).group(0)
    for name in ("CEC Council", "CEC Secretariat", "Joint Public Advisory Committee", "TEK Expert Group",
                 "Canada", "Mexico", "United States", "Executive Director", "Jorge Daniel Taillant",
                 "Alicia Bárcena", "Michael S. Regan", "Steven Guilbeault"):
        assert name in html.unescape(chart), f"the chart lacks {name}"
    for key in ("body/council", "body/secretariat", "body/jpac", "body/tek-expert-group", "party/mexico"):
        assert f'href="/page/{key}"' in chart, f"no link to {key}"
    assert re.search(r"<title id=\"org\d+-t\">Organization chart of the Commission", chart), "the chart has a title"
    alt = re.search(r'<details class="org-chart-text">.*?</details>', text, re.S).group(0)
    assert "TEK Expert Group" in alt and "CEC Council" in alt, "the text alternative lists the structure too"


def test_org_chart_in_every_language(live_server):
    fr = html.unescape(page_html(live_server, "/", "fr"))
    assert "Organigramme de la Commission de coopération environnementale" in fr


def test_party_page_lists_records_and_submissions_by_year(live_server):
    text = page_html(live_server, "/page/party/mexico")
    section = re.search(r'<section class="by-year">.*?</section>', text, re.S).group(0)
    assert len(re.findall(r'<ul class="records">.*?</ul>', section, re.S)) > 5
    records = re.findall(r'href="/page/factual-record/[^"]+"', re.sub(r'<ul class="submissions">.*?</ul>', "", section, flags=re.S))
    assert len(set(records)) == 12, "cq-01: the 12 factual records concerning Mexico"
    assert 'id="year-2016"' in section and "Wetlands in Manzanillo" in section
    assert '<time datetime="2016-09-07">7 September 2016</time>' in section, "dated, with the registry's date"
    assert re.search(r'SEM-96-001</a>, filed <time datetime="1996-01-17">', section), "submissions with their filing date"
    years = [int(y) for y in re.findall(r'<dt id="year-(\d+)">', section)]
    assert years == sorted(years, reverse=True)


def test_shacl_status_on_entity_pages(live_server):
    ok = page_html(live_server, "/page/party/mexico")
    assert 'class="shacl-status conforms"' in ok
    warned = page_html(live_server, "/page/factual-record/ex-hacienda-el-hospital-ii-and-iii", "es")
    findings = re.search(r'<ul class="shacl-findings">.*?</ul>', warned, re.S).group(0)
    assert findings.count('<li class="warning">') == 2 and "Advertencia" in findings
    # The shapes' messages are in en/es/fr: the Spanish page gives the Spanish one, tagged so.
    assert '<span lang="es">No hay ninguna Parte vinculada' in findings, findings
    assert "No Party is linked" not in findings and 'href="/shapes#' in findings
    fr = page_html(live_server, "/page/factual-record/ex-hacienda-el-hospital-ii-and-iii", "fr")
    assert '<span lang="fr">Aucune Partie n’est liée' in fr and "Avertissement" in fr


def test_home_page_is_the_entry_point(live_server):
    text = page_html(live_server, "/")
    assert 'action="/search"' in text and 'class="about"' in text
    assert "an intergovernmental organization established by Canada, Mexico, and the United States" in text
    assert re.search(r'<svg class="chart timeline".*?</svg>', text, re.S), "publications per year"
    kinds = set(re.findall(r'<div class="group" data-kind="([\w-]+)">', text))
    assert {"organization", "body", "party", "person", "program", "tool", "event", "agreement", "factual-record",
            "article-13-report", "submission", "plan"} <= kinds, kinds
    for path in ("/sparql", "/queries", "/search?q=jpac&amp;format=json", "/dumps/", "/dataset", "/ontology"):
        assert f'href="{path}' in text, f"no machine entry point {path}"
    more = re.search(r'<li class="more"><a href="(/search\?type=[^"]+)"', text).group(1)
    listed = requests.get(live_server.url(html.unescape(more)), params={"format": "json"}, timeout=30).json()
    assert listed["total"] > 8, "'and N more' lists every thing of the kind"


# -- charts, downloads, geo formats and the map ------------------------------------------------------------

GEO_QUERY = ("PREFIX geo: <http://www.opengis.net/ont/geosparql#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
             "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
             "SELECT ?s ?label ?wkt WHERE { ?s geo:hasGeometry/geo:asWKT ?wkt "
             "OPTIONAL { ?s skos:prefLabel|rdfs:label ?label FILTER(LANG(?label) != 'en' || ?s != <http://example.org/geo/a>) } } "
             "ORDER BY ?s")
LATLONG_QUERY = ("PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>\n"
                 "SELECT ?s ?latitude ?longitude WHERE { ?s wgs:lat ?latitude ; wgs:long ?longitude } ORDER BY ?s")
POINTS = {"http://example.org/geo/a": (-99.13, 19.43), "http://example.org/geo/b": (-73.57, 45.50),
          "http://example.org/geo/c": (-77.04, 38.90)}


@pytest.mark.parametrize("query", [GEO_QUERY, LATLONG_QUERY], ids=["wkt", "lat-long"])
def test_kml_one_placemark_per_row(geo_server, query):
    from xml.etree import ElementTree

    r = requests.get(geo_server.url("/sparql"), params={"query": query, "format": "kml"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.google-earth.kml+xml")
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    marks = ElementTree.fromstring(r.content).findall(".//k:Placemark", ns)
    assert len(marks) == 3 == int(r.headers["X-SPARQL-Rows"])
    for m in marks:
        iri = next(d.findtext("k:value", namespaces=ns) for d in m.findall(".//k:Data", ns) if d.get("name") == "s")
        lon, lat = (float(x) for x in m.findtext(".//k:coordinates", namespaces=ns).split(","))
        assert (lon, lat) == POINTS[iri], iri
    names = [m.findtext("k:name", namespaces=ns) for m in marks]
    if query is GEO_QUERY:
        assert names == ["Estación Álamo", "Station Bouleau", "Cedar & <Co> station"], names   # escaped, parsed back
    same = requests.get(geo_server.url("/sparql"), params={"query": query},
                        headers={"Accept": "application/vnd.google-earth.kml+xml"}, timeout=30)
    assert same.content == r.content, "format=kml and the KML media type give the same answer"


@pytest.mark.parametrize("query", [GEO_QUERY, LATLONG_QUERY], ids=["wkt", "lat-long"])
def test_geojson_features(geo_server, query):
    r = requests.get(geo_server.url("/sparql"), params={"query": query}, headers={"Accept": "application/geo+json"},
                     timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/geo+json")
    data = r.json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 3
    for f in data["features"]:
        assert f["geometry"]["type"] == "Point"
        assert tuple(f["geometry"]["coordinates"]) == POINTS[f["properties"]["s"]]
    assert requests.get(geo_server.url("/sparql"), params={"query": query, "format": "geojson"}, timeout=30).json() == data


def test_geo_formats_need_coordinates(geo_server, live_server):
    r = requests.get(live_server.url("/sparql"), params={"query": cq_text(CQ01), "format": "kml"}, timeout=30)
    assert r.status_code == 400 and "no coordinates" in r.json()["detail"], "the CEC graph has none: said so"
    r = requests.get(geo_server.url("/sparql"), params={"query": "ASK {}", "format": "geojson"}, timeout=30)
    assert r.status_code == 400


def test_map_of_results_with_coordinates(geo_server):
    r = requests.get(geo_server.url("/sparql"), params={"query": GEO_QUERY}, headers={"Accept": BROWSER}, timeout=30)
    assert r.status_code == 200
    svg = re.search(r'<svg class="map".*?</svg>', r.text, re.S).group(0)
    assert len(re.findall(r'<circle class="mark"', svg)) == 3
    assert re.search(r'<path class="land" d="M[-\d.,]+ ', svg), "the world outline is drawn"
    assert 'data-lon="-99.13" data-lat="19.43"' in svg and "<title>Estación Álamo (19.43, -99.13)</title>" in svg
    for fmt in ("kml", "geojson"):
        assert re.search(rf'href="\?[^"]*format={fmt}"', r.text), f"no {fmt} download"
    cec = requests.get(geo_server.url("/sparql"), params={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"},
                       headers={"Accept": BROWSER}, timeout=30).text
    assert '<svg class="map"' not in cec and "format=kml" not in cec, "no map or KML without coordinates"


def test_charts_chosen_by_shape(live_server):
    def shown(name, **params):
        r = requests.get(live_server.url(f"/queries/{name}"), params=params, headers={"Accept": BROWSER}, timeout=30)
        kind = re.search(r'<figure class="chart result-chart" data-kind="(\w+)">', r.text)
        return (kind.group(1) if kind else None), len(re.findall(r'<rect class="mark"', r.text)), r.text
    kind, marks, text = shown("cq-02-factual-records-per-year")
    assert kind == "timeline" and marks == 15, "year + number → a timeline, one column per year"
    values = sum(int(v) for v in re.findall(r'<rect class="mark"[^>]*data-value="(\d+)', text))
    assert values == 24, "the 24 factual records of the seed's table"
    kind, marks, _ = shown("cq-09-submissions-per-party")
    assert (kind, marks) == ("bar", 3), "label + number → bars"
    assert shown("cq-02-factual-records-per-year", chart="bar")[:2] == ("bar", 15), "the user may choose"
    assert shown("cq-02-factual-records-per-year", chart="none")[:2] == (None, 0)
    assert shown(CQ01)[:2] == (None, 0), "no number, no chart"


def test_downloads_parse(live_server):
    for fmt, check in (("csv", lambda r: list(csv.reader(io.StringIO(r.text)))[0] == ["record", "title", "party"]),
                       ("tsv", lambda r: r.text.split("\n")[0] == "?record\t?title\t?party"),
                       ("json", lambda r: len(r.json()["results"]["bindings"]) == 12),
                       ("xml", lambda r: r.text.count("<result>") == 12)):
        r = requests.get(live_server.url(f"/queries/{CQ01}"), params={"format": fmt}, timeout=30)
        assert r.status_code == 200 and check(r), fmt
    q = "CONSTRUCT { ?p a <https://w3id.org/cec-kg/ontology#Party> } WHERE { ?p a <https://w3id.org/cec-kg/ontology#Party> }"
    from rdflib import Graph

    for fmt, syntax in (("ttl", "turtle"), ("jsonld", "json-ld")):
        r = requests.get(live_server.url("/sparql"), params={"query": q, "format": fmt}, timeout=30)
        assert len(Graph().parse(data=r.text, format=syntax)) == 3, fmt
