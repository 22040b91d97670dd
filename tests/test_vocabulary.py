"""Vocabulary lint: every cec: term labelled and defined in en/es/fr, aligned to a standard term as
docs/MODEL.md says, no cec: term used anywhere that the vocabulary does not define, a proper header."""
from __future__ import annotations

import re
import tomllib

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VANN

from cec_kg.graph import paths
from cec_kg.graph.namespaces import CEC, ONTOLOGY_IRI, PREFIXES
from conftest import repository_files

KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
LANGS = ("en", "es", "fr")
ONTOLOGY = Graph().parse(paths.ONTOLOGY_FILE, format="turtle")
TERMS = sorted({t for k in KINDS for t in ONTOLOGY.subjects(RDF.type, k) if str(t).startswith(str(CEC))})
DEFINED = {t.split("#", 1)[1] for t in map(str, TERMS)}
MODEL = (paths.ROOT / "docs" / "MODEL.md").read_text(encoding="utf-8")


def local(term) -> str:
    return str(term).split("#", 1)[1]


def expand(curie: str) -> URIRef:
    prefix, name = curie.split(":", 1)
    return URIRef(PREFIXES[prefix] + name)


def test_the_vocabulary_defines_terms():
    assert len(TERMS) >= 40, f"only {len(TERMS)} cec: terms in {paths.ONTOLOGY_FILE}"


# -- Every term annotated the same way ---------------------------------------------------------------

@pytest.mark.parametrize("term", TERMS, ids=[local(t) for t in TERMS])
def test_term_annotations(term):
    problems = []
    for prop, name in ((RDFS.label, "rdfs:label"), (SKOS.definition, "skos:definition")):
        values = list(ONTOLOGY.objects(term, prop))
        for lang in LANGS:
            n = sum(1 for v in values if isinstance(v, Literal) and v.language == lang)
            if n != 1:
                problems.append(f"{n} {name}@{lang} (need exactly one)")
        untagged = [v for v in values if not (isinstance(v, Literal) and v.language in LANGS)]
        if untagged:
            problems.append(f"{name} values without an en/es/fr tag: {untagged}")
    if (term, RDFS.isDefinedBy, URIRef(ONTOLOGY_IRI)) not in ONTOLOGY:
        problems.append(f"no rdfs:isDefinedBy <{ONTOLOGY_IRI}>")
    en = next((v for v in ONTOLOGY.objects(term, RDFS.label) if getattr(v, "language", None) == "en"), None)
    if en is not None:
        is_class = (term, RDF.type, OWL.Class) in ONTOLOGY
        if is_class and not str(en)[0].isupper():
            problems.append(f"class label {en!r} should be Title Case")
        if not is_class and not str(en)[0].islower():
            problems.append(f"property label {en!r} should be lower case")
    assert not problems, f"cec:{local(term)}: " + "; ".join(problems)


# -- Every minted term refines a standard one --------------------------------------------------------

def standard_supers(term) -> set[URIRef]:
    """Non-cec super-terms reachable through rdfs:subClassOf / rdfs:subPropertyOf."""
    seen, todo, out = set(), [term], set()
    while todo:
        t = todo.pop()
        for p in (RDFS.subClassOf, RDFS.subPropertyOf):
            for s in ONTOLOGY.objects(t, p):
                if s in seen or not isinstance(s, URIRef):
                    continue
                seen.add(s)
                if str(s).startswith(str(CEC)):
                    todo.append(s)
                else:
                    out.add(s)
    return out


@pytest.mark.parametrize("term", TERMS, ids=[local(t) for t in TERMS])
def test_term_aligned_to_a_standard_term(term):
    assert standard_supers(term), f"cec:{local(term)} refines no standard term (docs/MODEL.md: mint only to refine one)"


def model_rows() -> list[tuple[list[str], list[str]]]:
    """(cec terms, stated super-terms) of every row of MODEL.md's two 'minted' tables."""
    rows = []
    for line in MODEL.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("cec:"):
            terms = re.findall(r"cec:(\w+)", cells[0])
            supers = re.findall(r"\b([a-z]+:[A-Za-z]\w*)", cells[1])
            rows.append((terms, [s for s in supers if s.split(":")[0] in PREFIXES]))
    return rows


MODEL_ROWS = model_rows()


@pytest.mark.parametrize("terms,supers", MODEL_ROWS, ids=["/".join(t) for t, _ in MODEL_ROWS])
def test_model_contract(terms, supers):
    """docs/MODEL.md is the contract: each listed term exists with the super-terms it states."""
    for name in terms:
        term = CEC[name]
        assert name in DEFINED, f"docs/MODEL.md lists cec:{name}, {paths.ONTOLOGY_FILE.name} does not define it"
        declared = set(ONTOLOGY.objects(term, RDFS.subClassOf)) | set(ONTOLOGY.objects(term, RDFS.subPropertyOf))
        missing = [s for s in supers if expand(s) not in declared]
        assert not missing, f"cec:{name}: docs/MODEL.md states super-terms {missing} the vocabulary does not declare"


def test_vocabulary_mints_nothing_beyond_the_model():
    listed = {n for terms, _ in MODEL_ROWS for n in terms}
    extra = sorted(DEFINED - listed)
    assert not extra, f"terms in the vocabulary but not in docs/MODEL.md (the contract): {extra}"


# -- No undefined cec: term anywhere -----------------------------------------------------------------

SCANNED = {".ttl", ".trig", ".rq", ".jsonld"}
USE = re.compile(r"(?:\bcec:|<https://w3id\.org/cec-kg/ontology#|\"https://w3id\.org/cec-kg/ontology#)([A-Za-z][\w-]*)")



