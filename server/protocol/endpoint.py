"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: read-only, bounded, cached.

A request goes: ``read_request`` (GET / POST form / POST sparql-query, every malformed case a 4xx) ->
``guard.inspect`` (size, nesting, SERVICE and updates refused before evaluation) -> negotiation (results
or RDF formats, ``format=`` override) -> the result cache (ETag from the store's content hash) -> the
store's ``run`` under a timeout that kills the work -> one complete body (never a cut-off 200).
``/sparql`` without a query is the Service Description.

App-wide response hooks live here too (they serve every blueprint): CORS for any origin, answers to
OPTIONS, and gzip for compressible bodies.
"""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_to_bytes

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from ..problems import Problem
from ..store import get_store, guard
from .answer import (EXPOSED, GZIP_MIN_BYTES, RDF_OFFERS, RESULT_OFFERS, result_entry, result_etag, result_response,
                     validator_headers)
from .negotiation import expand_format, negotiate

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
COMPRESSIBLE = re.compile(r"^(text/|application/(.*\+)?(json|xml)|application/(n-triples|n-quads|trig|ld\+json|javascript))")


@dataclass(frozen=True)
class ProtocolRequest:
    query: str | None
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    timeout: float
    formats: tuple[str, ...]      # `format=` / `output=` values (clients such as SPARQLWrapper send several)


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Problem(400, "Not UTF-8", f"the {what} is not valid UTF-8 (byte {e.start}): SPARQL requests "
                      "must be encoded in UTF-8.") from None


def _form(body: bytes) -> MultiDict:
    try:
        return MultiDict(parse_qsl(_utf8(body, "form body"), keep_blank_values=True, encoding="utf-8",
                                   errors="strict"))
    except UnicodeDecodeError:
        raise Problem(400, "Not UTF-8", "a percent-encoded value in the form body is not UTF-8: encode the "
                      "query as UTF-8 before percent-encoding it.") from None


def _check_query_string() -> None:
    """werkzeug decodes a URL's non-UTF-8 bytes to U+FFFD: the query would run changed. Refuse it."""
    for part in request.query_string.split(b"&"):
        try:
            unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            name = unquote_to_bytes(part.split(b"=", 1)[0]).decode("utf-8", "replace")
            raise Problem(400, "Not UTF-8", f"the URL parameter '{name}' is not UTF-8 once percent-decoded: "
                          "encode the query as UTF-8 before percent-encoding it (%C3%A9 for é, not %E9).") from None


def _body(too_large: Problem) -> bytes:
    """The request body, read up to ``request.max_content_length`` (werkzeug stops there silently)."""
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large from None
    if len(data) >= request.max_content_length:
        raise too_large
    return data


def _refuse_update() -> Problem:
    return Problem(403, "Read-only endpoint", "this endpoint answers SPARQL queries only; updates "
                   "(the 'update' parameter, application/sparql-update) are never executed.")


def read_request() -> ProtocolRequest:
    """The protocol operation in this request, or a 4xx Problem saying what to fix."""
    cfg = current_app.config
    _check_query_string()
    args = request.args
    if "update" in args:
        raise _refuse_update()
    if request.method in ("GET", "HEAD"):
        params, queries = args, args.getlist("query")
    else:  # POST
        limit = 4 * int(cfg["MAX_QUERY_BYTES"]) + 65536
        too_large = Problem(413, "Request too large", f"the request body exceeds {limit} bytes; queries are "
                            f"limited to {cfg['MAX_QUERY_BYTES']} bytes.", limit=cfg["MAX_QUERY_BYTES"])
        if (request.content_length or 0) > limit:
            raise too_large
        # A chunked body has no Content-Length: werkzeug read all of it (50 MB, or more) into memory
        # before the size check. Reading now stops at the limit.
        request.max_content_length = limit
        if request.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
            raise Problem(415, "Unsupported Content-Encoding", f"Content-Encoding "
                          f"{request.headers['Content-Encoding']} is not accepted: send the query uncompressed.")
        ctype = request.mimetype
        charset = request.mimetype_params.get("charset")
        if charset and charset.lower().replace("-", "") != "utf8":
            raise Problem(415, "Unsupported charset", f"charset={charset} is not accepted: send the query "
                          "as UTF-8 (charset=utf-8, or no charset parameter).")
        if ctype == FORM:
            form = _form(_body(too_large))
            if "update" in form:
                raise _refuse_update()
            queries = form.getlist("query") + args.getlist("query")
            params = MultiDict(list(args.items(multi=True)) + list(form.items(multi=True)))
        elif ctype == QUERY:
            if "query" in args:
                raise Problem(400, "Two queries", "a POST with Content-Type application/sparql-query carries "
                              "the query in its body; remove the 'query' URL parameter.")
            queries, params = [_utf8(_body(too_large), "query")], args
        elif ctype == UPDATE:
            raise _refuse_update()
        elif not ctype:
            raise Problem(415, "Missing Content-Type", "a POST needs Content-Type "
                          f"{FORM} (with query=…) or {QUERY} (the query as the body).")
        else:
            raise Problem(415, "Unsupported Content-Type", f"{ctype} is not a SPARQL query request; use "
                          f"{FORM} (with query=…) or {QUERY} (the query as the body).")
    if len(queries) > 1:
        raise Problem(400, "Two queries", f"the request carries {len(queries)} 'query' parameters; send exactly one.")
    query = queries[0] if queries else None
    if query is not None and not query.strip():
        raise Problem(400, "Empty query", "the 'query' parameter is empty; send a SPARQL query.")
    dg, ng = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    for iri in dg + ng:
        try:
            ox.NamedNode(iri)
        except ValueError as e:
            raise Problem(400, "Bad graph IRI", f"'{iri}' is not an absolute IRI ({e}); default-graph-uri "
                          "and named-graph-uri name graphs of this store by IRI.") from None
    if len(params.getlist("timeout")) > 1:
        raise Problem(400, "Two timeouts", "the request carries several 'timeout' parameters; send one "
                      "(seconds, at most {:g}).".format(float(cfg["MAX_QUERY_TIMEOUT"])))
    dataset = bool(dg or ng)
    return ProtocolRequest(query=query,
                           default_graphs=tuple(dg) if dataset else None,
                           named_graphs=tuple(ng) if dataset else None,
                           timeout=_timeout(params.get("timeout")),
                           formats=tuple(v for v in params.getlist("format") + params.getlist("output") if v))


def _timeout(value: str | None) -> float:
    cfg = current_app.config
    if value is None or value == "":
        return float(cfg["QUERY_TIMEOUT"])
    try:
        t = float(value)
    except ValueError:
        t = -1.0
    if not (t > 0):
        raise Problem(400, "Bad timeout", f"timeout={value!r}: give a positive number of seconds (at most "
                      f"{cfg['MAX_QUERY_TIMEOUT']}).")
    return min(t, float(cfg["MAX_QUERY_TIMEOUT"]))


def pick_format(values: tuple[str, ...], offers: list[str]) -> str | None:
    """The first ``format=`` value naming one of ``offers``; else the first value (406 will say why)."""
    for v in values:
        if expand_format(v, offers) in offers:
            return v
    return values[0] if values else None


@bp.route("/sparql", methods=["GET", "POST"])
@bp.route("/sparql/", methods=["GET", "POST"])
def endpoint():
    found = request.environ.get("cec_kg.problem")
    if found is not None:       # the lean path (``fast``) found it: answer it without evaluating again
        raise found
    req = read_request()
    if req.query is None:
        if request.method == "POST":
            raise Problem(400, "No query", "the POST carries no query: send query=… (form) or the query as "
                          "an application/sparql-query body. GET /sparql without a query describes the service.")
        from .description import service_description_response

        from .negotiation import RDF as RDF_TABLE

        return service_description_response(pick_format(req.formats, list(RDF_TABLE) + ["text/html"]))
    return answer(req)


def answer(req: ProtocolRequest) -> Response:
    cfg = current_app.config
    store = get_store()
    info = guard.inspect(req.query, max_bytes=int(cfg["MAX_QUERY_BYTES"]), max_depth=int(cfg["MAX_NESTING"]))
    graph_form = info.form in ("CONSTRUCT", "DESCRIBE")
    offers = RDF_OFFERS if graph_form else RESULT_OFFERS
    media_type = negotiate(request, offers, override=pick_format(req.formats, offers))
    etag = result_etag(store, cfg, req.query, req.default_graphs, req.named_graphs, media_type, request.base_url)
    is_get = request.method in ("GET", "HEAD")
    use_gzip = request.accept_encodings["gzip"] > 0 and request.accept_encodings.quality("identity") >= 0
    tag = etag + ("-gz" if use_gzip else "")
    if is_get and request.if_none_match.contains_weak(tag):     # RFC 9110 §13.1.2: weak comparison
        g.sparql_cache = "revalidated"
        resp = Response(status=304)
        resp.headers.extend(validator_headers(cfg, tag, is_get))
        return resp
    entry, g.sparql_cache = result_entry(current_app, store, info, req.query, req.default_graphs, req.named_graphs,
                                         req.timeout, media_type, request.base_url, etag)
    body, headers = result_response(cfg, entry, tag, is_get, use_gzip)
    return Response(body, status=200, headers=headers)


# -- app-wide: CORS, OPTIONS, gzip -------------------------------------------------------------------
@bp.after_app_request
def finish_response(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = EXPOSED
    if request.method == "OPTIONS":
        # The route's own methods (Flask's automatic OPTIONS answer lists them in Allow): POST only where it works.
        resp.headers["Access-Control-Allow-Methods"] = resp.headers.get("Allow") or "GET, HEAD, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Accept, Content-Type, If-None-Match")
        resp.headers["Access-Control-Max-Age"] = "86400"
    elif (resp.status_code == 200 and not resp.direct_passthrough and not resp.is_streamed
          and "Content-Encoding" not in resp.headers and COMPRESSIBLE.match(resp.mimetype or "")
          and request.accept_encodings["gzip"] > 0):
        data = resp.get_data()
        if len(data) >= GZIP_MIN_BYTES:
            resp.set_data(gzip.compress(data, compresslevel=5))
            resp.headers["Content-Encoding"] = "gzip"
            vary = {v.strip() for v in resp.headers.get("Vary", "").split(",") if v.strip()}
            resp.headers["Vary"] = ", ".join(sorted(vary | {"Accept-Encoding"}))
            if resp.headers.get("ETag"):
                etag, weak = resp.get_etag()
                resp.set_etag(etag + "-gz", weak=weak)
    return resp


@bp.record_once
def _setup(state) -> None:
    """Per-app state of the endpoint: the result cache, the WSGI layers in front of Flask (the replay
    cache, then the lean path), and (when serving) the killable query workers."""
    from .cache import ResultCache

    app = state.app
    app.extensions["cec_kg.result_cache"] = ResultCache(int(app.config["RESULT_CACHE_BYTES"]))
    if app.config.get("FAST_PATH", True):
        from .fast import FastPath

        app.wsgi_app = app.extensions["cec_kg.fast_path"] = FastPath(app.wsgi_app, app)
    if int(app.config["RESULT_CACHE_BYTES"]) > 0:
        from .replay import ReplayCache

        app.wsgi_app = app.extensions["cec_kg.replay_cache"] = ReplayCache(
            app.wsgi_app, int(app.config["RESULT_CACHE_BYTES"]) // 2)
    if app.config.get("START_QUERY_WORKERS"):
        app.extensions["cec_kg.store"].start(workers=int(app.config["QUERY_WORKERS"]),
                                             max_workers=int(app.config["MAX_QUERY_WORKERS"]),
                                             worker_memory_mb=float(app.config["QUERY_WORKER_MEMORY_MB"]))
