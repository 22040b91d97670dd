"""The store boundary: the one interface the service uses to reach the graph.

``Store.query`` runs SPARQL and returns pyoxigraph's result objects (solutions, boolean or triples),
whatever the backend, so serialisation is done once, by pyoxigraph's own writers. ``Store.run`` is the
endpoint's path: evaluate *and* serialise under a timeout that really stops the work. Backends:
``embedded.EmbeddedStore`` (pyoxigraph in process, the default; queries from the endpoint run in
killable worker processes, see ``executor``) and ``remote.RemoteStore`` (any SPARQL 1.1 Protocol endpoint).
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .executor import Job

# File suffix -> RDF syntax, for `--data` files a user publishes.
RDF_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS, ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}
# Beside an on-disk store: the hash of what was loaded into it (ETags build on it).
HASH_FILE = "cec-kg-content.json"


def rdf_files(paths: list[Path]) -> list[Path]:
    """Expand directories into the RDF files they hold (sorted, recursive)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in RDF_FORMATS)
        elif not p.exists():
            raise ValueError(f"{p}: no such file or directory")
        elif p.suffix.lower() in RDF_FORMATS:
            out.append(p)
        else:
            raise ValueError(f"{p}: not an RDF file (known suffixes: {', '.join(sorted(RDF_FORMATS))})")
    return out


class Store:
    """What the service needs from a backend."""

    kind = "abstract"
    license: str | None = None      # IRI of the served data's licence, if anyone stated one

    def query(self, sparql: str, *, default_graphs=None, named_graphs=None, substitutions=None, base_iri=None):
        """Run a query in process; pyoxigraph results (QuerySolutions, QueryBoolean or triples)."""
        raise NotImplementedError

    # Whether ``run`` takes ``lane``: a cheap query past its time in the cheap lane moves to the heavy
    # lane while it runs, instead of being stopped and run again from the start (``endpoint.admitted``).
    promotes = False

    def run(self, job: Job, timeout: float, lane=None):
        """Evaluate and serialise ``job`` (a ``results.Outcome``) or raise QueryTimeout (work stopped),
        QuerySyntaxError, EvaluationError or executor.Busy. ``lane``: (seconds, promote), for stores that
        promote: past ``seconds`` the work is still running and ``promote()`` is called (it may raise,
        then the work is stopped); a store that cannot give it a heavy place raises QueryTimeout then."""
        raise NotImplementedError

    def ping(self, timeout: float) -> None:
        """Raise unless the store answers a trivial query within ``timeout`` seconds."""
        bool(self.query("ASK {}"))

    def graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        raise NotImplementedError

    def size(self) -> int:
        """Number of quads in the dataset."""
        raise NotImplementedError

    def content_hash(self) -> str:
        """A short hash that changes whenever the data changes (ETags build on it)."""
        raise NotImplementedError

    def start(self, *, workers: int = 2, max_workers: int = 4, reserved: int = 0,
              worker_memory_mb: float | None = None) -> None:
        """Prepare for serving (e.g. fork query workers); call once, before serving threads start."""

    def close(self) -> None:
        pass

    def drain(self) -> None:
        """The server is stopping and its grace is over: end the queries still running, so that their
        requests are answered 503 rather than cut off. Called once, in the serving main process."""
        self.close()
