"""Typed errors: an HTTP error that says how to fix the request, answered as RFC 9457 problem details.

The one module every layer may import (it imports nothing of ours): the guard, negotiation and the
views raise ``Problem``; ``web.errors`` answers it as ``application/problem+json`` or an HTML page.
"""
from __future__ import annotations

import json

from flask import Response, has_request_context, request
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


def current_request_id() -> str | None:
    """The id the front layer gave this request (``ops.front``), if any."""
    return request.environ.get("cec_kg.request_id") if has_request_context() else None


def problem_response(status: int, title: str, detail: str, headers: dict | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    if current_request_id():
        body["request_id"] = current_request_id()   # quote it when reporting the problem
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp
