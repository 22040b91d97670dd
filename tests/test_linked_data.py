"""Dereferencing and entity documents, over HTTP against a real `cec-kg serve` process.

The URI layout (docs/MODEL.md, DESIGN.md "Identifiers"): /id/{kind}/{slug} answers 303 to /page/…
(HTML) or /data/….{ttl,jsonld,rdf,nt}; unknown IRIs are 404 before any 406; documents carry
validators, Vary, Link signposting; pages speak en/es/fr.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
import requests
from conftest import raw_get
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, XSD

pytestmark = pytest.mark.live

ID = Namespace("https://w3id.org/cec-kg/id/")
CEC = Namespace("https://w3id.org/cec-kg/ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SEED = URIRef("https://w3id.org/cec-kg/source/seed")
FORMATS = {"ttl": ("text/turtle", "turtle"), "jsonld": ("application/ld+json", "json-ld"),
           "rdf": ("application/rdf+xml", "xml"), "nt": ("application/n-triples", "nt")}


def get(server, path, **headers):
    return requests.get(server.url(path), headers=headers, allow_redirects=False, timeout=30)


def parse(resp, fmt) -> Graph:
    g = Graph()
    g.parse(data=resp.content, format=FORMATS[fmt][1])
    return g


# -- 303 See Other and content negotiation ---------------------------------------------------------

@pytest.mark.parametrize("accept,target", [
    ("text/html", "/page/party/mexico"),
    ("application/xhtml+xml,text/html;q=0.9,*/*;q=0.8", "/page/party/mexico"),
    ("text/turtle", "/data/party/mexico.ttl"),
    ("application/ld+json", "/data/party/mexico.jsonld"),
    ("application/rdf+xml", "/data/party/mexico.rdf"),
    ("application/n-triples", "/data/party/mexico.nt"),
    ("*/*", "/data/party/mexico.ttl"),
    ("text/turtle;q=0.5, application/ld+json", "/data/party/mexico.jsonld"),
], ids=["html", "browser", "turtle", "jsonld", "rdfxml", "ntriples", "any", "qvalues"])
def test_thing_answers_303_to_the_negotiated_document(live_server, accept, target):
    r = get(live_server, "/id/party/mexico", Accept=accept)
    assert r.status_code == 303, f"{accept}: expected 303, got {r.status_code} {r.text[:200]}"
    assert r.headers["Location"].endswith(target), f"{accept}: Location {r.headers['Location']}, expected {target}"
    assert "Accept" in r.headers.get("Vary", ""), "a negotiated 303 must say Vary: Accept"


def test_no_accept_header_gets_turtle(live_server):
    r = requests.get(live_server.url("/id/party/mexico"), headers={"Accept": None}, allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"].endswith("/data/party/mexico.ttl")


@pytest.mark.parametrize("path,target", [
    ("/id/party/mexico?format=jsonld", "/data/party/mexico.jsonld"),
    ("/id/party/mexico?format=text/turtle", "/data/party/mexico.ttl"),
    ("/id/party/mexico?format=html", "/page/party/mexico"),
    ("/id/party/mexico.rdf", "/data/party/mexico.rdf"),
    ("/id/party/mexico.html", "/page/party/mexico"),
])
def test_explicit_format_wins_over_accept(live_server, path, target):
    r = get(live_server, path, Accept="application/n-triples")
    assert r.status_code == 303 and r.headers["Location"].endswith(target), (path, r.status_code, r.headers.get("Location"))


def test_unknown_entity_is_404_before_406(live_server):
    r = get(live_server, "/id/party/atlantis", Accept="image/png")
    assert r.status_code == 404, "unknown IRI must be 404 even when the Accept header cannot be met"
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 404 and "/sitemap.xml" in body["detail"], body


def test_unknown_entity_for_a_browser_is_an_html_page(live_server):
    r = get(live_server, "/id/party/atlantis", Accept="text/html,*/*;q=0.8", **{"Accept-Language": "fr"})
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
    assert r.headers.get("Content-Language") == "fr"
    # No script but the site's own (the search box's suggestions, /static/search.js).
    assert "atlantis" in r.text and not re.search(r'<script(?! src="/static/)', r.text)


def test_known_entity_with_unsupported_type_is_406(live_server):
    r = get(live_server, "/id/party/mexico", Accept="image/png")
    assert r.status_code == 406
    assert "text/turtle" in r.json()["detail"], "the 406 must list what is available"


@pytest.mark.parametrize("path", ["/id/Party/Mexico", "/id/party/mex%00ico",
                                  "/data/party/mexico.exe", "/page/nothing/here", "/source/nowhere"])
def test_malformed_or_unknown_paths_are_404(live_server, path):
    r = get(live_server, path)
    assert r.status_code == 404, f"{path}: {r.status_code}"


@pytest.mark.parametrize("target", [b"/id/party/../../etc/passwd", b"/id/party/%2e%2e/%2e%2e/etc/passwd",
                                    b"/data/../../../etc/passwd.ttl", b"/data/party/..%2f..%2f..%2fetc%2fpasswd.ttl",
                                    b"/page/../../../etc/passwd", b"/static/../../../../etc/passwd",
                                    b"/static/..%2f..%2f..%2f..%2fetc%2fpasswd", b"/ontology/../../etc/passwd"])
def test_traversal_sent_as_raw_bytes_is_404(live_server, target):
    """Sent byte for byte over a socket: a client library (requests) removes the dot segments before
    sending, and the test would never try a traversal. The answer echoes the path it saw."""
    status, headers, body = raw_get(live_server.port, target, {"Accept": "application/json"})
    assert status == 404, (target, status, body[:200])
    assert b"root:" not in body and b"#!/" not in body, body[:200]
    detail = json.loads(body)["detail"]
    assert ".." in detail or "%2e" in detail.lower() or "%2f" in detail.lower(), \
        f"the server did not see the traversal it was sent: {detail}"


@pytest.mark.parametrize("path", ["/id/party/mexico", "/page/party/mexico", "/data/party/mexico.ttl", "/ontology",
                                  "/shapes", "/dataset", "/dumps/SHA256SUMS", "/"])
def test_writes_are_405_saying_what_to_use(live_server, path):
    for method in ("PUT", "DELETE", "PATCH", "POST"):
        r = requests.request(method, live_server.url(path), data="x", timeout=30, allow_redirects=False)
        assert r.status_code == 405 and "GET" in r.headers["Allow"], f"{method} {path}: {r.status_code}"
        detail = r.json()["detail"]
        assert method in detail and "read-only" in detail and "GET" in detail, detail


def test_unrouted_paths_say_what_is_served(live_server):
    r = get(live_server, "/ontology/")
    assert r.status_code == 404 and "Try /ontology " in r.json()["detail"], r.text
    r = get(live_server, "/no/such/thing/")
    assert r.status_code == 404 and "Try" not in r.json()["detail"] and "/sparql" in r.json()["detail"], r.text


def test_source_graph_iris_dereference(live_server):
    r = get(live_server, "/source/seed", Accept="text/turtle")
    assert r.status_code == 303 and r.headers["Location"].endswith("/data/source/seed.ttl")
    doc = get(live_server, "/data/source/seed.ttl")
    g = parse(doc, "ttl")
    assert (SEED, None, None) in g, "the seed source describes itself (provenance graph)"


# -- Documents: headers ------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", list(FORMATS))
def test_document_headers(live_server, fmt):
    mt = FORMATS[fmt][0]
    r = get(live_server, f"/data/organization/cec.{fmt}")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(mt)
    assert {"Accept", "Accept-Language"} <= {v.strip() for v in r.headers["Vary"].split(",")}
    assert r.headers["Content-Location"] == f"/data/organization/cec.{fmt}"
    assert r.headers.get("ETag") and r.headers.get("Last-Modified")
    links = requests.utils.parse_header_links(r.headers["Link"])
    rels = {(link["rel"], link["url"]) for link in links}
    assert ("cite-as", "https://w3id.org/cec-kg/id/organization/cec") in rels, rels
    assert any(rel == "license" for rel, _ in rels), rels
    for other, (other_mt, _) in FORMATS.items():
        if other != fmt:
            assert ("alternate", f"/data/organization/cec.{other}") in rels, f"no alternate link to {other}"
    assert ("alternate", "/page/organization/cec") in rels


def test_document_without_suffix_negotiates_with_content_location(live_server):
    r = get(live_server, "/data/party/canada", Accept="application/ld+json")
    assert r.status_code == 200 and r.headers["Content-Location"] == "/data/party/canada.jsonld"
    assert json.loads(r.content)


@pytest.mark.parametrize("path", ["/data/party/canada.ttl", "/page/party/canada"])
def test_conditional_get_and_head(live_server, path):
    r = get(live_server, path)
    assert r.status_code == 200
    again = get(live_server, path, **{"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and not again.content, "same ETag must give 304 with no body"
    since = get(live_server, path, **{"If-Modified-Since": r.headers["Last-Modified"]})
    assert since.status_code == 304, "If-Modified-Since the Last-Modified must give 304"
    stale = get(live_server, path, **{"If-None-Match": '"not-the-etag"'})
    assert stale.status_code == 200
    head = requests.head(live_server.url(path), timeout=30)
    assert head.status_code == 200 and head.headers["ETag"] == r.headers["ETag"] and not head.content


# -- Documents: content --------------------------------------------------------------------------------

SAME_BYTES_PATHS = ["/ontology.nt", "/ontology.rdf", "/ontology.jsonld", "/shapes", "/shapes.nt", "/shapes.rdf",
                    "/shapes.jsonld", "/dataset.nt", "/dataset.rdf", "/dataset.jsonld",
                    "/data/plan/strategic-plan-2015-2020.jsonld"]
DIGESTS = """
import hashlib, sys
from cec_kg import create_app
client = create_app({"RESULT_CACHE_BYTES": 0}).test_client()
for path in sys.argv[1:]:
    r = client.get(path, headers={"Accept-Encoding": "identity"})
    print(path, r.status_code, r.headers.get("ETag"), hashlib.sha256(r.data).hexdigest())
