"""Serialise pyoxigraph query results (from any backend) into bytes, with the row cap applied.

One function, ``serialize``, used by the embedded query workers and by the remote backend alike, so a
result looks the same whoever computed it. The row cap is never silent: ``Outcome.truncated`` tells
the protocol layer, which announces it in response headers.

The byte cap (``max_bytes``) is kept the same way: a result whose document would be larger is cut at
a row (a triple) and written again, so the answer is always a whole, valid document of at most
``max_bytes`` bytes, holding the first rows; ``Outcome.truncated`` is then ``"bytes"``.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

# SELECT / ASK results (SPARQL 1.1 Query Results JSON, XML, CSV/TSV).
RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
# Places (rows with coordinates, see ``geo``): KML and GeoJSON, after the results formats.
from .geo import GEO_RESULTS, NO_COORDINATES, geojson, kml, places  # noqa: E402

# RDF graphs and datasets (CONSTRUCT / DESCRIBE, entity documents, dumps).
RDF = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "text/n3": ox.RdfFormat.N3,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
DATASET_FORMATS = {ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS}
# An IRI token holding a comma in the engine's TSV (a literal quoting "<a,b>" also matches: harmless).
_IRI_WITH_COMMA = re.compile(rb"<[^<>\t\n]*,[^<>\t\n]*>")
# RDF/XML writes a predicate as namespace + XML name: the IRI must end with one (a letter or _ first).
_XML_LOCAL_NAME = re.compile(r"[^\W\d][\w.\-]*$")


@dataclass
class Outcome:
    media_type: str
    body: bytes
    rows: int | None          # solutions or triples returned (None for ASK)
    truncated: bool | str = False     # False, True / "rows" (the row cap), or "bytes" (the byte cap)


def fit(render, n: int, max_bytes: int | None) -> tuple[bytes, int, bool]:
    """``render(k)`` (the document of the first ``k`` rows) for the largest ``k <= n`` whose document has
    at most ``max_bytes`` bytes: (document, k, whether rows were left out). Sizes grow about linearly
    with rows, so a proportional guess lands within a step or two."""
    body = render(n)
    if max_bytes is None or len(body) <= max_bytes:
        return body, n, False
    k = n
    while k > 0:
        k = min(k - 1, int(k * max_bytes / max(len(body), 1) * 0.97))
        body = render(max(k, 0))
        if len(body) <= max_bytes:
            return body, max(k, 0), True
    return render(0), 0, True


def _tsv_rows(tsv: bytes) -> list[int]:
    """End offsets (after the newline) of the header line and of every row of an engine TSV."""
    return [m.end() for m in re.finditer(rb"\n", tsv)]


def term_json(term) -> dict:
    """A term as a SPARQL 1.1 Query Results JSON object."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


def solutions_json(variables: list[str], rows: list) -> bytes:
    bindings = []
    for row in rows:
        b = {}
        for v in variables:
            t = row[v]
            if t is not None:
                b[v] = term_json(t)
        bindings.append(b)
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def csv_from_tsv(tsv: bytes) -> bytes:
    """SPARQL 1.1 Query Results CSV from the engine's TSV.

    pyoxigraph 0.5.13's CSV writer leaves an IRI that holds a comma unquoted, so one field reads as
    two (``http://ex.org/a,b``). Such results are written here with the CSV rules of the spec (RFC
    4180: a field with a comma, quote, CR or LF is quoted, quotes doubled); others stay native.
    """
    solutions = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    if not _IRI_WITH_COMMA.search(tsv):
        return solutions.serialize(format=ox.QueryResultsFormat.CSV)
    variables = [v.value for v in solutions.variables]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in solutions:
        writer.writerow([_csv_field(row[v]) for v in variables])
    return out.getvalue().encode("utf-8")


