"""Checks on a query text before anything evaluates it: size, nesting, read-only, no fetching.

A small SPARQL lexer (not a parser) splits the text into tokens so that keywords are recognised only
where they are keywords: never inside strings, comments, IRIs, variables (``?service``), prefixed names
(``ex:load``), blank-node labels or language tags. On that token stream we refuse

- ``SERVICE`` (both pyoxigraph and rdflib fetch the URL: server-side request forgery),
- every SPARQL Update keyword (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, …): the service is read-only,
- texts over ``MAX_QUERY_BYTES`` and nesting deeper than ``MAX_NESTING`` (a 5,000-deep ``{ }`` crashed
  Oxigraph server's parser with a stack overflow),

and we learn what the protocol layer needs before evaluation: the query form (to negotiate results
vs RDF formats), whether the query names its own dataset (``FROM``), and its outer ``LIMIT``.
Syntax errors are left to the engine's parser, which reports them with a position.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import Problem

MAX_NESTING = 64

# Order matters: long strings before short ones, prefixed names before bare words.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<bnode>_:[\w.\-]*)
  | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w:%.\-]|\\.)*)
  | (?P<word>[^\W\d][\w]*)
  | (?P<number>[0-9][0-9.]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<open>[{(\[])
  | (?P<close>[})\]])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


@dataclass(frozen=True)
class QueryInfo:
    form: str | None          # SELECT / ASK / CONSTRUCT / DESCRIBE (None: the parser will say why)
    has_dataset: bool         # the query has FROM / FROM NAMED: its own dataset, not the service default
    limit: int | None         # the outermost LIMIT, if any (bounds the result without counting)
    depth: int                # deepest nesting of { ( [


def tokens(text: str):
    """(kind, value, offset) for every token that is not whitespace or a comment."""
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            yield kind, m.group(), m.start()


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def inspect(text: str, *, max_bytes: int, max_depth: int = MAX_NESTING) -> QueryInfo:
    """Check a query text; raise ``Problem`` (4xx) for anything refused, else describe it."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise Problem(413, "Query too large", f"the query is {size} bytes; this service accepts at most "
                      f"{max_bytes} bytes per query. Split it, or use VALUES with fewer rows.", limit=max_bytes)
    form = None
    has_dataset = False
    depth = deepest = 0
    limit = None
    expect_limit = False
    for kind, value, offset in tokens(text):
        if kind == "open":
            depth += 1
            if depth > max_depth:
                line, col = position(text, offset)
                raise Problem(400, "Query nested too deeply", f"brackets nest more than {max_depth} levels "
                              f"deep (line {line}, column {col}); flatten the query.", line=line, column=col,
                              limit=max_depth)
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "word":
            word = value.upper()
            if word == "SERVICE":
                line, col = position(text, offset)
                raise Problem(403, "Federated query refused", "SERVICE clauses are not evaluated here: this "
                              "endpoint never fetches remote data (line {}, column {}). Query each endpoint "
                              "yourself and combine the results.".format(line, col), line=line, column=col)
            if word in UPDATE_KEYWORDS:
                line, col = position(text, offset)
                raise Problem(403, "Read-only endpoint", f"'{value}' is SPARQL Update (line {line}, column "
                              f"{col}); this endpoint answers queries only and never changes or loads data.",
                              line=line, column=col)
            if form is None and word in FORMS:
                form = word
            elif word == "FROM":
                has_dataset = True
            elif word == "LIMIT" and depth == 0:
                expect_limit = True
                continue
        elif kind == "number" and expect_limit and value.isdigit():
            limit = int(value)
        expect_limit = False
    return QueryInfo(form=form, has_dataset=has_dataset, limit=limit, depth=deepest)
