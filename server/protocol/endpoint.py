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
import hashlib
import re
import sys
import time
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, unquote_to_bytes

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from ..problems import Problem
from ..store import EXTENSION as STORE, bounded, guard
from ..store.geo import GEO_RESULTS
from ..store import failure_problem
from ..store.executor import (BackendError, BackendUnavailable, Busy, EvaluationError, Job, QuerySyntaxError,
                              QueryTimeout, StoreFailure, Unavailable)
from ..store.results import RDF, RESULTS
from .hints import hint
from .http import html_view
from .negotiation import expand_format, negotiate

bp = Blueprint("sparql", __name__)

RESULT_OFFERS = list(RESULTS) + list(GEO_RESULTS)     # KML and GeoJSON last: only when asked for
RDF_OFFERS = list(RDF)
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
GZIP_MIN_BYTES = 1024
COMPRESSIBLE = re.compile(r"^(text/|application/(.*\+)?(json|xml)|application/(n-triples|n-quads|trig|ld\+json|javascript))")
EXPOSED = ("ETag, Retry-After, X-SPARQL-Row-Cap, X-SPARQL-Byte-Cap, X-SPARQL-Truncated, X-SPARQL-Rows, Link, "
           "Location, Vary, X-Request-Id")
# The ops layer's admission of queries (fair use per client, the reserved lane): an object with
# ``enter(client, lane) -> ticket`` (ticket: ``charge(seconds)``, ``upgrade()``, ``close()``), raising a Problem.
ADMISSION = "cec_kg.admission"
STASH = "cec_kg.problem"    # environ: the Problem the lean path (``fast``) met, for the view to raise


@dataclass(frozen=True)
class ProtocolRequest:
    query: str | None
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    timeout: float
    formats: tuple[str, ...]      # `format=` / `output=` values (clients such as SPARQLWrapper send several)
    substitutions: tuple = ()     # ((variable, pyoxigraph term), …): a saved query's parameters, bound as terms


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


def syntax_problem(message: str, query: str | None = None) -> Problem:
    """400 quoting the parser (line, column) and, for the common mistakes, a hint saying what to fix
    (in ``detail`` and as the ``hint`` member; see ``hints``)."""
    m = re.search(r"(\d+):(\d+)", message)
    extra = {"line": int(m.group(1)), "column": int(m.group(2))} if m else {}
    found = hint(query, message) if query else None
    if found:
        extra["hint"] = found
    detail = f"the query does not parse: {message}" + (f"\nHint: {found['text']}" if found else "")
    return Problem(400, "Query syntax error", detail, parser_message=message, **extra)


@bp.route("/sparql", methods=["GET", "POST"])
@bp.route("/sparql/", methods=["GET", "POST"])
def endpoint():
    found = request.environ.get(STASH)
    if found is not None:       # the lean path (``fast``) met it: answer it without evaluating again
        raise found
    req = read_request()
    if req.query is None:
        if request.method == "POST":
            raise Problem(400, "No query", "the POST carries no query: send query=… (form) or the query as "
                          "an application/sparql-query body. GET /sparql without a query describes the service.")
        from .description import service_description_response

        return service_description_response(pick_format(req.formats, list(RDF) + ["text/html"]))
    view = html_view("results")
    if view is not None and wants_html(req):
        return view(req)
    return answer(req)


def wants_html(req: ProtocolRequest) -> bool:
    """Whether HTML wins the negotiation (``format=html``, or a browser's ``Accept``: text/html
    first). Offered only when the web layer registered its results view; machines that send no
    Accept, ``*/*`` or a results type keep getting what they got."""
    try:
        info = inspect(req.query)
        offers = RDF_OFFERS if info.form in ("CONSTRUCT", "DESCRIBE") else RESULT_OFFERS
    except Problem:
        offers = RESULT_OFFERS
    offers = offers + ["text/html"]
    try:
        return negotiate(request, offers, override=pick_format(req.formats, offers)) == "text/html"
    except Problem:
        return False


def inspect(query: str) -> guard.QueryInfo:
    cfg = current_app.config
    return guard.inspect(query, max_bytes=int(cfg["MAX_QUERY_BYTES"]), max_depth=int(cfg["MAX_NESTING"]))


