"""The embedded backend: pyoxigraph in process (in memory, or on disk under ``--store``)."""
from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
        self.counts = bounded.Counts()  # the proofs' counts: this store never changes once open
        self.triples: int | None = None  # recorded at load time (on-disk stores)

    @classmethod
    def from_files(cls, files, store_dir: Path | None = None, *, union_default_graph: bool = True,
                   license: str | None = None, progress: Callable[..., object] | None = None) -> "EmbeddedStore":
        """Load RDF files; an item may be ``(path, graph_iri)`` to put a triples file in a named graph.
        ``progress(bytes, triples)`` hears of each piece loaded (``triples`` counted for N-Triples and
        N-Quads, else None); ``license`` is recorded with the data.

        With ``store_dir`` the data is loaded into (and stays in) an on-disk store, compacted after
        the bulk load; the server then opens it read-only in every process. The load happens in a
        staging directory beside it, renamed into place only once everything loaded: a load that fails
        leaves no half-made store (and an existing store as it was).
        """
        if store_dir is not None:
            return cls._load_dir(files, Path(store_dir), union_default_graph=union_default_graph, license=license,
                                 progress=progress)
        store = ox.Store()
        content_hash = _load_into(store, _expand(files), union_default_graph, progress)
        made = cls(store, content_hash, union_default_graph=union_default_graph, merged=union_default_graph)
        made.license = license
        return made

    @classmethod
    def _load_dir(cls, files, store_dir: Path, *, union_default_graph: bool, license: str | None,
                  progress) -> "EmbeddedStore":
        store_dir = store_dir.absolute()
        existing = store_dir.is_dir() and any(store_dir.iterdir())
        if existing and not (store_dir / "CURRENT").exists():
            raise ValueError(f"{store_dir}: exists and is not a store; give a new directory (or an existing store "
                             "to add to)")
        files = _expand(files)          # every file checked to exist before anything is made
        staging = store_dir.with_name(f".{store_dir.name}.loading-{os.getpid()}")
        previous = store_dir.with_name(f".{store_dir.name}.replaced-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        meta: dict = {}
        try:
            if existing:        # add to a copy: a RocksDB checkpoint (hard links), cheap however large
                meta = json.loads((store_dir / HASH_FILE).read_text()) if (store_dir / HASH_FILE).exists() else {}
                ox.Store.read_only(str(store_dir)).backup(str(staging))
            store = ox.Store(str(staging))
            content_hash = _load_into(store, files, union_default_graph, progress, previous=meta.get("content_hash"))
            # The compaction (RocksDB, the GIL released) runs beside the count: measured 1.7-2 s and 0.3-0.7 s.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="optimize") as pool:
                compacted = pool.submit(store.optimize)
                try:
                    # Without named graphs every quad is a default-graph triple, each once: len() is the
                    # count, ~40 % faster than the query (1M triples: 0.41 s against 0.61 s).
                    merged = union_default_graph and _has_named_graphs(store)
                    triples = _count_default_graph(store) if merged else len(store)
                finally:
                    compacted.result()
            meta = {"content_hash": content_hash, "license": license or meta.get("license"),
                    "merged": union_default_graph, "triples": triples}
            (staging / HASH_FILE).write_text(json.dumps(meta))
            del store
            if existing:
                os.rename(store_dir, previous)
            elif store_dir.is_dir():
                store_dir.rmdir()       # an empty directory given as the target
            os.rename(staging, store_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if previous.exists() and not store_dir.exists():
                os.rename(previous, store_dir)
            raise
        shutil.rmtree(previous, ignore_errors=True)
        return cls.open_dir(store_dir, union_default_graph=union_default_graph)

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
        store.triples = meta.get("triples")
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

    @property
    def store_dir(self) -> Path | None:
        """The directory of an on-disk store (``--store DIR``), None in memory."""
        return self._dir

    def _open_for_worker(self) -> ox.Store:
        if self._dir is not None:
            return ox.Store.read_only(str(self._dir))
        return self._store

    def start(self, *, workers: int = 2, max_workers: int = 4, reserved: int = 0,
              worker_memory_mb: float | None = None) -> None:
        if self._dir is not None:
            self._store = None          # never fork an open RocksDB handle; reopen after the fork
        growth = {} if worker_memory_mb is None else {"memory_growth": int(worker_memory_mb * 2**20)}
        self.pool = QueryPool(self._open_for_worker, size=workers, max_size=max_workers, reserved=reserved, **growth)

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

    promotes = True

    def run(self, job: Job, timeout: float, lane=None):
        """Evaluate ``job``: in this process when its cost is proven bounded (``bounded``: a few index
        lookups from constant subjects, counted on the store first), else in a killable worker (which
        ``lane`` may promote: ``base.Store.run``)."""
        in_process_timeout = min(timeout, lane[0]) if lane else timeout
        union = job.union_default_graph and not (self.merged or not self.union_default_graph)
        if self.pool is None:           # not serving (tests, scripts): in process, no timeout
            return run_job(self.ox_store, job, union=union)
        if job.plan is not None and job.default_graphs is None and in_process_timeout >= MIN_IN_PROCESS_TIMEOUT:
            store = self.ox_store
            started = time.monotonic()
            outcome = None
            if job.probe is not None:       # streams: the engine stops at the probe's LIMIT
                probed = run_job(store, job, job.probe, union=union)
                if probed.truncated or (probed.rows is not None and probed.rows <= bounded.BUDGET):
                    outcome = probed
            elif bounded.within_budget(store, job.plan, None if union else ox.DefaultGraph(), self.counts):
                outcome = run_job(store, job, union=union, small=True)
            if outcome is not None:
                self.in_process += 1
                if time.monotonic() - started > in_process_timeout:   # bounded, yet late (an overloaded machine)
                    raise QueryTimeout()
                return outcome
        if union != job.union_default_graph:
            job = replace(job, union_default_graph=union)
        return self.pool.run(job, timeout, lane)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox_store.named_graphs() if isinstance(g, ox.NamedNode))

    def size(self) -> int:
        """Triples in the default graph as queries see it (a store without the merge: the quads stored);
        an on-disk store made by ``cec-kg load`` recorded it (a count takes seconds at millions)."""
        if self.triples is not None:
            return self.triples
        if not self.merged:
            return len(self.ox_store)
        return _count_default_graph(self.ox_store)

    def content_hash(self) -> str:
        return self._hash


# -- loading ---------------------------------------------------------------------------------------------
# An N-Triples or N-Quads file (one statement a line) larger than PARALLEL_MIN_BYTES is cut at line ends
# into one piece a core (at most 4, at least MIN_PIECE_BYTES each), loaded at once: pyoxigraph's bulk
# loader releases the GIL (not when it reads from a Python file object: streamed pieces ran one at a
# time), and Oxigraph's own CLI loads several files at once the same way. Measured on 2 cores, 1M
# triples: 13.6 s in one call, 5.4-7.7 s in two halves; more pieces than cores cost more (4 pieces on 2
# threads: 11.4 s), so progress is reported once a piece. Not when the file holds blank nodes: the parser
# names them per call, and a blank node used in two pieces must stay one. Other syntaxes load in one
# call (their prefixes, base and blank nodes span the file).
LINE_FORMATS = {ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS}
PARALLEL_MIN_BYTES = 8 * 2**20
MIN_PIECE_BYTES = 4 * 2**20
LOAD_THREADS = max(1, min(4, os.cpu_count() or 1))


def _expand(files) -> list[tuple[Path, str | None]]:
    plain = [f for f in files if not isinstance(f, tuple)]
    named = [f for f in files if isinstance(f, tuple)]
    return [(p, None) for p in rdf_files(plain)] + [(Path(p), g) for p, g in named]


def _load_into(store: ox.Store, files: list[tuple[Path, str | None]], union_default_graph: bool, progress,
               previous: str | None = None) -> str:
    """Bulk-load ``files`` ((path, graph IRI or None), see ``_expand``) into ``store`` and merge the
    default graph; return the content hash. Files are mapped, not read: memory stays flat."""
    digest = hashlib.sha256()
    if previous:
        digest.update(f"{previous}\0".encode())       # added to a store: its data is part of the content
    for f, graph in files:
        fmt = RDF_FORMATS[f.suffix.lower()]
        with f.open("rb") as fh:
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(fh.fileno()).st_size else b""
            try:
                digest.update(f"{graph}\0".encode())
                # Hashed beside the load (hashlib releases the GIL over large buffers), in file order:
                # the same digest as before, the file's bytes read once into the page cache for both.
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hash") as hasher:
                    hashed = hasher.submit(digest.update, data)
                    try:
                        kwargs = {"to_graph": ox.NamedNode(graph)} if graph else {}
                        _load_file(store, f, data, fmt, kwargs, progress)
                    finally:
                        hashed.result()
            finally:
                if isinstance(data, mmap.mmap):
                    data.close()
    if union_default_graph:
        if _has_named_graphs(store):
            merge_into_default_graph(store)
        digest.update(b"\0merged default graph")     # the answers differ from a union-as-bag store's
    return digest.hexdigest()[:16]


def _pieces(data, fmt) -> list[tuple[int, int]]:
    """(start, end) byte ranges of ``data``, cut at line ends; one range when not worth or not safe."""
    size = len(data)
    if fmt not in LINE_FORMATS or size < PARALLEL_MIN_BYTES or data.find(b"_:") >= 0:
        return [(0, size)]
    out, start, piece = [], 0, max(MIN_PIECE_BYTES, -(-size // LOAD_THREADS))
    while start < size:
        end = data.find(b"\n", min(size - 1, start + piece))
        end = size if end < 0 else end + 1
        out.append((start, end))
        start = end
    return out


def _load_file(store: ox.Store, f: Path, data, fmt, kwargs: dict, progress) -> None:
    base = f.absolute().as_uri()
    pieces = _pieces(data, fmt)
    lines = fmt in LINE_FORMATS

    def load(piece: tuple[int, int]) -> None:
        chunk = bytes(data[piece[0]:piece[1]])
        try:
            store.bulk_load(chunk, format=fmt, base_iri=base, **kwargs)
        except SyntaxError as e:
            first_line = data[:piece[0]].count(b"\n") if piece[0] else 0
            message = re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + first_line}", str(e))
            raise ValueError(f"{f}: not valid {fmt.name}: {message}") from None
        if progress:
            progress(len(chunk), chunk.count(b"\n") if lines else None)

    if len(pieces) == 1:
        load(pieces[0])
        return
    with ThreadPoolExecutor(max_workers=LOAD_THREADS, thread_name_prefix="load") as pool:
        for future in [pool.submit(load, p) for p in pieces]:
            future.result()         # the first failure is raised; the staging store is then discarded


def _count_default_graph(store: ox.Store) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)


def _has_named_graphs(store: ox.Store) -> bool:
    """Whether any quad is in a named graph. Without one (N-Triples, Turtle) there is nothing to merge,
    yet the merge's update still took 57 ms at 100k triples and 0.35 s at 1M."""
    return next(iter(store.named_graphs()), None) is not None


def merge_into_default_graph(store: ox.Store) -> None:
    """Add every named graph's triples to the default graph (a set: each triple once; a blank node stays
    itself, SPARQL 1.1 Update §3.1.3). One update in the engine, without a Python object per quad: the
    CEC graph's merge went from ~32 to ~10 ms in memory."""
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