"""


def test_documents_are_the_same_bytes_in_every_process():
    """rdflib names blank nodes at random and iterates in hash order (random per process): the
    shapes, the dataset description, the vocabulary's N-Triples/RDF/XML/JSON-LD and entity JSON-LD
    came out different from each serving process (a different ETag: 304s failed across processes,
    and across hosts behind a load balancer). Two processes with different hash seeds must agree."""
    import os
    import subprocess
    import sys

    runs = [subprocess.run([sys.executable, "-c", DIGESTS, *SAME_BYTES_PATHS], capture_output=True, text=True,
                           timeout=300, env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout.splitlines()
            for seed in ("1", "2")]
    assert len(runs[0]) == len(SAME_BYTES_PATHS) and all(" 200 " in line for line in runs[0]), runs[0]
    differing = [a.split()[0] for a, b in zip(*runs) if a != b]
    assert not differing, f"different bytes from two processes: {differing}"


def test_entity_document_holds_own_incoming_labels_and_sources(live_server):
    g = parse(get(live_server, "/data/party/mexico.ttl"), "ttl")
    mexico = ID["party/mexico"]
    cec = ID["organization/cec"]
    assert (mexico, RDF.type, CEC.Party) in g, "own statements"
    assert (cec, CEC.hasParty, mexico) in g, "statements pointing at the entity"
    assert any(True for _ in g.objects(cec, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))), \
        "labels of every entity it mentions"
    doc = URIRef("https://w3id.org/cec-kg/data/party/mexico")
    assert (doc, FOAF.primaryTopic, mexico) in g
    assert (doc, DCTERMS.license, None) in g
    stmts = [s for s in g.subjects(RDF.subject, mexico) if (s, RDF.predicate, RDF.type) in g
             and (s, RDF.object, CEC.Party) in g]
    assert stmts, "each fact is reified with its source"
    assert (stmts[0], PROV.wasDerivedFrom, SEED) in g, "the seed states Mexico is a Party"
    assert (SEED, DCTERMS.title, None) in g, "the cited source is named"


def test_disagreeing_sources_both_kept_with_their_graphs(live_server):
    """The seed dates the Cozumel factual record 1998, the registry 1997-10-25: both, each sourced."""
    g = parse(get(live_server, "/data/factual-record/cozumel.ttl"), "ttl")
    coz = ID["factual-record/cozumel"]
    issued = {o for o in g.objects(coz, DCTERMS.issued)}
    assert Literal("1998", datatype=XSD.gYear) in issued and Literal("1997-10-25", datatype=XSD.date) in issued, issued
    by_value = {}
    for st in g.subjects(RDF.predicate, DCTERMS.issued):
        by_value[g.value(st, RDF.object)] = set(g.objects(st, PROV.wasDerivedFrom))
    assert by_value[Literal("1998", datatype=XSD.gYear)] == {SEED}
    registry = by_value[Literal("1997-10-25", datatype=XSD.date)]
    assert registry and all("factual-records-registry" in str(s) for s in registry), registry


def test_canonical_iris_in_rdf_local_links_in_html(live_server):
    ttl = get(live_server, "/data/party/mexico.ttl").text
    assert "127.0.0.1" not in ttl, "RDF must keep canonical https://w3id.org/cec-kg/ IRIs"
    html = get(live_server, "/page/party/mexico").text
    assert 'href="/page/organization/cec"' in html, "HTML links stay on the serving origin"


# -- HTML pages ----------------------------------------------------------------------------------------

class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.scripts, self.alternates, self.in_jsonld, self.jsonld = [], [], [], False, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "link" and a.get("rel") == "alternate" and a.get("type"):
            self.alternates.append((a["type"], a["href"]))
        if tag == "script":
            self.scripts.append(a)
            self.in_jsonld = a.get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_jsonld = False

    def handle_data(self, data):
        if self.in_jsonld:
            self.jsonld.append(data)


@pytest.mark.parametrize("accept_language,lang,heading", [
    ("en", "en", "Commission for Environmental Cooperation"),
    ("es-MX,es;q=0.9", "es", "Comisión para la Cooperación Ambiental"),
    ("fr-CA, fr;q=0.9, en;q=0.5", "fr", "Commission de coopération environnementale"),
    ("de", "en", "Commission for Environmental Cooperation"),
])
def test_page_language_from_accept_language(live_server, accept_language, lang, heading):
    r = get(live_server, "/page/organization/cec", **{"Accept-Language": accept_language})
    assert r.status_code == 200 and r.headers["Content-Language"] == lang
    assert f'<html lang="{lang}">' in r.text
    h1 = re.search(r"<h1>(.*?)</h1>", r.text, re.S).group(1)
    assert heading in h1, f"{accept_language}: h1 is {h1!r}"
    assert "Accept-Language" in r.headers["Vary"]


def test_lang_parameter_overrides_and_switcher_links(live_server):
    r = get(live_server, "/page/organization/cec?lang=es", **{"Accept-Language": "fr"})
    assert r.headers["Content-Language"] == "es"
    for code in ("en", "fr"):
        assert f'href="/page/organization/cec?lang={code}"' in r.text, f"switcher lacks a link to {code}"
    assert 'aria-current="true" lang="es"' in r.text, "the current language is marked in the switcher"
    assert 'href="/page/party/mexico?lang=es"' in r.text, "an explicit language carries over to linked pages"


def test_other_parameters_never_end_up_in_memoised_pages(live_server):
    """Pages are memoised per language: the switcher once copied every query parameter of the
    request that rendered a page into the links everybody got afterwards (?utm=… for all)."""
    host = {"Host": "poison-check.localhost"}         # a memo key of its own, whatever ran before
    for _ in range(6):                                 # reach every serving process
        get(live_server, "/page/party/canada?lang=fr&utm=poisoned", **host)
    for _ in range(6):
        r = get(live_server, "/page/party/canada?lang=fr", **host)
        assert r.status_code == 200 and "poisoned" not in r.text, "a parameter of another request leaked"
        assert 'href="/page/party/canada?lang=es"' in r.text


def test_dataset_page_switcher_links_to_the_path_asked(live_server):
    for _ in range(4):
        for path in ("/.well-known/void", "/dataset"):
            r = get(live_server, path + "?lang=es", Accept="text/html")
            assert r.status_code == 200 and f'href="{path}?lang=fr"' in r.text, \
                f"{path}: the switcher links to another page's path"


def test_missing_translation_falls_back_visibly(live_server):
    """Natural Resources Canada has a French name (names.csv) but a Spanish one in no source: the English
    one shows on the Spanish page, marked as a fallback; the French page shows the French name, unmarked."""
    r = get(live_server, "/page/agency/natural-resources-canada?lang=es")
    assert re.search(r'class="fallback" lang="en"[^>]*>Natural Resources Canada<sup class="fallback-mark">en</sup>',
                     r.text), "an English label on a Spanish page must be marked"
    fr = get(live_server, "/page/agency/natural-resources-canada?lang=fr").text
    assert '<h1><span lang="fr">Ressources naturelles Canada</span></h1>' in fr, "the sourced French name is the title"


def test_spanish_only_name_is_tagged_and_marked_spanish(live_server):
    """INEGI's only name is Spanish (the seed's English text quotes it): the data tags it @es, never @en;
    the English and French pages show it marked as shown in Spanish, naming the language (the tooltip
    once said "shown in es", or "shown in ?"); the Spanish page shows it unmarked."""
    name = "Instituto Nacional de Estadística y Geografía"
    g = parse(get(live_server, "/data/agency/inegi.ttl"), "ttl")
    inegi = URIRef("https://w3id.org/cec-kg/id/agency/inegi")
    labels = {(str(o), o.language) for o in g.objects(inegi, RDFS.label)}
    assert labels == {(name, "es")}, f"INEGI's label must be its Spanish name tagged @es, got {labels}"
    title = "Río Magdalena"
    g = parse(get(live_server, "/data/factual-record/rio-magdalena.ttl"), "ttl")
    titles = {(str(o), o.language) for o in g.objects(URIRef(ID + "factual-record/rio-magdalena"), DCTERMS.title)}
    assert titles == {(title, "es")}, f"the factual record's Spanish title must be tagged @es, got {titles}"
    for lang, note in (("en", "not available in English; shown in Spanish"),
                       ("fr", "non disponible en français ; affiché en espagnol")):
        page = get(live_server, f"/page/agency/inegi?lang={lang}").text
        assert (f'<h1><span class="fallback" lang="es" title="{note}">{name}'
                '<sup class="fallback-mark">es</sup></span></h1>') in page, f"{lang}: the Spanish name is not marked as Spanish"
        assert "shown in ?" not in page and "affiché en ?" not in page
    es = get(live_server, "/page/agency/inegi?lang=es").text
    assert f'<h1><span lang="es">{name}</span></h1>' in es, "the Spanish page shows the Spanish name unmarked"


@pytest.mark.parametrize("label, note", [
    (("Metales y Derivados", "es", True, False), "not available in English; shown in Spanish"),
    (("Mexique", "fr", True, False), "not available in English; shown in French"),
    (("Probe", "de", True, False), "not available in English; shown in de"),
    (("Probe", None, True, False), "not available in English; shown as the data gives it, without a language tag"),
    (("date filed", None, True, True), "no label in English; derived from its identifier"),
], ids=["es", "fr", "unknown-tag", "untagged", "from-iri"])
def test_fallback_note_names_the_language(label, note):
    """The fallback tooltip names the language a label is shown in, or says why it has none."""
    from pathlib import Path

    import jinja2

    from cec_kg import web
    from cec_kg.web import i18n

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(web.__file__).parent / "templates")),
                             autoescape=True)
    html = env.from_string('{% from "_label.html" import label with context %}{{ label(l) }}').render(
        l=i18n.Label(*label), t=lambda k: i18n.t(k, "en"), lang_name=lambda tag: i18n.language_name(tag, "en"))
    assert f'title="{note}"' in html, html


def test_page_content_property_labels_dates_incoming_sources(live_server):
    es = get(live_server, "/page/factual-record/cozumel?lang=es").text
    assert "25 de octubre de 1997" in es, "dates are formatted for the language"
    assert "parte interesada" in es or "parte en cuestión" in es, "property labels come from the vocabulary in Spanish"
    fr = get(live_server, "/page/factual-record/cozumel?lang=fr").text
    assert "25 octobre 1997" in fr
    en = get(live_server, "/page/factual-record/cozumel?lang=en").text
    assert "25 October 1997" in en
    mexico = get(live_server, "/page/party/mexico?lang=en").text
    assert 'class="incoming"' in mexico and "Cozumel" in mexico, "incoming links are listed"
    assert re.search(r'<li id="source-1"', mexico), "sources are cited"
    assert "Cite this" in mexico and "https://w3id.org/cec-kg/id/party/mexico" in mexico


def test_page_alternates_and_schema_org(live_server):
    r = get(live_server, "/page/organization/cec")
    p = Links()
    p.feed(r.text)
    types = {mt for mt, _ in p.alternates}
    assert {"text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"} <= types
    data = json.loads("".join(p.jsonld))
    assert data["@context"] == "https://schema.org" and data["@id"] == "https://w3id.org/cec-kg/id/organization/cec"
    assert "GovernmentOrganization" in (data["@type"] if isinstance(data["@type"], list) else [data["@type"]])
    assert data["name"] == "Commission for Environmental Cooperation"
    # Only the site's own: the search box's suggestions (the page works without it).
    assert [s["src"] for s in p.scripts if s.get("src")] == ["/static/search.js"], "no other script is loaded"
    links = requests.utils.parse_header_links(r.headers["Link"])
    assert {"describedby", "cite-as", "license"} <= {link["rel"] for link in links}


def test_pages_load_nothing_from_the_network(live_server):
    for path in ("/", "/page/organization/cec", "/dataset", "/dumps/", "/shapes"):
        html = get(live_server, path, Accept="text/html").text
        assets = [tag for tag in re.findall(r"<(?:link|script|img|iframe)[^>]*>", html)
                  if not tag.startswith("<link") or re.search(r'rel="(?:stylesheet|icon|preload|modulepreload)"', tag)]
        external = [tag for tag in assets if re.search(r'(?:src|href)="(?:https?:)?//', tag)]
        stylesheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
        assert not external, f"{path} loads an asset from the network"
        assert all(s.startswith("/static/") for s in stylesheets), stylesheets


def test_a_hostile_lang_is_discarded_not_rendered(live_server):
    """?lang= takes en, es or fr only: anything else never reaches a template (escaping is tested where
    input is echoed: test_escaping.py)."""
    r = get(live_server, "/page/organization/cec?lang=<script>alert(1)</script>", **{"Accept-Language": "es"})
    assert r.status_code == 200 and r.headers["Content-Language"] == "es", r.headers
    assert "alert(1)" not in r.text and "%3Cscript" not in r.text and "&lt;script" not in r.text


# -- The language helpers (no server needed) ---------------------------------------------------------

def test_every_ui_string_exists_in_every_language():
    from cec_kg.web.i18n import LANGS, STANDARD_LABELS, STRINGS

    for table in (STRINGS, STANDARD_LABELS):
        for key, texts in table.items():
            assert set(texts) == set(LANGS) and all(texts.values()), f"{key} lacks a language: {texts}"


@pytest.mark.parametrize("value,datatype,lang,expected", [
    ("1997-10-25", "date", "en", "25 October 1997"),
    ("1997-10-25", "date", "es", "25 de octubre de 1997"),
    ("1997-10-01", "date", "fr", "1er octobre 1997"),
    ("2017-07", "gYearMonth", "en", "July 2017"),
    ("2017-07", "gYearMonth", "es", "julio de 2017"),
    ("2017-07", "gYearMonth", "fr", "juillet 2017"),
    ("1994", "gYear", "fr", "1994"),
    ("35000", "integer", "en", "35,000"),
    ("35000", "integer", "es", "35.000"),
    ("35000", "integer", "fr", "35\u202f000"),
    ("P1Y", "duration", "es", "1 año"),
    ("not-a-date", "date", "en", "not-a-date"),
])
def test_values_are_formatted_for_the_language(value, datatype, lang, expected):
    from cec_kg.web.i18n import XSD as XSD_NS
    from cec_kg.web.i18n import format_literal

    assert format_literal(value, XSD_NS + datatype, lang) == expected


def test_no_ui_string_is_defined_twice():
    """A repeated key in a dict literal silently replaces the first one (a page then shows the wrong text)."""
    import ast

    from cec_kg.web import i18n

    with open(i18n.__file__, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})


def test_every_term_the_data_uses_has_a_label_in_every_language():
    """Each property and class of the asserted graphs is named in en/es/fr on the pages: by the
    vocabulary (cec: terms) or by the UI table of standard terms, never by a guessed local name."""
    from cec_kg import create_app
    from cec_kg.web.i18n import LANGS
    from cec_kg.graph.namespaces import ENTAILMENT_GRAPH, ONTOLOGY_GRAPH
    from cec_kg.web.pages import Labeller

    app = create_app({})
    store = app.extensions["cec_kg.store"]
    asserted = f"FILTER(?g NOT IN (<{ENTAILMENT_GRAPH}>, <{ONTOLOGY_GRAPH}>))"
    props = {r["t"].value for r in store.query(f"SELECT DISTINCT ?t {{ GRAPH ?g {{ ?s ?t ?o }} {asserted} }}")}
    classes = {r["t"].value for r in store.query(f"SELECT DISTINCT ?t {{ GRAPH ?g {{ ?s a ?t }} {asserted} }}")}
    assert props and classes
    with app.app_context():
        for lang in LANGS:
            labeller = Labeller(lang, None)
            unnamed = [p for p in props if labeller.prop(p).lang != lang]
            unnamed += [c for c in classes if labeller.thing(c).lang != lang]
            assert not unnamed, f"no {lang} label for {sorted(unnamed)}: label it in ontology/cec.ttl or i18n.STANDARD_LABELS"


def test_label_fallback_is_flagged():
    from cec_kg.web.i18n import pick_label

    labels = [("Mexico", "en"), ("Mexique", "fr")]
    assert pick_label(labels, "fr").text == "Mexique" and not pick_label(labels, "fr").fallback
    es = pick_label(labels, "es")
    assert (es.text, es.lang, es.fallback) == ("Mexico", "en", True), "Spanish falls back to English, flagged"
    assert pick_label([], "en") is None


def test_top_level_iris_the_graph_describes_dereference(live_server):
    """The project team (publisher of the dataset and the vocabulary) is https://w3id.org/cec-kg/team."""
    r = get(live_server, "/team", Accept="text/turtle")
    assert r.status_code == 303 and r.headers["Location"].endswith("/data/team.ttl")
    g = parse(get(live_server, "/data/team.ttl"), "ttl")
    assert (URIRef("https://w3id.org/cec-kg/team"), None, None) in g
    assert get(live_server, "/nonexistent-thing").status_code == 404


