"""Hints for the common mistakes in a query that does not parse.

The engine's parser reports where it stopped and what it expected (``error at 1:26: expected one of
LATERAL, SERVICE, [_]``), which rarely says what to change. On the guard's token stream we recognise
the mistakes people make most often and say how to fix each:

- a prefixed name whose prefix is not declared: the ``PREFIX`` line to add (with the namespace, for
  the vocabularies this graph uses and a few common ones);
- a word that is not SPARQL (``SELEC``, ``OPTINAL``, ``FILTR``): the nearest keyword or function;
- a triple pattern cut short (``{ ?s ?p }``): what it lacks (predicate and object, or object).

``hint`` returns a structured hint (the web layer words it in the page's language) with an English
``text`` for the problem+json ``detail``.
"""
from __future__ import annotations

import difflib
import re

from ..graph.namespaces import PREFIXES
from ..store.guard import tokens

# Namespaces offered for undeclared prefixes: the graph's own, then common ones people type from habit.
KNOWN_PREFIXES: dict[str, str] = {
    **PREFIXES,
    "geo": "http://www.opengis.net/ont/geosparql#",
    "geof": "http://www.opengis.net/def/function/geosparql/",
    "wgs": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "dbr": "http://dbpedia.org/resource/",
    "dbo": "http://dbpedia.org/ontology/",
}

KEYWORDS = """SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED PREFIX BASE DISTINCT REDUCED ORDER BY ASC DESC
LIMIT OFFSET GROUP HAVING OPTIONAL UNION MINUS FILTER BIND AS VALUES GRAPH SERVICE SILENT UNDEF EXISTS
NOT IN LATERAL""".split()
FUNCTIONS = """STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE
LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS
TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI
ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR TRIPLE
SUBJECT PREDICATE OBJECT ISTRIPLE ADJUST LANGDIR HASLANG HASLANGDIR STRLANGDIR""".split()
WORDS = set(KEYWORDS) | set(FUNCTIONS) | {"A", "TRUE", "FALSE"}
TERMS = ("var", "iri", "pname", "string", "number", "bnode")
_POSITION = re.compile(r"(\d+):(\d+)")


def _offset(text: str, line: int, column: int) -> int:
    """Character offset of a 1-based line and column (columns count characters)."""
    start = 0
    for _ in range(line - 1):
        nl = text.find("\n", start)
        if nl < 0:
            return len(text)
        start = nl + 1
    return min(len(text), start + max(0, column - 1))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def undeclared_prefixes(text: str) -> list[str]:
    """Prefixes used in prefixed names but never declared with PREFIX, in order of first use."""
    declared: set[str] = set()
    used: dict[str, None] = {}
    expect = False
    for kind, value, _ in tokens(text):
        if kind == "word" and value.upper() == "PREFIX":
            expect = True
            continue
        if kind == "pname":
            prefix = value.split(":", 1)[0]
            if expect:
                declared.add(prefix)
            else:
                used.setdefault(prefix, None)
        expect = False
    return [p for p in used if p not in declared]


def _prefix_hint(prefix: str) -> dict:
    ns = KNOWN_PREFIXES.get(prefix)
    if ns:
        line = f"PREFIX {prefix}: <{ns}>"
        return {"kind": "prefix", "prefix": prefix, "declaration": line,
                "text": f"the prefix '{prefix}:' is not declared: add the line {line} at the top of the query."}
    return {"kind": "prefix", "prefix": prefix, "declaration": f"PREFIX {prefix}: <…>",
            "text": f"the prefix '{prefix}:' is not declared: add a line PREFIX {prefix}: <namespace IRI> at the "
                    "top of the query, or write the IRI in full (<…>)."}


