"""The browser's rules for our pages: a strict Content-Security-Policy on every HTML response.

The pages are server-rendered and run no JavaScript: nothing may run (no ``script-src``: ``default-src
'none'`` covers it), styles come from ``/static/`` or an inline ``<style>`` element whose SHA-256 the
policy lists (the vocabulary's documentation, which pyLODE writes with its CSS inline), images from
``/static/`` or ``data:`` URLs (pyLODE's icons), forms submit to this origin only (the query form),
and no other site may frame a page. The schema.org ``<script type="application/ld+json">`` blocks are
data, never executed, so the policy neither needs nor blocks them.
"""
from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response

BASE_POLICY = ("default-src 'none'; style-src 'self'{styles}; img-src 'self' data:; form-action 'self'; "
               "base-uri 'none'; frame-ancestors 'none'")
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def policy(html: str | None = None) -> str:
    """The policy for ``html``: the base policy plus the hash of each inline ``<style>`` element."""
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"
                     for css in _STYLE.findall(html or "")})
    return BASE_POLICY.format(styles="".join(" " + h for h in hashes))


def _html_policy(resp: Response) -> Response:
    if resp.mimetype == "text/html" and "Content-Security-Policy" not in resp.headers:
        resp.headers["Content-Security-Policy"] = policy()
    return resp


def register(app: Flask) -> None:
    app.after_request(_html_policy)