def _csv_field(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


# XML 1.0 (§2.2 Char) cannot carry C0 controls other than tab, LF and CR, nor U+FFFE / U+FFFF, not even
# as character references; pyoxigraph 0.5.13 writes them raw, a document no XML parser reads.
XML_MEDIA_TYPES = {"application/sparql-results+xml", "application/xml", "application/rdf+xml"}
_NOT_XML_1_0 = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


def serialize(results, media_type: str, *, row_cap: int, bounded: bool = False, prefixes: dict | None = None,
              variable_order: tuple[str, ...] | None = None, max_bytes: int | None = None,
              small: bool = False) -> Outcome:
    """``_serialize``, refusing an XML answer that would not be XML (a 4xx saying what to ask for).

    ``prefixes``: the query's own PREFIX declarations, used by the RDF syntaxes that abbreviate
    (Turtle, TriG). ``variable_order``: for ``SELECT *``, the variables in the order the
    query names them (the engine sorts them: ``o, p, s`` for ``?s ?p ?o``). ``max_bytes``: the byte cap
    (the answer is cut at a row or triple and written again whole; ``truncated`` is then "bytes").
    """
    outcome = _serialize(results, media_type, row_cap=row_cap, bounded=bounded, prefixes=prefixes or {},
                         variable_order=variable_order, max_bytes=max_bytes, small=small)
    if media_type in XML_MEDIA_TYPES and _NOT_XML_1_0.search(outcome.body):
        raise ValueError("the result holds a character XML 1.0 cannot carry (a control character such as "
                         "U+0001): ask for JSON, CSV/TSV, Turtle or N-Triples instead of XML")
    return outcome


def _ordered(variables: list[str], order: tuple[str, ...] | None) -> list[str]:
    """``variables`` in ``order`` (those it does not name keep their place after the named ones)."""
    if not order:
        return variables
    rank = {v: i for i, v in enumerate(order)}
    return sorted(variables, key=lambda v: (rank.get(v, len(rank)), variables.index(v)))


def _serialize(results, media_type: str, *, row_cap: int, bounded: bool = False, prefixes: dict,
               variable_order: tuple[str, ...] | None, max_bytes: int | None = None, small: bool = False) -> Outcome:
    """Bytes of ``results`` (QueryBoolean, QuerySolutions or an iterable of triples) in ``media_type``.

    ``bounded``: the query's own LIMIT keeps it within the cap, so the engine's writer streams it
    directly; otherwise at most ``row_cap`` rows are kept and ``truncated`` says if any were dropped.
    ``small``: the answer is known to be small (a query proven bounded, ``bounded``): a graph in
    N-Triples may be written whole by the engine before it is counted.
    """
    if isinstance(results, (bool, ox.QueryBoolean)):
        fmt = RESULTS[media_type]
        if isinstance(results, bool):
            body = ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if results else b"false"),
                                          format=ox.QueryResultsFormat.JSON).serialize(format=fmt)
        else:
            body = results.serialize(format=fmt)
        return Outcome(media_type, body, None)
    if media_type in GEO_RESULTS:
        if not isinstance(results, ox.QuerySolutions):
            raise ValueError("KML and GeoJSON are for SELECT results with coordinates; ask for JSON or XML")
        variables = _ordered([v.value for v in results.variables], variable_order)
        rows, truncated = places(variables, results, row_cap)
        if not rows:
            raise ValueError(NO_COORDINATES)
        body = kml(variables, rows) if GEO_RESULTS[media_type] == "kml" else geojson(variables, rows)
        return Outcome(media_type, body, len(rows), truncated)
    if isinstance(results, ox.QuerySolutions):
        fmt = RESULTS[media_type]
        engine_order = [v.value for v in results.variables]
        if _ordered(engine_order, variable_order) != engine_order:
            # SELECT * in the query's order: written here (the engine's writers keep its own order).
            variables = _ordered(engine_order, variable_order)
            rows = []
            truncated = False
            for row in results:
                if len(rows) == row_cap:
                    truncated = True
                    break
                rows.append(row)

            def ordered(k: int) -> bytes:
                body = solutions_json(variables, rows[:k])
                if fmt == ox.QueryResultsFormat.JSON:
                    return body
                parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
                return (csv_from_tsv(parsed.serialize(format=ox.QueryResultsFormat.TSV))
                        if fmt == ox.QueryResultsFormat.CSV else parsed.serialize(format=fmt))

            body, n, cut = fit(ordered, len(rows), max_bytes)
            return Outcome(media_type, body, n, "bytes" if cut else truncated)
        if bounded and fmt != ox.QueryResultsFormat.CSV:
            body = results.serialize(format=fmt)
            if max_bytes is None or len(body) <= max_bytes:
                return Outcome(media_type, body, None)
            # Too large: read the document back and cut it like any other (rare: a LIMITed query).
            results = ox.parse_query_results(body, format=fmt)
        elif fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML):
            # Written once by the engine, rows counted on the bytes: the common answer (within both
            # caps) costs one native serialisation, not TSV + parse + serialisation. Over a cap: read
            # the document back and cut it below like any other.
            body = results.serialize(format=fmt)
            rows = json_rows(body) if fmt == ox.QueryResultsFormat.JSON else body.count(b"<result>")
            if rows <= row_cap and (max_bytes is None or len(body) <= max_bytes):
                return Outcome(media_type, body, rows)
            results = ox.parse_query_results(body, format=fmt)
        variables = [v.value for v in results.variables]
        if variables:
            # Count rows on the engine's own TSV (one line per solution; newlines in literals are
            # escaped), cut it at the cap, and re-serialise through the engine: all native code.
            tsv = results.serialize(format=ox.QueryResultsFormat.TSV)
            ends = _tsv_rows(tsv)
            rows = len(ends) - 1
            truncated = rows > row_cap
            if truncated:
                rows = row_cap
            if fmt == ox.QueryResultsFormat.TSV:
                render = lambda k: tsv[: ends[k]]        # noqa: E731
            elif fmt == ox.QueryResultsFormat.CSV:
                render = lambda k: csv_from_tsv(tsv[: ends[k]])        # noqa: E731
            else:
                render = lambda k: ox.parse_query_results(      # noqa: E731
                    tsv[: ends[k]], format=ox.QueryResultsFormat.TSV).serialize(format=fmt)
            body, rows, cut = fit(render, rows, max_bytes)
            return Outcome(media_type, body, rows, "bytes" if cut else truncated)
        rows = []
        for row in results:
            if len(rows) == row_cap:
                truncated = True
                break
            rows.append(row)
        else:
            truncated = False
        def render(k: int) -> bytes:
            body = solutions_json(variables, rows[:k])
            if fmt != ox.QueryResultsFormat.JSON:
                body = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)
            return body

        body, n, cut = fit(render, len(rows), max_bytes)
        return Outcome(media_type, body, n, "bytes" if cut else truncated)
    # CONSTRUCT / DESCRIBE: an iterable of triples (or of default-graph quads).
    fmt = RDF[media_type]
    if small and fmt == ox.RdfFormat.N_TRIPLES and isinstance(results, ox.QueryTriples):
        # Written by the engine in one call, a triple a line: within both caps that is the answer (no
        # Python object per triple); over a cap it is read back and cut below.
        body = results.serialize(format=fmt)
        n = body.count(b"\n")
        if n <= row_cap and (max_bytes is None or len(body) <= max_bytes):
            return Outcome(media_type, body, n, False)
        results = ox.parse(body, format=fmt)
    # The engine's Triples, or default-graph Quads as parsed (a backend's answer, one read back): written alike.
    triples = list(islice(results, row_cap + 1))
    truncated = len(triples) > row_cap
    del triples[row_cap:]
    if fmt == ox.RdfFormat.RDF_XML:
        # pyoxigraph 0.5.13 wrote `<oxprefix: xmlns:oxprefix="urn:x:1">`, malformed XML, in a 200.
        bad = sorted({t.predicate.value for t in triples if not _XML_LOCAL_NAME.search(t.predicate.value)})
        if bad:
            raise ValueError(f"RDF/XML cannot write the predicate <{bad[0]}> (an RDF/XML predicate must end "
                             "with an XML name: a letter or _ first); ask for Turtle, N-Triples or JSON-LD")
    if fmt in DATASET_FORMATS:
        items = [t if isinstance(t, ox.Quad) else ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                 for t in triples]
    else:
        items = triples
    abbreviating = fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) and prefixes   # RDF/XML: a prefix may not be an XML name

    def write(k: int) -> bytes:
        if abbreviating:
            try:
                return ox.serialize(items[:k], format=fmt, prefixes=prefixes)
            except ValueError:      # a prefix the writer refuses: the answer without abbreviations
                pass
        return ox.serialize(items[:k], format=fmt)

    body, n, cut = fit(write, len(items), max_bytes)
    return Outcome(media_type, body, n, "bytes" if cut else truncated)


# A JSON string (escapes included): removed before counting the bindings' objects.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def json_rows(body: bytes) -> int:
    """The number of solutions in the engine's (compact) SPARQL JSON results: outside the strings,
    each binding object but the first follows a comma at the array's level (``},{``), while a term
    object follows a colon (``:{``)."""
    start = body.find(b'"bindings":[')
    if start < 0:
        return 0
    region = body[start + 12:]
    if b'\\"' in region:
        outside = _JSON_STRING.sub(b"", region)
    else:       # no escaped quote: every other piece between quotes is outside the strings
        outside = b"".join(region.split(b'"')[::2])
    if not outside.startswith(b"{"):
        return 0
    return 1 + outside.count(b",{")
