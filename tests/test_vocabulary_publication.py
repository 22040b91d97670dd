"""The vocabulary and the shapes are published for reuse: negotiated formats, generated HTML
documentation where every term IRI lands, versioned immutable snapshots, and a JSON-LD @context
generated from the vocabulary that expands our own JSON-LD to the same triples.
"""
from __future__ import annotations

import json
import re

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from cec_kg.graph import paths
from cec_kg.linkeddata.vocabulary import (CONTEXT_FILE, RELEASES_DIR, SHAPES_IRI, SHAPES_RELEASES, build_context, context_text,
                               shape_files, terms, version_of)

ONTOLOGY = "https://w3id.org/cec-kg/ontology"
FORMATS = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
           "application/n-triples": "nt"}


def ontology_graph() -> Graph:
    return Graph().parse(paths.ONTOLOGY_FILE, format="turtle")


def shapes_graph() -> Graph:
    g = Graph()
    for f in sorted(paths.SHAPES_DIR.glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


def get(server, path, **headers):
    return requests.get(server.url(path), headers=headers, timeout=60)


# -- Files in the repository ---------------------------------------------------------------------

def test_committed_context_is_current():
    expected = context_text(build_context(ontology_graph()))
    assert CONTEXT_FILE.read_text(encoding="utf-8") == expected, \
        "ontology/context.jsonld is stale: run `.venv/bin/python -m cec_kg.linkeddata.vocabulary context`"


def test_context_defines_every_term():
    ctx = json.loads(CONTEXT_FILE.read_text())["@context"]
    for term in terms(ontology_graph()):
        name = str(term).split("#", 1)[1]
        assert name in ctx, f"context lacks {name}"
        defined = ctx[name] if isinstance(ctx[name], str) else ctx[name]["@id"]
        assert defined == f"cec:{name}", (name, defined)


@pytest.mark.parametrize("snapshot", sorted(RELEASES_DIR.glob("*.ttl")) if RELEASES_DIR.exists() else [],
                         ids=lambda p: p.stem)
def test_release_snapshot_names_its_own_version(snapshot):
    g = Graph().parse(snapshot, format="turtle")
    assert version_of(g) == snapshot.stem, f"{snapshot.name} declares owl:versionIRI {version_of(g)}"


def test_current_version_matches_its_snapshot():
    """A released version is immutable: changing cec.ttl means a new owl:versionIRI."""
    current = version_of(ontology_graph())
    assert current, "cec.ttl declares no owl:versionIRI"
    snapshot = RELEASES_DIR / f"{current}.ttl"
    if not snapshot.exists():
        pytest.skip(f"version {current} not released yet (`python -m cec_kg.linkeddata.vocabulary release` freezes it)")
    assert isomorphic(Graph().parse(snapshot, format="turtle"), ontology_graph()), (
        f"cec.ttl changed after {current} was released: bump owl:versionIRI/owl:versionInfo (and owl:priorVersion) "
        "and run `.venv/bin/python -m cec_kg.linkeddata.vocabulary release`")


# -- Over HTTP --------------------------------------------------------------------------------------

@pytest.mark.live
@pytest.mark.parametrize("accept", list(FORMATS))
def test_ontology_negotiates_rdf(live_server, accept):
    r = get(live_server, "/ontology", Accept=accept)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(accept)
    assert "Accept" in r.headers["Vary"] and r.headers.get("ETag")
    g = Graph().parse(data=r.content, format=FORMATS[accept])
    assert isomorphic(g, ontology_graph()), f"{accept} is not the vocabulary of cec.ttl"


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.live
@pytest.mark.parametrize("path", ["/ontology", "/ontology/0.2.0", "/shapes"])
@pytest.mark.parametrize("accept,expected", [(None, "text/turtle"), ("*/*", "text/turtle"),
                                             (BROWSER_ACCEPT, "text/html")])
def test_plain_clients_get_rdf_browsers_html(live_server, path, accept, expected):
    """A client naming no format (urllib, owlready2: no Accept, or */*) gets Turtle, as /id/… answers;
    a browser gets the documentation. Sent with http.client: requests would add its own Accept."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=60)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    if accept is not None:
        conn.putheader("Accept", accept)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 200 and resp.getheader("Content-Type", "").startswith(expected), (resp.status, resp.getheader("Content-Type"))
    if expected == "text/turtle":
        assert len(Graph().parse(data=body, format="turtle")) > 50, f"{path} did not answer the RDF"


@pytest.mark.live
@pytest.mark.parametrize("suffix", ["ttl", "rdf", "jsonld", "nt", "owl"])
def test_ontology_suffixes(live_server, suffix):
    r = get(live_server, f"/ontology.{suffix}")
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] in FORMATS


@pytest.mark.live
@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_ontology_html_is_generated_documentation(live_server, lang):
    r = get(live_server, f"/ontology?lang={lang}", Accept="text/html")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Content-Language"] == lang
    from cec_kg.web.vocabdoc import label_of

    g = ontology_graph()   # generated from the vocabulary, not hand-written: its title and every term's label
    assert label_of(g, URIRef(ONTOLOGY), lang).text in r.text, "the page does not show the vocabulary's title"
    assert all(f'id="{str(t).split("#", 1)[1]}"' in r.text for t in terms(g)), "a term is missing"
    assert '<link rel="alternate" type="text/turtle" href="/ontology.ttl">' in r.text


@pytest.mark.live
def test_every_term_iri_resolves_to_its_place_in_the_documentation(live_server):
    g = ontology_graph()
    html = get(live_server, "/ontology", Accept="text/html").text
    ids = re.findall(r'\sid="([^"]+)"', html)
    ttl = Graph().parse(data=get(live_server, "/ontology", Accept="text/turtle").content, format="turtle")
    missing = []
    for term in terms(g):
        doc, fragment = str(term).split("#", 1)
        assert doc == ONTOLOGY, f"{term} is not in the ontology document's namespace"
        if ids.count(fragment) != 1:
            missing.append(f"{fragment} (anchors: {ids.count(fragment)})")
        assert (term, RDF.type, None) in ttl, f"{term} missing from the Turtle"
    assert not missing, f"terms without exactly one anchor in /ontology: {missing}"
    assert len(terms(g)) > 20


@pytest.mark.live
def test_version_iri_is_served(live_server):
    g = ontology_graph()
    version_iri = next(g.objects(URIRef(ONTOLOGY), OWL.versionIRI))
    path = str(version_iri)[len("https://w3id.org/cec-kg"):]
    r = get(live_server, path, Accept="text/turtle")
    assert r.status_code == 200, f"{version_iri} does not resolve"
    assert (URIRef(ONTOLOGY), OWL.versionIRI, version_iri) in Graph().parse(data=r.content, format="turtle")
    if (RELEASES_DIR / f"{path.rsplit('/', 1)[1]}.ttl").exists():
        assert "immutable" in r.headers["Cache-Control"], "a released snapshot is served as immutable"
    assert get(live_server, path, Accept="text/html").status_code == 200
    assert get(live_server, "/ontology/99.0.0").status_code == 404


@pytest.mark.live
def test_context_is_served_with_cors_and_matches_the_committed_copy(live_server):
    r = get(live_server, "/ontology/context.jsonld", Origin="https://example.org")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/ld+json")
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    assert r.json() == json.loads(CONTEXT_FILE.read_text()), "served context differs from ontology/context.jsonld"


@pytest.mark.live
@pytest.mark.parametrize("key", ["organization/cec", "factual-record/cozumel", "body/jpac", "plan/strategic-plan-2015-2020"])
def test_our_jsonld_uses_the_context_and_expands_to_the_same_triples(live_server, key):
    served_context = get(live_server, "/ontology/context.jsonld").json()["@context"]
    doc = get(live_server, f"/data/{key}.jsonld")
    data = doc.json()
    assert data["@context"] == served_context, "our JSON-LD must use the published context"
    compact_terms = {k for node in data.get("@graph", [data]) for k in node if not k.startswith("@")}
    cec_terms = {k for k, v in served_context.items() if not isinstance(v, str) or v.startswith("cec:")}
    assert compact_terms & cec_terms, f"no term of the context is used: {sorted(compact_terms)[:10]}"
    from_jsonld = Graph().parse(data=doc.content, format="json-ld")
    from_turtle = Graph().parse(data=get(live_server, f"/data/{key}.ttl").content, format="turtle")
    assert isomorphic(from_jsonld, from_turtle), f"{key}: the context does not expand to the Turtle's triples"
    # And independently: compacting the Turtle with the served context and expanding it again round-trips.
    again = from_turtle.serialize(format="json-ld", context=served_context, auto_compact=True)
    assert isomorphic(Graph().parse(data=again, format="json-ld"), from_turtle)


@pytest.mark.live
@pytest.mark.parametrize("accept", list(FORMATS))
def test_shapes_negotiate(live_server, accept):
    r = get(live_server, "/shapes", Accept=accept)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(accept)
    assert isomorphic(Graph().parse(data=r.content, format=FORMATS[accept]), shapes_graph())


@pytest.mark.live
def test_shapes_html_lists_every_named_shape(live_server):
    html = get(live_server, "/shapes", Accept="text/html").text
    g = shapes_graph()
    from rdflib.namespace import SH

    for shape in g.subjects(RDF.type, SH.NodeShape):
        if isinstance(shape, URIRef) and "#" in str(shape):
            assert f'id="{str(shape).split("#", 1)[1]}"' in html, f"{shape} has no anchor on /shapes"


def row_text(page: str, shape: str) -> str:
    return dict(re.findall(r"<tr id=\"([^\"]+)\">(.*?)</tr>", page, re.S))[shape]


@pytest.mark.live
@pytest.mark.parametrize("lang, severities, sample, name", [
    ("en", {"Violation", "Warning"}, "Every entity needs an rdfs:label tagged with the language it is written in",
     "label"),
    ("es", {"Infracción", "Advertencia"}, "Toda entidad necesita un rdfs:label etiquetado con el idioma", "etiqueta"),
    ("fr", {"Violation", "Avertissement"}, "Toute entité a besoin d’un rdfs:label étiqueté avec la langue", "libellé"),
])
def test_shapes_html_speaks_the_readers_language(live_server, lang, severities, sample, name):
    """/shapes in es and fr once had all its message cells empty (the shapes said it in English only) and
    English severities; every row now has its message, in the page's language, and severities translated."""
    import html as htmllib

    page = get(live_server, f"/shapes?lang={lang}", Accept="text/html").text
    rows = re.findall(r"<tr id=\"([^\"]+)\">(.*?)</tr>", page, re.S)
    assert len(rows) > 100, f"{lang}: only {len(rows)} property shapes on /shapes"
    problems = []
    for shape, row in rows:
        message = re.search(r'<td class="message"[^>]*?(?: lang="(\w+)")?>(.*?)</td>', row, re.S)
        if not message or not message.group(2).strip():
            problems.append(f"{shape}: empty message cell")
        elif message.group(1) != lang:
            problems.append(f"{shape}: message in {message.group(1)!r}, not {lang}")
    assert not problems, f"/shapes?lang={lang}:\n" + "\n".join(problems)
    shown = set(re.findall(r'<td class="severity"[^>]*>([^<]*)</td>', page))
    assert shown == severities, f"{lang}: severities {shown}, expected {severities}"
    # (what a message quotes from the vocabulary, rdfs:label here, is shown as code: read the text)
    assert sample in htmllib.unescape(re.sub(r"</?code>", "", page)), \
        f"{lang}: the message of shapes:Entity-label-present is not in {lang}"
    assert "<code>rdfs:label</code> " in row_text(page, "Entity-label-present"), "quoted terms are not code"
    heads = {"en": "CEC Knowledge Graph shapes: core (violations)",
             "es": "Formas del Grafo de conocimiento de la CCA: núcleo (infracciones)",
             "fr": "Formes du graphe de connaissances de la CCE : noyau (violations)"}
    assert f'<li id="core">{heads[lang]}' in htmllib.unescape(page), f"{lang}: the shapes file's title is not in {lang}"
    row = dict(rows)["Entity-label-present"]
    assert re.search(rf'<td data-label="[^"]+">{name}</td>', row), f"{lang}: the shape's name is not in {lang}: {row}"
    # Paths wrap between steps or alternatives only (the <wbr>s), never mid-name: "skos:prefLa/bel".
    assert "<code>skos:prefLabel</code>" in page and "<code>rdfs:label|<wbr>skos:prefLabel|<wbr>" in page


@pytest.mark.parametrize("g_text,expected", [
    ("ex:s sh:path [ sh:alternativePath ( ex:a ex:b [ sh:inversePath ex:c ] ) ] .", "ex:a|ex:b|^ex:c"),
    ("ex:s sh:path ( ex:a [ sh:zeroOrMorePath ex:b ] ) .", "ex:a/ex:b*"),
    ("ex:s sh:path [ sh:inversePath ( ex:a ex:b ) ] .", "^(ex:a/ex:b)"),
    ("ex:s sh:path ex:a .", "ex:a"),
])
def test_shacl_paths_read_as_sparql_paths(g_text, expected):
    """The /shapes page showed a blank-node path as its random node label (a different one in each
    serving process): paths read as SPARQL property paths."""
    from rdflib.namespace import SH

    from cec_kg.web.documents import path_text

    g = Graph().parse(data="@prefix ex: <http://example.org/> . @prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                      + g_text, format="turtle")
    assert path_text(g, next(g.objects(None, SH.path))) == expected


def shapes_version_iri(g: Graph) -> str:
    return str(next(g.objects(None, OWL.versionIRI)))


@pytest.mark.parametrize("snapshot", sorted(SHAPES_RELEASES.glob("*/*.ttl")) if SHAPES_RELEASES.exists() else [],
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shapes_snapshot_names_its_own_version(snapshot):
    g = Graph().parse(snapshot, format="turtle")
    assert shapes_version_iri(g) == f"{SHAPES_IRI}/{snapshot.parent.name}/{snapshot.stem}"


@pytest.mark.parametrize("path", shape_files(), ids=lambda p: p.stem)
def test_current_shapes_match_their_snapshot(path):
    g = Graph().parse(path, format="turtle")
    version, name = shapes_version_iri(g)[len(SHAPES_IRI) + 1:].split("/", 1)
    snapshot = SHAPES_RELEASES / version / f"{name}.ttl"
    if not snapshot.exists():
        pytest.skip(f"shapes {version}/{name} not released yet")
    assert isomorphic(Graph().parse(snapshot, format="turtle"), g), (
        f"{path.name} changed after {version} was released: bump its owl:versionIRI and run "
        "`.venv/bin/python -m cec_kg.linkeddata.vocabulary release shapes`")


@pytest.mark.live
@pytest.mark.parametrize("path", shape_files(), ids=lambda p: p.stem)
def test_every_shapes_version_iri_resolves(live_server, path):
    g = Graph().parse(path, format="turtle")
    version_iri = shapes_version_iri(g)
    assert version_iri.startswith(SHAPES_IRI + "/"), f"{path.name}: versionIRI {version_iri} is not under /shapes/"
    r = get(live_server, version_iri[len("https://w3id.org/cec-kg"):], Accept="text/turtle")
    assert r.status_code == 200, f"{version_iri} does not resolve"
    assert isomorphic(Graph().parse(data=r.content, format="turtle"), g)
    html = get(live_server, "/shapes", Accept="text/html").text
    for header in g.subjects(RDF.type, OWL.Ontology):
        assert f'id="{str(header).split("#", 1)[1]}"' in html, f"{header} has no anchor on /shapes"


@pytest.mark.live
@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_ontology_page_has_a_reuse_section(live_server, lang):
    """How to import (the current version IRI), the prefix, the JSON-LD context, how to cite, and every
    cec: term with the standard terms it refines, read from the vocabulary (issue 13)."""
    from rdflib.namespace import DCTERMS

    from cec_kg.linkeddata.vocabulary import refinements

    g = ontology_graph()
    html = get(live_server, f"/ontology?lang={lang}", Accept="text/html").text
    assert 'id="reuse"' in html, "no reuse section on /ontology"
    section = html[html.index('id="reuse"'):]
    onto = URIRef("https://w3id.org/cec-kg/ontology")
    assert f"owl:imports &lt;{g.value(onto, OWL.versionIRI)}&gt;" in section, "the import names another version"
    assert "@prefix cec: &lt;https://w3id.org/cec-kg/ontology#&gt;" in section
    assert "https://w3id.org/cec-kg/ontology/context.jsonld" in section
    assert str(g.value(onto, DCTERMS.bibliographicCitation)) in section, "the citation is not the header's"
    for term, supers in refinements(g):
        name = str(term).rsplit("#", 1)[1]
        row = section.split(f'<code>cec:{name}</code>', 1)[1].split("</tr>", 1)[0]
        for s in supers:
            assert f"<code>{g.namespace_manager.normalizeUri(s)}</code>" in row, f"cec:{name} should show {s}"
    assert len([1 for _, supers in refinements(g) if supers]) == len(refinements(g)), \
        "every cec: term refines a standard term (DESIGN.md)"
