"""The store boundary: the one interface the service uses to reach the graph.

``Store.query`` runs SPARQL and returns pyoxigraph's result objects (solutions, boolean or triples),
whatever the backend, so serialisation is done once, by pyoxigraph's own writers. ``Store.run`` is the
endpoint's path: evaluate *and* serialise under a timeout that really stops the work. Backends:
``EmbeddedStore`` (pyoxigraph in process, the default; queries from the endpoint run in killable
worker processes, see ``executor``) and ``RemoteStore`` (any SPARQL 1.1 Protocol endpoint).
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import pyoxigraph as ox

from .executor import EvaluationError, Job, QueryPool, QuerySyntaxError, QueryTimeout, run_job

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

    def query(self, sparql: str, *, default_graphs=None, named_graphs=None, substitutions=None, base_iri=None):
        """Run a query in process; pyoxigraph results (QuerySolutions, QueryBoolean or triples)."""
        raise NotImplementedError

    def run(self, job: Job, timeout: float):
        """Evaluate and serialise ``job`` (a ``results.Outcome``) or raise QueryTimeout (work stopped),
        QuerySyntaxError, EvaluationError or executor.Busy."""
        raise NotImplementedError

    def graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        raise NotImplementedError

    def size(self) -> int:
        """Number of quads in the dataset."""
        raise NotImplementedError

    def content_hash(self) -> str:
        """A short hash that changes whenever the data changes (ETags build on it)."""
        raise NotImplementedError

    def start(self, *, workers: int = 2, max_workers: int = 4) -> None:
        """Prepare for serving (e.g. fork query workers); call once, before serving threads start."""

    def close(self) -> None:
        pass


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

    @classmethod
    def from_files(cls, files, store_dir: Path | None = None, *, union_default_graph: bool = True) -> "EmbeddedStore":
        """Load RDF files; an item may be ``(path, graph_iri)`` to put a triples file in a named graph.

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
        if union_default_graph:
            merge_into_default_graph(store)
            digest.update(b"\0merged default graph")     # the answers differ from a union-as-bag store's
        content_hash = digest.hexdigest()[:16]
        if store_dir:
            store.optimize()
            Path(store_dir, HASH_FILE).write_text(json.dumps({"content_hash": content_hash,
                                                              "merged": union_default_graph}))
            del store
            return cls.open_dir(store_dir, union_default_graph=union_default_graph)
        return cls(store, content_hash, union_default_graph=union_default_graph, merged=union_default_graph)

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
        if not content_hash:
            store._hash = hashlib.sha256(f"{store_dir.resolve()}\0{store.size()}".encode()).hexdigest()[:16]
        return store

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

    def start(self, *, workers: int = 2, max_workers: int = 4) -> None:
        if self._dir is not None:
            self._store = None          # never fork an open RocksDB handle; reopen after the fork
        self.pool = QueryPool(self._open_for_worker, size=workers, max_size=max_workers)

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
        if job.union_default_graph and (self.merged or not self.union_default_graph):
            job = Job(**{**job.__dict__, "union_default_graph": False})
        if self.pool is None:           # not serving (tests, scripts): in process, no timeout
            return run_job(self.ox_store, job)
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


