"""A deterministic synthetic dataset shaped like the CEC graph, so the mixes are not all trivially small.

Same vocabulary as the published graph (``cec:``, ORG, schema.org, SKOS, Dublin Core, PROV) and the
same layout (each "registry row" its own named graph, a provenance graph), but every entity lives
under ``https://example.org/cec-kg-bench/`` and every label says "Synthetic": these are benchmark
fixtures, never facts, and they are only ever loaded into the benchmark's peers.

``generate(path, scale)`` writes N-Quads; the same ``scale`` always gives byte-identical output.
Roughly 30,000 quads per unit of scale.
"""
from __future__ import annotations

import random
from pathlib import Path

BASE = "https://example.org/cec-kg-bench/"
ID = BASE + "id/"
GRAPH = BASE + "graph/"

CEC = "https://w3id.org/cec-kg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"

# Topic words for titles, so label search has something to find at several selectivities.
WORDS = (
    "air water forest river lake wetlands coastal mining logging tailings pollution biodiversity "
    "migratory birds canyon power plants pulp paper waste hydro reservoir maize electricity trade "
    "building tourism pathways ribbon ecosystems climate adaptation emissions fisheries habitat "
    "watershed aquifer desert grassland estuary wildlife pesticides mercury lead sediment dam"
).split()
REGIONS = (
    "north south east west central upper lower coastal northern southern eastern western"
).split()
GIVEN = "Ana Luis Marie Jean Carlos Sofia Daniel Laura Pierre Elena Tomas Claire Diego Julia Marc Rosa".split()
FAMILY = "Tremblay Garcia Smith Gagnon Lopez Johnson Roy Martinez Brown Cote Hernandez Wilson Lee Perez Moore".split()
PARTIES = ("canada", "mexico", "united-states")  # real IRIs are not used: these are synthetic stand-ins
LANGS = ("en", "es", "fr")


