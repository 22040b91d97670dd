"""The store: where queries are evaluated, behind one interface.

Owns the embedded (pyoxigraph, in memory or on disk) and remote (any SPARQL 1.1 endpoint) backends,
the killable query workers (``executor``), the guard that inspects a query before it runs (``guard``)
and proves some queries bounded enough to run in process (``bounded``), result serialisation with the row and byte caps (``results``; places as KML/GeoJSON: ``geo``), the
search index of every label (``search``), and opening the store a configuration asks for
(``loading``). Views reach the open store through ``get_store()`` only (the index: ``get_search()``).

May import: ``cec_kg.graph``, ``cec_kg.problems``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Store
from .executor import StoreFailure

if TYPE_CHECKING:
    from flask import Flask

    from ..problems import Problem
# Flask (and ``problems``, which needs werkzeug) are imported where a request needs them, not here:
# `cec-kg load` uses this package without them (they are ~0.25 s of a command loading a small file).

EXTENSION = "cec_kg.store"


SEARCH = "cec_kg.search"


def init_app(app: Flask) -> None:
    """Open the store once, at start-up (``app.extensions``); views reach it with ``get_store()``. The
    search index of its labels is built (or found, per content hash) now too (``get_search()``)."""
    from .loading import open_store

    app.extensions[EXTENSION] = store = open_store(app.config)
    app.extensions[SEARCH] = _open_search(store)


def _open_search(store):
    from .executor import EvaluationError, QueryTimeout
    from .search import open_index

    try:
        index = open_index(store)
    except (OSError, ValueError, RuntimeError, EvaluationError, QueryTimeout, StoreFailure):
        return None         # e.g. the backend is not up yet: built on the first search instead
    if index.build_seconds is not None:
        # Built now, in the serving process that forks the others: drop the on-disk store's handle (its
        # RocksDB caches, filled by the index's scans) and hand the freed memory back, so that no
        # process forked later starts with them (measured at 1M triples, a first start: main process RssAnon 100 -> 48 MiB, idle PSS 208 -> 133 MiB).
        release = getattr(store, "release_handle", None)
        if release is not None:
            release()
        _trim_heap()
    return index


def _trim_heap() -> None:
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):     # not glibc
        pass


def get_search():
    """The search index of the served graph (``store.search.SearchIndex``), or None if it cannot be built."""
    from flask import current_app

    index = current_app.extensions.get(SEARCH)
    if index is None:
        index = current_app.extensions[SEARCH] = _open_search(get_store())
    return index


def get_store() -> Store:
    """The one accessor of the graph for request handlers."""
    from flask import current_app

    return current_app.extensions[EXTENSION]


def failure_problem(exc: StoreFailure, retry_after: int) -> Problem:
    """The answer to a store failure met outside the endpoint's own handling (pages, documents, /health
    statistics): 502 or 503 with Retry-After and what happened, never a bare 500."""
    from ..problems import Problem

    detail = str(exc) or "the store did not answer in time"
    return Problem(exc.status, exc.title, f"{detail}; this is not a fault of your request: retry in "
                   f"{retry_after} s.", {"Retry-After": str(retry_after)})
