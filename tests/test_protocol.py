"""SPARQL 1.1 Protocol over real HTTP against ``cec-kg serve --data`` (a small fixture dataset).

SPARQLWrapper is the client for every query form and format (GET, POST form, POST direct); plain
``requests`` checks what SPARQLWrapper hides: negotiation, status codes, problem bodies, caching
headers, CORS, gzip. Responses are checked by parsing them back.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SDO, VOID
from SPARQLWrapper import (CSV, GET, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, URLENCODED, XML,
                           SPARQLWrapper)

EX = Namespace("http://example.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SRX = "{http://www.w3.org/2005/sparql-results#}"
PREFIX = "PREFIX ex: <http://example.org/>\n"

FIXTURES = {
    "people.trig": """@prefix ex: <http://example.org/> .
ex:g1 { ex:alice a ex:Person ; ex:name "Alice"@en , "Alicia"@es ; ex:age 42 ; ex:knows ex:bob .
        ex:bob a ex:Person ; ex:name "Bob" . }
ex:g2 { ex:carol a ex:Person ; ex:name "Carol" ; ex:knows [ ex:name "Anon" ] . }
""",
    "extra.ttl": '@prefix ex: <http://example.org/> .\nex:fmt-ttl ex:from "ttl" .\n',
    "extra.nt": '<http://example.org/fmt-nt> <http://example.org/from> "nt" .\n',
    "extra.nq": '<http://example.org/fmt-nq> <http://example.org/from> "nq" <http://example.org/g3> .\n',
    "extra.jsonld": json.dumps({"@id": "http://example.org/fmt-jsonld", "http://example.org/from": "jsonld"}),
    "extra.rdf": """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <rdf:Description rdf:about="http://example.org/fmt-rdf"><ex:from>rdf</ex:from></rdf:Description>