FILES = repository_files(SCANNED)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(paths.ROOT)) for p in FILES])
def test_no_undefined_cec_term(path):
    used = set(USE.findall(path.read_text(encoding="utf-8")))
    undefined = sorted(u for u in used if u not in DEFINED)
    assert not undefined, f"{path.relative_to(paths.ROOT)} uses cec: terms the vocabulary does not define: {undefined}"


# -- Header ------------------------------------------------------------------------------------------

def test_ontology_header():
    o = URIRef(ONTOLOGY_IRI)
    assert (o, RDF.type, OWL.Ontology) in ONTOLOGY, f"no <{ONTOLOGY_IRI}> a owl:Ontology"
    version = str(ONTOLOGY.value(o, OWL.versionInfo))
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"owl:versionInfo {version!r} is not a semantic version"
    assert ONTOLOGY.value(o, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{version}"), \
        f"owl:versionIRI must be <{ONTOLOGY_IRI}/{version}> (DESIGN: versioned with owl:versionIRI …/ontology/{{version}})"
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version == project, f"vocabulary version {version} differs from the project's {project}"
    assert str(ONTOLOGY.value(o, VANN.preferredNamespacePrefix)) == "cec", "vann:preferredNamespacePrefix must be \"cec\""
    assert str(ONTOLOGY.value(o, VANN.preferredNamespaceUri)) == str(CEC), f"vann:preferredNamespaceUri must be {CEC}"
    assert ONTOLOGY.value(o, DCTERMS.license) is not None, "the vocabulary needs a dcterms:license"
    titles = {t.language for t in ONTOLOGY.objects(o, DCTERMS.title)}
    assert set(LANGS) <= titles, f"dcterms:title needed in {LANGS}, found {sorted(map(str, titles))}"


def test_references_resolve():
    """Super-terms, domains, ranges and inverses inside cec: are defined terms."""
    bad = []
    for p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf):
        for s, o in ONTOLOGY.subject_objects(p):
            if str(o).startswith(str(CEC)) and local(o) not in DEFINED:
                bad.append(f"cec:{local(s)} {p.n3(ONTOLOGY.namespace_manager)} cec:{local(o)}")
    assert not bad, "references to undefined cec: terms: " + "; ".join(bad)


# -- The README's reuse table ------------------------------------------------------------------------

README = paths.ONTOLOGY_DIR / "README.md"
REUSE_COLUMNS = {"org": "W3C ORG", "schema": "schema.org", "prov": "PROV-O", "dcterms": "Dublin Core", "skos": "SKOS"}
KIND_NAMES = {OWL.Class: "class", OWL.ObjectProperty: "object property", OWL.DatatypeProperty: "datatype property",
              OWL.AnnotationProperty: "annotation property"}


def curie(term) -> str:
    for prefix, ns in PREFIXES.items():
        if prefix != "id" and str(term).startswith(ns):
            return f"{prefix}:{str(term)[len(ns):]}"
    return f"<{term}>"


def reuse_table() -> list[str]:
    """The mapping table of ontology/README.md, generated from the vocabulary: each cec: term, the cec:
    terms it refines directly, and every standard term it refines (directly or through those), by
    vocabulary: what a consumer who knows only that vocabulary finds our data as."""
    header = ["cec: term", "kind", "refines (cec:)", *REUSE_COLUMNS.values()]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for term in sorted(TERMS, key=lambda t: ((t, RDF.type, OWL.Class) not in ONTOLOGY, local(t).lower())):
        kind = next(KIND_NAMES[k] for k in KINDS if (term, RDF.type, k) in ONTOLOGY)
        direct = sorted(curie(s) for p in (RDFS.subClassOf, RDFS.subPropertyOf) for s in ONTOLOGY.objects(term, p)
                        if str(s).startswith(str(CEC)))
        columns: dict[str, list[str]] = {prefix: [] for prefix in REUSE_COLUMNS}
        for s in standard_supers(term):
            prefix = curie(s).split(":")[0]
            assert prefix in columns, f"cec:{local(term)} refines {curie(s)}: add its vocabulary to REUSE_COLUMNS"
            columns[prefix].append(curie(s))
        cells = [f"`cec:{local(term)}`", kind] + [", ".join(f"`{c}`" for c in sorted(v)) for v in [direct, *columns.values()]]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def test_readme_reuse_table_is_generated_from_the_vocabulary():
    """Every term with every super-term it declares, so the README cannot drift from cec.ttl."""
    text = README.read_text(encoding="utf-8")
    expected = reuse_table()
    start = text.find(expected[0])
    assert start >= 0, "ontology/README.md lacks the reuse table; it is:\n" + "\n".join(expected)
    found = text[start:].split("\n\n", 1)[0].splitlines()
    assert found == expected, "ontology/README.md's reuse table differs from the vocabulary; it is:\n" + "\n".join(expected)


def test_readme_reuse_names_the_current_version_and_citation():
    """The import example and the citation follow the header, release after release (not copied forward)."""
    text = README.read_text(encoding="utf-8")
    o = URIRef(ONTOLOGY_IRI)
    version_iri = ONTOLOGY.value(o, OWL.versionIRI)
    citation = str(ONTOLOGY.value(o, DCTERMS.bibliographicCitation))
    assert f"owl:imports <{version_iri}>" in text, f"ontology/README.md's import example must name <{version_iri}>"
    assert citation in text, f"ontology/README.md must quote the header's citation: {citation}"
    assert str(version_iri) + ".owl" in text, "the owlready2 example must load the current version"