def answer(req: ProtocolRequest) -> Response:
    cfg = current_app.config
    info = inspect(req.query)
    graph_form = info.form in ("CONSTRUCT", "DESCRIBE")
    offers = RDF_OFFERS if graph_form else RESULT_OFFERS
    media_type = negotiate(request, offers, override=pick_format(req.formats, offers))
    is_get = request.method in ("GET", "HEAD")
    use_gzip = request.accept_encodings["gzip"] > 0 and request.accept_encodings.quality("identity") >= 0
    if is_get and request.if_none_match:
        tag = result_etag(req, media_type) + ("-gz" if use_gzip else "")
        if request.if_none_match.contains_weak(tag):     # RFC 9110 §13.1.2: weak comparison
            g.sparql_cache = "revalidated"
            resp = Response(status=304)
            resp.headers.extend(validator_headers(cfg, tag, is_get))
            return resp
    etag, entry = evaluate(req, info, media_type)
    body, headers = result_response(cfg, entry, etag + ("-gz" if use_gzip else ""), is_get, use_gzip)
    return Response(body, status=200, headers=headers)


def result_response(cfg, entry: dict, tag: str, is_get: bool, use_gzip: bool) -> tuple[bytes, list]:
    """The body and headers of a 200 answer, whichever way the request came (the Flask view, or the
    lean path ``fast``); CORS is added by ``finish_response`` (Flask) or by ``fast`` itself."""
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
    byte_cap = int(cfg["MAX_RESULT_BYTES"])
    if byte_cap:
        headers.append(("X-SPARQL-Byte-Cap", str(byte_cap)))
    if entry["rows"] is not None:
        headers.append(("X-SPARQL-Rows", str(entry["rows"])))
    if entry["truncated"] == "bytes":
        headers.append(("X-SPARQL-Truncated", f"true; only the first {entry['rows']} rows were returned: the whole "
                        f"answer exceeds {byte_cap} bytes; add LIMIT/OFFSET to page, or select fewer or shorter values"))
    elif entry["truncated"]:
        headers.append(("X-SPARQL-Truncated", f"true; only the first {cap} rows were returned; add LIMIT/OFFSET to page"))
    return body, headers


def lane_of(info: guard.QueryInfo, cfg) -> str:
    """``cheap`` for what is cheap by its shape (ASK, a lookup with a small outer LIMIT, a query the guard
    proves bounded: ``store.bounded``, e.g. an entity's properties without a LIMIT), else ``heavy``. A
    cheap query that runs long anyway leaves the lane after ``CHEAP_QUERY_SECONDS`` (``admitted``).

    A plan with FILTERs or aggregates (``folds``) does not make a query cheap: over budget it is a scan
    and a fold of everything its pattern matches (a class summary at 1M triples: ~0.1 s; a label search
    with FILTER, a scan of every label), which the reserved lane is not for; within budget it runs in
    process whatever its lane."""
    if (info.form == "ASK" or (info.plan is not None and not info.plan.folds)
            or (info.limit is not None and info.limit <= int(cfg["CHEAP_MAX_LIMIT"]))):
        return "cheap"
    return "heavy"


def admitted(app, client: str, store, job: Job, req: ProtocolRequest):
    """``store.run`` under the admission the ops layer registered (``ADMISSION``: fair use per client and
    the reserved lane; none in an app without it). A cheap query gets ``CHEAP_QUERY_SECONDS`` in its lane;
    past that it moves to the heavy lane while it runs, where the store can (``Store.promotes``), or is
    stopped and run again as a heavy query with the time it has left."""
    cfg = app.config
    admission = app.extensions.get(ADMISSION)
    ticket = admission.enter(client, job.lane) if admission else None
    try:
        if job.lane == "cheap":
            in_lane = min(req.timeout, float(cfg["CHEAP_QUERY_SECONDS"]))
            started = time.perf_counter()
            charged = 0.0
            promoted = False

            def promote() -> None:
                """Charge the cheap lane's time and take a heavy place (429 / 503 Busy when there is none)."""
                nonlocal charged, promoted
                if ticket:
                    charged = time.perf_counter() - started
                    ticket.charge(charged)
                    ticket.upgrade()
                promoted = True

            try:
                if store.promotes and req.timeout > in_lane:
                    return _run(store, job, req, req.timeout, (in_lane, promote))
                return _run(store, job, req, in_lane)
            except QueryTimeout:
                if req.timeout <= in_lane or promoted:
                    raise
            finally:
                if ticket:
                    ticket.charge(time.perf_counter() - started - charged)
            if ticket:
                ticket.upgrade()            # 429 / 503 Busy when the heavy lane has no room for it
            job = replace(job, lane="heavy")
            req = replace(req, timeout=req.timeout - in_lane)
        started = time.perf_counter()
        try:
            return _run(store, job, req, req.timeout)
        finally:
            if ticket:
                ticket.charge(time.perf_counter() - started)
    finally:
        if ticket:
            ticket.close()


