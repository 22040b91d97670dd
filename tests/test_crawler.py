"""A crawler over the live server: every entity under our namespace dereferences, in every format.

Entities are discovered twice — by SPARQL and by following the links of the HTML pages from the home
page — and every one must pass: each Accept (Turtle, JSON-LD, RDF/XML, N-Triples, HTML, */*, none)
answers 303 to a document that parses, holds the entity's asserted triples exactly as SPARQL sees
them (outgoing and incoming), agrees across formats, and revalidates with 304; an unsupported type
gets 406.
"""
from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urljoin, urlparse

import pytest
import requests
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

pytestmark = pytest.mark.live

BASE = "https://w3id.org/cec-kg/"
ID = BASE + "id/"
SOURCE = BASE + "source/"
ENTAILMENTS = BASE + "graph/entailments"
RDF_ACCEPTS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
               "application/n-triples": "nt"}
ACCEPTS = [*RDF_ACCEPTS, "text/html", "*/*", None]


def sparql(session: requests.Session, server, query: str) -> list[dict]:
    r = session.get(server.url("/sparql"), params={"query": query},
                    headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert r.status_code == 200, r.text[:500]
    return r.json()["results"]["bindings"]


def term(b: dict):
    if b["type"] == "uri":
        return URIRef(b["value"])
    if b["type"] == "bnode":
        return BNode(b["value"])
    return Literal(b["value"], lang=b.get("xml:lang"), datatype=b.get("datatype"))


def blank_free(t):
    """Blank node labels differ between documents: compare them as one placeholder."""
    return tuple("_:b" if isinstance(x, BNode) else x for x in t)


@pytest.fixture(scope="module")
def session():
    with requests.Session() as s:
        yield s


@pytest.fixture(scope="module")
def asserted(live_server, session):
    """Every triple of the default graph (what a user who queries sees, entailments included) that has
    one of our entities as subject or object: each entity's document must hold exactly these."""
    rows = sparql(session, live_server, f"""
        SELECT DISTINCT ?s ?p ?o WHERE {{
          ?s ?p ?o
          FILTER ((isIRI(?s) && (STRSTARTS(STR(?s), "{ID}") || STRSTARTS(STR(?s), "{SOURCE}")))
                  || (isIRI(?o) && (STRSTARTS(STR(?o), "{ID}") || STRSTARTS(STR(?o), "{SOURCE}"))))
        }}""")
    out, inc = defaultdict(set), defaultdict(set)
    for r in rows:
        s, p, o = term(r["s"]), term(r["p"]), term(r["o"])
        if str(s).startswith((ID, SOURCE)):
            out[str(s)].add(blank_free((s, p, o)))
        if isinstance(o, URIRef) and str(o).startswith((ID, SOURCE)):
            inc[str(o)].add(blank_free((s, p, o)))
    return out, inc


@pytest.fixture(scope="module")
def resources_by_sparql(asserted) -> set[str]:
    """Things (id/) and sources (source/): every IRI of ours a source mentions."""
    out, inc = asserted
    return set(out) | set(inc)


@pytest.fixture(scope="module")
def entities_by_sparql(resources_by_sparql) -> set[str]:
    return {r for r in resources_by_sparql if r.startswith(ID)}


@pytest.fixture(scope="module")
def entities_by_links(live_server, session) -> set[str]:
    """Breadth-first over the HTML pages from the home page, collecting every /page/{key} link."""
    seen_pages: set[str] = set()
    queue = ["/"]
    found: set[str] = set()
    while queue:
        path = queue.pop()
        r = session.get(live_server.url(path), headers={"Accept": "text/html"}, timeout=30)
        assert r.status_code == 200, f"{path} linked from a page answers {r.status_code}"
        for href in re.findall(r'href="([^"#]+)', r.text):
            url = urlparse(urljoin(live_server.url(path), href))
            if url.netloc != urlparse(live_server.base).netloc or not url.path.startswith("/page/"):
                continue
            if url.path not in seen_pages:
                seen_pages.add(url.path)
                queue.append(url.path)
                key = url.path[len("/page/"):]
                if "/" in key and not key.startswith(("source/", "graph/")):
                    found.add(ID + key)
    return found


def test_entities_found_by_links_and_sparql_agree(entities_by_sparql, entities_by_links):
    assert len(entities_by_sparql) > 50, f"only {len(entities_by_sparql)} entities: is the graph loaded?"
    missing = entities_by_sparql - entities_by_links
    assert not missing, f"{len(missing)} entities no page links to, e.g. {sorted(missing)[:5]}"
    assert entities_by_links <= entities_by_sparql, sorted(entities_by_links - entities_by_sparql)[:5]


def test_sitemap_lists_every_entity(live_server, session, entities_by_sparql):
    text = session.get(live_server.url("/sitemap.xml"), timeout=30).text
    pages = {urlparse(u).path for u in re.findall(r"<loc>([^<]+)</loc>", text)}
    missing = {e for e in entities_by_sparql if "/page/" + e[len(ID):] not in pages}
    assert not missing, f"sitemap misses {sorted(missing)[:5]}"


def check_entity(server, session, iri: str, out: set, inc: set) -> list[str]:
    """Every problem found dereferencing ``iri`` (empty when it passes)."""
    problems: list[str] = []
    path = "/" + iri[len(BASE):]          # /id/{kind}/{slug} or /source/…
    graphs: dict[str, Graph] = {}
    for accept in ACCEPTS:
        headers = {"Accept": accept} if accept else {"Accept": None}
        r = session.get(server.url(path), headers=headers, allow_redirects=False, timeout=30)
        if r.status_code != 303 or "Location" not in r.headers:
            problems.append(f"{accept}: {r.status_code} instead of 303")
            continue
        doc = session.get(urljoin(server.url(path), r.headers["Location"]), headers=headers, timeout=30)
        if doc.status_code != 200:
            problems.append(f"{accept}: document {r.headers['Location']} answers {doc.status_code}")
            continue
        ctype = doc.headers.get("Content-Type", "").split(";")[0]
        if accept in (None, "*/*"):
            expected = "text/turtle"
        else:
            expected = accept
        if ctype != expected:
            problems.append(f"{accept}: got {ctype}, expected {expected}")
            continue
        if ctype == "text/html":
            if f"<code>{iri}</code>" not in doc.text:
                problems.append("HTML page does not show the canonical IRI")
        else:
            try:
                g = Graph().parse(data=doc.content, format=RDF_ACCEPTS[ctype])
            except Exception as e:  # noqa: BLE001 - any parser error is a failure to report
                problems.append(f"{ctype}: does not parse: {e}")
                continue
            graphs[ctype] = g
        tag = doc.headers.get("ETag")
        again = session.get(doc.url, headers={**headers, "If-None-Match": tag or ""}, timeout=30)
        if not tag or again.status_code != 304:
            problems.append(f"{accept}: revalidation with ETag {tag} gives {again.status_code}, not 304")
    r = session.get(server.url(path), headers={"Accept": "image/png"}, allow_redirects=False, timeout=30)
    if r.status_code != 406:
        problems.append(f"image/png: {r.status_code} instead of 406")
    if len(graphs) != len(RDF_ACCEPTS):
        return problems
    first, ttl = next(iter(graphs.values())), graphs["text/turtle"]
    for ctype, g in graphs.items():
        if not isomorphic(g, ttl):
            problems.append(f"{ctype} disagrees with Turtle ({len(g)} vs {len(ttl)} triples)")
    subject = URIRef(iri)
    doc_out = {blank_free(t) for t in first.triples((subject, None, None))}
    doc_in = {blank_free(t) for t in first.triples((None, None, subject))
              if not str(t[0]).startswith(BASE + "data/")}   # the document's own metadata and reifications
    if doc_out != out:
        problems.append(f"outgoing triples differ from SPARQL: missing {sorted(out - doc_out)[:2]}, "
                        f"extra {sorted(doc_out - out)[:2]}")
    if doc_in != inc:
        problems.append(f"incoming triples differ from SPARQL: missing {sorted(inc - doc_in)[:2]}, "
                        f"extra {sorted(doc_in - inc)[:2]}")
    return problems


def test_every_entity_dereferences_in_every_format(live_server, session, asserted, resources_by_sparql):
    out, inc = asserted
    failures = {}
    for iri in sorted(resources_by_sparql):
        problems = check_entity(live_server, session, iri, out.get(iri, set()), inc.get(iri, set()))
        if problems:
            failures[iri] = problems
    total = len(resources_by_sparql)
    detail = "\n".join(f"{iri}: {'; '.join(p)}" for iri, p in sorted(failures.items())[:10])
    assert not failures, f"{total - len(failures)}/{total} entities and sources pass; failures:\n{detail}"
    assert any(r.startswith(SOURCE) for r in resources_by_sparql), "the sources were crawled too"


@pytest.mark.parametrize("key,entailed", [
    ("agency/natural-resources-canada", ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "http://www.w3.org/ns/org#Organization")),
])
def test_entailed_statements_are_in_documents_marked_as_such(live_server, session, key, entailed):
    """An entailed statement is in the entity's document, its rdf:Statement derived from graph/entailments,
    which the document says was generated by a PROV activity (docs/MODEL.md)."""
    from rdflib.namespace import PROV, RDF

    g = Graph().parse(data=session.get(live_server.url(f"/data/{key}.ttl"), timeout=30).text, format="turtle")
    s, (p, o) = URIRef(BASE + "id/" + key), map(URIRef, entailed)
    assert (s, p, o) in g, f"the entailed {entailed} is not in the document"
    statements = [st for st in g.subjects(RDF.subject, s) if (st, RDF.predicate, p) in g and (st, RDF.object, o) in g]
    assert statements and all(set(g.objects(st, PROV.wasDerivedFrom)) == {URIRef(ENTAILMENTS)} for st in statements), \
        "the entailed statement is not marked as derived from graph/entailments"
    assert next(g.objects(URIRef(ENTAILMENTS), PROV.wasGeneratedBy), None) is not None, \
        "the document does not say how graph/entailments was derived"