def _lit(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    text = value.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{text}"@{lang}'
    if datatype:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def quad(self, s: str, p: str, o: str, g: str) -> None:
        obj = o if o.startswith('"') else f"<{o}>"
        self.lines.append(f"<{s}> <{p}> {obj} <{g}> .\n")


def generate(path: Path, scale: float = 1.0, seed: int = 20240601) -> int:
    """Write the synthetic dataset to ``path`` (N-Quads); return the number of quads."""
    rnd = random.Random(seed)
    w = _Writer()
    n_people = max(10, int(400 * scale))
    n_bodies = max(4, int(40 * scale))
    n_submissions = max(20, int(1200 * scale))
    n_reports = max(10, int(300 * scale))
    n_publications = max(20, int(600 * scale))

    prov_graph = GRAPH + "provenance"
    org = ID + "organization/synthetic-commission"
    seed_graph = GRAPH + "core"
    parties = [ID + f"party/{p}" for p in PARTIES]

    def source_graph(kind: str, n: int) -> str:
        g = GRAPH + f"{kind}/{n}"
        w.quad(g, RDF_TYPE, CEC + "Source", prov_graph)
        w.quad(g, RDF_TYPE, PROV + "Entity", prov_graph)
        w.quad(g, DCT + "title", _lit(f"Synthetic {kind} row {n}", "en"), prov_graph)
        w.quad(g, DCT + "isPartOf", GRAPH + kind, prov_graph)
        return g

    def labels(s: str, text: str, g: str, langs=LANGS) -> None:
        w.quad(s, RDFS + "label", _lit(text, "en"), g)
        for lang in langs:
            w.quad(s, SKOS + "prefLabel", _lit(text if lang == "en" else f"{text} ({lang})", lang), g)

    w.quad(org, RDF_TYPE, CEC + "IntergovernmentalOrganization", seed_graph)
    w.quad(org, RDF_TYPE, ORG + "FormalOrganization", seed_graph)
    labels(org, "Synthetic Commission", seed_graph)
    for party, name in zip(parties, PARTIES):
        w.quad(party, RDF_TYPE, CEC + "Party", seed_graph)
        w.quad(party, RDF_TYPE, SCHEMA + "Country", seed_graph)
        labels(party, f"Synthetic Party {name}", seed_graph)
        w.quad(org, CEC + "hasParty", party, seed_graph)
        w.quad(party, CEC + "partyTo", org, seed_graph)

    people = []
    for i in range(n_people):
        person = ID + f"person/p{i:05d}"
        people.append(person)
        name = f"{rnd.choice(GIVEN)} {rnd.choice(FAMILY)} {i}"
        w.quad(person, RDF_TYPE, SCHEMA + "Person", seed_graph)
        w.quad(person, RDF_TYPE, FOAF + "Person", seed_graph)
        w.quad(person, RDFS + "label", _lit(f"Synthetic person {name}", "en"), seed_graph)

    bodies = []
    for i in range(n_bodies):
        body = ID + f"body/b{i:04d}"
        bodies.append(body)
        kind = ("GoverningBody", "AdvisoryBody", "Body")[i % 3]
        w.quad(body, RDF_TYPE, CEC + kind, seed_graph)
        if kind != "Body":
            w.quad(body, RDF_TYPE, CEC + "Body", seed_graph)
        w.quad(body, RDF_TYPE, ORG + "OrganizationalUnit", seed_graph)
        labels(body, f"Synthetic {rnd.choice(REGIONS)} {rnd.choice(WORDS)} committee {i}", seed_graph)
        w.quad(org, ORG + "hasUnit", body, seed_graph)
        w.quad(body, ORG + "unitOf", org, seed_graph)
        w.quad(body, CEC + "memberCount", _lit(str(rnd.randint(3, 20)), datatype=XSD + "nonNegativeInteger"), seed_graph)
        for k in range(3):  # memberships: a join through org:Membership
            m = ID + f"membership/b{i:04d}-{k}"
            w.quad(m, RDF_TYPE, CEC + "CouncilMembership", seed_graph)
            w.quad(m, RDF_TYPE, ORG + "Membership", seed_graph)
            w.quad(m, ORG + "organization", body, seed_graph)
            w.quad(m, ORG + "member", rnd.choice(people), seed_graph)
            w.quad(m, CEC + "representsParty", parties[k], seed_graph)
            w.quad(m, RDFS + "label", _lit(f"Synthetic membership {i}-{k}", "en"), seed_graph)

    submissions = []
    for i in range(n_submissions):
        year = 1995 + i % 30
        ident = f"SYN-{year % 100:02d}-{i:04d}"
        sub = ID + f"submission/{ident.lower()}"
        submissions.append(sub)
        g = source_graph("submissions-registry", i)
        title = f"Synthetic {rnd.choice(REGIONS)} {rnd.choice(WORDS)} {rnd.choice(WORDS)} {i}"
        w.quad(sub, RDF_TYPE, CEC + "Submission", g)
        w.quad(sub, RDF_TYPE, SCHEMA + "CreativeWork", g)
        w.quad(sub, RDFS + "label", _lit(title, "en"), g)
        w.quad(sub, DCT + "title", _lit(title, "en"), g)
        w.quad(sub, DCT + "identifier", _lit(ident), g)
        date = f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        w.quad(sub, CEC + "dateFiled", _lit(date, datatype=XSD + "date"), g)
        for party in rnd.sample(parties, rnd.choice((1, 1, 2))):
            w.quad(sub, CEC + "partyConcerned", party, g)
        if i % 4:  # some without a description: OPTIONAL has work to do
            w.quad(sub, DCT + "description", _lit(f"Synthetic description of submission {ident} about {title.lower()}.", "en"), g)
        w.quad(sub, PROV + "wasAttributedTo", rnd.choice(people), g)

    for i in range(n_reports):
        kind = "FactualRecord" if i % 3 else "Article13Report"
        rep = ID + f"{'factual-record' if i % 3 else 'article-13-report'}/r{i:05d}"
        g = source_graph("reports-registry", i)
        title = f"Synthetic {rnd.choice(WORDS)} {rnd.choice(WORDS)} report {i}"
        for cls in (CEC + kind, CEC + "Report", CEC + "Publication", SCHEMA + "Report", SCHEMA + "CreativeWork"):
            w.quad(rep, RDF_TYPE, cls, g)
        labels(rep, title, g, langs=LANGS[: 1 + i % 3])
        w.quad(rep, DCT + "title", _lit(title, "en"), g)
        if i % 5:
            w.quad(rep, DCT + "issued", _lit(str(1996 + i % 29), datatype=XSD + "gYear"), g)
        if kind == "FactualRecord":
            w.quad(rep, CEC + "submission", rnd.choice(submissions), g)
            w.quad(rep, CEC + "partyConcerned", rnd.choice(parties), g)
        w.quad(rep, SCHEMA + "publisher", org, g)

    for i in range(n_publications):
        pub = ID + f"publication/q{i:05d}"
        title = f"Synthetic {rnd.choice(REGIONS)} {rnd.choice(WORDS)} bulletin {i}"
        w.quad(pub, RDF_TYPE, CEC + "Publication", seed_graph)
        w.quad(pub, RDF_TYPE, SCHEMA + "CreativeWork", seed_graph)
        w.quad(pub, RDFS + "label", _lit(title, "en"), seed_graph)
        w.quad(pub, DCT + "title", _lit(title, "en"), seed_graph)
        if i % 2:
            w.quad(pub, DCT + "issued", _lit(str(1994 + i % 31), datatype=XSD + "gYear"), seed_graph)
        w.quad(pub, SCHEMA + "author", rnd.choice(people), seed_graph)
        w.quad(pub, DCT + "subject", rnd.choice(bodies), seed_graph)

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(w.lines), encoding="utf-8")
    return len(w.lines)
