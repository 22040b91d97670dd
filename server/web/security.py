"""The browser's rules for our pages: a strict Content-Security-Policy on every HTML response.

The pages are server-rendered and work without JavaScript; the scripts they may run are our own files
under ``/static/`` (the query editor, search suggestions: ``script-src 'self'``, never inline), which may
fetch from this origin only (``connect-src 'self'``). Styles come from ``/static/`` or an inline
``<style>`` element whose SHA-256 the policy lists (none today: the vocabulary's documentation, once
pyLODE's with its CSS inline, is now in the site's layout), images from ``/static/`` or ``data:`` URLs, forms submit to this origin only (the query form),
and no other site may frame a page. The schema.org ``<script type="application/ld+json">`` blocks are
data, never executed, so the policy neither needs nor blocks them.

One loosening, on the pages that carry the query editor (``/sparql``, ``/queries/…``): CodeMirror's
style-mod writes the editor's theme into a ``<style>`` element in the document head (it uses
constructable style sheets only inside a shadow root), and its text changes as the editor mounts
extensions, so no fixed hash fits. Those pages allow inline ``<style>`` elements (``style-src-elem``),
never inline style attributes nor any inline script.
"""
from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

BASE_POLICY = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'{styles}; "
               "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)
EDITOR_PATHS = ("/sparql", "/queries/")
EDITOR_STYLES = "; style-src-elem 'self' 'unsafe-inline'"


def policy(html: str | None = None) -> str:
    """The policy for ``html``: the base policy plus the hash of each inline ``<style>`` element."""
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"
                     for css in _STYLE.findall(html or "")})
    return BASE_POLICY.format(styles="".join(" " + h for h in hashes))


def _html_policy(resp: Response) -> Response:
    if resp.mimetype == "text/html" and "Content-Security-Policy" not in resp.headers:
        editor = request.path.startswith(EDITOR_PATHS)
        resp.headers["Content-Security-Policy"] = policy() + (EDITOR_STYLES if editor else "")
    return resp


def register(app: Flask) -> None:
    app.after_request(_html_policy)
