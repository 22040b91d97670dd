"""Correctness: every distinct request of a mix is asked once of every server and its answer compared,
row by row and triple by triple, with the right answer.

The right answer is computed here, in process, by pyoxigraph over the dataset whose default graph is
the RDF merge of its graphs (SPARQL 1.1 §13.1: a set of triples), which is what the CEC service
promises. Compared:

- SELECT: the solutions as a multiset of rows, sorted (each term's kind, value, datatype and language;
  blank-node labels masked, they are the server's own). Same rows, each as often: right. Same distinct
  rows but some repeated: ``duplicates`` (Oxigraph server's union default graph is a bag: a triple once
  per named graph stating it). Anything else: wrong.
- ASK: the boolean.
- CONSTRUCT / DESCRIBE: the graphs, parsed and compared for isomorphism (rdflib), not by size.

Every server's wrong answers are counted and shown; the verdicts judge ours (the same engine as the
reference: any difference is a fault of our service, whatever the query form).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from .mixes import Request

# Media type -> rdflib parser. rdflib-endpoint answers DESCRIBE with RDF/XML labelled as
# application/sparql-results+xml (it picks formats for CONSTRUCT only), hence the fallback.
RDF_PARSERS = {
    "application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle",
    "application/rdf+xml": "xml", "application/ld+json": "json-ld", "application/n-quads": "nquads",
    "application/sparql-results+xml": "xml", "application/xml": "xml",
}


@dataclass
class Answer:
    status: int
    rows: tuple | None = None       # SELECT: sorted row keys; ASK: (bool,)
    graph: Graph | None = None      # CONSTRUCT / DESCRIBE
    content_type: str = ""
    error: str = ""

    @property
    def size(self) -> int | None:
        if self.rows is not None:
            return len(self.rows)
        return len(self.graph) if self.graph is not None else None


@dataclass
class Check:
    template: str
    query: str
    answers: dict[str, Answer] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)       # servers whose answer is not the right one
    duplicates: list[str] = field(default_factory=list)  # the right rows, some more than once
    notes: list[str] = field(default_factory=list)


def _term_key(term: dict) -> tuple:
    if term.get("type") == "bnode":
        return ("bnode",)
    kind = "literal" if term.get("type") in ("literal", "typed-literal") else term.get("type")
    dt = term.get("datatype", "")
    if dt == "http://www.w3.org/2001/XMLSchema#string":
        dt = ""     # RDF 1.1: a simple literal is an xsd:string
    return (kind, term.get("value"), dt, term.get("xml:lang", "").lower())


def select_answer(status: int, body: bytes, ctype: str) -> Answer:
    data = json.loads(body)
    if "boolean" in data:
        return Answer(status, rows=(bool(data["boolean"]),), content_type=ctype)
    variables = data["head"]["vars"]
    rows = sorted(repr(tuple(_term_key(b[v]) if v in b else None for v in variables))
                  for b in data["results"]["bindings"])
    return Answer(status, rows=tuple(rows), content_type=ctype)


def graph_answer(status: int, body: bytes, ctype: str) -> Answer:
    g = Graph()
    g.parse(data=body, format=RDF_PARSERS.get(ctype, "turtle"))
    return Answer(status, graph=g, content_type=ctype)


def truth(store: ox.Store, request: Request) -> Answer:
    """The right answer, from pyoxigraph in process (the store's default graph holds the merge)."""
    result = store.query(request.query)
    if isinstance(result, ox.QueryTriples):
        return graph_answer(200, result.serialize(format=ox.RdfFormat.N_TRIPLES), "application/n-triples")
    return select_answer(200, result.serialize(format=ox.QueryResultsFormat.JSON), "application/sparql-results+json")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is not an answer: surface it as an HTTPError instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def ask(endpoint: str, request: Request, timeout: float = 120) -> Answer:
    url = endpoint + request.path("")
    req = urllib.request.Request(url, headers={"Accept": request.accept})
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            body, status = resp.read(), resp.status
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    except urllib.error.HTTPError as e:
        return Answer(e.code, error=e.read()[:300].decode("utf-8", "replace"))
    except TimeoutError:
        return Answer(0, error=f"no answer within {timeout:g} s")
    except OSError as e:
        return Answer(0, error=str(e))
    if not 200 <= status < 300:
        return Answer(status, content_type=ctype, error=body[:300].decode("utf-8", "replace"))
    try:
        if request.form == "select":
            return select_answer(status, body, ctype)
        return graph_answer(status, body, ctype)
    except (ValueError, KeyError, SyntaxError) as e:
        return Answer(status, content_type=ctype, error=f"unparseable {ctype} answer: {e}")


def compare(name: str, got: Answer, right: Answer, template: str) -> tuple[str, str]:
    """("right" | "duplicates" | "wrong", note)."""
    if got.error or got.size is None:
        return "wrong", f"{name}: HTTP {got.status} {got.error[:160]}"
    if right.graph is not None:
        if got.graph is not None and isomorphic(got.graph, right.graph):
            return "right", ""
        return "wrong", (f"{name}: {template}: a graph of {got.size} triples not isomorphic to the right one "
                         f"({right.size} triples)")
    if got.rows == right.rows:
        return "right", ""
    if got.rows is not None and set(got.rows) == set(right.rows):
        extra = sum((Counter(got.rows) - Counter(right.rows)).values())
        return "duplicates", f"{name}: {template}: the right rows, {extra} of them repeated"
    missing = len(set(right.rows) - set(got.rows or ()))
    unexpected = len(set(got.rows or ()) - set(right.rows))
    return "wrong", (f"{name}: {template}: {got.size} rows, {missing} right rows missing and {unexpected} "
                     f"rows that are not in the right answer ({right.size} rows)")


def check_mix(requests: list[Request], endpoints: dict[str, str], store: ox.Store) -> list[Check]:
    """Ask each distinct request of every server; compare each answer with the right one."""
    checks: list[Check] = []
    seen: set[str] = set()
    for r in requests:
        if r.query in seen:
            continue
        seen.add(r.query)
        c = Check(r.template, r.query)
        right = truth(store, r)
        for name, endpoint in endpoints.items():
            c.answers[name] = got = ask(endpoint, r)
            verdict, note = compare(name, got, right, r.template)
            if verdict == "wrong":
                c.wrong.append(name)
            elif verdict == "duplicates":
                c.duplicates.append(name)
            if note:
                c.notes.append(note)
        checks.append(c)
    return checks


def same(a: Answer | None, b: Answer | None) -> bool:
    """Whether two servers gave the same answer: the same rows, each as often, or isomorphic graphs
    (an error on either side, or no answer, is not the same)."""
    if a is None or b is None or a.error or b.error or a.size is None or b.size is None:
        return False
    if a.graph is not None or b.graph is not None:
        return a.graph is not None and b.graph is not None and isomorphic(a.graph, b.graph)
    return a.rows == b.rows
