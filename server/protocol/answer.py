"""The answer to a query, as both ways into ``/sparql`` give it: the Flask view (``endpoint``) and the
lean WSGI path (``fast``). One ETag, one cache entry, one set of headers, whichever way a request came.

``result_etag`` names the result; ``result_entry`` finds it in the result cache or has the store
evaluate the query (each failure a ``Problem``); ``result_response`` makes the body and headers.
"""
from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import replace

from ..problems import Problem
from ..store import bounded, guard
from ..store.executor import Busy, EvaluationError, Job, QuerySyntaxError, QueryTimeout, Unavailable
from .negotiation import RDF, RESULTS

RESULT_OFFERS = list(RESULTS)
RDF_OFFERS = list(RDF)
GZIP_MIN_BYTES = 1024
EXPOSED = "ETag, Retry-After, X-SPARQL-Row-Cap, X-SPARQL-Truncated, X-SPARQL-Rows, Link, Location, Vary"


def syntax_problem(message: str) -> Problem:
    m = re.search(r"(\d+):(\d+)", message)
    extra = {"line": int(m.group(1)), "column": int(m.group(2))} if m else {}
    return Problem(400, "Query syntax error", f"the query does not parse: {message}",
                   parser_message=message, **extra)


def result_etag(store, cfg, query: str, default_graphs, named_graphs, media_type: str, base_url: str) -> str:
    """The ETag of a query's result (before gzip): the data's version and everything the bytes depend on."""
    key = hashlib.blake2b("\0".join([query, repr(default_graphs), repr(named_graphs), media_type,
                                     str(int(cfg["MAX_RESULT_ROWS"])), base_url]).encode("utf-8"),
                          digest_size=10).hexdigest()
    return f"{store.content_hash()}-{key}"


def result_entry(app, store, info: guard.QueryInfo, query: str, default_graphs, named_graphs, timeout: float,
                 media_type: str, base_url: str, etag: str) -> tuple[dict, str]:
    """The cached result for ``etag``, or the query evaluated (and cached): (entry, "hit" | "miss").
    Every failure is a ``Problem`` (4xx, 502, 503) saying what to do."""
    cfg = app.config
    cache = app.extensions["cec_kg.result_cache"]
    entry = cache.get(etag)
    if entry is not None:
        return entry, "hit"
    cap = int(cfg["MAX_RESULT_ROWS"])
    if store.kind == "remote" and default_graphs is None and info.has_dataset:
        # Say FROM / FROM NAMED as protocol parameters (same dataset, by the protocol's rules): a
        # backend serving a union default graph may ignore FROM (Oxigraph server 0.5 does).
        default_graphs, named_graphs = info.from_graphs, info.from_named
    job = Job(query=info.capped(query, cap), media_type=media_type, default_graphs=default_graphs,
              named_graphs=named_graphs, row_cap=cap,
              union_default_graph=not info.has_dataset and getattr(store, "reads_union", True),
              plan=info.plan, base_iri=base_url,
              probe=info.capped(query, bounded.BUDGET) if info.plan and info.plan.streams and info.can_append_limit
              else None)
    try:
        try:
            outcome = store.run(job, timeout)
        except QuerySyntaxError:
            if job.query == query:
                raise
            # The parser reports the furthest position it reached, which may be in the LIMIT we
            # appended: parse the query as sent for the message (and the answer, should it parse).
            outcome = store.run(replace(job, query=query, probe=None), timeout)
    except QueryTimeout:
        raise Problem(503, "Query timeout", f"the query ran longer than {timeout:g} s and was stopped. "
                      "Make it more selective (LIMIT, more specific patterns), or pass a larger timeout= "
                      f"(at most {cfg['MAX_QUERY_TIMEOUT']:g} s).", {"Retry-After": str(cfg["RETRY_AFTER"])},
                      timeout=timeout) from None
    except Busy:
        raise Problem(503, "Busy", "every query worker is busy with other queries; retry shortly.",
                      {"Retry-After": str(cfg["RETRY_AFTER"])}) from None
    except Unavailable as e:
        raise Problem(503, "Query service unavailable", f"{e}: the service cannot evaluate queries until "
                      "it is restarted (its /health says so too); retry later.",
                      {"Retry-After": str(cfg["RETRY_AFTER"])}) from None
    except QuerySyntaxError as e:
        raise syntax_problem(str(e)) from None
    except EvaluationError as e:
        raise Problem(400 if store.kind == "embedded" else 502, "Query evaluation failed", str(e)) from None
    entry = {"media_type": outcome.media_type, "body": outcome.body, "rows": outcome.rows,
             "truncated": outcome.truncated, "gz": None}
    if cache.admit(etag):
        cache.put(etag, entry, len(outcome.body))
    return entry, "miss"


def result_response(cfg, entry: dict, tag: str, is_get: bool, use_gzip: bool) -> tuple[bytes, list]:
    """The body and headers of a 200 answer (CORS comes with every response, in ``finish_response``)."""
    body = entry["body"]
    headers = [("Content-Type", _content_type(entry["media_type"]))]
    if use_gzip and len(body) >= GZIP_MIN_BYTES:
        if entry["gz"] is None:
            entry["gz"] = gzip.compress(body, compresslevel=5)
        body = entry["gz"]
        headers.append(("Content-Encoding", "gzip"))
    headers += validator_headers(cfg, tag, is_get)
    cap = int(cfg["MAX_RESULT_ROWS"])
    headers.append(("X-SPARQL-Row-Cap", str(cap)))
    if entry["rows"] is not None:
        headers.append(("X-SPARQL-Rows", str(entry["rows"])))
    if entry["truncated"]:
        headers.append(("X-SPARQL-Truncated", f"true; only the first {cap} rows were returned; add LIMIT/OFFSET to page"))
    return body, headers


def _content_type(media_type: str) -> str:
    if media_type.startswith("text/") or media_type in ("application/n-triples", "application/trig",
                                                        "application/n-quads"):
        return media_type + "; charset=utf-8"
    return media_type


def validator_headers(cfg, etag: str, is_get: bool) -> list:
    headers = [("Vary", "Accept, Accept-Encoding")]
    if is_get:
        headers += [("ETag", f'"{etag}"'), ("Cache-Control", f"public, max-age={int(cfg['CACHE_MAX_AGE'])}")]
    else:
        headers.append(("Cache-Control", "no-store"))
    return headers
