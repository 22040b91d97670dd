"""Generate the sourced graphs from ../shared/sources/*.csv: one named graph per CSV row, plus the
provenance graph that describes every source graph (the seed's included).

Writes ``data/sources/factual-records-registry.trig``, ``article-13-reports.trig``,
``identifiers.trig``, ``names.trig`` and ``data/provenance.ttl``. The generated files are committed, so the project
works without ../shared; ``tests/test_sources.py`` regenerates them in memory and checks that the
committed files are isomorphic to what this script makes. Run from the repository:

    .venv/bin/python data/sources/build.py            # (re)write the files
    .venv/bin/python data/sources/build.py --check    # exit 1 if a committed file is out of date

Rules (data/README.md): a blank cell is left out, never guessed; a cell with ``;`` holds several
values (paired by position with the cells beside it); "YYYY-MM-DD" is xsd:date, "YYYY-MM"
xsd:gYearMonth; external IRIs only from identifiers.csv.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from cec_kg.graph import paths
from cec_kg.graph.namespaces import CEC, ID, SDO, SEED_GRAPH, SOURCE

SOURCES_DIR = paths.DATA_DIR / "sources"
PROVENANCE_FILE = paths.DATA_DIR / "provenance.ttl"
SEED_FILE = "seed/000_a79237b49b1b0195.txt"  # relative to ../shared
WIKIPEDIA_ARTICLE = URIRef("https://en.wikipedia.org/wiki/Commission_for_Environmental_Cooperation")

# The Party cells of the registry, and the entities identifiers.csv names, as graph IRIs.
PARTIES = {"Canada": ID["party/canada"], "Mexico": ID["party/mexico"], "United States": ID["party/united-states"]}
ENTITIES = {
    **PARTIES,
    "Montreal": ID["place/montreal"],
    "Quebec": ID["place/quebec"],
    "Natural Resources Canada": ID["agency/natural-resources-canada"],
    "Commission for Environmental Cooperation": ID["organization/cec"],
    "North American Agreement on Environmental Cooperation": ID["agreement/naaec"],
    "North American Free Trade Agreement": ID["agreement/nafta"],
    "United States Environmental Protection Agency": ID["agency/us-epa"],
    "United States Geological Survey": ID["agency/usgs"],
    "Instituto Nacional de Estadística y Geografía": ID["agency/inegi"],
    # The seed's "Semarnat" / "Mexican Secretary of Environment and Natural Resources": same agency.
    "Secretariat of Environment and Natural Resources": ID["agency/semarnat"],
    "Environment and Climate Change Canada": ID["agency/environment-and-climate-change-canada"],
    "Michael S. Regan": ID["person/michael-s-regan"],
    "Alicia Bárcena": ID["person/alicia-barcena"],
    "Steven Guilbeault": ID["person/steven-guilbeault"],
}
# Entities that only identifiers.csv names (not the seed): they get their type and name there.
NOT_IN_SEED = {ID["agency/environment-and-climate-change-canada"]: CEC.GovernmentAgency}
SCHEME_IRI = {
    "wikidata": "http://www.wikidata.org/entity/{}",
    "ror": "https://ror.org/{}",
    "dbpedia": "http://dbpedia.org/resource/{}",
}

PREFIXES = {
    "cec": str(CEC), "dcterms": str(DCTERMS), "owl": str(OWL), "prov": str(PROV), "rdf": str(RDF),
    "rdfs": str(RDFS), "schema": str(SDO), "skos": str(SKOS), "xsd": str(XSD),
}


def slug(text: str) -> str:
    """Lower-case ASCII slug of an English name (accents dropped): "Río Magdalena" -> "rio-magdalena"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def report_slug(title: str) -> str:
    """Article 13 reports are named by their short title, before the colon or question mark."""
    return slug(re.split(r"[:?]", title, maxsplit=1)[0])


def dbpedia_title(title: str) -> str:
    """A Wikipedia title as DBpedia's IRI path: spaces as underscores, non-ASCII kept (IRIs, not
    URIs), and only the characters an IRI path cannot hold (or that would end it) percent-encoded."""
    out = []
    for ch in title.replace(" ", "_"):
        if ch in '"<>\\^`{|}%?#' or ord(ch) < 0x21:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return "".join(out)


def typed_date(value: str) -> Literal:
    """"2002-02" -> xsd:gYearMonth, "1997-10-25" -> xsd:date, "1998" -> xsd:gYear; nothing else."""
    for pattern, datatype in ((r"\d{4}-\d{2}-\d{2}", XSD.date), (r"\d{4}-\d{2}", XSD.gYearMonth), (r"\d{4}", XSD.gYear)):
        if re.fullmatch(pattern, value):
            return Literal(value, datatype=datatype)
    raise ValueError(f"not a date, year-month or year: {value!r}")


