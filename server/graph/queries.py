"""The saved queries: ``queries/cq-*.rq`` read with their headers (question in en/es/fr, parameters,
expected answer), for the ``/queries`` API, the query page's examples and the tests.

The header (``queries/README.md``)::

    # cq-01: Which factual records concern Mexico?
    # question@es: ¿Qué expedientes de hechos se refieren a México?
    # question@fr: Quels dossiers factuels concernent le Mexique ?
    # parameter: ?party iri cec:Party = id:party/mexico
    # source: …
    # expected-count: 12

A parameter is a variable of the query bound, when it runs, as an RDF term (pyoxigraph
``substitutions``; never pasted into the text): ``iri`` (optionally of a class, checked), ``year``
(an ``xsd:integer`` of four digits), ``integer``, ``date`` (``xsd:date``) or ``string``. Its default
(after ``=``) gives the stated answer, so the query file run as it is with the defaults bound answers
its question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from . import paths
from .namespaces import BASE, PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"
KINDS = ("iri", "year", "integer", "date", "string")
_PARAMETER = re.compile(r"^# parameter: \?(\w+) (\w+)(?: (\S+:\S*))?(?: = (\S+))?\s*$")
_QUESTION = re.compile(r"^# (?:cq-\d\d|question@(\w\w)): (.+)$")


class ParameterError(ValueError):
    """A value that does not fit its parameter; the message names the parameter and says why."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str                       # one of KINDS
    cls: str | None = None          # iri: the class the value must be an instance of (full IRI)
    default: str | None = None      # as written in the header

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """The RDF term of a URL argument (or the default), or ParameterError saying what is wrong."""
        value = value.strip()
        if self.kind == "iri":
            iri = expand(value, self.default)
            try:
                return ox.NamedNode(iri)
            except ValueError:
                raise ParameterError(self.name, f"{self.name}={value!r} is not an IRI: give an absolute IRI, a "
                                     "prefixed name (id:party/mexico) or the entity's key (party/mexico)") from None
        if self.kind in ("year", "integer"):
            if not re.fullmatch(r"-?\d+", value) or (self.kind == "year" and not re.fullmatch(r"\d{4}", value)):
                what = "a year of four digits (1997)" if self.kind == "year" else "an integer"
                raise ParameterError(self.name, f"{self.name}={value!r} is not {what}")
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if self.kind == "date":
            if not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
                raise ParameterError(self.name, f"{self.name}={value!r} is not a date (YYYY-MM-DD)")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
        return ox.Literal(value)

    @property
    def default_term(self):
        return self.term(self.default) if self.default is not None else None