def _word_hint(text: str, error_at: int) -> dict | None:
    unknown = [(value, offset) for kind, value, offset in tokens(text)
               if kind == "word" and value.upper() not in WORDS]
    if not unknown:
        return None
    before = [u for u in unknown if u[1] <= error_at]
    value, offset = before[-1] if before else unknown[0]
    head = re.search(r"([A-Za-z][\w.-]*)?:[\w.%-]*(?:/[\w.%-]*)*/$", text[:offset])
    if head:                            # id:party/mexico: a local name cannot hold '/'
        name = head.group(0) + value
        line, col = _line_col(text, head.start())
        fixed = name.replace("/", "\\/")
        return {"kind": "slash", "found": name, "suggestion": fixed, "line": line, "column": col,
                "text": f"the prefixed name '{name}' (line {line}, column {col}) holds '/', which a prefixed "
                        f"name cannot: escape it ({fixed}) or write the full IRI in <…>."}
    nearest = difflib.get_close_matches(value.upper(), sorted(WORDS - {"A"}), n=1, cutoff=0.6)
    line, col = _line_col(text, offset)
    if nearest:
        return {"kind": "keyword", "found": value, "suggestion": nearest[0], "line": line, "column": col,
                "text": f"'{value}' (line {line}, column {col}) is not a SPARQL keyword: did you mean {nearest[0]}?"}
    return {"kind": "word", "found": value, "line": line, "column": col,
            "text": f"'{value}' (line {line}, column {col}) is not a SPARQL keyword or function; a variable "
                    f"starts with ? (?{value}), a prefixed name has a colon (ex:{value})."}


def _triple_hint(text: str, error_at: int) -> dict | None:
    """A triple pattern with one or two terms, ended by '.' or '}' where the parser stopped.

    The parser reports the position after the token it could not take: the pattern is the one the
    last '.' or '}' before that position ended (or the one still open there).
    """
    count, start, nest, depth = 0, None, 0, 0
    state = None                        # (count, start) of the pattern the last ender closed
    for kind, value, offset in tokens(text):
        if offset >= error_at:
            break
        if nest:                        # ( … ) or [ … ] inside a triple: one term
            nest += 1 if kind == "open" and value in "([" else -1 if kind == "close" and value in ")]" else 0
            state = None
            continue
        if (kind == "other" and value == ".") or (kind in ("open", "close") and value in "{}"):
            if count or state is None:  # '… ?q . }': the pattern the '.' ended
                state = (count, start) if depth else None
            depth += 1 if value == "{" else -1 if value == "}" else 0
            count, start = 0, None
            continue
        state = None
        if kind == "other" and value == ";":
            count = 1
        elif kind == "other" and value == ",":
            count = 2
        elif kind in TERMS or (kind == "word" and value in ("a", "true", "false")):
            count += 1
            start = offset if start is None else start
        elif kind == "open" and value in "([":
            nest = 1
            if count or value == "[":   # FILTER ( … ), BIND ( … ): no triple
                count += 1
                start = offset if start is None else start
        elif kind == "word":            # FILTER, OPTIONAL, BIND…: not inside a triple
            count, start = 0, None
        elif kind == "other" and value in "^/|":    # property path operators join two terms
            count -= 1
    if state is None and not depth:     # after the WHERE clause: no triple pattern there
        return None
    count, start = state if state is not None else (count, start)
    if count not in (1, 2) or start is None:
        return None
    end = start
    for kind, value, offset in tokens(text[start:]):
        if (kind == "other" and value == ".") or (kind in ("open", "close") and value in "{}"):
            break
        end = start + offset + len(value)
    pattern = " ".join(text[start:end].split())
    line, col = _line_col(text, start)
    missing = "predicate and object" if count == 1 else "object"
    return {"kind": "triple", "pattern": pattern, "missing": missing, "line": line, "column": col,
            "text": f"the triple pattern '{pattern}' (line {line}, column {col}) has no {missing}: a triple "
                    "pattern is subject, predicate and object (?s ?p ?o), ended by '.' or '}'."}


def _brace_hint(text: str) -> dict | None:
    opened = sum(1 for kind, value, _ in tokens(text) if kind == "open" and value == "{")
    closed = sum(1 for kind, value, _ in tokens(text) if kind == "close" and value == "}")
    if opened > closed:
        n = opened - closed
        return {"kind": "brace", "missing": n,
                "text": f"{n} '{{' {'is' if n == 1 else 'are'} not closed: add '}}' at the end of the group."}
    return None


def hint(text: str, message: str) -> dict | None:
    """The most likely fix for ``text``, whose parse failed with ``message`` (with its line:column)."""
    m = _POSITION.search(message)
    error_at = _offset(text, int(m.group(1)), int(m.group(2))) if m else len(text)
    missing = undeclared_prefixes(text)
    if missing:
        return _prefix_hint(missing[0])
    return _word_hint(text, error_at) or _triple_hint(text, error_at) or _brace_hint(text)
