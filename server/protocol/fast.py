"""The lean path: ``GET /sparql?query=…`` answered by a WSGI layer in front of Flask.

Measured on this service (bench/, py-spy): for a query never seen before, Flask and werkzeug (routing,
the request object, header parsing, the response object, the app-wide hooks) cost several times what
the engine spends on a point lookup. The common request is simple: a GET whose only parameter is
``query``, an ``Accept`` naming one offered media type that is not HTML (or none, or ``*/*``), no
conditional headers. This layer answers exactly those, with the same functions as the Flask view
(``endpoint.compute``, ``endpoint.result_response``): the same guard, fair-use admission and reserved
lane, row and byte caps, caches, ETag and headers, byte for byte. Request ids, the security headers and
the access log are the ops layer's ``Front``, outside this layer, so they cover both ways in.

Everything else goes to Flask untouched: other methods and parameters, HTML for browsers, content
negotiation with lists, wildcards other than ``*/*``, q-values or parameters, ``If-None-Match``, and
every error, which Flask answers (problem+json or an HTML page) from the ``Problem`` this layer met
(``endpoint.STASH``), without evaluating the query again.

``FAST_PATH = False`` (configuration) turns it off: every request then takes the Flask view. Answers
carry no mark of the way they came (a cached answer must be the same bytes either way); ``/metrics``
counts them (``fast_path_answered_total``).
"""
from __future__ import annotations

import codecs
import time
from urllib.parse import unquote_to_bytes

from werkzeug.wrappers import Request

from ..problems import Problem
from ..store import failure_problem, guard
from ..store.executor import StoreFailure

PATHS = ("/sparql", "/sparql/")
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


class FastPath:
    """``endpoint``: the module ``protocol.endpoint`` (given, not imported: it installs this layer)."""

    def __init__(self, wsgi_app, app, endpoint):
        self.next = wsgi_app
        self.app = app
        self.endpoint = endpoint
        self.offers = endpoint.RESULT_OFFERS + endpoint.RDF_OFFERS
        self.answered = 0
        self._base_urls: dict[tuple, str] = {}
        self.cors = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", endpoint.EXPOSED)]

    def __call__(self, environ, start_response):
        if (environ["REQUEST_METHOD"] != "GET" or environ.get("PATH_INFO") not in PATHS
                or "HTTP_IF_NONE_MATCH" in environ):
            return self.next(environ, start_response)
        qs = environ.get("QUERY_STRING", "")
        if not qs.startswith("query=") or "&" in qs:
            return self.next(environ, start_response)
        try:
            query = _unquote(qs[6:])
        except UnicodeDecodeError:
            return self.next(environ, start_response)       # Flask says why (400)
        if not query.strip():
            return self.next(environ, start_response)
        gz = _gzip(environ.get("HTTP_ACCEPT_ENCODING"))
        accept = environ.get("HTTP_ACCEPT")
        # Before the guard: a browser's Accept may make its problems HTML pages (the query form keeps a
        # refused query's text): those requests are Flask's from the start.
        if gz is None or _media_type(accept, self.offers) is None:
            return self.next(environ, start_response)
        started = time.perf_counter()
        app = self.app
        cfg = app.config
        endpoint = self.endpoint
        try:
            info = guard_inspect(cfg, query)
            media_type = _media_type(accept, endpoint.RDF_OFFERS if info.form in GRAPH_FORMS
                                     else endpoint.RESULT_OFFERS)
            if media_type is None:
                return self.next(environ, start_response)   # negotiation needs werkzeug (or is a 406, or HTML)
            req = endpoint.ProtocolRequest(query=query, default_graphs=None, named_graphs=None,
                                           timeout=float(cfg["QUERY_TIMEOUT"]), formats=())
            client = environ.get("cec_kg.client") or environ.get("REMOTE_ADDR") or ""
            etag, entry, outcome, _ = endpoint.compute(app, req, info, media_type, self._base_url(environ), client)
        except Problem as problem:
            environ[endpoint.STASH] = problem
            return self.next(environ, start_response)
        except StoreFailure as e:       # e.g. a remote backend unreachable: 502/503 with Retry-After
            environ[endpoint.STASH] = failure_problem(e, int(cfg["RETRY_AFTER"]))
            return self.next(environ, start_response)
        body, headers = endpoint.result_response(cfg, entry, etag + "-gz" if gz else etag, True, gz)
        headers += self.cors
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        self.answered += 1
        metrics = app.extensions.get("cec_kg.metrics")     # the ops layer's, when it is there
        if metrics is not None:
            metrics.observe(environ["PATH_INFO"], "GET", 200, time.perf_counter() - started, outcome)
        return [body]

    def _base_url(self, environ) -> str:
        """``request.base_url`` as werkzeug makes it (host rules, IRI quoting), memoised per host and path."""
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"))
        url = self._base_urls.get(key)
        if url is None:
            if len(self._base_urls) > 1024:
                self._base_urls.clear()
            url = self._base_urls[key] = Request(environ).base_url
        return url


def guard_inspect(cfg, query: str):
    return guard.inspect(query, max_bytes=int(cfg["MAX_QUERY_BYTES"]), max_depth=int(cfg["MAX_NESTING"]))


def _unquote(value: str) -> str:
    """A percent-encoded form value (``+`` a space) as UTF-8 text, strictly (UnicodeDecodeError).

    ``%XX`` become ``\\xXX`` escapes that ``codecs.escape_decode`` (C) turns into bytes, several times
    faster than ``urllib.parse.unquote_to_bytes`` (Python) on a query, where most characters are
    escaped. A backslash in the value, or a ``%`` not followed by two hex digits, takes urllib's way.
    As werkzeug, the WSGI string is read as the bytes it stands for (latin-1) before decoding."""
    value = value.replace("+", " ")
    if "\\" not in value:
        try:
            return codecs.escape_decode(value.replace("%", "\\x").encode("latin-1"))[0].decode("utf-8")
        except ValueError as e:
            if isinstance(e, UnicodeDecodeError):
                raise
    return unquote_to_bytes(value.encode("latin-1")).decode("utf-8")


def _media_type(accept: str | None, offers: list[str]) -> str | None:
    """No Accept, an empty one or ``*/*`` (what curl and most libraries send): the first offer, as
    ``negotiation.negotiate``; one media type that is offered: it; anything else (lists, other
    wildcards, parameters, HTML): None, for werkzeug and the Flask view to decide."""
    if not accept:
        return offers[0]
    accept = accept.strip().lower()
    if not accept or accept == "*/*":
        return offers[0]
    return accept if accept in offers else None


def _gzip(accept_encoding: str | None) -> bool | None:
    """Whether to gzip, as werkzeug reads a plain list of codings; None when q-values need werkzeug."""
    if not accept_encoding:
        return False
    if ";" in accept_encoding:
        return None
    codings = {c.strip().lower() for c in accept_encoding.split(",")}
    return "gzip" in codings or "*" in codings