def _run(store, job: Job, req: ProtocolRequest, timeout: float, lane=None):
    kwargs = {"lane": lane} if lane is not None else {}
    try:
        return store.run(job, timeout, **kwargs)
    except QuerySyntaxError:
        if job.query == req.query:
            raise
        # The parser reports the furthest position it reached, which may be in the LIMIT we
        # appended: parse the query as sent for the message (and the answer, should it parse).
        return store.run(replace(job, query=req.query, probe=None), timeout, **kwargs)


def result_etag(req: ProtocolRequest, media_type: str, *, app=None, base_url: str | None = None) -> str:
    """The entity tag of the answer to ``req`` in ``media_type`` (also the result cache's key)."""
    app = app or current_app
    cap = int(app.config["MAX_RESULT_ROWS"])
    key = hashlib.blake2b("\0".join([req.query, repr(req.default_graphs), repr(req.named_graphs),
                                     repr([(name, str(term)) for name, term in req.substitutions]),
                                     media_type, str(cap), base_url or request.base_url]).encode("utf-8"),
                          digest_size=10).hexdigest()
    return f"{app.extensions[STORE].content_hash()}-{key}"


def evaluate(req: ProtocolRequest, info: guard.QueryInfo, media_type: str) -> tuple[str, dict]:
    """(entity tag, cache entry) of the answer to ``req`` in ``media_type``: from the result cache, or
    evaluated under the request's timeout (every failure a Problem). The HTML view reads answers here too."""
    client = request.environ.get("cec_kg.client") or request.remote_addr or ""
    etag, entry, g.sparql_cache, seconds = compute(current_app._get_current_object(), req, info, media_type,
                                                   request.base_url, client)
    if seconds is not None:
        g.sparql_seconds = seconds
    return etag, entry


