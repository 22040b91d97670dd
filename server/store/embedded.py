"""The embedded backend: pyoxigraph in process (in memory, or on disk under ``--store``)."""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from . import bounded
from .base import HASH_FILE, RDF_FORMATS, Store, rdf_files
from .executor import Job, QueryPool, QueryTimeout, run_job

# A query proven bounded (``bounded``) is evaluated in the serving process, without the round trip to a
# worker, unless its timeout is shorter than this (then a worker's kill is the only honest deadline).
MIN_IN_PROCESS_TIMEOUT = 0.5


class EmbeddedStore(Store):
    """pyoxigraph in process; by default the query's default graph is the union of all graphs.

    That union is the RDF merge of the graphs, a set of triples (SPARQL 1.1 §13.1). pyoxigraph's
    ``use_default_graph_as_union`` evaluates it as a bag, a triple once per graph that holds it (the
    CEC graph states some facts in several sources' graphs), so loading materialises the merge into
    the store's default graph (``merged``) and queries read it as a plain graph: counts are of
    triples, and the dumps, VoID and answers agree.
    """

    kind = "embedded"

    def __init__(self, store: ox.Store | None, content_hash: str, *, union_default_graph: bool = True,
                 store_dir: Path | None = None, merged: bool = False):
        self._store = store
        self._hash = content_hash
        self._dir = store_dir
        self._pid = os.getpid()
        self.union_default_graph = union_default_graph
        self.merged = merged            # the default graph already holds the merge of every graph
        self.pool: QueryPool | None = None
        self.in_process = 0             # queries evaluated in this process (proven bounded)

    @classmethod
    def from_files(cls, files, store_dir: Path | None = None, *, union_default_graph: bool = True,
                   license: str | None = None, progress: Callable[[int], object] | None = None) -> "EmbeddedStore":
        """Load RDF files; an item may be ``(path, graph_iri)`` to put a triples file in a named graph.
        ``progress(n)`` hears of the bytes loaded after each file; ``license`` is recorded with the data.

        With ``store_dir`` the data is loaded into (and stays in) an on-disk store, compacted after
        the bulk load; the server then opens it read-only in every process.
        """
        store = ox.Store(str(store_dir)) if store_dir else ox.Store()
        digest = hashlib.sha256()
        plain = [f for f in files if not isinstance(f, tuple)]
        named = [f for f in files if isinstance(f, tuple)]
        for f, graph in [(p, None) for p in rdf_files(plain)] + [(Path(p), g) for p, g in named]:
            data = f.read_bytes()
            digest.update(f"{graph}\0".encode())
            digest.update(data)
            kwargs = {"to_graph": ox.NamedNode(graph)} if graph else {}
            try:
                store.bulk_load(data, format=RDF_FORMATS[f.suffix.lower()], base_iri=f.absolute().as_uri(), **kwargs)
            except SyntaxError as e:
                raise ValueError(f"{f}: not valid {RDF_FORMATS[f.suffix.lower()].name}: {e}") from None
            if progress:
                progress(len(data))
        if union_default_graph:
            merge_into_default_graph(store)
            digest.update(b"\0merged default graph")     # the answers differ from a union-as-bag store's
        content_hash = digest.hexdigest()[:16]
        if store_dir:
            store.optimize()
            Path(store_dir, HASH_FILE).write_text(json.dumps({"content_hash": content_hash, "license": license,
                                                              "merged": union_default_graph}))
            del store
            return cls.open_dir(store_dir, union_default_graph=union_default_graph)
        made = cls(store, content_hash, union_default_graph=union_default_graph, merged=union_default_graph)
        made.license = license
        return made

    @classmethod
    def open_dir(cls, store_dir: Path, *, union_default_graph: bool = True) -> "EmbeddedStore":
        """An on-disk store made by ``cec-kg load --store DIR``, opened read-only."""
        store_dir = Path(store_dir)
        if not store_dir.is_dir():
            raise ValueError(f"{store_dir}: no store here; create it with `cec-kg load --store {store_dir} FILES`")
        meta = json.loads((store_dir / HASH_FILE).read_text()) if (store_dir / HASH_FILE).exists() else {}
        content_hash = meta.get("content_hash")
        store = cls(None, content_hash or "", union_default_graph=union_default_graph, store_dir=store_dir,
                    merged=bool(meta.get("merged")))
        store.license = meta.get("license")
        if not content_hash:
            store._hash = hashlib.sha256(f"{store_dir.resolve()}\0{store.size()}".encode()).hexdigest()[:16]
        return store

    @property
    def reads_union(self) -> bool:
        """Whether a query's default graph must be read as the union of the graphs (not merged at load)."""
        return self.union_default_graph and not self.merged

    @property
    def ox_store(self) -> ox.Store:
        """The pyoxigraph store; on-disk stores are opened read-only once per process (fork-safe)."""
        if self._dir is not None and (self._store is None or self._pid != os.getpid()):
            self._store = ox.Store.read_only(str(self._dir))
            self._pid = os.getpid()
        return self._store

    def _open_for_worker(self) -> ox.Store:
        if self._dir is not None:
            return ox.Store.read_only(str(self._dir))
        return self._store

    def start(self, *, workers: int = 2, max_workers: int = 4, reserved: int = 0) -> None:
        if self._dir is not None:
            self._store = None          # never fork an open RocksDB handle; reopen after the fork
        self.pool = QueryPool(self._open_for_worker, size=workers, max_size=max_workers, reserved=reserved)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def query(self, sparql: str, *, default_graphs=None, named_graphs=None, substitutions=None, base_iri=None):
        kwargs = {"substitutions": substitutions} if substitutions else {}
        if base_iri:
            kwargs["base_iri"] = base_iri
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        elif self.union_default_graph and not self.merged:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return self.ox_store.query(sparql, **kwargs)

    def run(self, job: Job, timeout: float):
        """Evaluate ``job``: in this process when its cost is proven bounded (``bounded``: a few index
        lookups from constant subjects, counted on the store first), else in a killable worker."""
        if job.union_default_graph and (self.merged or not self.union_default_graph):
            job = replace(job, union_default_graph=False)
        if self.pool is None:           # not serving (tests, scripts): in process, no timeout
            return run_job(self.ox_store, job)
        if job.plan is not None and job.default_graphs is None and timeout >= MIN_IN_PROCESS_TIMEOUT:
            store = self.ox_store
            started = time.monotonic()
            outcome = None
            if job.probe is not None:       # streams: the engine stops at the probe's LIMIT
                probed = run_job(store, job, job.probe)
                if probed.truncated or (probed.rows is not None and probed.rows <= bounded.BUDGET):
                    outcome = probed
            elif bounded.within_budget(store, job.plan, None if job.union_default_graph else ox.DefaultGraph()):
                outcome = run_job(store, job)
            if outcome is not None:
                self.in_process += 1
                if time.monotonic() - started > timeout:   # bounded, yet late (an overloaded machine)
                    raise QueryTimeout()
                return outcome
        return self.pool.run(job, timeout)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox_store.named_graphs() if isinstance(g, ox.NamedNode))

    def size(self) -> int:
        """Triples in the default graph as queries see it (a store without the merge: the quads stored)."""
        if not self.merged:
            return len(self.ox_store)
        return int(next(iter(self.ox_store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)

    def content_hash(self) -> str:
        return self._hash


def merge_into_default_graph(store: ox.Store) -> None:
    """Add every named graph's triples to the default graph (a set: each triple once)."""
    for graph in list(store.named_graphs()):
        store.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                      for q in store.quads_for_pattern(None, None, None, graph)])
