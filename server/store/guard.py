"""Checks on a query text before anything evaluates it: size, nesting, read-only, no fetching.

A small SPARQL lexer (not a parser) splits the text into tokens so that keywords are recognised only
where they are keywords: never inside strings, comments, IRIs, variables (``?service``), prefixed names
(``ex:load``), blank-node labels or language tags. On that token stream we refuse

- ``SERVICE`` (both pyoxigraph and rdflib fetch the URL: server-side request forgery),
- every SPARQL Update keyword (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, …): the service is read-only,
- texts over ``MAX_QUERY_BYTES`` and nesting deeper than ``MAX_NESTING`` (a 5,000-deep ``{ }`` crashed
  Oxigraph server's parser with a stack overflow),

and we learn what the protocol layer needs before evaluation: the query form (to negotiate results
vs RDF formats), whether the query names its own dataset (``FROM``), its outer ``LIMIT``, and whether
its cost is bounded before it runs (``QueryInfo.plan``, see ``bounded``: such a query may be evaluated
in process). Syntax errors are left to the engine's parser, which reports them with a position.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..problems import Problem
from . import bounded

MAX_NESTING = 64
MAX_PLAN_TOKENS = 400       # longer queries are not worth proving bounded: they go to a worker

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
    from_graphs: tuple[str, ...] = ()        # FROM IRIs, resolved (prefixes, BASE)
    from_named: tuple[str, ...] = ()         # FROM NAMED IRIs, resolved
    can_append_limit: bool = False           # a SELECT whose text may take "\nLIMIT n" at its end
    prefixes: tuple[tuple[str, str], ...] = ()   # the PREFIX declarations, in order (RDF answers reuse them)
    variable_order: tuple[str, ...] | None = None  # SELECT *: variables in the order they first appear
    plan: bounded.Plan | None = None          # the query's cost is bounded: see ``bounded``

    def capped(self, text: str, cap: int) -> str:
        """The query with an outer LIMIT of cap + 1 (one more row tells a result was cut), if safe."""
        return f"{text}\nLIMIT {cap + 1}" if self.can_append_limit else text


_SKIP = frozenset(("ws", "comment"))


def tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, value, offset) for every token that is not whitespace or a comment."""
    return [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text) if m.lastgroup not in _SKIP]


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# -- shapes: what ``inspect`` learns, kept per query shape -------------------------------------------------
# Two queries that differ only in the absolute IRIs and the strings after the query form's keyword (and
# in comments and spacing) are checked alike and get the same description, but for the plan's IRIs: the
# first is inspected with each such IRI replaced by a numbered placeholder, the result kept under the
# shape, and every query of that shape gets it with its own IRIs put back into the plan (measured: a
# point lookup's guard went from ~90 to ~35 µs; unseen queries are mostly new constants in known shapes).
SLOT = "urn:x-cec-kg-slot:"
SHAPES_MAX = 4096           # shapes kept per process (then forgotten all at once)
SHAPE_MAX_CHARS = 2048      # longer texts are inspected afresh: the shapes hold at most ~8 MiB of keys
_shapes: dict = {}


