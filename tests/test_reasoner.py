"""OWL 2 DL, checked the way a reuser meets it: HermiT (through owlready2, on Java) finds the vocabulary,
and the vocabulary with the served data, consistent, with no unsatisfiable class and no datatype refused.

HermiT accepts only the datatypes of the OWL 2 datatype map (https://www.w3.org/TR/owl2-syntax/#Datatype_Maps):
an axiom naming xsd:date or xsd:duration makes it refuse the whole ontology. So the vocabulary names none
(its ranges are rdfs:Literal where the data needs more; shapes/core.ttl checks those datatypes). The data
keeps the XSD datatypes its sources give (a year stays an xsd:gYear, no day is invented); the table below
lists them, and HermiT is handed those values as plain literals of the same lexical form, the datatype
being the only thing left out. The probes at the end show that the check fails on each kind of defect.
"""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from cec_kg.graph import build, paths
from cec_kg.graph.namespaces import CEC

try:
    import owlready2
except ImportError:  # the [test] extras install it; a bare environment skips (CI fails) below
    owlready2 = None

# The OWL 2 datatype map (OWL 2 Structural Specification, section 4), plus rdfs:Literal, which OWL 2
# allows as the datatype of every literal. Language-tagged literals are rdf:PlainLiteral values in OWL 2.
OWL2_DATATYPES = {XSD[name] for name in (
    "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int short "
    "byte unsignedLong unsignedInt unsignedShort unsignedByte double float string normalizedString token "
    "language Name NCName NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp").split()} | {
    OWL.real, OWL.rational, RDF.PlainLiteral, RDF.XMLLiteral, RDFS.Literal}

# Datatypes of the served data's literals that the OWL 2 datatype map lacks, each with why the data keeps
# it (the facts as precise as their sources, no more). The vocabulary names none of them.
OUTSIDE_THE_MAP = {
    XSD.date: "days the CEC registries give: filing and release dates (cec:dateFiled, dcterms:dateSubmitted, dcterms:issued)",
    XSD.gYear: "years as the seed gives them, no day invented (dcterms:issued, schema:foundingDate, time:inXSDgYear)",
    XSD.gYearMonth: "months as the sources give them (\"In January 2026\", \"In July 2017\", registry months)",
    XSD.duration: "the Council \"meets at least once a year\": cec:minimumMeetingFrequency \"P1Y\"",
}

JAVA_HOW = "install Debian's default-jre-headless; .ci/run does, as root"


def require_reasoner() -> None:
    """HermiT needs owlready2 and a `java` on PATH: skip saying which is missing (never in CI)."""
    missing = []
    if owlready2 is None:
        missing.append("owlready2 (pip install -e '.[test]')")
    elif shutil.which(owlready2.JAVA_EXE) is None:
        missing.append(f"java ({JAVA_HOW})")
    if missing:
        reason = "HermiT cannot run: missing " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} in CI")
        pytest.skip(reason)


@dataclass
class Verdict:
    refused: str | None = None                 # the datatype IRI HermiT refused
    inconsistent: bool = False
    unsatisfiable: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        out = []
        if self.refused:
            out.append(f"HermiT refused the datatype {self.refused} (not in the OWL 2 datatype map)")
        if self.inconsistent:
            out.append("HermiT found it inconsistent")
        if self.unsatisfiable:
            out.append(f"unsatisfiable classes (equivalent to owl:Nothing): {self.unsatisfiable}")
        return out


REFUSED = re.compile(r"UnsupportedDatatypeException.*?The datatype '([^']+)'", re.S)


