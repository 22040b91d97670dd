"""Figures of the whole store (VoID's and the service description's counts and partitions), kept on disk.

They take seconds at scale (at 1M triples: the VoID counts 7.5 s, the service description's 4.5 s, the
partitions 3.1 s) and the served store never changes, so each is computed once per content and kept in
``build/figures/{content hash}-{name}-{recipe}.json`` (written atomically): every other serving process
and every later start reads it back instead of paying again on its first page. The recipe is a hash of
the server queries that compute the figure, so a changed query computes it again.

May import: ``cec_kg.graph``.
"""
from __future__ import annotations

import hashlib
import json
import os

from ..graph import paths


def kept(store, name: str, queries: tuple[str, ...], compute):
    """``compute()``'s value (JSON: lists, not tuples), read from disk when this content has it; else
    computed and written for the next process (not when the build directory is read-only). A change to
    what ``compute`` returns, its queries unchanged, must come with a new ``name``: files written by the
    old code would be read back as they are."""
    recipe = hashlib.sha256("\0".join(paths.server_query(q) for q in queries).encode()).hexdigest()[:12]
    path = paths.BUILD_DIR / "figures" / f"{store.content_hash()}-{name}-{recipe}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(value), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return value
