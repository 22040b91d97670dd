"""The store: where queries are evaluated, behind one interface.

Owns the embedded (pyoxigraph, in memory or on disk) and remote (any SPARQL 1.1 endpoint) backends,
the killable query workers (``executor``), the guard that inspects a query before it runs (``guard``)
and proves some queries bounded enough to run in process (``bounded``),
result serialisation with the row cap (``results``), and opening the store a configuration asks for
(``loading``). Views reach the open store through ``get_store()`` only.

May import: ``cec_kg.graph``, ``cec_kg.problems``.
"""
from __future__ import annotations

from flask import Flask, current_app

from .base import Store

EXTENSION = "cec_kg.store"


def init_app(app: Flask) -> None:
    """Open the store once, at start-up (``app.extensions``); views reach it with ``get_store()``."""
    from .loading import open_store

    app.extensions[EXTENSION] = open_store(app.config)


def get_store() -> Store:
    """The one accessor of the graph for request handlers."""
    return current_app.extensions[EXTENSION]