</rdf:RDF>
""",
}
TOTAL_QUADS = 16


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("protocol-data")
    for name, text in FIXTURES.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def server(start_server, data_dir):
    return start_server("--data", str(data_dir), "--workers", "1", "--threads", "4")


@pytest.fixture()
def endpoint(server) -> str:
    return server.url("/sparql")


def wrapper(endpoint: str, query: str, fmt, method=GET, request_method=URLENCODED) -> SPARQLWrapper:
    w = SPARQLWrapper(endpoint)
    w.setQuery(query)
    w.setReturnFormat(fmt)
    w.setMethod(method)
    if method == POST:
        w.setRequestMethod(request_method)
    return w


METHODS = [pytest.param(GET, URLENCODED, id="GET"), pytest.param(POST, URLENCODED, id="POST-form"),
           pytest.param(POST, POSTDIRECTLY, id="POST-direct")]
SELECT = PREFIX + "SELECT ?name WHERE { ?p a ex:Person ; ex:name ?name } ORDER BY ?name"
NAMES = ["Alice", "Alicia", "Bob", "Carol"]


# -- every query form and format, through SPARQLWrapper -------------------------------------------
@pytest.mark.live
@pytest.mark.parametrize("method,request_method", METHODS)
def test_select_json(endpoint, method, request_method):
    res = wrapper(endpoint, SELECT, JSON, method, request_method).query().convert()
    assert [b["name"]["value"] for b in res["results"]["bindings"]] == NAMES, "SELECT JSON rows wrong"
    langs = {b["name"]["value"]: b["name"].get("xml:lang") for b in res["results"]["bindings"]}
    assert langs["Alicia"] == "es", "language tag lost"


@pytest.mark.live
@pytest.mark.parametrize("method,request_method", METHODS)
def test_select_xml(endpoint, method, request_method):
    doc = wrapper(endpoint, SELECT, XML, method, request_method).query().convert()
    assert [n.firstChild.data for n in doc.getElementsByTagName("literal")] == NAMES, "SELECT XML rows wrong"


@pytest.mark.live
@pytest.mark.parametrize("fmt,delimiter", [(CSV, ","), (TSV, "\t")])
def test_select_csv_tsv(endpoint, fmt, delimiter):
    body = wrapper(endpoint, SELECT, fmt).query().convert().decode("utf-8")
    rows = (list(csv.reader(io.StringIO(body))) if fmt == CSV
            else [line.split(delimiter) for line in body.splitlines() if line])
    assert rows[0] == (["name"] if fmt == CSV else ["?name"]), f"header row wrong: {rows[0]}"
    values = [r[0] for r in rows[1:]]
    expected = NAMES if fmt == CSV else ['"Alice"@en', '"Alicia"@es', '"Bob"', '"Carol"']
    assert values == expected, f"{fmt} rows wrong: {values}"


@pytest.mark.live
@pytest.mark.parametrize("limit", ["", " LIMIT 10"], ids=["unbounded", "bounded"])
def test_csv_quotes_every_field_that_needs_it(endpoint, limit):
    """SPARQL 1.1 CSV (RFC 4180): a field holding a comma, quote, CR or LF is quoted. pyoxigraph
    0.5.13 wrote an IRI with a comma bare, so one IRI read back as two fields."""
    q = ('SELECT ?iri ?text ?none WHERE { VALUES (?iri ?text) { '
         '(<http://example.org/a,b> "say \\"hi\\", then\\r\\nbye"@en) (<http://example.org/c> "ünï😀") } }'
         + limit)
    r = requests.get(endpoint, params={"query": q}, headers={"Accept": "text/csv"}, timeout=10)
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    assert rows == [["iri", "text", "none"], ["http://example.org/a,b", 'say "hi", then\r\nbye', ""],
                    ["http://example.org/c", "ünï😀", ""]], f"CSV does not read back: {r.content!r}"


@pytest.mark.live
@pytest.mark.parametrize("fmt", [JSON, XML])
@pytest.mark.parametrize("method,request_method", METHODS)
def test_ask(endpoint, fmt, method, request_method):
    yes = wrapper(endpoint, PREFIX + "ASK { ex:alice ex:knows ex:bob }", fmt, method, request_method).query().convert()
    no = wrapper(endpoint, PREFIX + "ASK { ex:bob ex:knows ex:alice }", fmt, method, request_method).query().convert()
    if fmt == JSON:
        assert (yes["boolean"], no["boolean"]) == (True, False)
    else:
        assert [d.getElementsByTagName("boolean")[0].firstChild.data for d in (yes, no)] == ["true", "false"]


@pytest.mark.live
@pytest.mark.parametrize("accept", ["text/csv", "text/tab-separated-values"])
def test_ask_csv_tsv(endpoint, accept):
    r = requests.get(endpoint, params={"query": "ASK {}"}, headers={"Accept": accept}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(accept)
    assert r.text.strip().splitlines()[-1] == "true", f"ASK as {accept}: {r.text!r}"


CONSTRUCT = PREFIX + "CONSTRUCT { ?p ex:name ?n } WHERE { GRAPH ex:g1 { ?p ex:name ?n } }"


def expected_construct() -> Graph:
    g = Graph()
    g.add((EX.alice, EX.name, Literal("Alice", lang="en")))
    g.add((EX.alice, EX.name, Literal("Alicia", lang="es")))
    g.add((EX.bob, EX.name, Literal("Bob")))
    return g


@pytest.mark.live
@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, JSONLD])
@pytest.mark.parametrize("method,request_method", METHODS)
def test_construct(endpoint, fmt, method, request_method):
    res = wrapper(endpoint, CONSTRUCT, fmt, method, request_method).query()
    out = res.convert()
    if isinstance(out, bytes):
        out = Graph().parse(data=out.decode("utf-8"), format="turtle")
    assert set(out) == set(expected_construct()), f"CONSTRUCT as {fmt} differs: {sorted(out)}"


@pytest.mark.live
@pytest.mark.parametrize("accept,rdflib_format", [
    ("application/n-triples", "nt"), ("application/trig", "trig"), ("application/n-quads", "nquads"),
    ("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")])
def test_construct_formats(endpoint, accept, rdflib_format):
    r = requests.post(endpoint, data={"query": CONSTRUCT}, headers={"Accept": accept}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == accept
    g = Graph()
    g.parse(data=r.text, format=rdflib_format)
    assert set(g) == set(expected_construct()), f"CONSTRUCT as {accept}: {r.text}"


@pytest.mark.live
@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_describe(endpoint, fmt):
    out = wrapper(endpoint, PREFIX + "DESCRIBE ex:bob", fmt).query().convert()
    if isinstance(out, bytes):
        out = Graph().parse(data=out.decode("utf-8"), format="turtle")
    assert (EX.bob, EX.name, Literal("Bob")) in out, "DESCRIBE lacks the description"
    assert (EX.bob, RDF.type, EX.Person) in out, "DESCRIBE lacks the type"


@pytest.mark.live
@pytest.mark.parametrize("query,fmt", [('SELECT ?o { BIND("a\\u0001b" AS ?o) }', "xml"),
                                       ('CONSTRUCT { <http://example.org/s> <http://example.org/p> ?o } '
                                        'WHERE { BIND("a\\u0001b" AS ?o) }', "rdf")])
def test_xml_refuses_characters_xml_cannot_carry(endpoint, query, fmt):
    """pyoxigraph 0.5.13 wrote U+0001 raw into XML (no parser reads it) in a 200; now a 4xx says which
    formats carry it, and they do."""
    body = problem(requests.get(endpoint, params={"query": query, "format": fmt}, timeout=10), 400)
    assert "XML 1.0" in body["detail"] and "JSON" in body["detail"], body
    ok = requests.get(endpoint, params={"query": query, "format": "json" if fmt == "xml" else "nt"}, timeout=10)
    assert ok.status_code == 200 and ("\\u0001" in ok.text or "\x01" in ok.text), ok.text


@pytest.mark.live
def test_rdfxml_refuses_predicates_it_cannot_write(endpoint):
    """pyoxigraph 0.5.13 wrote `<oxprefix: xmlns:oxprefix="urn:x:1">` (malformed XML) in a 200 for a
    predicate with no XML local name; now a 4xx says which predicate and what to ask for instead."""
    q = 'CONSTRUCT { <http://example.org/s> <urn:x:1> "v" ; <http://example.org/p/> "w" } WHERE {}'
    body = problem(requests.get(endpoint, params={"query": q, "format": "rdf"}, timeout=10), 400)
    assert "urn:x:1" in body["detail"] or "http://example.org/p/" in body["detail"], body
    assert "Turtle" in body["detail"], body
    ok = requests.get(endpoint, params={"query": 'CONSTRUCT { <http://example.org/s> <http://example.org/p_1> "v" } '
                                                 "WHERE {}", "format": "rdf"}, timeout=10)
    assert ok.status_code == 200 and len(Graph().parse(data=ok.content, format="xml")) == 1


# -- the data served ---------------------------------------------------------------------------------
@pytest.mark.live
def test_every_rdf_syntax_loaded(endpoint):
    res = wrapper(endpoint, PREFIX + "SELECT ?f WHERE { ?s ex:from ?f } ORDER BY ?f", JSON).query().convert()
    assert [b["f"]["value"] for b in res["results"]["bindings"]] == ["jsonld", "nq", "nt", "rdf", "ttl"], (
        "a --data file in one of the RDF syntaxes was not served")


@pytest.mark.live
def test_named_graphs_kept(endpoint):
    q = PREFIX + "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    res = wrapper(endpoint, q, JSON).query().convert()
    assert [b["g"]["value"] for b in res["results"]["bindings"]] == [str(EX.g1), str(EX.g2), str(EX.g3)]


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_union_default_graph_is_a_set(tmp_path, on_disk):
    """The default graph is the RDF merge of the graphs (SPARQL 1.1 §13.1): a triple two sources state
    is one triple there, and twice under GRAPH ?g (pyoxigraph's union mode alone gave it twice)."""
    from cec_kg.store.executor import Job
    from cec_kg.store.embedded import EmbeddedStore

    data = tmp_path / "two-sources.trig"
    data.write_text("<http://ex.org/g1> { <http://ex.org/s> <http://ex.org/p> 1 . }\n"
                    "<http://ex.org/g2> { <http://ex.org/s> <http://ex.org/p> 1 . <http://ex.org/s> <http://ex.org/q> 2 . }\n"
                    "<http://ex.org/d> <http://ex.org/p> 3 .\n", encoding="utf-8")
    store = EmbeddedStore.from_files([data], tmp_path / "db" if on_disk else None)
    count = "SELECT (COUNT(*) AS ?n) WHERE { %s }"
    assert int(next(iter(store.query(count % "?s ?p ?o")))["n"].value) == 3
    assert int(next(iter(store.query(count % "GRAPH ?g { ?s ?p ?o }")))["n"].value) == 3
    assert store.size() == 3 and store.graphs() == ["http://ex.org/g1", "http://ex.org/g2"]
    out = store.run(Job(query="SELECT ?o WHERE { <http://ex.org/s> <http://ex.org/p> ?o }",
                        media_type="application/sparql-results+json"), 10)
    assert len(json.loads(out.body)["results"]["bindings"]) == 1, out.body
    named = store.run(Job(query=count % "?s ?p ?o", media_type="application/sparql-results+json",
                          default_graphs=("http://ex.org/g2",)), 10)
    assert json.loads(named.body)["results"]["bindings"][0]["n"]["value"] == "2"


@pytest.mark.live
def test_default_graph_is_union(endpoint):
    r = requests.get(endpoint, params={"query": PREFIX + "ASK { ex:alice ex:knows ex:bob . ex:carol ex:name ?n }"},
                     timeout=10)
    assert r.json()["boolean"] is True, "the default graph should be the union of the named graphs"


@pytest.mark.live
@pytest.mark.parametrize("params,expected", [
    ({"default-graph-uri": str(EX.g2)}, ["Anon", "Carol"]),
    ({"default-graph-uri": [str(EX.g1), str(EX.g2)]}, ["Alice", "Alicia", "Anon", "Bob", "Carol"]),
    ({"named-graph-uri": str(EX.g1)}, []),                   # the default graph is then empty
    ({"default-graph-uri": "http://example.org/absent"}, []),  # absent graphs are empty, never fetched
])
def test_protocol_dataset(endpoint, params, expected):
    q = PREFIX + "SELECT ?n WHERE { ?s ex:name ?n } ORDER BY ?n"
    r = requests.get(endpoint, params={"query": q, **params}, timeout=10)
    assert r.status_code == 200, r.text
    assert [b["n"]["value"] for b in r.json()["results"]["bindings"]] == expected


@pytest.mark.live
def test_from_selects_store_graph(endpoint):
    q = PREFIX + "SELECT ?n FROM ex:g2 WHERE { ?s ex:name ?n } ORDER BY ?n"
    r = requests.get(endpoint, params={"query": q}, timeout=10)
    assert [b["n"]["value"] for b in r.json()["results"]["bindings"]] == ["Anon", "Carol"], "FROM ignored"
    q = PREFIX + "SELECT ?g WHERE { GRAPH ?g { ex:bob ?p ?o } }"
    r = requests.get(endpoint, params={"query": PREFIX + "SELECT DISTINCT ?g FROM NAMED ex:g2 WHERE { GRAPH ?g { ?s ?p ?o } }"},
                     timeout=10)
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [str(EX.g2)], "FROM NAMED ignored"


@pytest.mark.live
def test_protocol_dataset_overrides_from(endpoint):
    q = PREFIX + "SELECT ?n FROM ex:g2 WHERE { ?s ex:name ?n } ORDER BY ?n"
    r = requests.get(endpoint, params={"query": q, "default-graph-uri": str(EX.g1)}, timeout=10)
    assert [b["n"]["value"] for b in r.json()["results"]["bindings"]] == ["Alice", "Alicia", "Bob"]


# -- negotiation -----------------------------------------------------------------------------------
@pytest.mark.live
@pytest.mark.parametrize("accept,expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("text/tab-separated-values, text/csv;q=0.1", "text/tab-separated-values"),
    ("application/json", "application/json"),
    # A browser's own Accept: the results as a page for people (web/results.py), not XML.
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
])
def test_negotiation_select(endpoint, accept, expected):
    headers = {"Accept": accept} if accept else {}
    s = requests.Session()
    req = requests.Request("GET", endpoint, params={"query": "SELECT * {}"}, headers=headers).prepare()
    if accept is None:
        req.headers.pop("Accept", None)
    r = s.send(req, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in r.headers["Vary"], "negotiated responses must say Vary: Accept"


@pytest.mark.live
def test_not_acceptable(endpoint):
    r = requests.get(endpoint, params={"query": "SELECT * {}"}, headers={"Accept": "image/png"}, timeout=10)
    assert r.status_code == 406
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert "application/sparql-results+json" in r.json()["detail"], "406 should list what is available"
    r = requests.get(endpoint, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                     headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert r.status_code == 406, "a graph cannot be written as SPARQL results"


@pytest.mark.live
@pytest.mark.parametrize("fmt,expected", [("csv", "text/csv"), ("xml", "application/sparql-results+xml"),
                                          ("text/tab-separated-values", "text/tab-separated-values")])
def test_format_override(endpoint, fmt, expected):
    r = requests.get(endpoint, params={"query": "SELECT * {}", "format": fmt},
                     headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert r.headers["Content-Type"].split(";")[0] == expected


@pytest.mark.live
@pytest.mark.parametrize("fmt,expected", [("json", "application/ld+json"), ("xml", "application/rdf+xml"),
                                          ("ttl", "text/turtle")])
def test_format_override_of_a_graph(endpoint, fmt, expected):
    """format=json / xml on CONSTRUCT name RDF's JSON and XML syntaxes (as Fuseki does), not a 406."""
    r = requests.get(endpoint, params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3", "format": fmt}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] == expected, r.text[:200]


# -- malformed requests: a 4xx problem that says what to fix --------------------------------------
def problem(r: requests.Response, status: int) -> dict:
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text[:300]}"
    assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers["Content-Type"]
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    return body


@pytest.mark.live
def test_wrong_method(endpoint):
    for method in ("PUT", "DELETE", "PATCH"):
        r = requests.request(method, endpoint, params={"query": "ASK {}"}, timeout=10)
        body = problem(r, 405)
        assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}, r.headers["Allow"]
        # werkzeug's "The method is not allowed for the requested URL." said nothing of what to do
        assert method in body["detail"] and "read-only" in body["detail"] and "GET" in body["detail"], body


@pytest.mark.live
def test_two_queries(endpoint):
    problem(requests.get(endpoint + "?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D", timeout=10), 400)
    problem(requests.post(endpoint + "?query=ASK%20%7B%7D", data="ASK {}",
                          headers={"Content-Type": "application/sparql-query"}, timeout=10), 400)


@pytest.mark.live
@pytest.mark.parametrize("ctype,status", [("text/plain", 415), (None, 415), ("application/json", 415)])
def test_wrong_content_type(endpoint, ctype, status):
    req = requests.Request("POST", endpoint, data=b"ASK {}", headers={"Content-Type": ctype} if ctype else {}).prepare()
    if ctype is None:
        req.headers.pop("Content-Type", None)
    body = problem(requests.Session().send(req, timeout=10), status)
    assert "application/sparql-query" in body["detail"], "the problem should say which content types work"


@pytest.mark.live
def test_non_utf8(endpoint):
    problem(requests.post(endpoint, data="ASK {}".encode("utf-16"),
                          headers={"Content-Type": "application/sparql-query; charset=UTF-16"}, timeout=10), 415)
    problem(requests.post(endpoint, data='SELECT * { ?s ?p "caf\xe9" }'.encode("latin-1"),
                          headers={"Content-Type": "application/sparql-query"}, timeout=10), 400)
    problem(requests.post(endpoint, data="query=ASK%20%7B%22%E9%22%7D",
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10), 400)
    # In the URL too: werkzeug turned %E9 into U+FFFD and the changed query ran (an empty 200).
    for qs in ("query=SELECT%20*%20%7B%3Fs%20%3Fp%20%22caf%E9%22%7D", "query=ASK%7B%7D&format=%FF"):
        body = problem(requests.get(f"{endpoint}?{qs}", timeout=10), 400)
        assert "UTF-8" in body["detail"], body
    body = problem(requests.post(f"{endpoint}?default-graph-uri=http://example.org/%E9", data={"query": "ASK {}"},
                                 timeout=10), 400)
    assert "default-graph-uri" in body["detail"], body


@pytest.mark.live
def test_duplicated_timeout(endpoint):
    body = problem(requests.get(endpoint, params=[("query", "ASK {}"), ("timeout", "1"), ("timeout", "50")],
                                timeout=10), 400)
    assert "timeout" in body["detail"], body


@pytest.mark.live
def test_syntax_error_quotes_parser(endpoint):
    body = problem(requests.get(endpoint, params={"query": "SELECT * WHERE {\n  ?s ?p }"}, timeout=10), 400)
    assert body["line"] == 2 and body["column"] >= 1, f"position missing: {body}"
    assert "error at 2:" in body["parser_message"], f"the parser's message should be quoted: {body}"


@pytest.mark.live
def test_post_without_query(endpoint):
    problem(requests.post(endpoint, data={"timeout": "3"}, timeout=10), 400)


# -- the service description ------------------------------------------------------------------------
@pytest.mark.live
def test_service_description_revalidates(endpoint):
    first = requests.get(endpoint, headers={"Accept": "text/turtle"}, timeout=10)
    etag = first.headers.get("ETag")
    assert first.status_code == 200 and etag, first.headers
    again = requests.get(endpoint, headers={"Accept": "text/turtle", "If-None-Match": etag}, timeout=10)
    assert again.status_code == 304 and not again.content, again.status_code
    other = requests.get(endpoint, headers={"Accept": "application/n-triples", "If-None-Match": etag}, timeout=10)
    assert other.status_code == 200, "another format is another representation"


@pytest.mark.live
@pytest.mark.parametrize("accept,rdflib_format", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                                  ("application/rdf+xml", "xml"), ("application/n-triples", "nt")])
def test_service_description(endpoint, accept, rdflib_format):
    r = requests.get(endpoint, headers={"Accept": accept}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] == accept
    g = Graph().parse(data=r.text, format=rdflib_format)
    svc = g.value(None, RDF.type, SD.Service)
    assert svc is not None, "no sd:Service"
    assert (svc, SD.endpoint, URIRef(endpoint)) in g, "service description lacks sd:endpoint"
    formats = {str(o).rsplit("/", 1)[-1] for o in g.objects(svc, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
            "Turtle", "RDF_XML", "JSON-LD", "N-Triples"} <= formats, formats
    assert (svc, SD.feature, SD.UnionDefaultGraph) in g
    dataset = g.value(svc, SD.defaultDataset)
    default = g.value(dataset, SD.defaultGraph)
    assert int(g.value(default, VOID.triples)) == TOTAL_QUADS, "void:triples should count the served data"
    sizes = {str(g.value(ng, SD.name)): int(g.value(g.value(ng, SD.graph), VOID.triples))
             for ng in g.objects(dataset, SD.namedGraph)}
    assert sizes == {str(EX.g1): 7, str(EX.g2): 4, str(EX.g3): 1}, sizes
    limits = {str(g.value(pv, SDO.propertyID)): g.value(pv, SDO.value).toPython()
              for pv in g.objects(svc, SDO.additionalProperty) if (pv, RDF.type, SDO.PropertyValue) in g}
    assert limits["maxResultRows"] > 0 and limits["queryTimeout"] > 0, f"limits not announced: {limits}"
    assert limits["update"] is False and limits["federatedQuery"] is False, limits


@pytest.mark.live
def test_service_description_html(endpoint):
    r = requests.get(endpoint, headers={"Accept": "text/html"}, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert f'<form class="query" method="get" action="{endpoint}">' in r.text and "sd:Service" in r.text
    assert "rows or triples returned at most" in r.text and "<code>100,000</code>" in r.text, "limits shown by name"
    assert "?example=" not in r.text, "the CEC graph's example questions are not offered for other data"
    assert requests.get(endpoint, params={"example": "cq-01-factual-records-concerning-mexico"},
                        headers={"Accept": "text/html"}, timeout=10).status_code == 404


@pytest.mark.live
def test_query_form_offers_the_competency_questions(live_server):
    """On the CEC graph the form lists every queries/cq-*.rq question; ?example= fills the form with it,
    and the form's GET runs it."""
    import html
    import re

    from cec_kg.graph import paths

    endpoint = live_server.url("/sparql")
    page = requests.get(endpoint, headers={"Accept": "text/html", "Accept-Language": "es"}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Language"] == "es"
    names = re.findall(r'\?example=(cq-[\w-]+)', page.text)
    assert sorted(names) == sorted(p.stem for p in paths.QUERIES_DIR.glob("cq-*.rq")), names
    name = "cq-04-tek-group-change-2017"
    form = requests.get(endpoint, params={"example": name}, headers={"Accept": "text/html"}, timeout=10)
    text = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", form.text, re.S).group(1))
    source = (paths.QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")
    assert text.splitlines()[0] == source.splitlines()[0], "the question heads the form"
    assert "# expected" not in text, "the test's notes (expected answers) are not shown to people"
    assert text.split("PREFIX", 1)[1] == source.split("PREFIX", 1)[1], "the query itself unchanged"
    run = requests.get(endpoint, params={"query": text, "format": "json"}, timeout=10)
    assert run.status_code == 200 and run.json()["results"]["bindings"], run.text[:300]


# -- HTTP niceties: HEAD, OPTIONS, CORS, caching, gzip ----------------------------------------------
@pytest.mark.live
def test_head(endpoint):
    r = requests.head(endpoint, params={"query": "ASK {}"}, timeout=10)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["Content-Type"].startswith("application/sparql-results+json")


@pytest.mark.live
def test_options_and_cors(endpoint):
    r = requests.options(endpoint, headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type"}, timeout=10)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "content-type" in r.headers["Access-Control-Allow-Headers"].lower()
    # A preflight elsewhere offers what that route answers: no POST where POST is a 405.
    page = requests.options(endpoint.replace("/sparql", "/health"), headers={"Origin": "https://example.com",
                            "Access-Control-Request-Method": "POST"}, timeout=10)
    assert "POST" not in page.headers["Access-Control-Allow-Methods"], page.headers
    for resp in (requests.get(endpoint, params={"query": "ASK {}"}, headers={"Origin": "https://x.org"}, timeout=10),
                 requests.post(endpoint, data={"query": "ASK {}"}, headers={"Origin": "https://x.org"}, timeout=10),
                 requests.get(endpoint, params={"query": "ASK {"}, timeout=10)):
        assert resp.headers["Access-Control-Allow-Origin"] == "*", "CORS header missing"


@pytest.mark.live
def test_etag_revalidation(endpoint):
    params = {"query": PREFIX + "SELECT ?n WHERE { ?s ex:name ?n }"}
    r = requests.get(endpoint, params=params, timeout=10)
    etag = r.headers["ETag"]
    assert "max-age" in r.headers["Cache-Control"]
    again = requests.get(endpoint, params=params, headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    other = requests.get(endpoint, params=params, headers={"If-None-Match": etag, "Accept": "text/csv"}, timeout=10)
    assert other.status_code == 200 and other.headers["ETag"] != etag, "another format is another representation"
    weak = requests.get(endpoint, params=params, headers={"If-None-Match": "W/" + etag}, timeout=10)
    assert weak.status_code == 304, "If-None-Match compares weakly (RFC 9110 §13.1.2)"


@pytest.mark.live
def test_accept_parameters_do_not_defeat_negotiation(endpoint):
    """werkzeug matched `application/sparql-results+json; charset=utf-8` to no offer: a 406."""
    r = requests.get(endpoint, params={"query": "ASK {}"}, timeout=10,
                     headers={"Accept": "application/sparql-results+json; charset=utf-8"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/sparql-results+json"), r.text
    r = requests.get(endpoint, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, timeout=10,
                     headers={"Accept": 'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"'})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/ld+json"), r.text


@pytest.mark.live
def test_request_bodies_are_bounded_and_plain(endpoint):
    """A chunked body has no Content-Length: werkzeug read all of it into memory before the size
    check. Reading stops at the limit now, form or direct; a compressed body is refused, not misread."""
    def chunks(head: bytes, megabytes: int):
        yield head
        for _ in range(megabytes):
            yield b"a" * 1_048_576

    for ctype, head in (("application/sparql-query", b"ASK {} #"), ("application/x-www-form-urlencoded", b"query=ASK%7B%7D%23")):
        r = requests.post(endpoint, data=chunks(head, 40), headers={"Content-Type": ctype}, timeout=30)
        problem(r, 413)
    small = requests.post(endpoint, data=chunks(b"ASK {} #", 0), headers={"Content-Type": "application/sparql-query"},
                          timeout=10)
    assert small.status_code == 200 and small.json()["boolean"] is True, "a small chunked query still works"
    body = problem(requests.post(endpoint, data=gzip.compress(b"ASK {}"), timeout=10,
                                 headers={"Content-Type": "application/sparql-query", "Content-Encoding": "gzip"}), 415)
    assert "uncompressed" in body["detail"], body


@pytest.mark.live
def test_gzip(endpoint):
    values = " ".join(str(i) for i in range(300))
    q = f"SELECT ?n WHERE {{ VALUES ?n {{ {values} }} }}"
    r = requests.get(endpoint, params={"query": q}, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    raw = r.raw.read()
    assert r.headers.get("Content-Encoding") == "gzip", "large results should be compressed"
    assert len(json.loads(gzip.decompress(raw))["results"]["bindings"]) == 300
    plain = requests.get(endpoint, params={"query": q}, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert "Content-Encoding" not in plain.headers


@pytest.mark.live
def test_row_count_headers(endpoint):
    r = requests.get(endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=10)
    assert int(r.headers["X-SPARQL-Row-Cap"]) > 0, "the row cap must be announced"
    assert r.headers["X-SPARQL-Rows"] == str(TOTAL_QUADS)
    assert "X-SPARQL-Truncated" not in r.headers


@pytest.mark.live
def test_row_cap_announced(start_server, data_dir):
    server = start_server("--data", str(data_dir), "--workers", "1", env={"CEC_MAX_RESULT_ROWS": "5"})
    for accept in ("application/sparql-results+json", "text/csv", "application/sparql-results+xml"):
        r = requests.get(server.url("/sparql"), params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                         headers={"Accept": accept}, timeout=10)
        assert r.status_code == 200
        assert r.headers["X-SPARQL-Row-Cap"] == "5" and r.headers["X-SPARQL-Truncated"].startswith("true")
        if accept.endswith("json"):
            assert len(r.json()["results"]["bindings"]) == 5
        elif accept == "text/csv":
            assert len(r.text.strip().splitlines()) == 6
        else:
            assert len(ET.fromstring(r.content).findall(f"{SRX}results/{SRX}result")) == 5
    r = requests.get(server.url("/sparql"), params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                     headers={"Accept": "application/n-triples"}, timeout=10)
    assert len(r.text.strip().splitlines()) == 5 and r.headers["X-SPARQL-Truncated"].startswith("true")
    r = requests.get(server.url("/sparql"), params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}, timeout=10)
    assert len(r.json()["results"]["bindings"]) == 3 and "X-SPARQL-Truncated" not in r.headers


# -- health and metrics --------------------------------------------------------------------------------
@pytest.mark.live
def test_health_and_metrics(server):
    h = requests.get(server.url("/health"), timeout=10).json()
    assert h["status"] == "ok" and h["triples"] == TOTAL_QUADS and h["backend"] == "embedded", h
    requests.get(server.url("/sparql"), params={"query": "ASK {}"}, timeout=10)
    m = requests.get(server.url("/metrics"), timeout=10)
    assert m.headers["Content-Type"].startswith("text/plain")
    assert 'cec_kg_requests_total{' in m.text and 'endpoint="/sparql"' in m.text
    assert "cec_kg_request_seconds_bucket" in m.text
    frozen = re.search(r"^cec_kg_gc_frozen_objects{[^}]*} (\d+)$", m.text, re.M)
    assert frozen and int(frozen.group(1)) > 10_000, "objects made at start-up are kept out of the cyclic GC"