# -- The README's signposting table is what the routes send -------------------------------------------
SIGNPOST_EXAMPLES = {
    "/data/{kind}/{slug}.{ext}": ["/data/party/mexico.ttl", "/data/body/jpac.jsonld"],
    "/page/{kind}/{slug}": ["/page/party/mexico"],
    "/": ["/"],
    "/dataset": ["/dataset", "/dataset.ttl"], "/.well-known/void": ["/.well-known/void"],
    "/ontology": ["/ontology", "/ontology.ttl"], "/ontology/{version}": ["/ontology/0.1.0.nt"],
    "/shapes": ["/shapes", "/shapes.rdf"],
}


def readme_signposts() -> dict[str, set[str]]:
    """route -> the Link relations the README's signposting table says it sends."""
    from cec_kg.graph import paths

    text = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| route | `Link` relations |", 1)[1].split("\n\n", 1)[0]
    out = {}
    for line in table.splitlines()[2:]:
        routes, rels = line.strip("|").split("|")
        for route in re.findall(r"`(/[^`]*)`", routes):
            out[route] = set(re.findall(r"`([a-z-]+)`", rels))
    return out


@pytest.mark.live
@pytest.mark.parametrize("route", sorted(SIGNPOST_EXAMPLES))
def test_readme_signposting_table_matches_responses(live_server, route):
    table = readme_signposts()
    assert set(table) == set(SIGNPOST_EXAMPLES), f"README signposting rows {sorted(table)} vs examples here"
    for path in SIGNPOST_EXAMPLES[route]:
        r = requests.get(live_server.url(path), timeout=30)
        sent = set(re.findall(r'rel="([^"]+)"', r.headers.get("Link", "")))
        assert r.status_code == 200 and sent == table[route], f"{path}: sends {sorted(sent)}, README says {sorted(table[route])}"
