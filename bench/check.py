"""Correctness: every distinct request of a mix is asked once of every server and the answers compared.

SELECT answers are compared as sets of rows (blank nodes masked): a different number of distinct rows
is a wrong answer, the same number with different rows is reported. Sets, because Oxigraph's union
default graph returns a triple once per named graph holding it, while rdflib's union is an RDF graph
(a set, as SPARQL 1.1 §13.1 defines the default graph); the raw row counts are kept and reported. CONSTRUCT/DESCRIBE answers are parsed and
compared by triple count. DESCRIBE is implementation-defined in SPARQL 1.1 (§16.4), so a DESCRIBE
count that differs is reported as a note, not as a wrong answer.
"""
from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from rdflib import Graph

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
    count: int | None = None      # distinct rows (SELECT) or triples (graphs)
    raw_count: int | None = None  # rows as returned, duplicates included
    digest: str | None = None
    content_type: str = ""
    error: str = ""


@dataclass
class Check:
    template: str
    query: str
    answers: dict[str, Answer] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)      # servers whose count differs from the reference
    differs: list[str] = field(default_factory=list)    # same count, different content (SELECT only)
    duplicates: list[str] = field(default_factory=list)  # servers that returned a row more than once
    notes: list[str] = field(default_factory=list)


def _term_key(term: dict) -> tuple:
    if term.get("type") == "bnode":
        return ("bnode",)
    kind = "literal" if term.get("type") in ("literal", "typed-literal") else term.get("type")
    return (kind, term.get("value"), term.get("datatype", ""), term.get("xml:lang", "").lower())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is not an answer: surface it as an HTTPError instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def ask(endpoint: str, request: Request, timeout: float = 30) -> Answer:
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
            data = json.loads(body)
            if "boolean" in data:
                return Answer(status, 1, 1, str(data["boolean"]), ctype)
            variables = data["head"]["vars"]
            bindings = data["results"]["bindings"]
            rows = sorted({repr(tuple(_term_key(b[v]) if v in b else None for v in variables)) for b in bindings})
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:12]
            return Answer(status, len(rows), len(bindings), digest, ctype)
        g = Graph()
        g.parse(data=body, format=RDF_PARSERS.get(ctype, "turtle"))
        return Answer(status, len(g), len(g), None, ctype)
    except (ValueError, KeyError, SyntaxError) as e:
        return Answer(status, content_type=ctype, error=f"unparseable {ctype} answer: {e}")


def check_mix(requests: list[Request], endpoints: dict[str, str], reference: str) -> list[Check]:
    """Ask each distinct request of every server; compare each server with ``reference``."""
    checks: list[Check] = []
    seen: set[str] = set()
    for r in requests:
        if r.query in seen:
            continue
        seen.add(r.query)
        c = Check(r.template, r.query)
        for name, endpoint in endpoints.items():
            c.answers[name] = ask(endpoint, r)
        ref = c.answers.get(reference)
        for name, a in c.answers.items():
            if a.raw_count is not None and a.raw_count != a.count and r.form == "select":
                c.duplicates.append(name)
            if a.error or a.count is None:
                c.wrong.append(name)
                c.notes.append(f"{name}: HTTP {a.status} {a.error[:160]}")
            elif name == reference or ref is None or ref.count is None:
                continue
            elif a.count != ref.count:
                if r.template.endswith("describe"):
                    c.notes.append(f"{name}: DESCRIBE gave {a.count} triples, {reference} {ref.count} (implementation-defined)")
                else:
                    c.wrong.append(name)
                    c.notes.append(f"{name}: {a.count} distinct results, {reference} {ref.count} ({r.template})")
            elif a.digest and ref.digest and a.digest != ref.digest:
                c.differs.append(name)
        checks.append(c)
    return checks
