"""The lean path: ``GET /sparql?query=…`` answered by a WSGI layer in front of Flask.

Measured on this service (bench/, py-spy): for a query never seen before, Flask and werkzeug (routing,
the request object, header parsing, the response object, the app-wide hooks) cost several times what
the engine spends on a point lookup. The common request is simple: a GET whose only parameter is
``query``, an ``Accept`` naming one offered media type (or none), no conditional headers. This layer
answers exactly those, with the same functions as the Flask view (``answer.result_etag``,
``result_entry``, ``result_response``): the same guard, row cap, caches, ETag and headers, byte for
byte. Everything else goes to Flask untouched: other methods and parameters, content negotiation with
wildcards or q-values, ``If-None-Match``, and every error, which Flask answers (problem+json or an
HTML page) from the ``Problem`` this layer found, without evaluating the query again.

``FAST_PATH = False`` (configuration) turns it off: every request then takes the Flask view.
"""
from __future__ import annotations

import codecs
import time
from urllib.parse import unquote_to_bytes

from werkzeug.wrappers import Request

from ..problems import Problem
from ..store import EXTENSION as STORE, guard
from .answer import EXPOSED, RDF_OFFERS, RESULT_OFFERS, result_entry, result_etag, result_response

PATHS = ("/sparql", "/sparql/")
STASH = "cec_kg.problem"        # environ key: the Problem this layer found, for the Flask view to raise
CORS = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED)]
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


class FastPath:
    def __init__(self, wsgi_app, app):
        self.next = wsgi_app
        self.app = app
        self.answered = 0
        self._base_urls: dict[tuple, str] = {}

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
        if gz is None:
            return self.next(environ, start_response)
        started = time.perf_counter()
        app = self.app
        cfg = app.config
        try:
            info = guard.inspect(query, max_bytes=int(cfg["MAX_QUERY_BYTES"]), max_depth=int(cfg["MAX_NESTING"]))
            media_type = _media_type(environ.get("HTTP_ACCEPT"),
                                     RDF_OFFERS if info.form in GRAPH_FORMS else RESULT_OFFERS)
            if media_type is None:
                return self.next(environ, start_response)   # negotiation needs werkzeug (or is a 406)
            store = app.extensions[STORE]
            base_url = self._base_url(environ)
            etag = result_etag(store, cfg, query, None, None, media_type, base_url)
            entry, outcome = result_entry(app, store, info, query, None, None, float(cfg["QUERY_TIMEOUT"]),
                                          media_type, base_url, etag)
        except Problem as problem:
            environ[STASH] = problem
            return self.next(environ, start_response)
        body, headers = result_response(cfg, entry, etag + "-gz" if gz else etag, True, gz)
        headers += CORS
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
    wildcards, parameters): None, for werkzeug to decide."""
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
