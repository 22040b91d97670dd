"""Every HTTP error answered the same way: RFC 9457 ``application/problem+json``, or an HTML page for browsers."""
from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from ..linkeddata import describe as d
from ..problems import PROBLEM_JSON, Problem, current_request_id, problem_response
from ..store import failure_problem
from ..store.executor import StoreFailure
from .i18n import STRINGS, choose_lang, t
from .pages import render_page


def wants_html() -> bool:
    """A browser (text/html preferred over JSON, explicitly) gets the error as an HTML page."""
    accept = request.accept_mimetypes
    return accept.quality("text/html") > max(accept.quality(PROBLEM_JSON), accept.quality("application/json"))


def html_response(status: int, title: str, detail: str, headers: dict | None = None,
                  translated: bool = False) -> Response:
    """The error as a page in the reader's language, with the language switcher. The title is
    translated when we know it (HTTP's own names, the query problems'); a detail written in English by
    a lower layer is shown as such (``lang="en"``, said in the page's language), unless ``translated``."""
    lang, _ = choose_lang(request)
    if title in STRINGS:
        shown_title, title_lang = t(title, lang), lang
    elif f"status_{status}" in STRINGS and title == HTTP_STATUS_CODES.get(status):
        shown_title, title_lang = t(f"status_{status}", lang), lang
    else:
        shown_title, title_lang = title, "en"
    body = render_page("error.html", lang, status=status, title=shown_title, title_lang=title_lang, detail=detail,
                       detail_lang=lang if translated else "en", license=None, version=None,
                       request_id=current_request_id())
    resp = Response(body, status=status, mimetype="text/html")
    resp.headers["Content-Language"] = lang
    resp.headers["Vary"] = "Accept, Accept-Language"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def how_to_fix(exc: HTTPException, lang: str = "en") -> str:
    """werkzeug's own 404/405 texts say nothing about this service: say what to do instead, in ``lang``
    (problem+json always in English)."""
    if isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(exc.valid_methods or ())
        text = t("error_405", lang).format(method=request.method, path=request.path, allowed=allowed)
        return text + (t("error_405_post", lang) if "POST" in (exc.valid_methods or ()) else ".")
    if isinstance(exc, NotFound):
        bare = request.path.rstrip("/")
        hint = t("error_404_slash", lang).format(bare=bare) if bare != request.path and _routed(bare) else ""
        return t("error_404", lang).format(path=request.path, hint=hint)
    return exc.description or exc.name


def unknown_page(exc: Problem) -> str | None:
    """The most common 404 for people, a /page/… that names nothing, explained in the reader's language
    (the linked-data layer's own detail is English)."""
    if exc.code != 404 or not request.path.startswith("/page/"):
        return None
    key = request.path[len("/page/"):]
    iri = d.iri_for_key(key)
    lang, _ = choose_lang(request)
    return t("error_404_entity", lang).format(what=f"<{iri}>" if iri else f"'{key}'")


def _routed(path: str) -> bool:
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
        return True
    except HTTPException:
        return False


def handle_http_exception(exc: HTTPException) -> Response:
    if isinstance(exc, Problem):
        if wants_html():
            translated = unknown_page(exc)
            return html_response(exc.code, exc.title, translated or exc.description, exc.extra_headers,
                                 translated=translated is not None)
        return problem_response(exc.code, exc.title, exc.description, exc.extra_headers, **exc.extra)
    if wants_html():
        lang, _ = choose_lang(request)
        own = isinstance(exc, MethodNotAllowed | NotFound)
        return html_response(exc.code or 500, exc.name, how_to_fix(exc, lang),
                             {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")},
                             translated=own)
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
