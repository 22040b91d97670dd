"""The remote backend: any SPARQL 1.1 Protocol endpoint (Oxigraph server, Virtuoso, Fuseki…)."""
from __future__ import annotations

import hashlib
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import pyoxigraph as ox

from .base import Store
from .executor import EvaluationError, Job, QuerySyntaxError, QueryTimeout


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
            return serialize(results, job.media_type, row_cap=job.row_cap)

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
