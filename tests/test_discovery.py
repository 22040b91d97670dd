"""Discovery for crawlers: VoID/DCAT at /dataset and /.well-known/void (numbers computed from the
graph, checked here against SPARQL), the sitemap, robots.txt, the dumps and the home page."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from conftest import raw_get
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

pytestmark = pytest.mark.live

DATASET = URIRef("https://w3id.org/cec-kg/dataset")
ID = "https://w3id.org/cec-kg/id/"
SPDX = Namespace("http://spdx.org/rdf/terms#")


@pytest.fixture(scope="module")
def session():
    with requests.Session() as s:
        yield s


def count(session, server, query: str) -> int:
    r = session.get(server.url("/sparql"), params={"query": query},
                    headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert r.status_code == 200, r.text[:300]
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def void(live_server, session) -> Graph:
    r = session.get(live_server.url("/dataset"), headers={"Accept": "text/turtle"}, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    return Graph().parse(data=r.content, format="turtle")


def test_dataset_is_void_and_dcat(void):
    assert (DATASET, RDF.type, VOID.Dataset) in void and (DATASET, RDF.type, DCAT.Dataset) in void
    for p in (DCTERMS.license, DCTERMS.publisher, VOID.sparqlEndpoint, VOID.uriSpace, VOID.exampleResource,
              VOID.dataDump, DCAT.distribution, DCTERMS.source):
        assert (DATASET, p, None) in void, f"dataset description lacks {void.qname(p)}"
    assert (DATASET, VOID.uriSpace, Literal(ID)) in void
    titles = {t.language for t in void.objects(DATASET, DCTERMS.title)}
    assert titles == {"en", "es", "fr"}, titles


def test_counts_are_computed_from_the_graph(void, live_server, session):
    def declared(p):
        return int(void.value(DATASET, p))
    assert declared(VOID.triples) == count(session, live_server,
                                           "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    assert declared(VOID.entities) == count(session, live_server, f"""SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{
        ?e ?p ?o FILTER (isIRI(?e) && STRSTARTS(STR(?e), "{ID}")) }}""")
    assert declared(VOID.classes) == count(session, live_server, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?x a ?c }")
    assert declared(VOID.properties) == count(session, live_server,
                                              "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }")


def test_whole_store_figures_are_kept_per_content(start_server, tmp_path):
    """VoID's counts and the service description's are computed once per content and kept on disk: a
    second server over the same data serves what the first computed (seen here by changing the kept
    files) instead of counting again."""
    data = tmp_path / "small.ttl"
    data.write_text("<https://w3id.org/cec-kg/id/organization/x> a <http://example.org/C> ;\n"
                    "  <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n", encoding="utf-8")
    env = {"CEC_KG_BUILD": str(tmp_path / "build")}
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")

    def declared(server) -> tuple[int, int, int]:
        r = requests.get(server.url("/dataset"), headers={"Accept": "text/turtle"}, timeout=60)
        assert r.status_code == 200, r.text[:300]
        void = Graph().parse(data=r.content, format="turtle")
        r = requests.get(server.url("/sparql"), headers={"Accept": "text/turtle"}, timeout=60)
        assert r.status_code == 200, r.text[:300]
        service = Graph().parse(data=r.content, format="turtle")
        default = next(service.objects(None, sd.defaultGraph))
        return (int(void.value(DATASET, VOID.triples)), int(void.value(DATASET, VOID.entities)),
                int(service.value(default, VOID.triples)))

    def kept(name: str) -> Path:
        found = [p for p in (tmp_path / "build" / "figures").glob("*.json") if p.name.split("-")[1:-1] == name.split("-")]
        assert len(found) == 1, found
        return found[0]

    first = start_server("--data", str(data), "--workers", "1", env=env)
    assert declared(first) == (2, 1, 2)
    first.stop()
    void_figures, sd_figures = json.loads(kept("stats").read_text()), json.loads(kept("sd-stats").read_text())
    assert (void_figures["triples"], void_figures["entities"], sd_figures["default"]["triples"]) == (2, 1, 2)
    kept("stats").write_text(json.dumps({**void_figures, "triples": 123456}))
    kept("sd-stats").write_text(json.dumps({**sd_figures, "default": {**sd_figures["default"], "triples": 654321}}))
    second = start_server("--data", str(data), "--workers", "1", env=env)
    assert declared(second) == (123456, 1, 654321)


def test_class_and_property_partitions(void, live_server, session):
    parts = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
             for p in void.objects(DATASET, VOID.classPartition)}
    assert len(parts) == int(void.value(DATASET, VOID.classes))
    party = URIRef("https://w3id.org/cec-kg/ontology#Party")
    assert parts[party] == count(session, live_server, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{party}> }}")
    props = {void.value(p, VOID.property): int(void.value(p, VOID.triples))
             for p in void.objects(DATASET, VOID.propertyPartition)}
    assert len(props) == int(void.value(DATASET, VOID.properties))
    assert sum(props.values()) == int(void.value(DATASET, VOID.triples)), "property partitions add up to the triples"


def test_sources_are_the_provenance_graph_sources(void, live_server, session):
    n = count(session, live_server, """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
        GRAPH <https://w3id.org/cec-kg/graph/provenance> { ?s a <https://w3id.org/cec-kg/ontology#Source> } }""")
    assert len(set(void.objects(DATASET, DCTERMS.source))) == n > 0


