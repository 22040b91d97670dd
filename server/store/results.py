"""Serialise pyoxigraph query results (from any backend) into bytes, with the row cap applied.

One function, ``serialize``, used by the embedded query workers and by the remote backend alike, so a
result looks the same whoever computed it. The row cap is never silent: ``Outcome.truncated`` tells
the protocol layer, which announces it in response headers.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

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
    truncated: bool = False


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


def serialize(results, media_type: str, *, row_cap: int) -> Outcome:
    """``_serialize``, refusing an XML answer that would not be XML (a 4xx saying what to ask for)."""
    outcome = _serialize(results, media_type, row_cap=row_cap)
    if media_type in XML_MEDIA_TYPES and _NOT_XML_1_0.search(outcome.body):
        raise ValueError("the result holds a character XML 1.0 cannot carry (a control character such as "
                         "U+0001): ask for JSON, CSV/TSV, Turtle or N-Triples instead of XML")
    return outcome


def _serialize(results, media_type: str, *, row_cap: int) -> Outcome:
    """Bytes of ``results`` (QueryBoolean, QuerySolutions, QueryTriples or an iterable of triples) in
    ``media_type``, at most ``row_cap`` rows (``truncated`` says if any were dropped).

    Everything is written by the engine's own serialisers, end to end: JSON and XML results directly
    (rows counted on the bytes), graphs as N-Triples (one triple a line: counted, cut at the cap) and
    converted natively when another syntax is asked for. The engine's TSV (one line a solution) is the
    way to cut an oversized SELECT at the cap and to write CSV.
    """
    if isinstance(results, (bool, ox.QueryBoolean)):
        fmt = RESULTS[media_type]
        if isinstance(results, bool):
            body = ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if results else b"false"),
                                          format=ox.QueryResultsFormat.JSON).serialize(format=fmt)
        else:
            body = results.serialize(format=fmt)
        return Outcome(media_type, body, None)
    if isinstance(results, ox.QuerySolutions):
        fmt = RESULTS[media_type]
        if fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML):
            body = results.serialize(format=fmt)
            rows = json_rows(body) if fmt == ox.QueryResultsFormat.JSON else body.count(b"<result>")
            if rows <= row_cap:
                return Outcome(media_type, body, rows)
            tsv = ox.parse_query_results(body, format=fmt).serialize(format=ox.QueryResultsFormat.TSV)
        else:
            tsv = results.serialize(format=ox.QueryResultsFormat.TSV)
        # The engine's TSV: a header line, then one line per solution (newlines in literals escaped).
        rows = tsv.count(b"\n") - 1
        truncated = rows > row_cap
        if truncated:
            end = -1
            for _ in range(row_cap + 1):
                end = tsv.index(b"\n", end + 1)
            tsv, rows = tsv[: end + 1], row_cap
        if fmt == ox.QueryResultsFormat.TSV:
            return Outcome(media_type, tsv, rows, truncated)
        if fmt == ox.QueryResultsFormat.CSV:
            return Outcome(media_type, csv_from_tsv(tsv), rows, truncated)
        body = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt)
        return Outcome(media_type, body, rows, truncated)
    # CONSTRUCT / DESCRIBE: N-Triples from the engine (one triple a line), cut at the cap.
    fmt = RDF[media_type]
    if isinstance(results, ox.QueryTriples):
        nt = results.serialize(format=ox.RdfFormat.N_TRIPLES)
    else:
        nt = ox.serialize([t if isinstance(t, ox.Triple) else ox.Triple(t.subject, t.predicate, t.object)
                           for t in results], format=ox.RdfFormat.N_TRIPLES)
    rows = nt.count(b"\n")
    truncated = rows > row_cap
    if truncated:
        end = -1
        for _ in range(row_cap):
            end = nt.index(b"\n", end + 1)
        nt, rows = nt[: end + 1], row_cap
    if fmt == ox.RdfFormat.N_TRIPLES:
        return Outcome(media_type, nt, rows, truncated)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]
    if fmt == ox.RdfFormat.RDF_XML:
        # pyoxigraph 0.5.13 wrote `<oxprefix: xmlns:oxprefix="urn:x:1">`, malformed XML, in a 200.
        bad = sorted({t.predicate.value for t in triples if not _XML_LOCAL_NAME.search(t.predicate.value)})
        if bad:
            raise ValueError(f"RDF/XML cannot write the predicate <{bad[0]}> (an RDF/XML predicate must end "
                             "with an XML name: a letter or _ first); ask for Turtle, N-Triples or JSON-LD")
    if fmt in DATASET_FORMATS:
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    else:
        items = triples
    return Outcome(media_type, ox.serialize(items, format=fmt), rows, truncated)


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