def inspect(text: str, *, max_bytes: int, max_depth: int = MAX_NESTING) -> QueryInfo:
    """Check a query text; raise ``Problem`` (4xx) for anything refused, else describe it."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise Problem(413, "Query too large", f"the query is {size} bytes; this service accepts at most "
                      f"{max_bytes} bytes per query. Split it, or use VALUES with fewer rows.", limit=max_bytes)
    if len(text) > SHAPE_MAX_CHARS or SLOT in text:
        return _inspect(text, tokens(text), max_depth)
    key, values = _shape_key(text)
    if key is None:
        return _inspect(text, tokens(text), max_depth)
    key = (max_depth, key)
    template = _shapes.get(key)
    if template is None:
        _, _, shaped = _shape(tokens(text))
        template = _inspect(text, shaped, max_depth)    # a refusal is raised here, as for the text itself
        if template.has_dataset:
            template = False        # FROM IRIs are the description's own: not kept by shape
        if len(_shapes) >= SHAPES_MAX:
            _shapes.clear()
        _shapes[key] = template
    if template is False:
        return _inspect(text, tokens(text), max_depth)
    plan = template.plan
    if plan is None or not values:
        return template
    return QueryInfo(form=template.form, has_dataset=False, limit=template.limit, depth=template.depth,
                     can_append_limit=template.can_append_limit, prefixes=template.prefixes,
                     variable_order=template.variable_order, plan=_fill(plan, values))


def _shape_key(text: str) -> tuple:
    """``_shape(tokens(text))``'s key and values in one pass over the text, without the token list (a
    known shape needs nothing else: most requests; ``tests/test_query_path.py`` holds the two equal)."""
    parts: list = []
    values: list = []
    form = False
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in _SKIP:
            continue
        value = m.group()
        if form:
            if kind == "iri" and bounded._ABSOLUTE.match(value[1:-1]):
                values.append(value[1:-1])
                value = f"<{SLOT}{len(values) - 1}>"
            elif kind == "string":
                values.append(None)
                value = '""'
        elif kind == "word" and value.upper() in FORMS:
            form = True
        parts.append(kind)
        parts.append(value)
    if not values:
        return None, values
    return "\0".join(parts), values


def _shape(toks: list) -> tuple:
    """(key, the abstracted tokens' values, the tokens with placeholders); key None: nothing to abstract.
    Abstracted, after the query form's keyword: absolute IRIs (value without brackets) and strings (None)."""
    parts, values, shaped = [], [], []
    form = False
    for kind, value, offset in toks:
        if form and kind == "iri" and bounded._ABSOLUTE.match(value[1:-1]):
            values.append(value[1:-1])
            value = f"<{SLOT}{len(values) - 1}>"
        elif form and kind == "string":
            values.append(None)
            value = '""'
        elif not form and kind == "word" and value.upper() in FORMS:
            form = True
        parts.append(kind)
        parts.append(value)
        shaped.append((kind, value, offset))
    if not values:
        return None, values, toks
    return "\0".join(parts), values, shaped


def _fill(plan: bounded.Plan, values: list) -> bounded.Plan:
    n = len(SLOT)

    def real(iri):
        return values[int(iri[n:])] if iri is not None and iri.startswith(SLOT) else iri

    return bounded.Plan(patterns=tuple(((real(s), real(p), real(o)), g) for (s, p, o), g in plan.patterns),
                        hops=tuple((i, real(p), g) for i, p, g in plan.hops),
                        describe=tuple(real(i) for i in plan.describe), streams=plan.streams, folds=plan.folds)


def _inspect(text: str, all_tokens: list, max_depth: int) -> QueryInfo:
    form = None
    has_dataset = False
    depth = deepest = 0
    limit = None
    expect_limit = False
    prefixes: dict[str, str] = {}
    base = ""
    pending: str | None = None          # what the next IRI token is: "prefix:NAME", "base", "from", "named"
    from_graphs: list[str] = []
    from_named: list[str] = []
    trailing_values = False
    star = False                        # the outer SELECT projects *
    after_select = False                # the previous token was SELECT (DISTINCT, REDUCED)
    order: dict[str, None] = {}
    toks: list[tuple[str, str]] = []         # the tokens from the query form's keyword on
    for kind, value, offset in all_tokens:
        if form is not None:
            toks.append((kind, value))
        if kind == "var":
            order.setdefault(value[1:], None)
        if after_select:
            if kind == "word" and value.upper() in ("DISTINCT", "REDUCED"):
                continue
            after_select = False
            star = kind == "other" and value == "*"
        if pending is not None and kind in ("iri", "pname"):
            iri = _resolve(value, prefixes, base) if kind == "iri" or not pending.startswith("prefix:") else None
            if pending.startswith("prefix:") and kind == "iri":
                prefixes[pending[len("prefix:"):]] = _resolve(value, {}, base) or ""
                pending = None
                continue
            if pending == "prefix" and kind == "pname":
                pending = "prefix:" + value[:-1] if value.endswith(":") else None
                continue
            if pending == "base" and kind == "iri":
                base = iri or base
            elif pending in ("from", "named"):
                resolved = iri if kind == "iri" else _resolve_pname(value, prefixes)
                if resolved:
                    (from_named if pending == "named" else from_graphs).append(resolved)
            pending = None
            continue
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
                after_select = word == "SELECT"
                order.clear()
                toks.append((kind, value))
            elif word == "FROM":
                has_dataset = True
                pending = "from"
                continue
            elif word == "NAMED" and pending == "from":
                pending = "named"
                continue
            elif word == "PREFIX" and form is None:
                pending = "prefix"
                continue
            elif word == "BASE" and form is None:
                pending = "base"
                continue
            elif word == "VALUES" and depth == 0:
                trailing_values = True
            elif word == "LIMIT" and depth == 0:
                expect_limit = True
                continue
        elif kind == "number" and expect_limit and value.isdigit():
            limit = int(value)
        expect_limit = False
        pending = None
    plan = None
    # Nesting: the bounded shapes hold braces 3 deep at most (a CONSTRUCT's subquery), and their FILTER and
    # aggregate expressions a few parentheses more (``bounded.MAX_EXPRESSION_TOKENS`` tokens each).
    if form is not None and not has_dataset and deepest <= 8 and len(toks) <= MAX_PLAN_TOKENS:
        plan = bounded.plan(toks, prefixes)
    return QueryInfo(form=form, has_dataset=has_dataset, limit=limit, depth=deepest,
                     from_graphs=tuple(from_graphs), from_named=tuple(from_named),
                     can_append_limit=(form == "SELECT" and limit is None and not trailing_values and depth == 0),
                     prefixes=tuple(prefixes.items()), variable_order=tuple(order) if star else None,
                     plan=plan)


def _resolve(iri_token: str, prefixes: dict, base: str) -> str | None:
    from urllib.parse import urljoin

    iri = iri_token[1:-1]
    return urljoin(base, iri) if base else iri


def _resolve_pname(pname: str, prefixes: dict) -> str | None:
    prefix, _, local = pname.partition(":")
    if prefix not in prefixes:
        return None
    return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
