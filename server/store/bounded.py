"""Queries whose cost is bounded before they run, so they may be evaluated in the serving process.

Killing a worker process is the only way to stop a pyoxigraph query (see ``executor``), and the round
trip to a worker costs more than a point lookup itself. This module proves, for a small class of
queries, that evaluation cannot run away, so the store may evaluate them in process (no round trip):

1. **Shape** (``plan``, from the guard's tokens, no parser): a SELECT / ASK / CONSTRUCT over one
   group of triple patterns, optionally with OPTIONAL groups, then ORDER BY variables, LIMIT, OFFSET;
   or ``DESCRIBE <iri>…``. No FILTER, BIND, VALUES, subquery, UNION, MINUS, GRAPH, FROM, property path,
   aggregate, function or blank-node syntax: nothing whose cost depends on anything but the rows
   the patterns match, and no expression the engine's recursive parser could choke on (the token
   stream is consumed to the end, so the text holds nothing else).
2. **Anchoring**: every pattern has a constant subject (an IRI), or is a *hop* whose subject is a
   variable bound by the object of such an anchored pattern. Oxigraph evaluates these by index
   lookups from the anchor (nested loops), never by a scan of the store.
3. **Size**, at run time, on the store itself. A SELECT without ORDER BY or DISTINCT (``streams``)
   is evaluated with ``LIMIT BUDGET + 1`` appended: the engine produces rows lazily, by nested index
   lookups, and stops there; more than ``BUDGET`` rows and the answer is thrown away and the query
   goes to a worker as sent. Otherwise (``within_budget``) the anchored patterns' matches are counted
   with the store's index (each count stops at ``BUDGET``), hops per anchor row, and the product
   (joins) of the required parts, times each OPTIONAL's, must stay within ``BUDGET`` rows; for
   DESCRIBE, the size of each resource's description (its triples and, recursively, those of the
   blank nodes it points to).

Everything else, and anything over budget, runs in a killable worker. A query accepted here does at
most ``BUDGET`` rows' worth of index lookups, sorting and serialising: microseconds to milliseconds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

BUDGET = 10_000
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")
_PN_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Plan:
    """What the store counts before evaluating a bounded query in process.

    ``patterns``: ((subject, predicate, object) constants or None, optional group number: 0 required),
    with ``hops``: (index of the anchored pattern whose object binds the hop's subject, hop predicate
    or None, optional group). ``describe``: the IRIs a DESCRIBE asks for.
    """

    patterns: tuple = ()
    hops: tuple = ()
    describe: tuple = ()
    streams: bool = False       # a SELECT without ORDER BY or DISTINCT: rows come as the indexes give them


class _NotBounded(Exception):
    pass


class _Reader:
    def __init__(self, toks: list, prefixes: dict):
        self.toks, self.i, self.prefixes = toks, 0, prefixes

    def peek(self, k: int = 0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else (None, None)

    def next(self):
        tok = self.peek()
        if tok[0] is None:
            raise _NotBounded
        self.i += 1
        return tok

    def word(self, *words: str) -> str | None:
        kind, value = self.peek()
        if kind == "word" and value.upper() in words:
            self.i += 1
            return value.upper()
        return None

    def expect(self, kind: str, value: str | None = None):
        k, v = self.next()
        if k != kind or (value is not None and v != value):
            raise _NotBounded
        return v

    def iri(self, kind: str, value: str) -> str:
        if kind == "iri":
            iri = value[1:-1]
        elif kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix not in self.prefixes:
                raise _NotBounded
            iri = self.prefixes[prefix] + _PN_ESCAPE.sub(r"\1", local)
        else:
            raise _NotBounded
        if not _ABSOLUTE.match(iri):
            raise _NotBounded          # relative IRIs resolve against BASE or the request: leave them
        return iri

    # term: ("iri", value) | ("var", name) | ("lit",)
    def term(self, position: str):
        kind, value = self.next()
        if kind in ("iri", "pname"):
            return ("iri", self.iri(kind, value))
        if kind == "var":
            return ("var", value[1:])
        if position == "verb" and kind == "word" and value == "a":
            return ("iri", RDF_TYPE)
        if position == "object":
            if kind == "string":
                nk, nv = self.peek()
                if nk == "lang":
                    self.i += 1
                elif nk == "other" and nv == "^" and self.peek(1) == ("other", "^"):
                    self.i += 2
                    dk, dv = self.next()
                    self.iri(dk, dv)
                return ("lit",)
            if kind == "number" or (kind == "word" and value in ("true", "false")):
                return ("lit",)
        raise _NotBounded

    def triples(self, out: list) -> None:
        """TriplesBlock up to a '}' (not consumed); appends (s, p, o) terms."""
        while True:
            if self.peek() in (("close", "}"), (None, None)) or self.peek() == ("word", "OPTIONAL") \
                    or (self.peek()[0] == "word" and self.peek()[1].upper() == "OPTIONAL"):
                return
            subject = self.term("subject")
            while True:
                verb = self.term("verb")
                while True:
                    out.append((subject, verb, self.term("object")))
                    if self.peek() != ("other", ","):
                        break
                    self.i += 1
                if self.peek() != ("other", ";"):
                    break
                while self.peek() == ("other", ";"):
                    self.i += 1
                if self.peek() in (("other", "."), ("close", "}")):
                    break
            if self.peek() == ("other", "."):
                self.i += 1
                continue
            return

    def group(self) -> list:
        """``{ triples (OPTIONAL { triples } | triples)* }`` -> [(pattern, optional group number)]."""
        self.expect("open", "{")
        out, n = [], 0
        while True:
            block: list = []
            self.triples(block)
            out += [(p, 0) for p in block]
            if self.word("OPTIONAL"):
                n += 1
                self.expect("open", "{")
                inner: list = []
                self.triples(inner)
                self.expect("close", "}")
                out += [(p, n) for p in inner]
                if self.peek() == ("other", "."):
                    self.i += 1
                continue
            self.expect("close", "}")
            return out

    def modifiers(self) -> bool:
        """Solution modifiers; True when there is no ORDER BY."""
        ordered = False
        if self.word("ORDER"):
            ordered = True
            if not self.word("BY"):
                raise _NotBounded
            keys = 0
            while True:
                if self.peek()[0] == "var":
                    self.i += 1
                elif self.word("ASC", "DESC"):
                    self.expect("open", "(")
                    self.expect("var")
                    self.expect("close", ")")
                else:
                    break
                keys += 1
            if not keys:
                raise _NotBounded
        seen = set()
        while (w := self.word("LIMIT", "OFFSET")) and w not in seen:
            seen.add(w)
            if self.next()[0] != "number":
                raise _NotBounded
        if self.peek()[0] is not None:
            raise _NotBounded
        return not ordered


def plan(toks: list, prefixes: dict) -> Plan | None:
    """A ``Plan`` if the query (its tokens, kind and value, after the prologue) is of the bounded
    shape; else None. ``prefixes``: the query's PREFIX declarations, resolved."""
    r = _Reader(toks, prefixes)
    try:
        form = r.word("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
        distinct = False
        if form == "DESCRIBE":
            iris = []
            while r.peek()[0] is not None:
                k, v = r.next()
                iris.append(r.iri(k, v))
            return Plan(describe=tuple(iris)) if iris else None
        if form == "SELECT":
            distinct = bool(r.word("DISTINCT", "REDUCED"))
            if r.peek() == ("other", "*"):
                r.i += 1
            else:
                if r.peek()[0] != "var":
                    return None
                while r.peek()[0] == "var":
                    r.i += 1
            r.word("WHERE")
            patterns = r.group()
        elif form == "ASK":
            r.word("WHERE")
            patterns = r.group()
        elif form == "CONSTRUCT":
            if r.word("WHERE"):
                patterns = r.group()
                if any(n for _, n in patterns):
                    return None     # CONSTRUCT WHERE takes a plain basic graph pattern
            else:
                template: list = []
                r.expect("open", "{")
                r.triples(template)
                r.expect("close", "}")
                if not r.word("WHERE") and r.peek() != ("open", "{"):
                    return None
                patterns = r.group()
        else:
            return None
        unordered = r.modifiers()
    except _NotBounded:
        return None
    return _anchor(patterns, streams=form == "SELECT" and unordered and not distinct)


def _anchor(patterns: list, streams: bool = False) -> Plan | None:
    """Split into anchored patterns and hops; None if a pattern is neither."""
    anchored, hops = [], []
    binders: dict[str, int] = {}      # object variable of a required anchored pattern -> its index
    for (s, p, o), group in patterns:
        if s[0] == "iri":
            idx = len(anchored)
            anchored.append(((s[1], p[1] if p[0] == "iri" else None, o[1] if o[0] == "iri" else None), group))
            if group == 0 and o[0] == "var":
                binders.setdefault(o[1], idx)
    for (s, p, o), group in patterns:
        if s[0] == "iri":
            continue
        if s[0] != "var" or s[1] not in binders:
            return None
        hops.append((binders[s[1]], p[1] if p[0] == "iri" else None, group))
    if not anchored:
        return None
    return Plan(patterns=tuple(anchored), hops=tuple(hops), streams=streams)


def within_budget(store, plan: Plan, graph) -> bool:
    """Count, with the store's indexes, what the plan's patterns match (each count stops at BUDGET):
    True when the rows the query can produce (joins multiply) stay within ``BUDGET``."""
    import pyoxigraph as ox

    node = ox.NamedNode
    if plan.describe:
        return _descriptions_within(store, [node(i) for i in plan.describe], graph)
    hops_of: dict[int, list] = {}
    for anchor, predicate, group in plan.hops:
        hops_of.setdefault(anchor, []).append((node(predicate) if predicate else None, group))
    required, optional = 1, {}
    for idx, ((s, p, o), group) in enumerate(plan.patterns):
        quads = list(islice(store.quads_for_pattern(node(s), node(p) if p else None, node(o) if o else None, graph),
                            BUDGET + 1))
        if len(quads) > BUDGET:
            return False
        if idx in hops_of:
            rows = 0
            for q in quads:
                factor = 1
                for predicate, hop_group in hops_of[idx]:
                    if isinstance(q.object, ox.Literal):
                        n = 0
                    else:
                        n = sum(1 for _ in islice(store.quads_for_pattern(q.object, predicate, None, graph), BUDGET + 1))
                    factor *= n if hop_group == 0 else max(1, n)
                rows += factor
                if rows > BUDGET:
                    return False
        else:
            rows = len(quads)
        if group == 0:
            required *= rows
        else:
            optional[group] = optional.get(group, 1) * rows
        if required * _product(max(1, v) for v in optional.values()) > BUDGET:
            return False
    return True


def _product(values) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def _descriptions_within(store, resources: list, graph) -> bool:
    """DESCRIBE (pyoxigraph: a resource's triples, and those of the blank nodes they point to)."""
    import pyoxigraph as ox

    seen, todo, size = set(), list(resources), 0
    while todo:
        subject = todo.pop()
        for q in store.quads_for_pattern(subject, None, None, graph):
            size += 1
            if size > BUDGET:
                return False
            if isinstance(q.object, ox.BlankNode) and q.object not in seen:
                seen.add(q.object)
                todo.append(q.object)
    return True
