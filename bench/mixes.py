"""The query mixes: templates in ``bench/queries/`` filled with parameters found in the loaded data.

A template's file name says its mix (``lookup-*``, ``interactive-*``, ``graph-*``, ``analytic-*``,
``search-*``: text search as SPARQL says it, the way a user of any endpoint writes it);
its ``$iri``, ``$cls``, ``$word``, ``$offset``, ``$pollutant`` and ``$year`` are filled from the dataset
itself (entities, populated classes, words of labels, the releases' pollutants and years), chosen
deterministically, so the same data always gives the same requests and the
harness works on whatever the CEC graph holds today. Every template gets the same number of requests
in its mix, so each query kind weighs the same. A mix whose parameters the data lacks (the analytic
mix needs PRTR releases, ``bench/prtr.py``) is skipped for that dataset (``NoValues``).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from urllib.parse import quote

import pyoxigraph as ox

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
MIXES = ("lookup", "interactive", "graph", "analytic", "search")
PER_TEMPLATE = {"lookup": 24, "interactive": 8, "graph": 12, "analytic": 4, "search": 8}
PRTR = "https://example.org/cec-kg-bench/prtr/vocab#"
XSD_GYEAR = "http://www.w3.org/2001/XMLSchema#gYear"
ACCEPT_SELECT = "application/sparql-results+json"
ACCEPT_GRAPH = "application/n-triples"
# Entities are looked up under the published namespace and the synthetic one.
ENTITY_NAMESPACES = ("https://w3id.org/cec-kg/id/", "https://example.org/cec-kg-bench/id/",
                     "https://example.org/cec-kg-bench/prtr/id/")
STOP_WORDS = {"synthetic", "with", "from", "that", "this", "report", "bulletin", "committee", "membership"}
_SAFE_IRI = re.compile(r"^[^<>\"{}|^`\\\s]+$")
_SAFE_WORD = re.compile(r"^[a-z]+$")


@dataclass(frozen=True)
class Request:
    """One benchmark request: which template, its query text and what to ask for."""

    template: str
    query: str
    accept: str
    form: str  # "select" (rows) or "graph" (triples)

    def encoded(self) -> str:
        return quote(self.query, safe="")

    def path(self, endpoint_path: str) -> str:
        return f"{endpoint_path}?query={self.encoded()}"


@dataclass
class Parameters:
    """The values the templates are filled with, found in the data."""

    entities: list[str] = field(default_factory=list)
    linked_entities: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    offsets: tuple[int, ...] = (0, 10, 30, 70)
    pollutants: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)


class NoValues(ValueError):
    """The data offers no values for a template's parameters (e.g. no releases for the analytic mix)."""


def _spread(items: list, n: int) -> list:
    """``n`` items evenly spaced through a sorted list (all of them when there are fewer)."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def _column(store: ox.Store, query: str) -> list[str]:
    return [row[0].value for row in store.query(query)]


def discover(store: ox.Store, n_entities: int = 48) -> Parameters:
    """Pick entities, classes and words from the data, spread across each entity namespace."""
    params = Parameters()
    labelled = _column(store, """SELECT DISTINCT ?s WHERE {
        ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(isIRI(?s)) } ORDER BY ?s""")
    linking = set(_column(store, """SELECT DISTINCT ?s WHERE {
        ?s ?p ?o . ?o <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(isIRI(?s) && ?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>) }"""))
    groups = [[s for s in labelled if s.startswith(ns) and _SAFE_IRI.match(s)] for ns in ENTITY_NAMESPACES]
    groups = [g for g in groups if g]
    for g in groups:
        params.entities += _spread(g, n_entities // len(groups))
        params.linked_entities += _spread([s for s in g if s in linking], n_entities // len(groups))
    rows = store.query("""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {
        ?s a ?c ; <http://www.w3.org/2000/01/rdf-schema#label> ?l } GROUP BY ?c HAVING (COUNT(DISTINCT ?s) >= 5)
        ORDER BY DESC(?n) ?c""")
    classes = [r[0].value for r in rows if isinstance(r[0], ox.NamedNode) and _SAFE_IRI.match(r[0].value)]
    params.classes = _spread(classes, 8)
    words: Counter[str] = Counter()
    for label in _column(store, """SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"""):
        words.update(w for w in re.findall(r"[a-z]{4,}", label.lower()) if w not in STOP_WORDS)
    ranked = [w for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])) if _SAFE_WORD.match(w)]
    params.words = _spread(ranked, 8)  # frequent to rare: several selectivities
    params.pollutants = _column(store, f"SELECT DISTINCT ?p WHERE {{ ?r <{PRTR}pollutant> ?p }} ORDER BY ?p")
    params.years = _column(store, f"SELECT DISTINCT ?y WHERE {{ ?r <{PRTR}reportingYear> ?y }} ORDER BY ?y")
    return params


def templates(mix: str) -> list[Path]:
    return sorted(QUERIES_DIR.glob(f"{mix}-*.rq"))


def _form(query: str) -> str:
    body = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith(("#", "PREFIX")))
    return "graph" if re.match(r"\s*(CONSTRUCT|DESCRIBE)\b", body, re.I) else "select"


def build(mix: str, params: Parameters) -> list[Request]:
    """The mix's requests: each template filled ``PER_TEMPLATE[mix]`` times, cycling its parameters."""
    requests: list[Request] = []
    n = PER_TEMPLATE[mix]
    for path in templates(mix):
        # Comment lines document the file; a client would not send them.
        text = "".join(line for line in path.read_text(encoding="utf-8").splitlines(True) if not line.startswith("#"))
        # OFFSET takes a number, not a variable: a template's `OFFSET 0` line is the page parameter.
        tmpl = Template(re.sub(r"^OFFSET 0$", "OFFSET $offset", text, flags=re.M))
        names = set(tmpl.get_identifiers())
        iris = params.linked_entities if "join" in path.stem or "neighbourhood" in path.stem else params.entities
        choices = {
            "iri": [f"<{i}>" for i in iris],
            "cls": [f"<{c}>" for c in params.classes],
            "word": params.words,
            "offset": [str(o) for o in params.offsets],
            "pollutant": [f"<{p}>" for p in params.pollutants if _SAFE_IRI.match(p)],
            "year": [f'"{y}"^^<{XSD_GYEAR}>' for y in params.years if y.isdigit()],
        }
        missing = [k for k in names if not choices.get(k)]
        if missing or (mix == "analytic" and not params.pollutants):
            raise NoValues(f"{path.name}: the data offers no values for {missing or ['releases']}")
        form = _form(text)
        for i in range(n):
            # Each parameter cycles through its own values; shifting by its position varies the pairs.
            values = {k: choices[k][(i + j) % len(choices[k])] for j, k in enumerate(sorted(names))}
            query = tmpl.substitute(values)
            requests.append(Request(path.stem, query, ACCEPT_GRAPH if form == "graph" else ACCEPT_SELECT, form))
    return requests