def test_example_resources_dereference(void, live_server, session):
    for example in void.objects(DATASET, VOID.exampleResource):
        path = str(example)[len("https://w3id.org/cec-kg"):]
        r = session.get(live_server.url(path), headers={"Accept": "text/turtle"}, timeout=30)
        assert r.status_code == 200, f"{example} does not dereference"


def test_well_known_void_describes_the_same_dataset(void, live_server, session):
    r = session.get(live_server.url("/.well-known/void"), headers={"Accept": "text/turtle"}, timeout=60)
    assert r.status_code == 200
    assert isomorphic(Graph().parse(data=r.content, format="turtle"), void)


@pytest.mark.parametrize("accept,fmt", [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
                                        ("application/n-triples", "nt")])
def test_dataset_formats(live_server, session, void, accept, fmt):
    r = session.get(live_server.url("/dataset"), headers={"Accept": accept}, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(accept)
    assert isomorphic(Graph().parse(data=r.content, format=fmt), void)


def test_dataset_html_in_spanish(live_server, session):
    r = session.get(live_server.url("/dataset"), headers={"Accept": "text/html", "Accept-Language": "es"}, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Language"] == "es"
    assert "Conjunto de datos" in r.text


def test_sitemap_and_robots(live_server, session):
    robots = session.get(live_server.url("/robots.txt"), timeout=30)
    assert robots.status_code == 200 and robots.headers["Content-Type"].startswith("text/plain")
    sitemap_url = re.search(r"^Sitemap: (\S+)$", robots.text, re.M).group(1)
    assert sitemap_url == live_server.url("/sitemap.xml")
    r = session.get(sitemap_url, timeout=30)
    root = ET.fromstring(r.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in root.findall("s:url/s:loc", ns)]
    pages = [u for u in locs if "/page/" in u]
    assert len(pages) > 50
    for u in locs:
        assert session.get(u, headers={"Accept": "text/html"}, timeout=30).status_code == 200, u


@pytest.fixture(scope="module")
def dumps(live_server, session) -> dict[str, bytes]:
    sums = session.get(live_server.url("/dumps/SHA256SUMS"), timeout=120)
    assert sums.status_code == 200
    files = {}
    for line in sums.text.splitlines():
        digest, name = line.split("  ", 1)
        r = session.get(live_server.url(f"/dumps/{name}"), timeout=120)
        assert r.status_code == 200, name
        assert hashlib.sha256(r.content).hexdigest() == digest, f"{name}: checksum mismatch"
        files[name] = r.content
    return files


def test_every_format_is_dumped_plain_and_gzipped(dumps):
    for suffix in ("ttl", "nt", "trig", "nq", "jsonld"):
        assert f"cec-kg.{suffix}" in dumps and f"cec-kg.{suffix}.gz" in dumps, suffix
        assert gzip.decompress(dumps[f"cec-kg.{suffix}.gz"]) == dumps[f"cec-kg.{suffix}"]


def test_dumps_hold_the_served_graph(dumps, live_server, session):
    quads = count(session, live_server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    triples = count(session, live_server, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    for suffix, fmt in (("trig", "trig"), ("nq", "nquads"), ("jsonld", "json-ld")):
        ds = Dataset()
        ds.parse(data=dumps[f"cec-kg.{suffix}"], format=fmt)
        assert sum(1 for _ in ds.quads((None, None, None, None))) == quads, f"{suffix} holds a different dataset"
    for suffix, fmt in (("ttl", "turtle"), ("nt", "nt")):
        assert len(Graph().parse(data=dumps[f"cec-kg.{suffix}"], format=fmt)) == triples, suffix


def test_dataset_lists_dumps_with_checksums(void, dumps):
    listed = {urlparse(str(u)).path.rsplit("/", 1)[1] for u in void.objects(DATASET, VOID.dataDump)}
    assert listed == set(dumps), listed ^ set(dumps)
    for dist in void.objects(DATASET, DCAT.distribution):
        name = str(void.value(dist, DCAT.downloadURL)).rsplit("/", 1)[1]
        value = void.value(void.value(dist, SPDX.checksum), SPDX.checksumValue)
        assert value == Literal(hashlib.sha256(dumps[name]).hexdigest(), datatype=XSD.hexBinary), name


def test_dump_ranges(live_server, session, dumps):
    """One byte range: 206; several ranges, another unit or a malformed one: the whole file (RFC 9110
    §14.2: ignored), where werkzeug said 416 "not satisfiable"; past the end: 416 saying the size."""
    url, whole = live_server.url("/dumps/cec-kg.nt"), dumps["cec-kg.nt"]
    r = session.get(url, headers={"Range": "bytes=10-19"}, timeout=30)
    assert r.status_code == 206 and r.content == whole[10:20] and r.headers["Content-Range"] == f"bytes 10-19/{len(whole)}"
    for value in ("bytes=0-1,5-6", "items=0-5", "bytes=5-1", "bytes=garbage"):
        r = session.get(url, headers={"Range": value}, timeout=30)
        assert r.status_code == 200 and r.content == whole, f"Range: {value} -> {r.status_code}"
    r = session.get(url, headers={"Range": f"bytes={len(whole) + 10}-"}, timeout=30)
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{len(whole)}"
    assert r.headers["Content-Type"].startswith("application/problem+json") and str(len(whole)) in r.json()["detail"]


def test_dumps_index_page(live_server, session):
    r = session.get(live_server.url("/dumps/"), headers={"Accept": "text/html", "Accept-Language": "fr"}, timeout=60)
    assert r.status_code == 200 and "Téléchargements" in r.text and "cec-kg.trig.gz" in r.text
    assert session.get(live_server.url("/dumps/nope.ttl"), timeout=30).status_code == 404


@pytest.mark.parametrize("target", [b"/dumps/../../etc/passwd", b"/dumps/..%2f..%2fetc%2fpasswd",
                                    b"/dumps/%2e%2e/%2e%2e/etc/passwd", b"/dumps/../SHA256SUMS/../../pyproject.toml"])
def test_dump_traversal_sent_as_raw_bytes_is_404(live_server, target):
    """Byte for byte over a socket (requests removes the dot segments): never a file outside the dumps."""
    status, _, body = raw_get(live_server.port, target, {"Accept": "application/json"})
    assert status == 404 and b"root:" not in body and b"[project]" not in body, (target, status, body[:200])
    detail = json.loads(body)["detail"]
    assert ".." in detail or "%2f" in detail.lower() or "%2e" in detail.lower(), detail


def test_home_page_entry_points_and_live_counts(live_server, session, void):
    r = session.get(live_server.url("/"), headers={"Accept-Language": "en"}, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Language"] == "en"
    # Every kind of thing has an entry (the first of each, then "and N more"; every publication is in the
    # library, /publications).
    for href in ('/page/organization/cec"', '/page/body/council"', '/page/party/mexico"',
                 '/page/factual-record/', 'href="/publications', 'href="/ontology"', 'href="/sparql"', 'href="/dumps/'):
        assert href in r.text, f"home page lacks an entry point {href}"
    triples = int(void.value(DATASET, VOID.triples))
    assert f"{triples:,}" in r.text, "the home page shows the live triple count"
    es = session.get(live_server.url("/?lang=es"), timeout=60)
    assert es.headers["Content-Language"] == "es" and "Para empezar" in es.text