def expand(value: str, default: str | None = None) -> str:
    """An IRI from what people type: an absolute IRI, a prefixed name of ours (``id:party/mexico``), an
    entity key (``party/mexico``), or, when the default names a kind (``id:party/…``), a slug (``mexico``)."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I) or value.startswith("urn:"):
        return value
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    if "/" in value:
        return BASE + "id/" + value
    if default:
        kind = expand(default).removeprefix(BASE + "id/").split("/", 1)
        if len(kind) == 2:
            return BASE + "id/" + kind[0] + "/" + value
    return value


@dataclass
class SavedQuery:
    name: str                       # file stem: cq-01-factual-records-concerning-mexico
    number: str                     # cq-01
    question: dict[str, str]        # language -> question
    parameters: list[Parameter]
    text: str                       # the whole file
    expected: dict = field(default_factory=dict)    # {"ask": bool} / {"count": n, "rows": [[…]]}
    sources: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        """The query as people read it: the question, the parameters and the query (no test notes)."""
        out, in_rows = [], False
        for line in self.text.splitlines():
            if line.startswith("# expected"):
                in_rows = line.startswith("# expected-rows:")
                continue
            if in_rows and line.startswith("#   "):
                continue
            in_rows = False
            out.append(line)
        return "\n".join(out) + "\n"

    @property
    def form(self) -> str | None:
        m = re.search(r"^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", self.text, re.M | re.I)
        return m.group(1).upper() if m else None

    @property
    def variables(self) -> list[str]:
        """The projected variables of a SELECT, in order (``?x`` and ``(… AS ?x)``)."""
        m = re.search(r"^\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\s*(?:WHERE\s*)?\{", self.text, re.M | re.I | re.S)
        if not m:
            return []
        clause, out, depth = m.group(1), [], 0
        for tok in re.finditer(r"\(|\)|\bAS\s+\?(\w+)|\?(\w+)", clause, re.I):
            if tok.group(0) == "(":
                depth += 1
            elif tok.group(0) == ")":
                depth -= 1
            elif tok.group(1) and depth:
                out.append(tok.group(1))
            elif tok.group(2) and not depth:
                out.append(tok.group(2))
        return out

    def editor_text(self, values: dict[str, str] | None = None) -> str:
        """The query for a person to read and edit (the query page's form): ``body`` with each parameter
        given as a ``VALUES`` line first in the WHERE clause, its term written by pyoxigraph, so the text
        runs as it is. (The API never does this: it binds the terms with ``substitutions``.)"""
        text = self.body
        subs = self.substitutions(values)
        if not subs:
            return text
        m = re.search(r"^\s*(?:SELECT|ASK|CONSTRUCT|DESCRIBE)\b[^{]*?\{", text, re.M | re.I | re.S)
        if not m:
            return text
        lines = "".join(f"\n  VALUES ?{var.value} {{ {term} }}   # parameter ?{var.value}" for var, term in subs.items())
        return text[: m.end()] + lines + text[m.end():]

    def substitutions(self, values: dict[str, str] | None = None) -> dict[ox.Variable, ox.Term]:
        """Every parameter bound: to its value in ``values`` (raw URL arguments), else to its default."""
        values = values or {}
        out = {}
        for p in self.parameters:
            raw = values.get(p.name, p.default)
            if raw is None:
                continue
            out[ox.Variable(p.name)] = p.term(raw)
        return out


def parse(path: Path) -> SavedQuery:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    question: dict[str, str] = {}
    parameters: list[Parameter] = []
    expected: dict = {}
    sources: list[str] = []
    for i, line in enumerate(lines):
        if not line.startswith("#"):
            break
        if (m := _QUESTION.match(line)) and (i == 0 or m.group(1)):
            question[m.group(1) or "en"] = m.group(2).strip()
        elif m := _PARAMETER.match(line):
            name, kind, cls, default = m.groups()
            if kind not in KINDS:
                raise ValueError(f"{path.name}: parameter ?{name} has kind {kind!r}, not one of {KINDS}")
            parameters.append(Parameter(name, kind, expand(cls) if cls else None, default))
        elif m := re.match(r"^# expected: (true|false)\s*$", line):
            expected["ask"] = m.group(1) == "true"
        elif m := re.match(r"^# expected-count: (\d+)\s*$", line):
            expected["count"] = int(m.group(1))
        elif line.startswith("# expected-rows:"):
            rows = []
            for row in lines[i + 1:]:
                if not row.startswith("#   "):
                    break
                rows.append([v.strip() for v in row[4:].split(" | ")])
            expected["rows"] = rows
        elif line.startswith("# source:"):
            sources.append(line.split(":", 1)[1].strip())
    number = path.stem[:5]
    return SavedQuery(path.stem, number, question, parameters, text, expected, sources)


@lru_cache(maxsize=4)
def _load(folder: str, stamp: tuple) -> dict[str, SavedQuery]:
    return {p.stem: parse(p) for p in sorted(Path(folder).glob("cq-*.rq"))}


def saved_queries(folder: Path | None = None) -> dict[str, SavedQuery]:
    """Every competency question by file stem (re-read when a file changes)."""
    folder = folder or paths.QUERIES_DIR
    files = sorted(folder.glob("cq-*.rq"))
    return _load(str(folder), tuple((f.name, f.stat().st_mtime_ns) for f in files))