class RemoteStore(Store):
    """Any SPARQL 1.1 Protocol endpoint, through SPARQLWrapper; results parsed into pyoxigraph objects.

    The timeout closes our connection to the endpoint and answers 503; stopping the evaluation there
    is the endpoint's own business (configure its timeout too). The default graph is whatever the
    endpoint calls its default graph (run ``oxigraph serve --union-default-graph`` to match ours).
    """

    kind = "remote"

    def __init__(self, endpoint: str, *, timeout: float = 10.0, graph_store: str | None = None):
        self.endpoint = endpoint
        self.timeout = timeout
        self.graph_store = graph_store or default_graph_store(endpoint)
        self._threads = ThreadPoolExecutor(max_workers=32, thread_name_prefix="remote-query")
        self._hash = None

    def _wrapper(self, sparql: str, accept: str, default_graphs, named_graphs, timeout: float):
        from SPARQLWrapper import POST, SPARQLWrapper

        w = SPARQLWrapper(self.endpoint)
        w.setMethod(POST)
        # Form-encoded POST, the one every endpoint takes: Virtuoso 7.2 never answers a direct
        # application/sparql-query POST (openlink/virtuoso-opensource#842, open).
        w.setRequestMethod("urlencoded")
        w.setQuery(sparql)
        w.setOnlyConneg(True)
        w.addCustomHttpHeader("Accept", accept)
        w.setTimeout(max(1, int(timeout + 0.999)))
        for g in default_graphs or ():
            w.addDefaultGraph(g)
        for g in named_graphs or ():
            w.addNamedGraph(g)
        return w

    def _fetch(self, sparql: str, default_graphs=None, named_graphs=None, timeout: float | None = None):
        """Raw result of a query: pyoxigraph results parsed from the endpoint's answer."""
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        from .guard import inspect

        form = inspect(sparql, max_bytes=1 << 30).form
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples" if graph_form else "application/sparql-results+json"
        if (default_graphs is not None or named_graphs is not None) and form is not None:
            # The protocol's graphs replace FROM / FROM NAMED; Virtuoso would merge both: drop the clauses.
            sparql = _without_from(sparql)
        w = self._wrapper(sparql, accept, default_graphs, named_graphs, timeout or self.timeout)
        try:
            response = w.query().response
            body = response.read()
            ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
            state = response.headers.get("X-SQL-State")
        except QueryBadFormed as e:
            message = str(e).split("Response:", 1)[-1].strip() or str(e)
            if message[:2] in ("b'", 'b"'):
                import ast

                message = ast.literal_eval(message).decode("utf-8", "replace")
            raise QuerySyntaxError(message) from None
        except (socket.timeout, TimeoutError) as e:
            raise QueryTimeout() from e
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise QueryTimeout() from e
            raise EvaluationError(f"the SPARQL backend {self.endpoint} is unreachable: {e.reason}") from None
        except SPARQLWrapperException as e:
            if "Virtuoso S1T00 Error" in str(e):    # Virtuoso stopped the query at its own time limit
                raise QueryTimeout() from None
            raise EvaluationError(f"the SPARQL backend answered an error: {e}") from None
        if state:   # Virtuoso's "anytime" answer: 200 with partial results when its own time limit hit
            if state.strip() == "S1TAT":
                raise QueryTimeout()
            raise EvaluationError(f"the SPARQL backend flagged its answer incomplete ({state}): "
                                  f"{response.headers.get('X-SQL-Message', '')}".strip())
        if graph_form:
            fmt = {"text/turtle": ox.RdfFormat.TURTLE, "application/rdf+xml": ox.RdfFormat.RDF_XML}.get(
                ctype, ox.RdfFormat.N_TRIPLES)
            return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]
        fmt = {"application/sparql-results+xml": ox.QueryResultsFormat.XML,
               "text/tab-separated-values": ox.QueryResultsFormat.TSV}.get(ctype, ox.QueryResultsFormat.JSON)
        return ox.parse_query_results(body, format=fmt)

    def query(self, sparql: str, *, default_graphs=None, named_graphs=None, substitutions=None, base_iri=None):
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        if substitutions:
            values = " ".join(f"?{k.value if hasattr(k, 'value') else k}" for k in substitutions)
            row = " ".join(str(v) for v in substitutions.values())
            sparql = _inject_values(sparql, f"VALUES ({values}) {{ ({row}) }}")
        return self._fetch(sparql, default_graphs, named_graphs)

    def run(self, job: Job, timeout: float):
        from .results import serialize

        def work():
            # No BASE is added: it would shift the line numbers of the backend's syntax errors;
            # relative IRIs resolve against the backend's own endpoint URL.
            results = self._fetch(job.query, job.default_graphs, job.named_graphs, timeout)
            return serialize(results, job.media_type, row_cap=job.row_cap, bounded=job.bounded)

        future = self._threads.submit(work)
        try:
            return future.result(timeout + 1.0)
        except FutureTimeout:
            raise QueryTimeout() from None

    def graphs(self) -> list[str]:
        names = [r["g"].value for r in self._fetch("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g")
                 if isinstance(r["g"], ox.NamedNode)]
        if not names:   # Virtuoso 7 answers one row with ?g unbound: ask for the graphs holding a triple
            names = [r["g"].value for r in self._fetch("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
                     if isinstance(r["g"], ox.NamedNode)]
        return names

    def size(self) -> int:
        # Triples of the endpoint's default graph: the whole dataset when it serves the union
        # (``oxigraph serve --union-default-graph``, Virtuoso); a default-graph-only count otherwise.
        rows = list(self._fetch("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
        return int(rows[0]["n"].value)

    def content_hash(self) -> str:
        """Fingerprint taken at start-up (the endpoint is read-only through us; restart after reloading it)."""
        if self._hash is None:
            self._hash = hashlib.sha256(f"{self.endpoint}\0{self.size()}\0{self.graphs()}".encode()).hexdigest()[:16]
        return self._hash

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

    # -- loading (Graph Store Protocol) ------------------------------------------------------------
    def put_graph(self, graph: str | None, ntriples: bytes) -> int:
        """PUT one graph (None: the default graph) with the SPARQL 1.1 Graph Store HTTP Protocol."""
        from urllib.parse import quote

        target = f"{self.graph_store}?" + (f"graph={quote(graph, safe='')}" if graph else "default")
        req = urllib.request.Request(target, data=ntriples, method="PUT",
                                     headers={"Content-Type": "application/n-triples"})
        with urllib.request.urlopen(req, timeout=600) as resp:
            return resp.status


def merge_into_default_graph(store: ox.Store) -> None:
    """Add every named graph's triples to the default graph (a set: each triple once)."""
    for graph in list(store.named_graphs()):
        store.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                      for q in store.quads_for_pattern(None, None, None, graph)])


def default_graph_store(endpoint: str) -> str:
    """Graph Store Protocol URL next to a query endpoint: Oxigraph's ``/query`` -> ``/store``,
    Fuseki's ``/ds/query`` or ``/ds/sparql`` -> ``/ds/data``, Virtuoso's ``/sparql`` (at the root)
    -> ``/sparql-graph-crud``; otherwise the endpoint itself."""
    base = endpoint.rstrip("/")
    if base.endswith("/query"):
        root = base[: -len("/query")]
        return root + ("/store" if root.count("/") <= 2 else "/data")
    if base.endswith("/sparql"):
        root = base[: -len("/sparql")]
        return root + ("/sparql-graph-crud" if root.count("/") <= 2 else "/data")
    return endpoint


def _without_from(sparql: str) -> str:
    """The query with its FROM / FROM NAMED clauses blanked out (same length and lines, so the
    backend's syntax errors keep their positions)."""
    from .guard import tokens

    spans, start, depth = [], None, 0
    for kind, value, offset in tokens(sparql):
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        if start is not None and kind in ("iri", "pname"):
            spans.append((start, offset + len(value)))
            start = None
        elif kind == "word" and value.upper() == "FROM" and depth == 0:
            start = offset
        elif not (start is not None and kind == "word" and value.upper() == "NAMED"):
            start = None
    for begin, end in reversed(spans):
        sparql = sparql[:begin] + "".join(c if c in "\r\n" else " " for c in sparql[begin:end]) + sparql[end:]
    return sparql


def _inject_values(sparql: str, values: str) -> str:
    """Append a VALUES block binding substitutions (SEP-0007 semantics for the simple case)."""
    return sparql.rstrip() + "\n" + values
