"""Typed errors, answered as RFC 9457 ``application/problem+json`` (or HTML for browsers)."""
from __future__ import annotations

import json

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


class Problem(HTTPException):
    """An HTTP error with a message that says how to fix the request, plus optional extra members."""

    def __init__(self, status: int, title: str, detail: str, headers: dict | None = None, **extra):
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.extra = extra
        self.extra_headers = headers or {}


def problem_response(status: int, title: str, detail: str, headers: dict | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def handle_http_exception(exc: HTTPException) -> Response:
    if isinstance(exc, Problem):
        return problem_response(exc.code, exc.title, exc.description, exc.extra_headers, **exc.extra)
    resp = problem_response(exc.code or 500, exc.name, exc.description or exc.name)
    for k, v in exc.get_headers():
        if k.lower() not in ("content-type", "content-length"):
            resp.headers[k] = v
    return resp


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
