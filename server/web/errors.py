"""Every HTTP error answered the same way: RFC 9457 ``application/problem+json``, or an HTML page for browsers."""
from __future__ import annotations

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..problems import PROBLEM_JSON, Problem, current_request_id, problem_response
from ..store import failure_problem
from ..store.executor import StoreFailure
from .i18n import choose_lang, t


def wants_html() -> bool:
    """A browser (text/html preferred over JSON, explicitly) gets the error as an HTML page."""
    accept = request.accept_mimetypes
    return accept.quality("text/html") > max(accept.quality(PROBLEM_JSON), accept.quality("application/json"))


def html_response(status: int, title: str, detail: str, headers: dict | None = None) -> Response:
    lang, _ = choose_lang(request)
    body = render_template("error.html", lang=lang, t=lambda k: t(k, lang), switcher=[], status=status,
                           title=title, detail=detail, license=None, version=None, request_id=current_request_id())
    resp = Response(body, status=status, mimetype="text/html")
    resp.headers["Content-Language"] = lang
    resp.headers["Vary"] = "Accept, Accept-Language"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def how_to_fix(exc: HTTPException) -> str:
    """werkzeug's own 404/405 texts say nothing about this service: say what to do instead."""
    if isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(exc.valid_methods or ())
        return (f"{request.method} is not allowed on {request.path}: this service is read-only; use {allowed}"
                + (" (POST only sends SPARQL queries)." if "POST" in (exc.valid_methods or ()) else "."))
    if isinstance(exc, NotFound):
        bare = request.path.rstrip("/")
        hint = f" Try {bare} (without the trailing slash)." if bare != request.path and _routed(bare) else ""
        return (f"nothing is served at {request.path}.{hint} The home page / lists what is here: /sparql, "
                "/id/… identifiers, /ontology, /shapes, /dataset, /dumps/, /sitemap.xml.")
    return exc.description or exc.name


def _routed(path: str) -> bool:
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
        return True
    except HTTPException:
        return False


def handle_http_exception(exc: HTTPException) -> Response:
    if isinstance(exc, Problem):
        if wants_html():
            return html_response(exc.code, exc.title, exc.description, exc.extra_headers)
        return problem_response(exc.code, exc.title, exc.description, exc.extra_headers, **exc.extra)
    if wants_html():
        return html_response(exc.code or 500, exc.name, how_to_fix(exc),
                             {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")})
    resp = problem_response(exc.code or 500, exc.name, how_to_fix(exc))
    for k, v in exc.get_headers():
        if k.lower() not in ("content-type", "content-length"):
            resp.headers[k] = v
    return resp


def handle_store_failure(exc: StoreFailure) -> Response:
    """A page or document whose store failed (the remote backend down, slow or answering garbage)."""
    return handle_http_exception(failure_problem(exc, int(current_app.config["RETRY_AFTER"])))


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(StoreFailure, handle_store_failure)