def cells(value: str) -> list[str]:
    """The values of one cell: none when blank, several when separated by ';'."""
    return [v.strip() for v in value.split(";") if v.strip()]


def read_csv(shared: Path, name: str) -> list[dict[str, str]]:
    with (shared / "sources" / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass
class Generated:
    """The generated sourced graphs and the provenance graph, before serialisation."""

    files: dict[str, Dataset] = field(default_factory=dict)  # file name -> dataset of named graphs
    headers: dict[str, str] = field(default_factory=dict)
    provenance: Graph = field(default_factory=Graph)


def seed_labels() -> dict[URIRef, set[str]]:
    """English preferred labels the seed gives (to add identifiers.csv's other names as altLabels)."""
    g = Graph()
    for p in sorted((paths.DATA_DIR / "seed").glob("*.ttl")):
        g.parse(p, format="turtle")
    labels: dict[URIRef, set[str]] = {}
    for s, o in g.subject_objects(SKOS.prefLabel):
        labels.setdefault(s, set()).add(str(o))
    return labels


def describe_source(prov: Graph, graph: URIRef, title: str, citation: str, part_of: URIRef, subject: URIRef) -> None:
    prov.add((graph, RDF.type, CEC.Source))
    prov.add((graph, RDFS.label, Literal(title, lang="en")))
    prov.add((graph, DCTERMS.title, Literal(title, lang="en")))
    prov.add((graph, DCTERMS.bibliographicCitation, Literal(citation)))
    prov.add((graph, DCTERMS.isPartOf, part_of))
    prov.add((graph, PROV.wasDerivedFrom, part_of))
    prov.add((graph, DCTERMS.subject, subject))


def describe_csv(prov: Graph, source: URIRef, name: str, title: str, description: str) -> None:
    prov.add((source, RDF.type, CEC.Source))
    prov.add((source, RDFS.label, Literal(title, lang="en")))
    prov.add((source, DCTERMS.title, Literal(title, lang="en")))
    prov.add((source, DCTERMS.identifier, Literal(f"sources/{name}")))
    prov.add((source, DCTERMS.description, Literal(description, lang="en")))


def describe_seed(prov: Graph) -> None:
    """The seed document: the English Wikipedia article "Commission for Environmental Cooperation"
    (identifiers.csv: "the seed document is that article"); no retrieval date is known, none given."""
    title = 'Wikipedia article "Commission for Environmental Cooperation" (English), the seed document'
    prov.add((SEED_GRAPH, RDF.type, CEC.Source))
    prov.add((SEED_GRAPH, RDFS.label, Literal(title, lang="en")))
    prov.add((SEED_GRAPH, DCTERMS.title, Literal(title, lang="en")))
    prov.add((SEED_GRAPH, DCTERMS.bibliographicCitation,
              Literal('Wikipedia contributors, "Commission for Environmental Cooperation", English Wikipedia, '
                      f'{WIKIPEDIA_ARTICLE} (retrieval date not recorded).')))
    prov.add((SEED_GRAPH, DCTERMS.identifier, Literal(SEED_FILE)))
    prov.add((SEED_GRAPH, DCTERMS.language, Literal("en")))
    prov.add((SEED_GRAPH, PROV.wasDerivedFrom, WIKIPEDIA_ARTICLE))
    prov.add((WIKIPEDIA_ARTICLE, RDF.type, PROV.Entity))
    prov.add((WIKIPEDIA_ARTICLE, RDFS.label, Literal("Commission for Environmental Cooperation (English Wikipedia)", lang="en")))
    prov.add((WIKIPEDIA_ARTICLE, DCTERMS.title, Literal("Commission for Environmental Cooperation", lang="en")))


def registry(shared: Path, out: Generated) -> None:
    name = "factual-records-registry.csv"
    file_source = SOURCE["factual-records-registry"]
    describe_csv(out.provenance, file_source, name, "CEC registry of submissions on enforcement matters (factual records)",
                 "For each factual record in the seed's table, the Submission on Enforcement Matters identifiers, "
                 "the Party concerned, the filing and release dates, from the CEC's registry of submissions.")
    ds = Dataset()
    for row in read_csv(shared, name):
        record = ID[f"factual-record/{slug(row['seed_title'])}"]
        submissions, filed = cells(row["submission_ids"]), cells(row["date_filed"])
        parties, released = cells(row["party_concerned"]), cells(row["factual_record_released"])
        if not (submissions or filed or parties or released):
            continue  # nothing sourced in this row ("no registry source found yet: leave unknown")
        if filed and len(filed) != len(submissions):
            raise ValueError(f"{row['seed_title']}: {len(submissions)} submissions but {len(filed)} filing dates")
        graph_iri = SOURCE[f"factual-records-registry/{slug(row['seed_title'])}"]
        g = ds.graph(graph_iri)
        for i, identifier in enumerate(submissions):
            submission = ID[f"submission/{identifier.lower()}"]
            g.add((record, CEC.submission, submission))
            g.add((submission, RDF.type, CEC.Submission))
            g.add((submission, RDFS.label, Literal(f"Submission {identifier}", lang="en")))
            g.add((submission, DCTERMS.identifier, Literal(identifier)))
            if filed:
                g.add((submission, CEC.dateFiled, typed_date(filed[i])))
            for party in parties:
                g.add((submission, CEC.partyConcerned, PARTIES[party]))
        for party in parties:
            g.add((record, CEC.partyConcerned, PARTIES[party]))
        for date in released:
            g.add((record, DCTERMS.issued, typed_date(date)))
        describe_source(out.provenance, graph_iri, f"CEC registry of submissions: factual record \u201c{row['seed_title']}\u201d",
                        row["source"], file_source, record)
    out.files["factual-records-registry.trig"] = ds
    out.headers["factual-records-registry.trig"] = (
        "Submissions on enforcement matters behind each factual record: identifiers, Party concerned,\n"
        "filing dates, and the factual record's release date. One named graph per row of\n"
        f"../shared/sources/{name}; a blank cell is left out.")


def article_13(shared: Path, out: Generated) -> None:
    name = "article-13-reports.csv"
    file_source = SOURCE["article-13-reports"]
    describe_csv(out.provenance, file_source, name, "Publication dates and ISBNs of the Article 13 reports",
                 "Publication dates and ISBNs of the eight Article 13 reports.")
    ds = Dataset()
    for row in read_csv(shared, name):
        report = ID[f"article-13-report/{report_slug(row['seed_title'])}"]
        graph_iri = SOURCE[f"article-13-reports/{report_slug(row['seed_title'])}"]
        g = ds.graph(graph_iri)
        for date in cells(row["published"]):
            g.add((report, DCTERMS.issued, typed_date(date)))
        for isbn in cells(row["isbn"]):
            g.add((report, SDO.isbn, Literal(isbn)))
        if len(g):
            describe_source(out.provenance, graph_iri, f"Publication data of the Article 13 report \u201c{row['seed_title']}\u201d",
                            row["source"], file_source, report)
    out.files["article-13-reports.trig"] = ds
    out.headers["article-13-reports.trig"] = (
        "Publication dates and ISBNs of the Article 13 reports. One named graph per row of\n"
        f"../shared/sources/{name}; a blank cell is left out.")


def identifiers(shared: Path, out: Generated) -> None:
    name = "identifiers.csv"
    file_source = SOURCE["identifiers"]
    describe_csv(out.provenance, file_source, name, "External identifiers of entities of the graph",
                 "External identifiers confirmed for entities of the graph (Wikidata, ROR, and English Wikipedia "
                 "titles, which give DBpedia IRIs http://dbpedia.org/resource/{title}).")
    labels = seed_labels()
    ds = Dataset()
    for row in read_csv(shared, name):
        entity = ENTITIES[row["entity"]]
        scheme = row["scheme"]
        target = SCHEME_IRI[scheme].format(dbpedia_title(row["identifier"]) if scheme == "dbpedia" else row["identifier"])
        graph_iri = SOURCE[f"identifiers/{entity.removeprefix(str(ID))}/{scheme}"]
        g = ds.graph(graph_iri)
        g.add((entity, OWL.sameAs, URIRef(target)))
        # The name the row gives: the entity's name where the seed has none, else another name for it.
        entity_name = Literal(row["entity"], lang="en")
        if entity in NOT_IN_SEED:
            g.add((entity, RDF.type, NOT_IN_SEED[entity]))
            g.add((entity, RDFS.label, entity_name))
            g.add((entity, SKOS.prefLabel, entity_name))
        elif row["entity"] not in labels.get(entity, set()):
            g.add((entity, SKOS.altLabel, entity_name))
        describe_source(out.provenance, graph_iri, f"{scheme} identifier of {row['entity']}", row["source"], file_source, entity)
    out.files["identifiers.trig"] = ds
    out.headers["identifiers.trig"] = (
        "External identifiers (owl:sameAs to Wikidata, ROR and DBpedia IRIs) and the names the rows give.\n"
        f"One named graph per row of ../shared/sources/{name}.")


def names(shared: Path, out: Generated) -> None:
    """Spanish and French names (skos:prefLabel in that language), one graph per row; never a name the
    rows do not give (a language without a row stays without a name, and the pages say so)."""
    name = "names.csv"
    file_source = SOURCE["names"]
    describe_csv(out.provenance, file_source, name, "Names in Spanish and French of entities of the graph",
                 "Names in Spanish and French for entities whose English name the seed gives, each with its source "
                 "(Wikidata labels, official bilingual names, the agreements' authentic texts).")
    ds = Dataset()
    for row in read_csv(shared, name):
        entity = ENTITIES[row["entity"]]
        graph_iri = SOURCE[f"names/{entity.removeprefix(str(ID))}/{row['lang']}"]
        ds.graph(graph_iri).add((entity, SKOS.prefLabel, Literal(row["name"], lang=row["lang"])))
        describe_source(out.provenance, graph_iri, f"{row['lang']} name of {row['entity']}", row["source"],
                        file_source, entity)
    out.files["names.trig"] = ds
    out.headers["names.trig"] = (
        "Names in Spanish and French (skos:prefLabel with their language tag), as the rows give them.\n"
        f"One named graph per row of ../shared/sources/{name}.")


def generate(shared: Path | None = None) -> Generated:
    shared = shared or paths.SHARED_DIR
    out = Generated()
    describe_seed(out.provenance)
    registry(shared, out)
    article_13(shared, out)
    identifiers(shared, out)
    names(shared, out)
    return out


# -- Serialisation: plain, sorted, diff-friendly TriG / Turtle ---------------------------------------

def term(t, base: str = str(ID)) -> str:
    if isinstance(t, URIRef):
        s = str(t)
        if s == str(RDF.type):
            return "a"
        for prefix, ns in PREFIXES.items():
            local = s[len(ns):]
            if s.startswith(ns) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", local):
                return f"{prefix}:{local}"
        if s.startswith(base):
            return f"<{s[len(base):]}>"
        return f"<{s}>"
    if isinstance(t, Literal) and t.datatype:
        return f"{Literal(str(t)).n3()}^^{term(t.datatype)}"
    return t.n3()


def order(p: URIRef) -> tuple:
    first = [RDF.type, RDFS.label, SKOS.prefLabel, DCTERMS.title]
    return (first.index(p) if p in first else len(first), term(p))


def triples_text(g: Graph, indent: str) -> list[str]:
    lines = []
    for s in sorted(set(g.subjects()), key=term):
        preds = sorted(set(g.predicates(s)), key=order)
        parts = []
        for p in preds:
            objs = sorted((term(o) for o in g.objects(s, p)))
            parts.append(f"{indent}    {term(p)} {' , '.join(objs)}")
        lines.append(f"{indent}{term(s)}\n" + " ;\n".join(parts) + " .")
    return lines


def prefix_block() -> str:
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(PREFIXES.items())]
    return f"@base <{ID}> .\n" + "\n".join(lines) + "\n"


