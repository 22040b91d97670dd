"""A WSGI layer in front of Flask that replays complete ``/sparql`` responses for repeated GETs.

The HTTP layer, not the engine, dominates small queries (DESIGN.md: Flask's ceiling is a fraction of
a raw WSGI app's under the same server). The data is read-only while the server runs, so the whole
response to a GET is a function of the raw request: method, path, query string, ``Accept``,
``Accept-Encoding``, ``Host`` and scheme (relative IRIs and the SD depend on the last two). The first
such request goes through as usual; from the second, a 200 query result (it carries
``X-SPARQL-Row-Cap``) is kept, LRU by bytes, and identical requests get it back without entering
the lean path or Flask (``cache.ResultCache.admit``: a request asked once is not worth keeping). Conditional
requests (``If-None-Match``), POSTs, errors and everything outside ``/sparql`` always take the full path.

An answer that took ``EXPENSIVE_SECONDS`` or more is kept at its first ask: a copy costs little beside
it, and each worker process has a cache of its own, so a slow query asked again and again (a dashboard
over a large store) could otherwise reach a worker a second time only after seconds of recomputing
(measured in the bench, 1M triples, graph queries of up to 3.4 s: replayed at 608× Oxigraph in one run,
1.08× in the next, as the connections happened to fall on the two workers).
"""
from __future__ import annotations

import time

from .cache import ResultCache

PATHS = ("/sparql", "/sparql/")
EXPENSIVE_SECONDS = 0.1


class ReplayCache:
    def __init__(self, wsgi_app, max_bytes: int):
        self.next = wsgi_app
        self.cache = ResultCache(max_bytes)
        self.replayed = 0

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        if (method not in ("GET", "HEAD") or environ.get("PATH_INFO") not in PATHS
                or not environ.get("QUERY_STRING") or "HTTP_IF_NONE_MATCH" in environ):
            return self.next(environ, start_response)
        key = (method, environ["PATH_INFO"], environ["QUERY_STRING"], environ.get("HTTP_ACCEPT", ""),
               environ.get("HTTP_ACCEPT_ENCODING", ""), environ.get("HTTP_HOST", ""),
               environ.get("wsgi.url_scheme", ""), environ.get("SCRIPT_NAME", ""))
        hit = self.cache.get(key)
        if hit is not None:
            self.replayed += 1
            start_response(hit[0], list(hit[1]))
            return [hit[2]]
        admitted = self.cache.admit(key)
        captured = []

        def capture(status, headers, exc_info=None):
            captured.append((status, headers))
            return start_response(status, headers, exc_info)

        started = time.perf_counter()
        result = self.next(environ, capture)
        if not admitted and time.perf_counter() - started < EXPENSIVE_SECONDS:
            return result                   # asked for the first time and cheap: keep nothing
        if not captured or not captured[0][0].startswith("200 ") or not any(
                k.lower() == "x-sparql-row-cap" for k, _ in captured[0][1]):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured[0]
        self.cache.put(key, (status, tuple(headers), body), len(body) + 512)
        return [body]
