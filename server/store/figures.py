"""Figures of the whole store (VoID's and the service description's counts and partitions), kept on disk.

They take seconds at scale (at 1M triples: the VoID counts 7.5 s, the service description's 4.5 s, the
partitions 3.1 s) and the served store never changes, so each is computed once per content and kept in
``build/figures/{content hash}-{name}-{recipe}.json`` (written atomically): every serving process and
every later start reads it back instead of paying again on its first page. The recipe is a hash of the
server queries that compute the figure, so a changed query computes it again. Over a new on-disk store
the search index's builder computes them too, after the index (``compute_all``): the first pages need
not pay for them either.

May import: ``cec_kg.graph``.
"""
from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox

from ..graph import paths


def _rows(store, query: str):
    return store.query(paths.server_query(query))


def _void_counts(store) -> dict:
    row = next(iter(_rows(store, "ld-counts")))
    return {k: int(row[k].value) for k in ("triples", "entities", "classes", "properties", "sources")}


def _partitions(store) -> list:
    classes = [[r["class"].value, int(r["entities"].value)] for r in _rows(store, "ld-class-partitions")
               if isinstance(r["class"], ox.NamedNode)]
    props = [[r["property"].value, int(r["triples"].value)] for r in _rows(store, "ld-property-partitions")]
    return [classes, props]


def _resources(store) -> list:
    return [r["r"].value for r in _rows(store, "ld-resources")]


def _service_counts(store) -> dict:
    """VoID numbers of the default graph (the union) and the size of every named graph."""
    row = next(iter(_rows(store, "sd-default-graph-stats")))
    default = {k: int(row[k].value) for k in ("triples", "entities", "properties", "subjects", "objects", "classes")}
    graphs = [[r["g"].value, int(r["triples"].value)] for r in _rows(store, "sd-named-graph-sizes")
              if isinstance(r["g"], ox.NamedNode)]
    return {"default": default, "graphs": graphs}


# name -> (the server queries it runs, how its JSON value is made from the store). A change to what a
# function returns, its queries unchanged, must come with a new name: old files would be read back.
RECIPES = {
    "stats": (("ld-counts",), _void_counts),
    "partitions": (("ld-class-partitions", "ld-property-partitions"), _partitions),
    "resources": (("ld-resources",), _resources),
    "sd-stats": (("sd-default-graph-stats", "sd-named-graph-sizes"), _service_counts),
}


def _path(store, name: str):
    queries = RECIPES[name][0]
    recipe = hashlib.sha256("\0".join(paths.server_query(q) for q in queries).encode()).hexdigest()[:12]
    return paths.BUILD_DIR / "figures" / f"{store.content_hash()}-{name}-{recipe}.json"


def figure(store, name: str):
    """The figure ``name`` of ``store`` (JSON values: lists, not tuples), read from disk when this content
    has it; else computed and written for the next process (not when the build directory is read-only)."""
    path = _path(store, name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = RECIPES[name][1](store)
    try:
        paths.write_atomically(path, json.dumps(value))
    except OSError:
        pass
    return value


def compute_all(store) -> None:
    """Every figure of ``store`` not kept yet (the search index's builder, after the index)."""
    for name in RECIPES:
        figure(store, name)