def hermit(g: Graph, workdir: Path) -> Verdict:
    """Run HermiT through owlready2 on the graph (written as N-Triples, which owlready2 loads natively)."""
    source = workdir / "input.nt"
    g.serialize(source, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(source.as_uri()).load()
    try:
        owlready2.sync_reasoner_hermit(world, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return Verdict(inconsistent=True)
    except owlready2.OwlReadyJavaError as e:
        if m := REFUSED.search(str(e)):
            return Verdict(refused=m.group(1))
        raise
    return Verdict(unsatisfiable=sorted(c.iri for c in world.inconsistent_classes()))


def datatypes_named(g: Graph) -> dict[URIRef, list[str]]:
    """Every datatype the graph names (as a literal's datatype or as an IRI, e.g. a range), with where."""
    found: dict[URIRef, list[str]] = {}
    for s, p, o in g:
        if isinstance(o, Literal):
            datatype = o.datatype                  # None for plain and language-tagged literals
        else:
            datatype = o if str(o).startswith(str(XSD)) or o in OWL2_DATATYPES | {RDF.langString} else None
        if datatype is not None:
            found.setdefault(datatype, []).append(" ".join(t.n3(g.namespace_manager) for t in (s, p, o)))
    return found


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    return Graph().parse(paths.ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def served() -> Graph:
    """The dataset `cec-kg build` assembles (vocabulary, sources, provenance, entailments), merged."""
    ds = Dataset()
    ds.parse(build.built_nquads(), format="nquads")
    g = Graph()
    g.namespace_manager = Graph().parse(paths.ONTOLOGY_FILE, format="turtle").namespace_manager
    for s, p, o, _graph in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def as_plain(g: Graph) -> Graph:
    """The graph with the values of OUTSIDE_THE_MAP datatypes as plain literals of the same lexical form."""
    out = Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype in OUTSIDE_THE_MAP:
            o = Literal(str(o))
        out.add((s, p, o))
    return out


# -- Without a reasoner: the datatypes named -----------------------------------------------------------

def test_vocabulary_names_only_datatypes_of_the_owl2_map(vocabulary):
    """In axioms and annotation values alike: OWL 2 DL requires no other datatype of a tool."""
    stray = {dt: uses for dt, uses in datatypes_named(vocabulary).items() if dt not in OWL2_DATATYPES}
    assert not stray, "ontology/cec.ttl names datatypes outside the OWL 2 datatype map (use rdfs:Literal and " \
        "check the datatype in shapes/core.ttl): " + "; ".join(f"{dt}: {uses[:3]}" for dt, uses in stray.items())


def test_served_data_datatypes_outside_the_map_are_the_known_ones(served):
    named = {dt for dt in datatypes_named(served) if dt not in OWL2_DATATYPES}
    unknown, stale = named - set(OUTSIDE_THE_MAP), set(OUTSIDE_THE_MAP) - named
    assert not unknown, f"the served data uses datatypes outside the OWL 2 datatype map not in OUTSIDE_THE_MAP " \
        f"(add each with its reason, or use a datatype of the map): {sorted(unknown)}"
    assert not stale, f"OUTSIDE_THE_MAP lists datatypes the served data no longer uses: {sorted(stale)}"


# -- HermiT --------------------------------------------------------------------------------------------

@pytest.mark.reasoner
@pytest.mark.parametrize("what", ["vocabulary", "vocabulary+served-data"])
def test_hermit_finds_it_consistent_and_satisfiable(what, vocabulary, served, tmp_path):
    require_reasoner()
    g = vocabulary if what == "vocabulary" else as_plain(served)
    problems = hermit(g, tmp_path).problems()
    assert not problems, f"{what}: " + "; ".join(problems)


PROBES = {
    # Vocabulary 0.2.0's range of cec:dateFiled.
    "datatype-outside-the-map": ("cec:dateFiled rdfs:range xsd:date .", "refused the datatype " + str(XSD.date)),
    "unsatisfiable-class": ("cec:GoverningBody owl:disjointWith cec:Body .", str(CEC.GoverningBody)),
    "inconsistent-data": ("cec:Party owl:disjointWith cec:Post . <https://w3id.org/cec-kg/id/x> a cec:Party , cec:Post .",
                          "inconsistent"),
}


@pytest.mark.reasoner
@pytest.mark.parametrize("defect", list(PROBES))
def test_the_hermit_check_bites(defect, vocabulary, tmp_path):
    """Each kind of defect, added to a copy of the vocabulary, is reported by the check above."""
    require_reasoner()
    turtle, expected = PROBES[defect]
    g = Graph()
    for t in vocabulary:
        g.add(t)
    g.parse(data="@prefix cec: <https://w3id.org/cec-kg/ontology#> . @prefix owl: <http://www.w3.org/2002/07/owl#> ."
            " @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."
            + turtle, format="turtle")
    problems = hermit(g, tmp_path).problems()
    assert any(expected in p for p in problems), f"{defect}: expected a problem mentioning {expected!r}, got {problems}"
