"""The store: where queries are evaluated, behind one interface.

Owns the embedded (pyoxigraph, in memory or on disk) and remote (any SPARQL 1.1 endpoint) backends,
the killable query workers (``executor``), the guard that inspects a query before it runs (``guard``)
and proves some queries bounded enough to run in process (``bounded``), result serialisation with the row and byte caps (``results``; places as KML/GeoJSON: ``geo``), the
search index of every label (``search``: built before serving, or in the background over a new
on-disk store), the whole-store figures kept on disk per content (``figures``), and opening the store a
configuration asks for (``loading``). Views reach the open
store through ``get_store()`` only (the index: ``get_search()``, which raises ``SearchUnavailable``
while the index is being built or when it could not be; ``search_state()`` for ``/health``).

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


class SearchUnavailable(StoreFailure):
    """No search index to answer from: being built (``state`` "building", ``seconds`` so far) or not
    built (``state`` "failed", ``reason``)."""

    title = "Search unavailable"

    def __init__(self, state: str, seconds: float | None = None, reason: str | None = None,
                 remedy: str = "restarting the service builds it again"):
        self.state, self.seconds, self.reason = state, seconds, reason
        if state == "building":
            so_far = f" (for {seconds:.0f} s so far)" if seconds is not None else ""
            text = f"the search index of this data is being built{so_far}; the rest of the service answers meanwhile"
        else:
            text = f"the search index could not be built from the store: {reason or 'unknown reason'}; {remedy}"
        super().__init__(text)


def init_app(app: Flask) -> None:
    """Open the store once, at start-up (``app.extensions``); views reach it with ``get_store()``.

    The search index of its labels (``get_search()``), kept per content hash and version of the index:
    found, or built. Over an on-disk store (``--store DIR``) a missing index is built by a process of
    its own (``search.BackgroundIndex``) while the service answers at once; over the in-memory graph
    (small) it is built now, before serving; over a remote backend now, or on the first search if the
    backend is not up yet."""
    from .loading import open_store

    app.extensions[EXTENSION] = store = open_store(app.config)
    app.extensions[SEARCH] = _open_search(store)


def _open_search(store):
    from .executor import EvaluationError, QueryTimeout
    from .search import BackgroundIndex, SearchIndex, index_path, open_index

    store_dir = getattr(store, "store_dir", None)
    if store_dir is not None:
        target = index_path(store.content_hash())
        if target.exists():
            return SearchIndex(target)
        return BackgroundIndex.start(store_dir, target)
    try:
        return open_index(store)
    except (OSError, ValueError, RuntimeError, EvaluationError, QueryTimeout, StoreFailure):
        return None         # e.g. the backend is not up yet: built on the first search instead


def get_search():
    """The search index of the served graph (``store.search.SearchIndex``); raises ``SearchUnavailable``
    while it is being built, or when it cannot be."""
    from flask import current_app

    from .search import BackgroundIndex

    index = current_app.extensions.get(SEARCH)
    if isinstance(index, BackgroundIndex):
        ready = index.index()       # a stat, until the builder's file is there
        if ready is None:
            state, detail = index.state()
            if state == "ready":
                ready = index.index()
            else:
                raise SearchUnavailable(state, *((detail, None) if state == "building" else (None, detail)))
        index = current_app.extensions[SEARCH] = ready
    if index is None:
        index = current_app.extensions[SEARCH] = _open_search(get_store())
        if index is None:
            raise SearchUnavailable("failed", reason="the store did not answer the index's queries",
                                    remedy="a later search tries again")
    return index


def search_state() -> dict:
    """The search index as ``/health`` reports it: ``{"status": "ready" | "building" | "failed", …}``."""
    from flask import current_app

    if current_app.extensions.get(SEARCH) is None:       # a backend that was down at start: built on a search
        return {"status": "not built", "error": "built on the first search (the backend did not answer at start)"}
    try:
        index = get_search()
    except SearchUnavailable as e:
        if e.state == "building":
            return {"status": "building", "seconds": None if e.seconds is None else round(e.seconds, 1)}
        return {"status": "failed", "error": e.reason}
    return {"status": "ready", "entries": index.entries}


def reap_search_builder(app: Flask) -> None:
    """Collect the exit status of the index's builder once it ends, if this process started one (called
    by the server process's watcher: that process serves no requests, granian's workers do)."""
    reap = getattr(app.extensions.get(SEARCH), "reap", None)
    if reap is not None:
        reap()


def close_search(app: Flask) -> None:
    """End the index's builder, if this process started one (the service is stopping)."""
    close = getattr(app.extensions.get(SEARCH), "close", None)
    if close is not None:
        close()


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