def compute(app, req: ProtocolRequest, info: guard.QueryInfo, media_type: str, base_url: str,
            client: str) -> tuple[str, dict, str, float | None]:
    """``evaluate`` without Flask's request context (the lean path ``fast`` calls it too): (entity tag,
    cache entry, "hit" | "miss", seconds evaluating or None)."""
    cfg = app.config
    store = app.extensions[STORE]
    cap = int(cfg["MAX_RESULT_ROWS"])
    etag = result_etag(req, media_type, app=app, base_url=base_url)
    cache = app.extensions["cec_kg.result_cache"]
    entry = cache.get(etag)
    if entry is not None:
        return etag, entry, "hit", None
    default_graphs, named_graphs = req.default_graphs, req.named_graphs
    if store.kind == "remote" and default_graphs is None and info.has_dataset:
        # Say FROM / FROM NAMED as protocol parameters (same dataset, by the protocol's rules): a
        # backend serving a union default graph may ignore FROM (Oxigraph server 0.5 does).
        default_graphs, named_graphs = info.from_graphs, info.from_named
    # A plan (``store.bounded``) lets the embedded store evaluate the query in this process; a plan
    # that streams is first run with LIMIT bounded.BUDGET + 1 (the probe), to a worker past that.
    probe = (info.capped(req.query, bounded.BUDGET)
             if info.plan is not None and info.plan.streams and info.can_append_limit else None)
    job = Job(query=info.capped(req.query, cap), media_type=media_type, default_graphs=default_graphs,
              named_graphs=named_graphs, union_default_graph=not info.has_dataset, row_cap=cap,
              bounded=info.limit is not None and info.limit <= cap, base_iri=base_url,
              prefixes=info.prefixes, variable_order=info.variable_order, substitutions=req.substitutions,
              lane=lane_of(info, cfg), max_bytes=int(cfg["MAX_RESULT_BYTES"]) or None,
              plan=info.plan, probe=probe)
    started = time.perf_counter()
    try:
        outcome = admitted(app, client, store, job, req)
    except QueryTimeout:
        raise Problem(503, "Query timeout", f"the query ran longer than {req.timeout:g} s and was stopped. "
                      "Make it more selective (LIMIT, more specific patterns), or pass a larger timeout= "
                      f"(at most {cfg['MAX_QUERY_TIMEOUT']:g} s).", {"Retry-After": str(cfg["RETRY_AFTER"])},
                      timeout=req.timeout) from None
    except Busy:
        raise Problem(503, "Busy", "every query worker is busy with other queries; retry shortly.",
                      {"Retry-After": str(cfg["RETRY_AFTER"])}) from None
    except Unavailable as e:
        raise Problem(503, "Query service unavailable", f"{e}: the service cannot evaluate queries until "
                      "it is restarted (its /health says so too); retry later.",
                      {"Retry-After": str(cfg["RETRY_AFTER"])}) from None
    except (BackendError, BackendUnavailable) as e:
        raise failure_problem(e, int(cfg["RETRY_AFTER"])) from None
    except QuerySyntaxError as e:
        raise syntax_problem(str(e), req.query) from None
    except EvaluationError as e:
        if store.kind == "embedded":
            raise Problem(400, "Query evaluation failed", str(e)) from None
        raise Problem(502, "Query evaluation failed", f"{e}; retry later, or simplify the query.",
                      {"Retry-After": str(cfg["RETRY_AFTER"])}) from None
    seconds = time.perf_counter() - started
    entry = {"media_type": outcome.media_type, "body": outcome.body, "rows": outcome.rows,
             "truncated": outcome.truncated, "gz": None, "seconds": seconds}
    if cache.admit(etag):           # kept from the second time it is asked (``cache``: the doorkeeper)
        cache.put(etag, entry, len(outcome.body))
    return etag, entry, "miss", seconds


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


def _failure_response(exc: StoreFailure, app) -> Response:
    from ..problems import problem_response

    problem = failure_problem(exc, int(app.config["RETRY_AFTER"]))
    return problem_response(problem.code, problem.title, problem.description, problem.extra_headers)


@bp.record_once
def _setup(state) -> None:
    """Per-app state of the endpoint: the result cache and (when serving) the killable query workers."""
    from .cache import ResultCache

    app = state.app
    app.extensions["cec_kg.result_cache"] = ResultCache(int(app.config["RESULT_CACHE_BYTES"]))
    if app.config.get("FAST_PATH", True):
        from . import fast

        app.wsgi_app = app.extensions["cec_kg.fast_path"] = fast.FastPath(app.wsgi_app, app, sys.modules[__name__])
    if int(app.config["RESULT_CACHE_BYTES"]) > 0:
        from .replay import ReplayCache

        app.wsgi_app = app.extensions["cec_kg.replay_cache"] = ReplayCache(
            app.wsgi_app, int(app.config["RESULT_CACHE_BYTES"]) // 2)
    # A store failure met anywhere else (a page's or document's own queries, the content hash of a remote
    # store unreachable since start-up) is a 502/503 problem with Retry-After, never a bare 500.
    app.register_error_handler(StoreFailure, lambda e: _failure_response(e, app))
    if app.config.get("START_QUERY_WORKERS"):
        app.extensions["cec_kg.store"].start(workers=int(app.config["QUERY_WORKERS"]),
                                             max_workers=int(app.config["MAX_QUERY_WORKERS"]),
                                             reserved=int(app.config.get("RESERVED_QUERY_WORKERS", 0)),
                                             worker_memory_mb=float(app.config["QUERY_WORKER_MEMORY_MB"]))
