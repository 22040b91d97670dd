"""The store boundary: the one interface the service uses to reach the graph.

``Store.query`` runs SPARQL and returns pyoxigraph's result objects (solutions, boolean or triples),
whatever the backend, so serialisation is done once, by pyoxigraph's own writers. Backends:
``EmbeddedStore`` (pyoxigraph in process, the default) and, for scale, a remote SPARQL 1.1 endpoint.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox

# File suffix -> RDF syntax, for `--data` files a user publishes.
RDF_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS, ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}


def rdf_files(paths: list[Path]) -> list[Path]:
    """Expand directories into the RDF files they hold (sorted, recursive)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in RDF_FORMATS)
        elif p.suffix.lower() in RDF_FORMATS:
            out.append(p)
        else:
            raise ValueError(f"{p}: not an RDF file (known suffixes: {', '.join(sorted(RDF_FORMATS))})")
    return out


class Store:
    """What the service needs from a backend."""

    def query(self, sparql: str, *, default_graphs=None, named_graphs=None, substitutions=None):
        raise NotImplementedError

    def size(self) -> int:
        """Number of quads in the dataset."""
        raise NotImplementedError

    def content_hash(self) -> str:
        """A short hash that changes whenever the data changes (ETags build on it)."""
        raise NotImplementedError


class EmbeddedStore(Store):
    """pyoxigraph in process; the query's default graph is the union of all graphs."""

    def __init__(self, store: ox.Store, content_hash: str):
        self._store = store
        self._hash = content_hash

    @classmethod
    def from_files(cls, files: list[Path], store_dir: Path | None = None) -> "EmbeddedStore":
        store = ox.Store(str(store_dir)) if store_dir else ox.Store()
        digest = hashlib.sha256()
        for f in rdf_files(files):
            data = f.read_bytes()
            digest.update(data)
            store.bulk_load(data, format=RDF_FORMATS[f.suffix.lower()], base_iri=f.resolve().as_uri())
        if store_dir:
            store.optimize()
        return cls(store, digest.hexdigest()[:16])

    def query(self, sparql: str, *, default_graphs=None, named_graphs=None, substitutions=None):
        kwargs = {"substitutions": substitutions} if substitutions else {}
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        return self._store.query(sparql, **kwargs)

    def size(self) -> int:
        return len(self._store)

    def content_hash(self) -> str:
        return self._hash