def header(text: str) -> str:
    return "".join(f"# {line}\n" for line in (text + "\nGenerated by data/sources/build.py: do not edit by hand.").splitlines())


def trig_text(ds: Dataset, about: str) -> str:
    blocks = []
    for graph in sorted((c for c in ds.graphs() if len(c)), key=lambda c: str(c.identifier)):
        body = "\n".join(triples_text(graph, "    "))
        blocks.append(f"<{graph.identifier}> {{\n{body}\n}}\n")
    return header(about) + prefix_block() + "\n" + "\n".join(blocks)


def provenance_text(prov: Graph) -> str:
    about = ("Provenance graph (https://w3id.org/cec-kg/graph/provenance): every source graph is a cec:Source\n"
             "(so a prov:Entity) with its title, citation, the CSV it is part of and the entity it is about.\n"
             "The seed's graph is the English Wikipedia article \"Commission for Environmental Cooperation\".")
    return header(about) + prefix_block() + "\n" + "\n\n".join(triples_text(prov, "")) + "\n"


def rendered(out: Generated) -> dict[Path, str]:
    files = {SOURCES_DIR / name: trig_text(ds, out.headers[name]) for name, ds in out.files.items()}
    files[PROVENANCE_FILE] = provenance_text(out.provenance)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if a committed file differs")
    args = parser.parse_args(argv)
    stale = []
    for path, text in rendered(generate()).items():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
            print(path.relative_to(paths.ROOT))
    for path in stale:
        print(f"out of date: {path.relative_to(paths.ROOT)}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
